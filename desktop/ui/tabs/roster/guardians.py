"""The student's guardians, each with the contact restrictions recorded on that link (R15)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeView,
    QVBoxLayout,
)

from desktop.domain.dates import local_today
from desktop.services.roster import GuardianLink, RestrictionRecord
from desktop.ui.forms import ERROR_COLOUR
from desktop.ui.text import _, format_date, relation_label, restriction_label

LINK_ROLE = Qt.ItemDataRole.UserRole + 1


def restriction_text(r: RestrictionRecord, country: str, today: date) -> str:
    """Kind · how long · authority · reference, and whether it is in force today."""
    start = format_date(r.valid_from, country)
    if r.permanent:
        period = _("permanent, from {start}").format(start=start)
    else:
        period = _("temporary, {start} – {end}").format(
            start=start, end=format_date(r.valid_to, country)
        )
    first = [restriction_label(r.kind), period]
    if not r.as_rule().active_on(today):
        first.append(_("not in force today"))
    second = [r.authority]
    if r.reference:
        second.append(_("ref. {reference}").format(reference=r.reference))
    return " · ".join(first) + "\n" + " · ".join(second)


def open_restrictions(link: GuardianLink, today: date) -> list[RestrictionRecord]:
    """Measures with no end yet, or ending in the future: the ones that can be ended."""
    return [r for r in link.restrictions if r.valid_to is None or r.valid_to >= today]


class GuardiansPanel(QGroupBox):
    add_requested = Signal()
    edit_requested = Signal(object)  # GuardianLink
    unlink_requested = Signal(object)
    restriction_requested = Signal(object)
    end_restriction_requested = Signal(object)

    def __init__(self, country: str, can_edit: bool):
        super().__init__(_("Guardians"))
        self._country = country
        self._can_edit = can_edit
        self._links: list[GuardianLink] = []
        self._today = local_today(country)  # set_links passes the day it was read for
        self.model = QStandardItemModel(0, 4)
        self.model.setHorizontalHeaderLabels([_("Name"), _("Relation"), _("Phone"), _("E-mail")])
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setMinimumHeight(120)
        self.tree.setAlternatingRowColors(True)
        self.tree.setStyleSheet("QTreeView::item { padding: 3px 2px; }")
        self.tree.setWordWrap(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.selectionModel().selectionChanged.connect(self._update_buttons)
        self.tree.doubleClicked.connect(lambda _index: self._emit(self.edit_requested))

        self.add_button = QPushButton(_("Add guardian…"))
        self.edit_button = QPushButton(_("Edit…"))
        self.unlink_button = QPushButton(_("Unlink…"))
        self.restriction_button = QPushButton(_("Add restriction…"))
        self.restriction_button.setToolTip(
            _("Record a court or authority measure that limits contact with this guardian")
        )
        self.end_restriction_button = QPushButton(_("End restriction…"))
        self.end_restriction_button.setToolTip(
            _("The authority lifted or shortened the measure; it stays on record")
        )
        self.end_restriction_button.clicked.connect(
            lambda: self._emit(self.end_restriction_requested)
        )
        self.add_button.clicked.connect(self.add_requested)
        self.edit_button.clicked.connect(lambda: self._emit(self.edit_requested))
        self.unlink_button.clicked.connect(lambda: self._emit(self.unlink_requested))
        self.restriction_button.clicked.connect(lambda: self._emit(self.restriction_requested))
        # Two rows: in Estonian or Slovenian five buttons in one row are wider than the editor.
        links_row, restrictions_row = QHBoxLayout(), QHBoxLayout()
        for row, row_buttons in (
            (links_row, (self.add_button, self.edit_button, self.unlink_button)),
            (restrictions_row, (self.restriction_button, self.end_restriction_button)),
        ):
            for button in row_buttons:
                row.addWidget(button)
            row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addLayout(links_row)
        layout.addLayout(restrictions_row)
        self._update_buttons()

    def set_links(self, links: tuple[GuardianLink, ...], today: date) -> None:
        self._links = list(links)
        self._today = today
        self.model.removeRows(0, self.model.rowCount())
        for position, link in enumerate(links):
            name = QStandardItem(link.full_name + (" ★" if link.primary_contact else ""))
            if link.primary_contact:
                name.setToolTip(_("Primary contact"))
            row = [
                name,
                QStandardItem(relation_label(link.relation)),
                QStandardItem(link.phone or ""),
                QStandardItem(link.email or ""),
            ]
            blocked = not link.may_contact(today)
            for item in row:
                item.setData(position, LINK_ROLE)
                if blocked:
                    item.setForeground(QBrush(QColor(ERROR_COLOUR)))
                    item.setToolTip(
                        _(
                            "No letters or notices may go to this guardian about "
                            "this child: a contact restriction is in force."
                        )
                    )
            for restriction in link.restrictions:
                text = restriction_text(restriction, self._country, today)
                child = QStandardItem("⚠ " + text.replace("\n", "\n    "))
                child.setData(position, LINK_ROLE)
                child.setToolTip(child.text())
                name.appendRow([child])
            self.model.appendRow(row)
        for position in range(self.model.rowCount()):
            parent = self.model.index(position, 0)
            for child_row in range(self.model.rowCount(parent)):
                self.tree.setFirstColumnSpanned(child_row, parent, True)
        self.tree.expandAll()
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        self._update_buttons()

    def selected_link(self) -> GuardianLink | None:
        indexes = self.tree.selectionModel().selectedRows()
        if not indexes:
            return None
        return self._links[indexes[0].data(LINK_ROLE)]

    def select_link(self, position: int) -> None:
        self.tree.setCurrentIndex(self.model.index(position, 0))

    def _emit(self, signal) -> None:
        link = self.selected_link()
        if link is not None and self._can_edit:
            signal.emit(link)

    def _update_buttons(self) -> None:
        link = self.selected_link()
        self.add_button.setEnabled(self._can_edit)
        for button in (self.edit_button, self.unlink_button, self.restriction_button):
            button.setEnabled(self._can_edit and link is not None)
        self.end_restriction_button.setEnabled(
            self._can_edit and link is not None and bool(open_restrictions(link, self._today))
        )
