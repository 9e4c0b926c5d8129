"""The settings dialog: the database password goes to the keyring, never to settings.json."""

from __future__ import annotations

import json

import pytest

from desktop.integrations import secrets
from desktop.settings import Settings, load_settings, save_settings, settings_path
from desktop.ui.dialogs.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui

PASSWORD = "Sal@salajane:/pw"


@pytest.fixture
def keyring(monkeypatch):
    stored: dict[str, str] = {}
    monkeypatch.setattr(secrets, "set_secret", stored.__setitem__)
    monkeypatch.setattr(secrets, "get_secret", stored.get)
    return stored


def open_dialog(qtbot, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(None, settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill_server(dialog: SettingsDialog, password: str = PASSWORD) -> None:
    dialog.shared.setChecked(True)
    dialog.host.setText("kool-server")
    dialog.port.setValue(5433)
    dialog.database.setText("school_office")
    dialog.user.setText("sekretar")
    dialog.password.setText(password)


def test_password_goes_to_the_keyring_not_the_settings_file(qtbot, keyring):
    dialog = open_dialog(qtbot)
    fill_server(dialog)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    key = secrets.database_secret_key("sekretar", "kool-server", 5433, "school_office")
    assert keyring == {key: PASSWORD}
    text = settings_path().read_text(encoding="utf-8")
    assert PASSWORD not in text and "salajane" not in text
    assert (
        json.loads(text)["database_url"] == "postgresql://sekretar@kool-server:5433/school_office"
    )
    assert load_settings().database_url == "postgresql://sekretar@kool-server:5433/school_office"
    assert dialog.database_changed


def test_the_dialog_shows_a_saved_server_without_its_password(qtbot, keyring):
    save_settings(Settings(database_url="postgresql://sekretar@kool-server:5433/school_office"))
    keyring[secrets.database_secret_key("sekretar", "kool-server", 5433, "school_office")] = "pw"
    dialog = open_dialog(qtbot)
    assert dialog.shared.isChecked()
    assert (dialog.host.text(), dialog.port.value(), dialog.user.text()) == (
        "kool-server",
        5433,
        "sekretar",
    )
    assert dialog.password.text() == ""
    assert "password store" in dialog.password.placeholderText()
    dialog.accept()  # saving without typing the password keeps the stored one
    assert list(keyring.values()) == ["pw"]
    assert not dialog.database_changed


def test_missing_server_fields_are_marked_next_to_them(qtbot, keyring):
    dialog = open_dialog(qtbot)
    dialog.shared.setChecked(True)
    dialog.user.setText("")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.errors.message("host") == "Server is needed for a server database"
    assert dialog.errors.message("user") == "User name is needed for a server database"
    assert not settings_path().exists()
    assert keyring == {}


def test_no_password_store_is_said_next_to_the_password(qtbot, monkeypatch):
    def refuse(key, value):
        raise secrets.KeyringUnavailable("The password could not be saved: no password store")

    monkeypatch.setattr(secrets, "set_secret", refuse)
    dialog = open_dialog(qtbot)
    fill_server(dialog)
    dialog.accept()
    assert dialog.isVisible()
    assert "could not be saved" in dialog.errors.message("password")
    assert not settings_path().exists()  # no half-saved setting pointing at a server


def test_back_to_the_built_in_database_and_the_language(qtbot, keyring):
    save_settings(Settings(database_url="postgresql://sekretar@kool-server/school_office"))
    dialog = open_dialog(qtbot)
    dialog.embedded.setChecked(True)
    dialog.language.setCurrentIndex(dialog.language.findData("sl"))
    dialog.accept()
    saved = load_settings()
    assert saved.database_url == ""
    assert saved.ui_language == "sl"


def test_test_connection_reports_failure_without_the_password(qtbot, keyring, inline_workers):
    dialog = open_dialog(qtbot)
    fill_server(dialog)
    dialog.host.setText("127.0.0.1")
    dialog.port.setValue(1)  # nothing listens there: refused at once
    dialog.test_button.click()
    text = dialog.test_result.text()
    assert "Cannot open the database" in text
    assert PASSWORD not in text and "salajane" not in text
    assert keyring == {}  # testing stores nothing
