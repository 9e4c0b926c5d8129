"""A legal hold on a student's data, and the one-line reason data are kept (R67)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLineEdit

from desktop.domain.consent.retention import DataCategory
from desktop.ui.forms import FormDialog, make_combo, read_fields
from desktop.ui.tabs.consent.dialogs.fields import PickStudent, StudentField
from desktop.ui.tabs.consent.labels import CATEGORIES
from desktop.ui.text import _


@dataclass(frozen=True)
class HoldValues:
    student_id: int
    category: DataCategory
    reason: str


class HoldDialog(FormDialog):
    def __init__(self, parent, country: str, pick: PickStudent, submit):
        super().__init__(parent, _("Place a legal hold"), country, submit, ok_text=_("Place"))
        self.student = StudentField(pick)
        self.category = make_combo([(_(CATEGORIES[c]), c) for c in DataCategory])
        self.reason = QLineEdit()
        e = self.errors
        self.form.addRow(_("Student"), e.wrap("student", self.student))
        self.form.addRow(_("Data"), e.wrap("category", self.category))
        self.form.addRow(_("Reason"), e.wrap("reason", self.reason))

    def values(self) -> HoldValues:
        read = read_fields({"student": self.student.value})
        return HoldValues(read["student"], self.category.currentData(), self.reason.text())


class TextDialog(FormDialog):
    """One line of text: why data are kept (R67), a note."""

    def __init__(
        self,
        parent,
        country: str,
        title: str,
        label: str,
        ok_text: str,
        submit,
        field: str = "note",
    ):
        super().__init__(parent, title, country, submit, ok_text=ok_text)
        self.text = QLineEdit()
        self.form.addRow(label, self.errors.wrap(field, self.text))

    def values(self) -> str:
        return self.text.text()
