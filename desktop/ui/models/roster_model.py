"""The roster table: a plain list of tuples, filtered and sorted in Python.

Not a QSortFilterProxyModel: at 100,000 students it takes seconds per keystroke. Instead each row
gets one precomputed search string (names, code, class; lower case, accents removed), a filter
is a list comprehension producing the visible row numbers, and a sort is `list.sort` over
precomputed keys. `RosterData` holds the rows and those keys and is built off the GUI thread.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop.domain.roster import StudentStatus
from desktop.ui.text import _, code_label, format_date, status_label

# Positions in RosterService.table_rows() tuples.
ID, LAST, FIRST, CODE, CLASS, STATUS, BIRTH = range(7)
# The table's columns, left to right, as positions in the tuple.
COLUMN_FIELDS = (LAST, FIRST, CODE, CLASS, STATUS, BIRTH)
COLUMN_LAST, COLUMN_FIRST, COLUMN_CODE, COLUMN_CLASS, COLUMN_STATUS, COLUMN_BIRTH = range(6)

_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_STATUS_ORDER = {s: i for i, s in enumerate(StudentStatus)}
_LAST = "\U0010ffff"  # sorts after any text: empty codes and classes go to the end
# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"đ": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ħ": "h"})


def fold_search(text: str) -> str:
    """Lower case without accents, so 'sarić', 'saric' and 'ŠARIĆ' all find 'Šarić'."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_UNDECOMPOSED)


def _memo(fn: Callable[[str], object]) -> Callable[[str], object]:
    """Names and classes repeat a lot: fold each distinct value once."""
    cache: dict[str, object] = {}

    def get(value: str) -> object:
        result = cache.get(value)
        if result is None:
            result = cache[value] = fn(value)
        return result

    return get


_DIGITS = re.compile(r"(\d+)")


def class_sort_key(name: str | None) -> tuple:
    """'2.a' < '10.a' < '10.b': the numbers in a class name sort as numbers; no class last."""
    if not name:
        return (1,)
    parts = _DIGITS.split(fold_search(name))
    return (0, *(int(p) if i % 2 else p for i, p in enumerate(parts)))


class RosterData:
    """The rows and everything filtering and sorting need, computed once per load."""

    def __init__(self, rows: Sequence[tuple]):
        self.rows: list[tuple] = list(rows)
        self._fold = _memo(fold_search)
        self.haystack = [self._search_text(r) for r in self.rows]
        self._keys: dict[int, list] = {}
        self._positions: dict[int, int] | None = None  # student id → index in rows
        # The base order (by name) makes every other sort stable within equal keys.
        self.name_order = sorted(range(len(self.rows)), key=self.sort_keys(LAST).__getitem__)

    def _search_text(self, row: tuple) -> str:
        fold = self._fold
        return f"{fold(row[FIRST])} {fold(row[LAST])}\t{row[CODE] or ''}\t{fold(row[CLASS] or '')}"

    def _name_key(self, first: str, second: str) -> str:
        # Accent-blind first (Šarić sits with Saric), then exact case-folded text to break ties.
        fold = self._fold
        return f"{fold(first)}\0{fold(second)}\0{first.casefold()}\0{second.casefold()}"

    def sort_keys(self, field: int) -> list:
        keys = self._keys.get(field)
        if keys is None:
            keys = self._keys[field] = [self._sort_key(field, r) for r in self.rows]
        return keys

    def _sort_key(self, field: int, row: tuple) -> object:
        if field == LAST:
            return self._name_key(row[LAST], row[FIRST])
        if field == FIRST:
            return self._name_key(row[FIRST], row[LAST])
        if field == CLASS:
            return _class_key(row[CLASS])
        if field == STATUS:
            return _STATUS_ORDER[row[STATUS]]
        if field == BIRTH:
            return row[BIRTH] or date.max
        return row[field] or _LAST

    def class_names(self) -> list[str]:
        return sorted({r[CLASS] for r in self.rows if r[CLASS]}, key=class_sort_key)

    def position_of(self, student_id: int) -> int | None:
        if self._positions is None:
            self._positions = {r[ID]: i for i, r in enumerate(self.rows)}
        return self._positions.get(student_id)

    def put(self, row: tuple) -> int:
        """Add or replace one student's row (after a save); returns its position."""
        position = self.position_of(row[ID])
        if position is None:
            position = len(self.rows)
            self._positions[row[ID]] = position
            self.rows.append(row)
            self.haystack.append(self._search_text(row))
            self.name_order.append(position)
        else:
            self.rows[position] = row
            self.haystack[position] = self._search_text(row)
        for field, keys in self._keys.items():
            if position == len(keys):
                keys.append(self._sort_key(field, row))
            else:
                keys[position] = self._sort_key(field, row)
        return position


_class_key = _memo(class_sort_key)


class RosterModel(QAbstractTableModel):
    def __init__(self, country: str, parent=None):
        super().__init__(parent)
        self._country = str(country)
        self._data = RosterData([])
        self._order: list[int] = []  # every row, in the current sort order
        self._visible: list[int] = []  # the rows that pass the filters, in that order
        self._sort_column = COLUMN_LAST
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._tokens: tuple[str, ...] = ()
        self._class: str | None = None
        self._status: StudentStatus | None = None
        self._headers = (
            _("Last name"),
            _("First name"),
            code_label(self._country),
            _("Class"),
            _("Status"),
            _("Birth date"),
        )

    # ---- Qt interface -------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMN_FIELDS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        row = self._data.rows[self._visible[index.row()]]
        field = COLUMN_FIELDS[index.column()]
        if role == _DISPLAY:
            value = row[field]
            if field == STATUS:
                return status_label(value)
            if field == BIRTH:
                return format_date(value, self._country)
            if field == CODE and value is None:
                return "—"
            return value or ""
        if role == _FOREGROUND and row[STATUS] is not StudentStatus.ENROLLED:
            # Former students stay findable but read as "not current".
            return QApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        if role == _TOOLTIP and field == CODE and row[CODE] is None:
            return _("No local personal code")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self._order = self._sorted()
        self._relayout(self._filtered(self._order))

    # ---- loading and editing ------------------------------------------------------------

    def set_data(self, data: RosterData) -> None:
        self.beginResetModel()
        self._data = data
        self._order = self._sorted()
        self._visible = self._filtered(self._order)
        self.endResetModel()

    def put(self, row: tuple) -> int | None:
        """Show a saved student's new values; returns the table row, None if filtered out.

        A new student joins the end of the current order until the next sort, so the table
        does not jump while the secretary is working on it.
        """
        position = self._data.put(row)
        if position == len(self._order):
            self._order.append(position)
            if self._passes(position):
                self.beginInsertRows(QModelIndex(), len(self._visible), len(self._visible))
                self._visible.append(position)
                self.endInsertRows()
        table_row = self.row_of(row[ID])
        if table_row is not None:
            self.dataChanged.emit(
                self.index(table_row, 0), self.index(table_row, len(COLUMN_FIELDS) - 1)
            )
        return table_row

    # ---- filtering ----------------------------------------------------------------------

    def set_filter(
        self, text: str, class_name: str | None = None, status: StudentStatus | None = None
    ) -> None:
        tokens = tuple(fold_search(text).split())
        same_lists = (class_name, status) == (self._class, self._status)
        # Typing more letters only narrows the match: scan what is visible, not everything.
        narrowing = same_lists and all(any(old in new for new in tokens) for old in self._tokens)
        if same_lists and tokens == self._tokens:
            return
        self._tokens, self._class, self._status = tokens, class_name, status
        self._relayout(self._filtered(self._visible if narrowing else self._order))

    def _filtered(self, rows: list[int]) -> list[int]:
        data = self._data
        all_rows, haystack = data.rows, data.haystack
        if self._class is not None:
            rows = [i for i in rows if all_rows[i][CLASS] == self._class]
        if self._status is not None:
            rows = [i for i in rows if all_rows[i][STATUS] is self._status]
        for token in self._tokens:
            rows = [i for i in rows if token in haystack[i]]
        # Never hand out the order list itself: put() appends to both.
        return list(rows) if rows is self._order else rows

    def _passes(self, position: int) -> bool:
        row = self._data.rows[position]
        return (
            (self._class is None or row[CLASS] == self._class)
            and (self._status is None or row[STATUS] is self._status)
            and all(t in self._data.haystack[position] for t in self._tokens)
        )

    def _sorted(self) -> list[int]:
        base = self._data.name_order
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        field = COLUMN_FIELDS[self._sort_column]
        if field == LAST:
            return base[::-1] if descending else list(base)
        keys = self._data.sort_keys(field)
        return sorted(base, key=keys.__getitem__, reverse=descending)

    def _relayout(self, visible: list[int]) -> None:
        """New visible rows, keeping the selection on the same students (layoutChanged)."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        new = []
        for index in old:
            position = self._visible[index.row()]
            try:
                new.append(self.index(visible.index(position), index.column()))
            except ValueError:
                new.append(QModelIndex())
        self._visible = visible
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # ---- questions the view asks --------------------------------------------------------

    def student_id(self, table_row: int) -> int:
        return self._data.rows[self._visible[table_row]][ID]

    def row_of(self, student_id: int) -> int | None:
        position = self._data.position_of(student_id)
        try:
            return None if position is None else self._visible.index(position)
        except ValueError:
            return None

    def class_names(self) -> list[str]:
        return self._data.class_names()

    @property
    def visible_count(self) -> int:
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self._data.rows)

    @property
    def is_filtered(self) -> bool:
        return bool(self._tokens) or self._class is not None or self._status is not None
