"""The Cards table: CardService.rows() tuples, filtered and sorted in Python (a school has a
few thousand cards)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop.domain.cards import CardKind
from desktop.ui.collation import name_key
from desktop.ui.models.filtered_model import (
    FilteredTableModel,
    class_sort_key,
    search_tokens,
)
from desktop.ui.tabs.cards.labels import kind_label, status_label
from desktop.ui.text import _, format_date

# Positions in CardService.rows() tuples (desktop.services.cards.CARD_COLUMNS).
ID, VERSION, STUDENT, LAST, FIRST, CLASS, KIND, NUMBER, STATUS, ISSUED, VALID, CHANGED = range(12)
# The columns, left to right.
COLUMNS = (LAST, CLASS, KIND, NUMBER, STATUS, VALID, ISSUED)
COLUMN_NAME = 0  # sorted by name when the tab opens
# Cards that still work: shown in normal ink; the rest read as history.
LIVE = frozenset({"ACTIVE", "EXPIRED", "SUSPENDED"})


class CardsModel(FilteredTableModel):
    CLASS_FIELD = CLASS

    def __init__(self, country: str, parent=None):
        super().__init__(
            (
                _("Student"),
                _("Class"),
                _("Card"),
                _("Number"),
                _("Status"),
                _("Valid until"),
                _("Issued"),
            ),
            parent,
        )
        self.country = country
        self._name_key = name_key(country)  # the school's alphabet
        self._status: str | None = None
        self._class: str | None = None
        self._expiring_before: date | None = None
        self._sort = (COLUMN_NAME, Qt.SortOrder.AscendingOrder)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        row = self.rows[self._visible[index.row()]]
        field = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if field == LAST:
                return f"{row[LAST]}, {row[FIRST]}"
            if field == KIND:
                return kind_label(row[KIND])
            if field == STATUS:
                return status_label(row[STATUS])
            if field in (VALID, ISSUED):
                return format_date(row[field], self.country)
            if field == NUMBER:
                return row[NUMBER] or "—"
            return row[field] or ""
        if role == Qt.ItemDataRole.ForegroundRole and row[STATUS] not in LIVE:
            return QApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        return None

    # ---- filters and order --------------------------------------------------------------

    def set_filter(
        self,
        text: str = "",
        status: str | None = None,
        class_name: str | None = None,
        expiring_before: date | None = None,
    ) -> None:
        """Filters of the tab: R21's "expiring before" shows active cards that run out sooner."""
        self._tokens = search_tokens(text)
        self._status, self._class, self._expiring_before = status, class_name, expiring_before
        self._refilter()

    def _search_text(self, row: tuple) -> str:
        return f"{row[FIRST]} {row[LAST]}\t{row[NUMBER] or ''}\t{row[CLASS] or ''}"

    def _passes(self, row: tuple) -> bool:
        return (
            (self._status is None or row[STATUS] == self._status)
            and (self._class is None or row[CLASS] == self._class)
            and (
                self._expiring_before is None
                or (row[STATUS] == "ACTIVE" and row[VALID] < self._expiring_before)
            )
        )

    def _sort_key(self, column: int) -> Callable[[tuple], object]:
        field = COLUMNS[column]
        collate = self._name_key

        def key(r: tuple):
            name = (collate(r[LAST]), collate(r[FIRST]), r[STUDENT])
            if field == LAST:
                return (name, r[ID])
            if field == CLASS:
                return (class_sort_key(r[CLASS]), name, r[ID])
            return (str(r[field] or ""), name, r[ID])

        return key

    def printable_ids(self, table_rows: Sequence[int]) -> list[int]:
        """Active physical cards among these rows, in table order (what a print takes)."""
        chosen = [self.row(n) for n in sorted(set(table_rows))]
        return [r[ID] for r in chosen if r[KIND] is CardKind.PHYSICAL and r[STATUS] == "ACTIVE"]
