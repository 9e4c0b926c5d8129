"""Choose an enrolled student by name, personal code or class (issue a card, record a virtual
card): students without any card are not in the Cards table, so they are found here."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem

from desktop.domain.errors import ValidationError
from desktop.domain.roster import StudentStatus
from desktop.ui.forms import FormDialog
from desktop.ui.models.roster_model import fold_search
from desktop.ui.text import N_, _, code_name

SHOWN = 200  # enough to scroll through; typing narrows it further

# Positions in RosterService.table_rows() tuples.
_ID, _LAST, _FIRST, _CODE, _CLASS, _STATUS = range(6)


class StudentPickerDialog(FormDialog):
    def __init__(
        self,
        parent,
        title: str,
        ok_text: str,
        roster_rows: Sequence[tuple],
        country: str,
        preselect: int | None,
        then: Callable[[int], object],
    ):
        super().__init__(parent, title, country, then, ok_text=ok_text)
        self._rows = [r for r in roster_rows if r[_STATUS] is StudentStatus.ENROLLED]
        self._haystack = [
            fold_search(f"{r[_FIRST]} {r[_LAST]}\t{r[_CODE] or ''}\t{r[_CLASS] or ''}")
            for r in self._rows
        ]
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("Name, {code} or class").format(code=code_name(country)))
        self.list = QListWidget()
        self.list.setMinimumHeight(260)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.form.addRow(_("Student"), self.errors.wrap("student", self.search))
        self.form.addRow("", self.list)
        self.search.textChanged.connect(self._fill)
        chosen = next((r for r in self._rows if r[_ID] == preselect), None)
        if chosen is not None:
            self.search.setText(f"{chosen[_FIRST]} {chosen[_LAST]}")
        self._fill()

    def _fill(self) -> None:
        tokens = fold_search(self.search.text()).split()
        self.list.clear()
        shown = 0
        for row, text in zip(self._rows, self._haystack, strict=True):
            if all(t in text for t in tokens):
                label = (
                    f"{row[_LAST]}, {row[_FIRST]}  ·  {row[_CLASS] or '—'}  ·  {row[_CODE] or '—'}"
                )
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, row[_ID])
                self.list.addItem(item)
                shown += 1
                if shown >= SHOWN:
                    break
        if self.list.count():
            self.list.setCurrentRow(0)

    def values(self) -> int:
        item = self.list.currentItem()
        if item is None:
            raise ValidationError(
                "student", self.search.text(), N_("choose a student from the list")
            )
        return item.data(Qt.ItemDataRole.UserRole)
