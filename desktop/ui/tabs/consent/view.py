"""The Consent tab: terms decisions per class, data-protection requests, verification codes and
copies of data, contact restrictions and adult prohibitions, retention decisions, breaches.

Thin widgets: each page is a table with its buttons; ConsentController does the work."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.roster import fold_search
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui.forms import DateField
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.tables import ClassFilter
from desktop.ui.tabs.consent.controller import ConsentController
from desktop.ui.tabs.list_detail import LiveTab
from desktop.ui.text import _

# What the tab shows: terms and who accepted them, requests, codes, restrictions, retention,
# breaches, and the students and guardians they concern.
SHOWN_TABLES = (
    "access_code",
    "adult_prohibition",
    "breach_affected",
    "breach_incident",
    "breach_notice",
    "consent_settings",
    "contact_restriction",
    "data_request",
    "deletion_request",
    "generated_document",
    "guardian",
    "legal_hold",
    "retention_proposal",
    "student",
    "student_guardian",
    "terms_acceptance",
    "terms_document",
    "terms_version",
)


class ColouredTableModel(TupleTableModel):
    """A tuple table whose rows may carry a text colour (a status at a glance)."""

    def __init__(self, headers: Sequence[str], parent=None):
        super().__init__(headers, (), parent)
        self._colours: list[str | None] = []

    def set_rows(self, rows: Sequence[tuple], colours: Sequence[str | None] = ()) -> None:
        self._colours = list(colours) or [None] * len(rows)
        super().set_rows(rows)

    def update_rows(
        self, rows: Sequence[tuple], colours: Sequence[str | None], key_columns: int
    ) -> bool:
        """Change the cells in place (no reset, so the selection stays) when the first
        `key_columns` of every row are as shown; False otherwise: the caller sets them anew."""
        keep = slice(0, key_columns)
        if not rows or [r[keep] for r in rows] != [r[keep] for r in self._rows]:
            return False
        self._rows, self._colours = list(rows), list(colours)
        last = self.index(len(rows) - 1, self.columnCount() - 1)
        self.dataChanged.emit(self.index(0, 0), last)
        return True

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self._colours[index.row()] if index.row() < len(self._colours) else None
            return QColor(colour) if colour else None
        return super().data(index, role)


class TablePage(QWidget):
    """A table of records with the buttons that act on the selected one."""

    def __init__(
        self,
        name: str,
        headers: Sequence[str],
        buttons: Sequence[tuple[str, str]],
        *,
        searchable: bool = True,
    ):
        super().__init__()
        self.setObjectName(f"page_{name}")
        self.records: list = []
        self.model = ColouredTableModel(headers, self)
        self.table = QTableView()
        self.table.setObjectName(f"table_{name}")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.buttons: dict[str, QPushButton] = {}
        # Search narrows the rows shown (accents and case ignored); Ctrl+F comes here.
        self.search = QLineEdit()
        self.search.setObjectName(f"search_{name}")
        self.search.setPlaceholderText(_("Search…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(260)
        self.search.textChanged.connect(self._filter)
        self.search.setVisible(searchable)  # a short summary needs none: one search on screen
        self._all: tuple[list, list[tuple], list[str | None], list[str]] = ([], [], [], [])
        bar = QHBoxLayout()
        bar.addWidget(self.search)
        self.info = QLabel()
        self.info.setWordWrap(True)
        bar.addWidget(self.info, 1)
        for key, label in buttons:
            button = QPushButton(label)
            button.setObjectName(f"button_{key}")
            self.buttons[key] = button
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)

    def set_records(
        self, records: Sequence, rows: Sequence[tuple], colours: Sequence[str | None] = ()
    ) -> None:
        self._keep(records, rows, colours)
        self._show(resize=True)

    def update_records(
        self, records: Sequence, rows: Sequence[tuple], colours: Sequence[str | None], key: int
    ) -> None:
        """set_records for a table refreshed every second: while the first `key` columns of
        every row are unchanged the cells change in place, so the selection stays."""
        self._keep(records, rows, colours)
        shown = self._matching()
        if self.model.update_rows([r for _, r, _ in shown], [c for *_, c in shown], key):
            self.records = [record for record, _, _ in shown]
        else:
            self._show(resize=False)

    def _keep(self, records: Sequence, rows: Sequence[tuple], colours: Sequence) -> None:
        colours = list(colours) or [None] * len(rows)
        keys = [fold_search(" ".join(str(cell) for cell in row)) for row in rows]
        self._all = (list(records), list(rows), colours, keys)

    def _matching(self) -> list[tuple[object, tuple, str | None]]:
        words = fold_search(self.search.text()).split()
        records, rows, colours, keys = self._all
        return [
            (record, row, colour)
            for record, row, colour, key in zip(records, rows, colours, keys, strict=True)
            if all(word in key for word in words)
        ]

    def _show(self, resize: bool) -> None:
        selected = self.selected()
        shown = self._matching()
        self.records = [record for record, _, _ in shown]
        self.model.set_rows([row for _, row, _ in shown], [colour for *_, colour in shown])
        if resize:
            self.table.resizeColumnsToContents()
        if selected is not None and selected in self.records:
            self.table.selectRow(self.records.index(selected))

    def _filter(self, _text: str) -> None:
        self._show(resize=False)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def selected(self):
        index = self.table.selectionModel().currentIndex()
        rows = self.table.selectionModel().selectedRows()
        if not rows and not index.isValid():
            return None
        row = rows[0].row() if rows else index.row()
        return self.records[row] if 0 <= row < len(self.records) else None

    def select(self, row: int) -> None:
        self.table.selectRow(row)


class ConsentTab(LiveTab):
    SHOWN_TABLES = SHOWN_TABLES

    def __init__(self, services: Services, school: SchoolProfile, parent: QWidget | None = None):
        super().__init__(parent)
        self.country = school.country.value
        self.pages = QTabWidget()
        self.pages.setObjectName("consent_pages")
        self._build_terms()
        self._build_requests()
        self._build_codes()
        self._build_restrictions()
        self._build_retention()
        self._build_breaches()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.pages)
        self.controller = ConsentController(services, school, self)
        self.controller.loaded.connect(self.loaded)
        self.controller.connect_view()
        # R69: the 72-hour countdown is live while the breaches page is on screen.
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self.controller.tick)
        self.pages.currentChanged.connect(self._page_changed)
        self.follow(self.controller)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

    # ---- pages ------------------------------------------------------------------------------

    def _build_terms(self) -> None:
        page = QWidget()
        self.document = QComboBox()
        self.document.setObjectName("consent_document")
        self.document.setMinimumContentsLength(24)
        self.class_filter = ClassFilter()
        self.class_filter.setObjectName("consent_class")
        self.as_of = DateField(self.country)
        self.show_button = QPushButton(_("Show"))
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Terms")))
        bar.addWidget(self.document, 1)
        bar.addWidget(self.class_filter)
        bar.addWidget(QLabel(_("As of")))
        bar.addWidget(self.as_of)
        bar.addWidget(self.show_button)
        self.counts = TablePage(
            "counts",
            [
                _("Class"),
                _("People"),
                _("Accepted"),
                _("Must re-accept"),
                _("Declined"),
                _("Withdrawn"),
                _("Not answered"),
            ],
            [],
            searchable=False,
        )
        self.persons = TablePage(
            "persons",
            [_("Class"), _("Student"), _("Guardian"), _("Status"), _("Version"), _("Decided")],
            [
                ("record", _("Record a decision…")),
                ("print_pending", _("Print the terms for those who have not answered…")),
            ],
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.counts)
        split.addWidget(self.persons)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.pages.addTab(page, _("Terms"))

    def _build_requests(self) -> None:
        self.requests = TablePage(
            "requests",
            [
                _("No."),
                _("Request"),
                _("From"),
                _("About"),
                _("Received"),
                _("Forward by"),
                _("Answer due"),
                _("Status"),
                _("Deadline"),
            ],
            [
                ("new_request", _("New request…")),
                ("forwarded", _("Forwarded")),
                ("informed", _("Requester told")),
                ("extend", _("Extend…")),
                ("answered", _("Answered…")),
            ],
        )
        self.deletions = TablePage(
            "deletions",
            [
                _("Student"),
                _("Received"),
                _("State"),
                _("Delete by"),
                _("Told to wait"),
                _("Deleted"),
                _("By"),
            ],
            [
                ("new_deletion", _("New deletion request…")),
                ("recheck", _("Check again")),
                ("told", _("Student told to wait")),
                ("confirm_deletion", _("Confirm deletion…")),
            ],
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.requests)
        split.addWidget(self.deletions)
        self.pages.addTab(split, _("Requests"))

    def _build_codes(self) -> None:
        self.codes = TablePage(
            "codes",
            [
                _("No."),
                _("Child"),
                _("Guardian"),
                _("For"),
                _("Issued"),
                _("By"),
                _("Valid until"),
                _("Wrong attempts"),
                _("State"),
            ],
            [
                ("issue", _("Issue a code…")),
                ("revoke", _("Cancel code")),
                ("export", _("Copy of a child's data…")),
            ],
        )
        self.pages.addTab(self.codes, _("Codes and copies"))

    def _build_restrictions(self) -> None:
        self.restrictions = TablePage(
            "restrictions",
            [
                _("Student"),
                _("Class"),
                _("Guardian"),
                _("Measure"),
                _("From"),
                _("Until"),
                _("Authority"),
                _("In force"),
                _("Notice"),
            ],
            [("print_d8", _("Print the notice to the guardian"))],
        )
        self.restrictions.info.setText(
            _(
                "Measures are recorded on the guardian in the Roster tab. From that moment "
                "nothing else goes to that guardian about the child."
            )
        )
        self.prohibitions = TablePage(
            "prohibitions",
            [
                _("Student"),
                _("Received"),
                _("Subscription ends"),
                _("On the basis of"),
                _("Reference"),
                _("Withdrawn"),
            ],
            [
                ("prohibit", _("Register a prohibition…")),
                ("print_d7", _("Print the notices to the guardians")),
                ("print_d6", _("Print the form to sign…")),
                ("withdraw", _("Record the withdrawal…")),
            ],
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.restrictions)
        split.addWidget(self.prohibitions)
        self.pages.addTab(split, _("Restrictions"))

    def _build_retention(self) -> None:
        self.proposals = TablePage(
            "proposals",
            [_("Data"), _("Entry"), _("Action"), _("Due"), _("Why")],
            [("confirm", _("Confirm…")), ("keep", _("Keep…"))],
        )
        self.proposals.info.setText(
            _("The app only proposes; nothing is deleted until a person confirms.")
        )
        self.holds = TablePage(
            "holds",
            [_("Student"), _("Data"), _("Reason"), _("Since"), _("Placed by")],
            [("hold", _("Place a legal hold…")), ("release", _("Release"))],
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.proposals)
        split.addWidget(self.holds)
        self.pages.addTab(split, _("Retention"))

    def _build_breaches(self) -> None:
        self.breaches = TablePage(
            "breaches",
            [
                _("Detected"),
                _("What happened"),
                _("Notify by"),
                _("Time left"),
                _("Notifications"),
                _("Closed"),
            ],
            [
                ("new_breach", _("Record a breach…")),
                ("affected", _("Person concerned…")),
                ("notice", _("Notification sent…")),
                ("close_breach", _("Close")),
            ],
        )
        self.breach_detail = QLabel()
        self.breach_detail.setObjectName("breach_detail")
        self.breach_detail.setWordWrap(True)
        self.breach_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.breaches, 1)
        layout.addWidget(self.breach_detail)
        self.pages.addTab(page, _("Breaches"))

    # ---- what the main window calls ---------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._page_changed()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.clock.stop()

    def _page_changed(self, *_args) -> None:
        on_breaches = self.pages.currentIndex() == self.pages.count() - 1
        if on_breaches and self.isVisible():
            self.clock.start()
        else:
            self.clock.stop()

    def focus_search(self) -> None:
        """Ctrl+F: the search of the table on the page shown (the people on the terms page)."""
        page = self.pages.currentWidget()
        if page is None:
            return
        tables = [self.persons] if page.isAncestorOf(self.persons) else []
        tables += page.findChildren(TablePage)
        if tables:
            tables[0].focus_search()

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("consent/page", self.pages.currentIndex())
        settings.setValue("consent/document", self.document.currentData() or "")

    def restore_state(self, settings: QSettings) -> None:
        page = settings.value("consent/page")
        if page is not None and str(page).isdigit():
            self.pages.setCurrentIndex(int(page))
        self.controller.remembered_document = settings.value("consent/document") or None
