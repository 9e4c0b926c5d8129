"""The subscriptions table: BillingService.table_rows() tuples, filtered in Python (a school
has at most a few thousand subscriptions), in the order the service gives them."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop.domain.billing import END_STATES, SubscriptionState
from desktop.ui.models.filtered_model import FilteredTableModel, search_tokens
from desktop.ui.tabs.billing.labels import euros, state_label
from desktop.ui.text import _, format_date

# Positions in BillingService.table_rows() tuples.
ID, STUDENT, LAST, FIRST, CLASS, STATE, TIER, PAYER, OWED, NEXT, DUE = range(11)
COLUMNS = (LAST, CLASS, STATE, PAYER, OWED, NEXT)
DUE_COLOUR = QColor("#8a5a00")
ENDED_COLOUR = QColor("#6b6b6b")


class SubscriptionsModel(FilteredTableModel):
    CLASS_FIELD = CLASS

    def __init__(self, country: str, parent=None):
        super().__init__(
            (_("Child"), _("Class"), _("State"), _("Payer"), _("Owed"), _("Next date")), parent
        )
        self.country = country
        self._state: SubscriptionState | None = None
        self._class: str | None = None
        self._due_only = False

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

    # ---- filters ------------------------------------------------------------------------

    def set_filter(
        self, text: str, state: SubscriptionState | None, class_name: str | None, due_only: bool
    ) -> None:
        self._tokens = search_tokens(text)
        self._state, self._class, self._due_only = state, class_name, due_only
        self._refilter()

    def _search_text(self, row: tuple) -> str:
        return f"{row[FIRST]} {row[LAST]}\t{row[CLASS]}\t{row[PAYER]}"

    def _passes(self, row: tuple) -> bool:
        return (
            (self._state is None or row[STATE] is self._state)
            and (self._class is None or row[CLASS] == self._class)
            and (not self._due_only or row[DUE])
        )
