"""Tables over lists of tuples, filtered and sorted in Python: Roster, Cards, Billing.

Not a QSortFilterProxyModel: at 100,000 students it takes seconds per keystroke. Instead a model
keeps its rows as tuples and the visible ones as a list of row numbers; each row gets one search
string (names, code, class; lower case, accents removed), a filter is a list comprehension
producing the visible row numbers, and a sort is `list.sort` over keys. The Cards and Billing
tables (a few thousand rows) filter and sort with `set_rows` / `_refilter` here; the roster
(100,000 rows) precomputes its keys off the GUI thread and narrows while the secretary types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.domain.roster import class_sort_key, fold_search

__all__ = ["FilteredTableModel", "class_sort_key", "fold_search", "search_tokens"]


def search_tokens(text: str) -> tuple[str, ...]:
    """What the secretary typed, as folded words that must all be found in a row."""
    return tuple(fold_search(text).split())


class FilteredTableModel(QAbstractTableModel):
    """`rows` (tuples with the id first) and `_visible`, the row numbers shown, in order.

    Subclasses set CLASS_FIELD (where the class name is in a row) and give `data()`. The small
    tables also give `_search_text(row)`, `_passes(row)` for their own filters and, if the
    table sorts, `_sort_key(column)`; their `set_filter` sets `_tokens` and calls `_refilter`.
    """

    CLASS_FIELD: int

    def __init__(self, headers: Sequence[str], parent=None):
        super().__init__(parent)
        self._headers = tuple(headers)
        self.rows: list[tuple] = []
        self._haystack: list[str] = []  # one folded search string per row
        self._visible: list[int] = []
        self._tokens: tuple[str, ...] = ()
        self._sort: tuple[int, Qt.SortOrder] | None = None  # None: the order rows came in

    # ---- Qt interface -------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self._refilter()

    # ---- loading and filtering (the small tables) ---------------------------------------

    def set_rows(self, rows: Sequence[tuple]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._haystack = [fold_search(self._search_text(r)) for r in self.rows]
        self._visible = self._filtered()
        self.endResetModel()

    def _search_text(self, row: tuple) -> str:
        raise NotImplementedError

    def _passes(self, row: tuple) -> bool:
        """The tab's own filters besides the search text."""
        return True

    def _sort_key(self, column: int) -> Callable[[tuple], object]:
        raise NotImplementedError

    def _refilter(self) -> None:
        visible = self._filtered()
        self.beginResetModel()
        self._visible = visible
        self.endResetModel()

    def _filtered(self) -> list[int]:
        rows, tokens = self.rows, self._tokens
        visible = [
            i
            for i, hay in enumerate(self._haystack)
            if all(t in hay for t in tokens) and self._passes(rows[i])
        ]
        if self._sort is not None:
            column, order = self._sort
            key = self._sort_key(column)
            visible.sort(key=lambda i: key(rows[i]))
            if order == Qt.SortOrder.DescendingOrder:
                visible.reverse()
        return visible

    # ---- questions the view asks --------------------------------------------------------

    def row(self, table_row: int) -> tuple:
        return self.rows[self._visible[table_row]]

    def row_of(self, row_id: int) -> int | None:
        """The table row showing this id, None when it is filtered out or gone."""
        rows = self.rows
        return next((n for n, i in enumerate(self._visible) if rows[i][0] == row_id), None)

    def class_names(self) -> list[str]:
        field = self.CLASS_FIELD
        return sorted({r[field] for r in self.rows if r[field]}, key=class_sort_key)

    @property
    def visible_count(self) -> int:
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self.rows)
