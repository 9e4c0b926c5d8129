"""Choose a student by name, personal code or class among RosterService.table_rows().

Cards and Billing choose among enrolled students (students without any card are not in the
Cards table, so they are found here); Consent chooses among all of them, since a deletion
request often comes after leaving, and shows each one's status instead of the code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem

from desktop.domain.errors import ValidationError
from desktop.domain.roster import StudentStatus
from desktop.ui.collation import name_key
from desktop.ui.forms import FormDialog
from desktop.ui.models.filtered_model import fold_search, search_tokens
from desktop.ui.text import N_, _, code_name, status_label

if TYPE_CHECKING:
    from desktop.services.roster import RosterRow

SHOWN = 200  # enough to scroll through; typing narrows it further


def student_name(row: RosterRow) -> str:
    return f"{row.first_name} {row.last_name}"


class StudentPickerDialog(FormDialog):
    """OK hands `then` the chosen table_rows() tuple."""

    def __init__(
        self,
        parent,
        title: str,
        ok_text: str,
        roster_rows: Sequence[tuple],
        country: str,
        then: Callable[[tuple], object],
        *,
        enrolled_only: bool = True,
        preselect: int | None = None,
    ):
        super().__init__(parent, title, country, then, ok_text=ok_text)
        self._enrolled_only = enrolled_only
        collate = name_key(country)  # the school's alphabet: Čeh after Cvet
        self._rows = sorted(
            (r for r in roster_rows if not enrolled_only or r.status is StudentStatus.ENROLLED),
            key=lambda r: (collate(r.last_name), collate(r.first_name), r.id),
        )
        self._haystack = [
            fold_search(
                f"{r.first_name} {r.last_name}\t{r.personal_code or ''}\t{r.class_name or ''}"
            )
            for r in self._rows
        ]
        self.search = QLineEdit()
        self.search.setObjectName("picker_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("Name, {code} or class").format(code=code_name(country)))
        self.list = QListWidget()
        self.list.setMinimumHeight(260)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.form.addRow(_("Student"), self.errors.wrap("student", self.search))
        self.form.addRow("", self.list)
        chosen = next((r for r in self._rows if r.id == preselect), None)
        if chosen is not None:
            self.search.setText(student_name(chosen))
        self._fill()
        self.search.textChanged.connect(self._fill)

    def _fill(self) -> None:
        tokens = search_tokens(self.search.text())
        self.list.clear()
        for row, text in zip(self._rows, self._haystack, strict=True):
            if all(t in text for t in tokens):
                detail = (
                    (row.personal_code or "—") if self._enrolled_only else status_label(row.status)
                )
                item = QListWidgetItem(
                    f"{row.last_name}, {row.first_name}  ·  {row.class_name or '—'}  ·  {detail}"
                )
                item.setData(Qt.ItemDataRole.UserRole, row)
                self.list.addItem(item)
                if self.list.count() >= SHOWN:
                    break
        if self.list.count():
            self.list.setCurrentRow(0)

    def values(self) -> tuple:
        item = self.list.currentItem()
        if item is None:
            raise ValidationError(
                "student", self.search.text(), N_("choose a student from the list")
            )
        return item.data(Qt.ItemDataRole.UserRole)
