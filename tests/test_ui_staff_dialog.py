"""The Staff accounts dialog: a one-time password reset and mapping an existing database role
offered only where staff have database logins of their own (a provisioned PostgreSQL
database, desktop.db.access); the embedded database uses Windows accounts (R119)."""

from __future__ import annotations

import pytest

from desktop.domain.roles import Role
from desktop.services.staff import StaffRecord, StaffService
from desktop.ui.dialogs import staff as staff_dialogs
from desktop.ui.dialogs.staff import StaffDialog, StaffEditDialog


@pytest.fixture(autouse=True)
def _no_dialogs(monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")


def _open(qtbot, services) -> StaffDialog:
    dialog = StaffDialog(None, services.staff, "EE")
    qtbot.addWidget(dialog)
    return dialog


def test_no_passwords_or_existing_roles_on_the_embedded_database(qtbot, services):
    dialog = _open(qtbot, services)
    assert dialog.reset_button.isHidden()
    edit = dialog.add_dialog(lambda values: values)
    qtbot.addWidget(edit)
    assert edit.existing_role.isHidden()
    edit.existing_role.setChecked(True)  # hidden: never sent
    assert edit.values().existing_role is False


def test_reset_password_shows_the_new_one_time_password_once(qtbot, services, monkeypatch):
    services.staff.add("tajnica", "Tajnica", {Role.OFFICE})
    monkeypatch.setattr(StaffService, "server_logins", lambda self: True)
    resets, shown = [], []

    def reset(self, login):
        resets.append(login)
        return "Kx7pQw3rTz9mNb4v"

    monkeypatch.setattr(StaffService, "reset_password", reset)
    monkeypatch.setattr(staff_dialogs, "show_one_time_password", lambda *a: shown.append(a[1:]))
    dialog = _open(qtbot, services)
    assert not dialog.reset_button.isHidden()
    row = [r.login for r in dialog.records].index("tajnica")
    dialog.table.selectRow(row)
    monkeypatch.setattr(staff_dialogs.messages, "ask", lambda *a, **k: "cancel")
    dialog.reset_button.click()
    assert resets == [] and shown == []  # asked first; cancelled
    monkeypatch.setattr(staff_dialogs.messages, "ask", lambda *a, **k: "reset")
    dialog.reset_button.click()
    assert resets == ["tajnica"]
    assert shown == [("tajnica", "Kx7pQw3rTz9mNb4v")]


def test_adding_can_map_an_existing_database_role(qtbot, services, monkeypatch):
    monkeypatch.setattr(StaffService, "server_logins", lambda self: True)
    added = []

    def add(self, login, full_name, roles, existing_role=False):
        added.append((login, roles, existing_role))
        return StaffRecord(99, login, full_name, True, frozenset(roles), 1, None)

    monkeypatch.setattr(StaffService, "add", add)

    def fill_and_accept(edit: StaffEditDialog):
        qtbot.addWidget(edit)
        assert not edit.existing_role.isHidden()
        edit.login.setText("kerberos.user")
        edit.full_name.setText("Kerb Eros")
        edit.role_boxes[Role.BILLING].setChecked(True)
        edit.existing_role.setChecked(True)
        edit.accept()
        return edit.result()

    monkeypatch.setattr(StaffEditDialog, "exec", fill_and_accept)
    dialog = _open(qtbot, services)
    dialog.add()
    assert added == [("kerberos.user", {Role.BILLING}, True)]
