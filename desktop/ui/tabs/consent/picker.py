"""Choose any student (enrolled or not: a deletion request often comes after leaving) by name,
personal code or class."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem

from desktop.domain.errors import ValidationError
from desktop.ui.forms import FormDialog
from desktop.ui.models.roster_model import fold_search
from desktop.ui.text import N_, _, code_name, status_label

SHOWN = 200
_ID, _LAST, _FIRST, _CODE, _CLASS, _STATUS = range(6)  # RosterService.table_rows() tuples


def row_name(row: tuple) -> str:
    return f"{row[_FIRST]} {row[_LAST]}"


class AnyStudentPicker(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        rows: Sequence[tuple],
        then: Callable[[tuple], object],
    ):
        super().__init__(parent, _("Choose a student"), country, then, ok_text=_("Choose"))
        self._rows = list(rows)
        self._haystack = [
            fold_search(f"{r[_FIRST]} {r[_LAST]}\t{r[_CODE] or ''}\t{r[_CLASS] or ''}")
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
        self.search.textChanged.connect(self._fill)
        self._fill()

    def _fill(self) -> None:
        tokens = fold_search(self.search.text()).split()
        self.list.clear()
        for row, text in zip(self._rows, self._haystack, strict=True):
            if all(t in text for t in tokens):
                label = (
                    f"{row[_LAST]}, {row[_FIRST]}  ·  {row[_CLASS] or '—'}  ·  "
                    f"{status_label(row[_STATUS])}"
                )
                item = QListWidgetItem(label)
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
