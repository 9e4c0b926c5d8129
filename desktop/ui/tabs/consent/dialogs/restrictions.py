"""The adult student's prohibition (R48/R100)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QLineEdit

from desktop.ui.forms import DateField, FormDialog, read_fields
from desktop.ui.tabs.consent.dialogs.fields import PickStudent, StudentDateValues, StudentField
from desktop.ui.text import _


class ProhibitionDialog(FormDialog):
    """R48/R100: the adult student's handwritten letter."""

    def __init__(self, parent, country: str, today: date, pick: PickStudent, submit):
        super().__init__(
            parent,
            _("Register an adult student's prohibition"),
            country,
            submit,
            ok_text=_("Register"),
        )
        self.student = StudentField(pick)
        self.received = DateField(country)
        self.received.set_date(today)
        self.signed = QCheckBox(_("The letter is signed by hand"))
        self.reference = QLineEdit()
        e = self.errors
        self.form.addRow(_("Student"), e.wrap("student", self.student))
        self.form.addRow(_("Received on"), e.wrap("received_on", self.received))
        self.form.addRow("", e.wrap("handwritten_signature", self.signed))
        self.form.addRow(_("Reference"), e.wrap("letter_reference", self.reference))
        self.set_note(
            _(
                "From the day it is received nothing about the student goes to any "
                "parent or guardian; their subscription ends the next day. Print the "
                "notices to the guardians afterwards."
            )
        )

    def values(self) -> StudentDateValues:
        read = read_fields(
            {
                "student": self.student.value,
                "received_on": lambda: self.received.date_value("received_on", required=True),
            }
        )
        return StudentDateValues(
            read["student"], read["received_on"], self.reference.text(), self.signed.isChecked()
        )
