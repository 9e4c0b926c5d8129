"""The first start with a one-time password: the new password is asked twice and handed on."""

from __future__ import annotations

import pytest

from desktop.db.access.names import check_new_password
from desktop.settings import Settings
from desktop.ui.dialogs.password import NewPasswordDialog

pytestmark = pytest.mark.gui


def test_the_new_password_is_asked_twice_and_checked(qtbot):
    chosen = []
    dialog = NewPasswordDialog(
        None, "EE", "mari", lambda password: chosen.append(check_new_password(password))
    )
    qtbot.addWidget(dialog)
    dialog.password.setText("short")
    dialog.again.setText("short")
    dialog.accept()
    assert chosen == [] and dialog.result() == 0  # too short: the dialog stays open
    dialog.password.setText("a long enough password")
    dialog.again.setText("a long enough pasword")
    dialog.accept()
    assert chosen == []  # not the same twice
    dialog.again.setText("a long enough password")
    dialog.accept()
    assert chosen == ["a long enough password"]


def test_a_ca_file_makes_the_connection_verify_the_server():
    settings = Settings(
        database_url="postgresql://mari@server/school", database_ca_file="C:/ca.crt"
    )
    url = settings.effective_database_url
    assert "sslmode=verify-full" in url and "sslrootcert=C" in url
    assert Settings().effective_database_url.startswith("sqlite")
