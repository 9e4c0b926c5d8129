"""The app in Estonian and Slovenian: the UI language setting, the school's language as the
default, Qt's own buttons, and the services' error reasons as the secretary reads them."""

from __future__ import annotations

import logging
import re
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop import app, i18n
from desktop.domain.errors import ConflictError, PermissionDenied, ValidationError
from desktop.domain.personal_codes import parse_personal_code
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, check_name, check_phone
from desktop.services.container import open_database
from desktop.services.demo import DemoService
from desktop.services.school import SchoolProfile
from desktop.services.staff import resolve_actor
from desktop.settings import Settings, default_database_url, load_settings, save_settings
from desktop.ui.dialogs.settings_dialog import SettingsDialog
from desktop.ui.forms import reason_sentence
from desktop.ui.messages import describe

pytestmark = pytest.mark.gui

STUDENTS = 60


@pytest.fixture(autouse=True)
def _no_dialogs_and_clean_logging(monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def start(qtbot, country: Country, ui_language: str):
    """The app on a demo school of `country`, with Settings.ui_language = `ui_language`."""
    save_settings(Settings(ui_language=ui_language))
    db = open_database(default_database_url())
    DemoService(db, resolve_actor(db)).fill(country, STUDENTS)
    db.dispose()
    _qapp, window = app.start_gui(None, demo=False)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=10_000):
        pass
    with qtbot.waitSignal(window.roster.loaded, timeout=10_000):  # the app opens on Today
        window.tabs.setCurrentWidget(window.roster)
    return window


def tab_titles(window) -> list[str]:
    """Without the Today tab's count ("Today (3)"): the demo's lines depend on the day."""
    return [re.sub(r" \(\d+\)$", "", window.tabs.tabText(i)) for i in range(window.tabs.count())]


def menu_titles(window) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_a_slovenian_school_speaks_slovenian_when_nothing_is_set(qtbot):
    window = start(qtbot, Country.SI, "")
    assert i18n.ui_language() == "sl"
    assert tab_titles(window) == ["Danes", "Učenci", "Izkaznice", "Soglasja", "Obračun"]
    assert menu_titles(window) == ["&Datoteka", "&Dokumenti", "&Pomoč"]
    roster = window.roster
    assert roster.count.text() == f"{STUDENTS} učencev"
    assert roster.search.placeholderText() == "Iskanje: ime, EMŠO ali razred  (Ctrl+F)"
    model = roster.controller.model
    horizontal = Qt.Orientation.Horizontal
    assert [model.headerData(c, horizontal) for c in range(3)] == ["Priimek", "Ime", "EMŠO"]
    assert window.import_action.text() == "&Uvozi seznam učencev …"
    assert window.actor_label.text().startswith("Prijavljeni ste kot ")
    assert "Skrbnik sistema" in window.actor_label.toolTip()  # the Administrator role


def test_the_estonian_setting(qtbot):
    window = start(qtbot, Country.EE, "et")
    assert i18n.ui_language() == "et"
    assert tab_titles(window) == ["Täna", "Õpilased", "Kaardid", "Nõusolekud"]  # no paid tier
    assert menu_titles(window) == ["&Fail", "&Dokumendid", "&Abi"]
    assert window.roster.count.text() == f"{STUDENTS} õpilast"
    assert window.roster.search.placeholderText() == "Otsi: nimi, isikukood või klass  (Ctrl+F)"
    assert window.database_label.text().startswith("Andmebaas: ")


def test_the_setting_wins_over_the_schools_language(qtbot):
    window = start(qtbot, Country.SI, "en")
    assert tab_titles(window) == ["Today", "Roster", "Cards", "Consent", "Billing"]
    assert window.roster.count.text() == f"{STUDENTS} students"


def test_qt_buttons_and_the_settings_dialog_follow_the_language(qtbot):
    start(qtbot, Country.SI, "sl")  # installs the catalogue for Qt's own texts
    dialog = SettingsDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    box = dialog.findChild(QDialogButtonBox)
    assert box.button(QDialogButtonBox.StandardButton.Save).text() == "Shrani"
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Prekliči"
    assert dialog.language.currentData() == "sl"
    assert dialog.language_note.isHidden()
    dialog.language.setCurrentIndex(dialog.language.findData("et"))
    assert not dialog.language_note.isHidden()
    assert "naslednjem zagonu" in dialog.language_note.text()
    dialog.accept()
    assert dialog.language_changed
    assert load_settings().ui_language == "et"


@pytest.mark.parametrize(
    ("setting", "country", "system", "expected"),
    [
        ("sl", Country.EE, ("et_EE", "UTF-8"), "sl"),  # the setting first
        ("", Country.EE, ("sl_SI", "UTF-8"), "et"),  # then the school's language
        ("", None, ("Slovenian_Slovenia", "1250"), "sl"),  # no school yet: Windows' locale
        ("", None, ("et_EE", "UTF-8"), "et"),
        ("", None, (None, None), "en"),
        ("de", Country.SI, ("sl_SI", "UTF-8"), "en"),  # a setting we do not have: English
    ],
)
def test_which_language_the_ui_starts_in(monkeypatch, setting, country, system, expected):
    import locale

    monkeypatch.setattr(locale, "getlocale", lambda: system)
    school = SchoolProfile("Šola", country) if country else None
    assert app.apply_ui_language(Settings(ui_language=setting), school) == expected
    assert i18n.ui_language() == expected


# ---- the domain's reasons: English in the error, translated where the UI shows them ----------


@pytest.fixture
def slovenian():
    i18n.set_ui_language("sl")


def refusal(check) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check()
    return caught.value


def test_roster_form_reasons_are_translated(slovenian):
    assert reason_sentence("first_name", "is required", "SI") == "Ime je obvezen podatek"
    too_long = refusal(lambda: check_name("last_name", "x" * 101))
    assert reason_sentence(too_long.field, too_long.reason, "SI") == (
        "Priimek ima več kot 100 znakov"
    )
    phone = refusal(lambda: check_phone("12", "phone"))
    assert reason_sentence(phone.field, phone.reason, "SI") == (
        "Telefon ni telefonska številka (npr. +386 41 123 456)"
    )
    digit = refusal(lambda: parse_personal_code("0101006500007", "SI"))  # check digit: 6
    assert reason_sentence(digit.field, digit.reason, "SI") == (
        "Kontrolna števka (zadnja števka) ni pravilna"
    )
    length = refusal(lambda: parse_personal_code("123", "SI"))
    assert reason_sentence(length.field, length.reason, "SI") == (
        "EMŠO ima 13 števk, vneseni podatek jih ima 3"
    )
    assert describe(phone, "SI") == "Telefon: ni telefonska številka (npr. +386 41 123 456)"


def test_the_error_itself_stays_english_for_the_command_line_and_the_log(slovenian):
    error = refusal(lambda: check_name("first_name", "x" * 101))
    assert str(error) == f"first_name: {'x' * 101!r}: is longer than 100 characters"


def test_estonian_reasons_put_the_field_first():
    i18n.set_ui_language("et")
    assert reason_sentence("first_name", "is required", "EE") == "Eesnimi on kohustuslik"
    code = refusal(lambda: parse_personal_code("51107121761", "EE"))  # check digit: 0
    assert reason_sentence(code.field, code.reason, "EE") == (
        "Kontrollnumber (viimane number) on vale"
    )


def test_conflicts_and_permissions_are_translated(slovenian):
    conflict = ConflictError("student", 1, "kadri", None)
    assert describe(conflict, "SI") == (
        "Zapis (učenec) je po tem, ko ste ga odprli, spremenil(a) kadri."
    )
    denied = PermissionDenied("maja", Permission.EDIT_ROSTER.value, "Office")
    assert describe(denied, "SI").startswith(
        "Ne morete spreminjati seznama učencev: za to potrebujete vlogo »Tajništvo«."
    )
