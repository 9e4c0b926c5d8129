"""Staff accounts, for administrators: who may use School Office and with which roles (R121)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Role
from desktop.services.staff import StaffRecord, StaffService
from desktop.ui import messages
from desktop.ui.forms import FormDialog
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.text import _, role_label


@dataclass(frozen=True)
class StaffValues:
    login: str
    full_name: str
    roles: set[Role]
    active: bool
    existing_role: bool = False


class StaffEditDialog(FormDialog):
    """Add an account (record None) or change one's roles and whether it is active."""

    def __init__(
        self,
        parent: QWidget,
        country: str,
        submit: Callable[[StaffValues], object],
        record: StaffRecord | None = None,
        server_logins: bool = False,
    ):
        title = (
            _("Add a staff member")
            if record is None
            else _("Roles of {name}").format(name=record.full_name or record.login)
        )
        super().__init__(parent, title, country, submit)
        self.login = QLineEdit(record.login if record else "")
        self.login.setPlaceholderText(_("their Windows user name"))
        self.full_name = QLineEdit(record.full_name if record else "")
        if record is not None:
            self.login.setReadOnly(True)
            self.full_name.setReadOnly(True)
        self.role_boxes: dict[Role, QCheckBox] = {}
        roles = QVBoxLayout()
        for role in Role:
            box = QCheckBox(role_label(role))
            box.setChecked(record is not None and role in record.roles)
            self.role_boxes[role] = box
            roles.addWidget(box)
        self.active = QCheckBox(_("Account active (can open School Office)"))
        self.active.setChecked(record is None or record.active)
        self.active.setVisible(record is not None)
        # A shared database: a new login with a one-time password, or a role the school's IT
        # already made (Kerberos, SSPI, a certificate; see the README).
        self.existing_role = QCheckBox(
            _("Use the existing database role of this name (no password from School Office)")
        )
        self.existing_role.setVisible(record is None and server_logins)
        self.form.addRow(_("Login"), self.errors.wrap("login", self.login))
        self.form.addRow(_("Name"), self.full_name)
        self.form.addRow(_("Roles"), self.errors.wrap("roles", roles))
        self.form.addRow("", self.active)
        self.form.addRow("", self.existing_role)

    def values(self) -> StaffValues:
        return StaffValues(
            self.login.text(),
            self.full_name.text(),
            {r for r, box in self.role_boxes.items() if box.isChecked()},
            self.active.isChecked(),
            not self.existing_role.isHidden() and self.existing_role.isChecked(),
        )


def show_one_time_password(parent: QWidget, login: str, password: str) -> None:
    """The database login's one-time password, shown once: it is stored nowhere."""
    box = QMessageBox(
        QMessageBox.Icon.Information,
        _("One-time password"),
        _(
            "The database login {login} has this one-time password:\n\n{password}\n\n"
            "It is shown only now. Give it to them in person; School Office asks them for "
            "a new one at their first start."
        ).format(login=login, password=password),
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if messages.dialogs_enabled():
        box.exec()


class StaffDialog(QDialog):
    def __init__(self, parent: QWidget, staff: StaffService, country: str):
        super().__init__(parent)
        self.setWindowTitle(_("Staff accounts"))
        self.staff = staff
        self.country = country
        self.records: list[StaffRecord] = []
        self.model = TupleTableModel([_("Login"), _("Name"), _("Active"), _("Roles")])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.table.doubleClicked.connect(lambda _index: self.edit())
        add = QPushButton(_("Add…"))
        add.clicked.connect(self.add)
        self.edit_button = QPushButton(_("Change roles…"))
        self.edit_button.clicked.connect(self.edit)
        # Only a shared database has passwords of its own (the embedded one uses Windows).
        self.server_logins = self._ask_server_logins()
        self.reset_button = QPushButton(_("Reset password…"))
        self.reset_button.clicked.connect(self.reset_password)
        self.reset_button.setVisible(self.server_logins)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(self.edit_button)
        row.addWidget(self.reset_button)
        row.addStretch(1)
        row.addWidget(close)
        note = QLabel(
            _(
                "Each person signs in with their Windows user name, or on a shared "
                "database with their own database login. Office edits the roster and "
                "cards, Billing sees payments, the authorised person issues "
                "data-protection codes, administrators manage accounts."
            )
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(720, 420)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.records = self.staff.list()
        except SchoolOfficeError as exc:
            messages.show_error(self, exc, _("Staff accounts"), self.country)
            return
        self.model.set_rows(
            [
                (
                    r.login,
                    r.full_name,
                    _("yes") if r.active else _("no"),
                    ", ".join(sorted(role_label(x) for x in r.roles)),
                )
                for r in self.records
            ]
        )
        self.table.resizeColumnsToContents()

    def _ask_server_logins(self) -> bool:
        try:
            return self.staff.server_logins()
        except SchoolOfficeError:
            return False

    def selected(self) -> StaffRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.records[rows[0].row()] if rows else None

    def add(self) -> None:
        staff = self.staff
        dialog = self.add_dialog(
            lambda v: staff.add(v.login, v.full_name, v.roles, existing_role=v.existing_role)
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            record = dialog.result_value
            if isinstance(record, StaffRecord) and record.initial_password:
                show_one_time_password(self, record.login, record.initial_password)

    def add_dialog(self, submit: Callable[[StaffValues], object]) -> StaffEditDialog:
        return StaffEditDialog(self, self.country, submit, server_logins=self.server_logins)

    def reset_password(self) -> None:
        """A new one-time password for the selected person's database login (R119): shown
        once; they choose their own at their next start."""
        record = self.selected()
        if record is None:
            return
        title = _("Reset password")
        answer = messages.ask(
            self,
            title,
            _(
                "Give {login} a new one-time password? Their current password stops working "
                "at once; they choose a new one at their next start."
            ).format(login=record.login),
            [("reset", _("Reset password")), ("cancel", _("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if answer != "reset":
            return
        try:
            password = self.staff.reset_password(record.login)
        except SchoolOfficeError as exc:
            messages.show_error(self, exc, title, self.country)
            return
        self.refresh()
        show_one_time_password(self, record.login, password)

    def edit(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        record = self.records[rows[0].row()]
        staff = self.staff
        dialog = StaffEditDialog(
            self, self.country, lambda v: staff.set_roles(record.login, v.roles, v.active), record
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
