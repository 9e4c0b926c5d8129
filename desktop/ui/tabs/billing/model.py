"""The subscriptions table: BillingService.table_rows() tuples, filtered in Python (a school
has at most a few thousand subscriptions; see the roster model on why no proxy model)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop.domain.billing import END_STATES, SubscriptionState
from desktop.ui.models.roster_model import class_sort_key, fold_search
from desktop.ui.tabs.billing.labels import euros, state_label
from desktop.ui.text import _, format_date

# Positions in BillingService.table_rows() tuples.
ID, STUDENT, LAST, FIRST, CLASS, STATE, TIER, PAYER, OWED, NEXT, DUE = range(11)
COLUMNS = (LAST, CLASS, STATE, PAYER, OWED, NEXT)
DUE_COLOUR = QColor("#8a5a00")
ENDED_COLOUR = QColor("#6b6b6b")


class SubscriptionsModel(QAbstractTableModel):
    def __init__(self, country: str, parent=None):
        super().__init__(parent)
        self.country = country
        self.rows: list[tuple] = []
        self._haystack: list[str] = []
        self._visible: list[int] = []
        self._text: tuple[str, ...] = ()
        self._state: SubscriptionState | None = None
        self._class: str | None = None
        self._due_only = False
        self._headers = (_("Child"), _("Class"), _("State"), _("Payer"), _("Owed"), _("Next date"))

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
        column = COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == LAST:
                return f"{row[LAST]} {row[FIRST]}"
            if column == STATE:
                return state_label(row[STATE])
            if column == OWED:
                return euros(row[OWED]) if row[OWED] else ""
            if column == NEXT:
                return format_date(row[NEXT], self.country)
            return row[column] or ""
        if role == Qt.ItemDataRole.ForegroundRole:
            if row[DUE]:
                return DUE_COLOUR
            if row[STATE] in END_STATES:
                return ENDED_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole and column == OWED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ---- data and filters ---------------------------------------------------------------

    def set_rows(self, rows: Sequence[tuple]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._haystack = [
            fold_search(f"{r[FIRST]} {r[LAST]}\t{r[CLASS]}\t{r[PAYER]}") for r in self.rows
        ]
        self._refilter()
        self.endResetModel()

    def set_filter(
        self, text: str, state: SubscriptionState | None, class_name: str | None, due_only: bool
    ) -> None:
        self.beginResetModel()
        self._text = tuple(fold_search(text).split())
        self._state, self._class, self._due_only = state, class_name, due_only
        self._refilter()
        self.endResetModel()

    def _refilter(self) -> None:
        self._visible = [
            i
            for i, (row, hay) in enumerate(zip(self.rows, self._haystack, strict=True))
            if all(t in hay for t in self._text)
            and (self._state is None or row[STATE] is self._state)
            and (self._class is None or row[CLASS] == self._class)
            and (not self._due_only or row[DUE])
        ]

    def class_names(self) -> list[str]:
        return sorted({r[CLASS] for r in self.rows if r[CLASS]}, key=class_sort_key)

    def row(self, visible_index: int) -> tuple:
        return self.rows[self._visible[visible_index]]

    def index_of(self, subscription_id: int) -> int | None:
        for n, i in enumerate(self._visible):
            if self.rows[i][ID] == subscription_id:
                return n
        return None

    @property
    def visible_count(self) -> int:
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self.rows)
