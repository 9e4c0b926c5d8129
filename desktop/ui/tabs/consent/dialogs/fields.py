"""What the Consent tab's forms share: the student field with its picker, and the values of a
form about one student on one day (combo boxes: desktop.ui.forms.make_combo)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from desktop.domain.errors import ValidationError
from desktop.ui.text import N_, _

PickStudent = Callable[[Callable[[int], object]], None]  # opens the picker, then calls back


class StudentField(QWidget):
    """The chosen student's name and a Choose… button that opens the student picker."""

    def __init__(self, pick: PickStudent, changed: Callable[[int], None] | None = None):
        super().__init__()
        self.student_id: int | None = None
        self._pick = pick
        self._changed = changed
        self.label = QLineEdit()
        self.label.setReadOnly(True)
        self.label.setPlaceholderText(_("No student chosen"))
        self.button = QPushButton(_("Choose…"))
        self.button.clicked.connect(lambda: self._pick(self.set_student))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)

    def set_student(self, student_id: int, name: str = "") -> None:
        self.student_id = student_id
        self.label.setText(name or str(student_id))
        if self._changed:
            self._changed(student_id)

    def value(self, field: str = "student") -> int:
        if self.student_id is None:
            raise ValidationError(field, "", N_("choose a student"))
        return self.student_id


@dataclass(frozen=True)
class StudentDateValues:
    student_id: int
    day: date
    text: str
    flag: bool = False
