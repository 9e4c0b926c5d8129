"""What the table tabs share: the class filter, resetting the filters, selecting a row."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QSignalBlocker
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QTableView, QWidget

from desktop.ui.text import _


class ClassFilter(QComboBox):
    """The choice "All classes", then the school's classes; `currentData()`: a class or None."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.addItem(_("All classes"), None)

    def set_class_names(self, names: Sequence[str]) -> bool:
        """Refill after a load, keeping the chosen class; False when that class is gone."""
        chosen = self.currentData()
        with QSignalBlocker(self):
            self.clear()
            self.addItem(_("All classes"), None)
            for name in names:
                self.addItem(name, name)
            self.setCurrentIndex(max(0, self.findData(chosen)))
        return self.currentData() == chosen


def reset_quietly(*widgets: QWidget) -> None:
    """Filters back to "everything" without a signal from each: the caller refilters once."""
    for widget in widgets:
        with QSignalBlocker(widget):
            if isinstance(widget, QLineEdit):
                widget.clear()
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(0)
            elif isinstance(widget, QCheckBox):
                widget.setChecked(False)
            else:
                raise TypeError(f"no reset for {type(widget).__name__}")


def select_row(table: QTableView, row: int) -> None:
    """Make `row` the current and only selected row, and scroll to it."""
    index = table.model().index(row, 0)
    table.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    table.scrollTo(index)
