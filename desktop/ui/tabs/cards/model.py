"""The Cards table: CardService.rows() tuples, filtered and sorted in Python (a school has a
few thousand cards; the roster model explains why not a QSortFilterProxyModel)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop.domain.cards import CardKind
from desktop.ui.models.roster_model import class_sort_key, fold_search
from desktop.ui.tabs.cards.labels import kind_label, status_label
from desktop.ui.text import _, format_date

# Positions in CardService.rows() tuples (desktop.services.cards.CARD_COLUMNS).
ID, VERSION, STUDENT, LAST, FIRST, CLASS, KIND, NUMBER, STATUS, ISSUED, VALID, CHANGED = range(12)
# The columns, left to right.
COLUMNS = (LAST, CLASS, KIND, NUMBER, STATUS, VALID, ISSUED)
COLUMN_NAME = 0  # sorted by name when the tab opens
# Cards that still work: shown in normal ink; the rest read as history.
LIVE = frozenset({"ACTIVE", "EXPIRED", "SUSPENDED"})


class CardsModel(QAbstractTableModel):
    def __init__(self, country: str, parent=None):
        super().__init__(parent)
        self.country = country
        self.rows: list[tuple] = []
        self._haystack: list[str] = []
        self._visible: list[int] = []
        self._text: tuple[str, ...] = ()
        self._status: str | None = None
        self._class: str | None = None
        self._expiring_before: date | None = None
        self._sort = (COLUMN_NAME, Qt.SortOrder.AscendingOrder)
        self._headers = (
            _("Student"),
            _("Class"),
            _("Card"),
            _("Number"),
            _("Status"),
            _("Valid until"),
            _("Issued"),
        )

    # ---- Qt interface -----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

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

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self._apply()

    # ---- data and filters ---------------------------------------------------------------

    def set_rows(self, rows: Sequence[tuple]) -> None:
        self.rows = list(rows)
        self._haystack = [
            fold_search(f"{r[FIRST]} {r[LAST]}\t{r[NUMBER] or ''}\t{r[CLASS] or ''}")
            for r in self.rows
        ]
        self._apply()

    def set_filter(
        self,
        text: str = "",
        status: str | None = None,
        class_name: str | None = None,
        expiring_before: date | None = None,
    ) -> None:
        """Filters of the tab: R21's "expiring before" shows active cards that run out sooner."""
        self._text = tuple(fold_search(text).split())
        self._status, self._class, self._expiring_before = status, class_name, expiring_before
        self._apply()

    def _passes(self, i: int) -> bool:
        row = self.rows[i]
        return (
            (self._status is None or row[STATUS] == self._status)
            and (self._class is None or row[CLASS] == self._class)
            and (
                self._expiring_before is None
                or (row[STATUS] == "ACTIVE" and row[VALID] < self._expiring_before)
            )
            and all(t in self._haystack[i] for t in self._text)
        )

    def _apply(self) -> None:
        column, order = self._sort
        field = COLUMNS[column]
        rows = self.rows

        def key(i: int):
            r = rows[i]
            name = (fold_search(r[LAST]), fold_search(r[FIRST]), r[STUDENT])
            if field == LAST:
                return (name, r[ID])
            if field == CLASS:
                return (class_sort_key(r[CLASS]), name, r[ID])
            return (str(r[field] or ""), name, r[ID])

        visible = sorted((i for i in range(len(rows)) if self._passes(i)), key=key)
        if order == Qt.SortOrder.DescendingOrder:
            visible.reverse()
        self.beginResetModel()
        self._visible = visible
        self.endResetModel()

    # ---- questions the view asks ----------------------------------------------------------

    def row(self, table_row: int) -> tuple:
        return self.rows[self._visible[table_row]]

    def row_of(self, card_id: int) -> int | None:
        for n, i in enumerate(self._visible):
            if self.rows[i][ID] == card_id:
                return n
        return None

    def class_names(self) -> list[str]:
        return sorted({r[CLASS] for r in self.rows if r[CLASS]}, key=class_sort_key)

    @property
    def visible_count(self) -> int:
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self.rows)

    def printable_ids(self, table_rows: Sequence[int]) -> list[int]:
        """Active physical cards among these rows, in table order (what a print takes)."""
        chosen = [self.row(n) for n in sorted(set(table_rows))]
        return [r[ID] for r in chosen if r[KIND] is CardKind.PHYSICAL and r[STATUS] == "ACTIVE"]
