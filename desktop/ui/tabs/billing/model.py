"""The subscriptions table: BillingService.table_rows() rows, filtered in Python (a school
has at most a few thousand subscriptions), in the order the service gives them."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop.domain.billing.states import END_STATES, SubscriptionState
from desktop.services.billing import SubscriptionRow
from desktop.ui.models.filtered_model import FilteredTableModel, search_tokens
from desktop.ui.tabs.billing.labels import euros, state_label
from desktop.ui.text import _, format_date

# The row field each column shows.
COLUMNS = ("last_name", "class_name", "state", "payer", "owed_cents", "next_date")
DUE_COLOUR = QColor("#8a5a00")
ENDED_COLOUR = QColor("#6b6b6b")


class SubscriptionsModel(FilteredTableModel):
    CLASS_FIELD = SubscriptionRow._fields.index("class_name")
    rows: list[SubscriptionRow]

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
            if column == "last_name":
                return f"{row.last_name} {row.first_name}"
            if column == "state":
                return state_label(row.state)
            if column == "owed_cents":
                return euros(row.owed_cents) if row.owed_cents else ""
            if column == "next_date":
                return format_date(row.next_date, self.country)
            return getattr(row, column) or ""
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.due:
                return DUE_COLOUR
            if row.state in END_STATES:
                return ENDED_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "owed_cents":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ---- filters ------------------------------------------------------------------------

    def set_filter(
        self, text: str, state: SubscriptionState | None, class_name: str | None, due_only: bool
    ) -> None:
        self._tokens = search_tokens(text)
        self._state, self._class, self._due_only = state, class_name, due_only
        self._refilter()

    def _search_text(self, row: SubscriptionRow) -> str:
        return f"{row.child_name}\t{row.class_name}\t{row.payer}"

    def _passes(self, row: SubscriptionRow) -> bool:
        return (
            (self._state is None or row.state is self._state)
            and (self._class is None or row.class_name == self._class)
            and (not self._due_only or row.due)
        )
