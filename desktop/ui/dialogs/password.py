"""The first start with a one-time password: the staff member chooses their own (R119).

The new password goes to the database server only as its SCRAM verifier and is kept only in
this Windows account's Credential Manager (desktop.integrations.secrets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QLineEdit, QWidget

from desktop.domain.errors import ValidationError
from desktop.ui.forms import FormDialog
from desktop.ui.text import _


@dataclass(frozen=True)
class NewPassword:
    password: str
    again: str


class NewPasswordDialog(FormDialog):
    def __init__(
        self, parent: QWidget | None, country: str, login: str, change: Callable[[str], object]
    ):
        def submit(values: NewPassword):
            if values.password != values.again:
                raise ValidationError("password_again", "", _("is not the same password"))
            return change(values.password)

        super().__init__(parent, _("Choose your password"), country, submit, _("Save password"))
        self.set_note(
            _(
                "{login}, you signed in with a one-time password. Choose your own password "
                "(at least 12 characters). It is kept only in this computer's password store "
                "for your Windows account; nobody else learns it."
            ).format(login=login)
        )
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(_("New password"), self.errors.wrap("password", self.password))
        self.form.addRow(_("The same again"), self.errors.wrap("password_again", self.again))

    def values(self) -> NewPassword:
        return NewPassword(self.password.text(), self.again.text())
