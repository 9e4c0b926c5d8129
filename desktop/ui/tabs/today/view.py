"""The Today tab: the lines grouped by urgency (overdue, today, this week, later), each with its
deadline, the person it concerns and what to do; double-click or the button opens the place
where it is done."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.dates import school_zone
from desktop.domain.today import DueItem, Urgency
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui.changes import TabFollower
from desktop.ui.forms import heading
from desktop.ui.tabs.today.controller import TodayController
from desktop.ui.text import _, format_date, n_

# What the list is made of: a change to any of these reloads it.
SHOWN_TABLES = (
    "data_request",
    "deletion_request",
    "breach_incident",
    "breach_notice",
    "billing_notice",
    "billing_proposal",
    "subscription",
    "retention_proposal",
    "card",
    "card_provider_outbox",
    "access_code",
    "student",
    "terms_version",
    "terms_document",
    "daily_run",
    "generated_document",  # a re-consent letter printed clears its line
)

DEADLINE, PERSON, WHAT, KIND = range(4)
ITEM_ROLE = Qt.ItemDataRole.UserRole
_COLOURS = {Urgency.OVERDUE: "#b3261e", Urgency.TODAY: "#8a5a00"}


class TodayTab(QWidget):
    loaded = Signal()
    counts_changed = Signal(int, int)  # (due by today, overdue): the main window's titles

    def __init__(self, services: Services, school: SchoolProfile, parent: QWidget | None = None):
        super().__init__(parent)
        self.country = school.country.value
        self.title = heading(_("Today"))
        self.summary = QLabel()
        self.summary.setObjectName("today_summary")
        # What today's date-driven jobs did (desktop.ui.daily_run); the details in its tooltip.
        self.daily_line = QLabel()
        self.daily_line.setObjectName("today_daily_run")
        self.daily_line.setWordWrap(True)
        self.daily_line.hide()
        self.tree = QTreeWidget()
        self.tree.setObjectName("today_list")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([_("Deadline"), _("Concerns"), _("What to do"), _("Area")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setColumnWidth(DEADLINE, 150)
        self.tree.setColumnWidth(PERSON, 220)
        self.tree.setColumnWidth(WHAT, 520)
        self.open_button = QPushButton(_("Open the record"))
        self.open_button.setObjectName("today_open")
        self.open_button.setEnabled(False)
        self.refresh_button = QPushButton(_("Refresh"))
        self.controller = TodayController(services, school, self)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.daily_line)
        layout.addWidget(self.tree, 1)
        layout.addLayout(bottom)

        c = self.controller
        c.loaded.connect(self.loaded.emit)
        c.counts_changed.connect(self.counts_changed.emit)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self.open_item(item))
        self.tree.currentItemChanged.connect(self._current_changed)
        self.open_button.clicked.connect(lambda: self.open_item(self.tree.currentItem()))
        self.refresh_button.clicked.connect(self.refresh)
        action = QAction(self)
        action.setShortcut(QKeySequence("F5"))
        action.triggered.connect(self.refresh)
        self.addAction(action)
        self._started = False
        self.follower = TabFollower(self, SHOWN_TABLES, self.controller)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = self.follower.started = True
            self.controller.load()
        else:
            self.follower.shown()

    # ---- what the main window calls -----------------------------------------------------

    def refresh(self) -> None:
        self.controller.load()

    def data_changed(self, change) -> None:
        self.follower.changed(change)

    def show_daily_run(self, text: str, details: str) -> None:
        """The line saying when today's date-driven jobs ran; what each did as its tooltip."""
        self.daily_line.setText(text)
        self.daily_line.setToolTip(details)
        self.daily_line.setVisible(bool(text))

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("today/columns", self.tree.header().saveState())

    def restore_state(self, settings: QSettings) -> None:
        if columns := settings.value("today/columns"):
            self.tree.header().restoreState(columns)

    # ---- what the controller calls ------------------------------------------------------

    def show_items(self, today: date, groups: list[tuple[Urgency, list[DueItem]]]) -> None:
        current = self.current_item()
        self.tree.clear()
        total = sum(len(items) for _u, items in groups)
        if not total:
            self.summary.setText(
                _("Nothing is due on {date}.").format(date=format_date(today, self.country))
            )
        else:
            self.summary.setText(
                n_("{n} line on {date}", "{n} lines on {date}", total).format(
                    n=total, date=format_date(today, self.country)
                )
            )
        select = None
        for urgency, items in groups:
            group = QTreeWidgetItem([f"{_(urgency.label)} ({len(items)})"])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)
            colour = QBrush(QColor(_COLOURS[urgency])) if urgency in _COLOURS else None
            rows = []
            for item in items:
                what = item.describe(_)
                row = QTreeWidgetItem(
                    [self.deadline_text(item), item.person, what, _(item.kind.label)]
                )
                row.setData(0, ITEM_ROLE, item)
                row.setToolTip(WHAT, what)
                if colour is not None:
                    row.setForeground(DEADLINE, colour)
                rows.append(row)
                if item == current:
                    select = row
            group.addChildren(rows)  # at once: much faster than one by one
            group.setExpanded(True)
        if select is not None:
            self.tree.setCurrentItem(select)
        self._current_changed(self.tree.currentItem(), None)

    def deadline_text(self, item: DueItem) -> str:
        if item.due_at is not None:
            local: datetime = item.due_at.astimezone(school_zone(self.country))
            return f"{format_date(local.date(), self.country)} {local:%H:%M}"
        return format_date(item.due, self.country)

    # ---- the rows ----------------------------------------------------------------------

    def current_item(self) -> DueItem | None:
        row = self.tree.currentItem()
        return row.data(0, ITEM_ROLE) if row is not None else None

    def rows(self) -> list[DueItem]:
        """Every line shown, in order (tests read it)."""
        found = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            found += [group.child(i).data(0, ITEM_ROLE) for i in range(group.childCount())]
        return found

    def group_titles(self) -> list[str]:
        return [self.tree.topLevelItem(g).text(0) for g in range(self.tree.topLevelItemCount())]

    def _current_changed(self, row, _previous) -> None:
        item = row.data(0, ITEM_ROLE) if row is not None else None
        self.open_button.setEnabled(item is not None and self.controller.can_act(item))
        self.open_button.setText(_(item.action.label) if item else _("Open the record"))

    def open_item(self, row: QTreeWidgetItem | None) -> None:
        item = row.data(0, ITEM_ROLE) if row is not None else None
        self.controller.open_item(item)
