"""The Cards table: CardService.rows() CardRows, filtered and sorted in Python (a school has a
few thousand cards)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop.domain.cards.machines import CardKind
from desktop.services.cards.read_models import CardRow
from desktop.ui.collation import name_key
from desktop.ui.models.filtered_model import (
    FilteredTableModel,
    class_sort_key,
    search_tokens,
)
from desktop.ui.tabs.cards.labels import kind_label, status_label
from desktop.ui.text import _, format_date

# The row field each column shows, left to right.
COLUMNS = ("last_name", "class_name", "kind", "card_number", "status", "valid_until", "issued_on")
COLUMN_NAME = 0  # sorted by name when the tab opens
# Cards that still work: shown in normal ink; the rest read as history.
LIVE = frozenset({"ACTIVE", "EXPIRED", "SUSPENDED"})


class CardsModel(FilteredTableModel):
    CLASS_FIELD = CardRow._fields.index("class_name")
    rows: list[CardRow]

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
        # Runs per painted cell: each column reads its field by name, no getattr(row, column).
        row = self.rows[self._visible[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            column = COLUMNS[index.column()]
            if column == "last_name":
                return f"{row.last_name}, {row.first_name}"
            if column == "class_name":
                return row.class_name or ""
            if column == "kind":
                return kind_label(row.kind)
            if column == "card_number":
                return row.card_number or "—"
            if column == "status":
                return status_label(row.status)
            if column == "valid_until":
                return format_date(row.valid_until, self.country)
            return format_date(row.issued_on, self.country)
        if role == Qt.ItemDataRole.ForegroundRole and row.status not in LIVE:
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

    def _search_text(self, row: CardRow) -> str:
        return f"{row.first_name} {row.last_name}\t{row.card_number or ''}\t{row.class_name or ''}"

    def _passes(self, row: CardRow) -> bool:
        return (
            (self._status is None or row.status == self._status)
            and (self._class is None or row.class_name == self._class)
            and (
                self._expiring_before is None
                or (row.status == "ACTIVE" and row.valid_until < self._expiring_before)
            )
        )

    def _sort_key(self, column: int) -> Callable[[CardRow], object]:
        field = COLUMNS[column]
        collate = self._name_key
        value = attrgetter(field)  # the column's field, looked up once per sort, not per row

        def key(r: CardRow):
            name = (collate(r.last_name), collate(r.first_name), r.student_id)
            if field == "last_name":
                return (name, r.id)
            if field == "class_name":
                return (class_sort_key(r.class_name), name, r.id)
            return (str(value(r) or ""), name, r.id)

        return key

    def row(self, table_row: int) -> CardRow:
        return self.rows[self._visible[table_row]]

    def printable_ids(self, table_rows: Sequence[int]) -> list[int]:
        """Active physical cards among these rows, in table order (what a print takes)."""
        chosen = [self.row(n) for n in sorted(set(table_rows))]
        return [r.id for r in chosen if r.kind is CardKind.PHYSICAL and r.status == "ACTIVE"]
