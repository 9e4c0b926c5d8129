"""The Cards tab: the provider link on top, filters, the cards table, the student's photo and
card history on the right, and a toolbar with one action per card transition."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.services.card_sync.office import SyncStatus
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui.forms import DateField, heading
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.tables import ClassFilter
from desktop.ui.tabs.cards.controller import CardsController
from desktop.ui.tabs.cards.labels import STATUSES, local_time, status_label
from desktop.ui.tabs.cards.model import COLUMN_NAME
from desktop.ui.tabs.list_detail import ListDetailTab, list_table, size_columns
from desktop.ui.text import _

# What the tab shows: cards, their students, the provider link and its queue.
SHOWN_TABLES = (
    "card",
    "card_provider_outbox",
    "card_provider_sync",
    "card_settings",
    "student",
    "student_photo",
)

PHOTO_W, PHOTO_H = 120, 160
_LINK_STYLES = {
    "ok": "color: #1e5e2e;",
    "warning": "color: #8a5a00;",
    "error": "color: #b3261e; font-weight: bold;",
}


class CardsTab(ListDetailTab):
    NAME = "cards"
    SHOWN_TABLES = SHOWN_TABLES

    def __init__(self, services: Services, school: SchoolProfile, parent: QWidget | None = None):
        super().__init__(parent)
        self.country = school.country.value
        self._build_link_bar()
        self._build_filters()
        self.table = list_table("cards_table", several=True)
        self._build_student_panel()
        self.controller = CardsController(services, school, self)
        self.table.setModel(self.controller.model)
        self._build_toolbar()
        size_columns(self.table, (200, 60, 80, 130, 90, 95, 95), sort_by=COLUMN_NAME)
        self.splitter = self.split(self.filters, self.student_panel, self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.link_bar)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        self._connect()
        self.show_student(None, [], None)
        self.follow(self.controller)

    # ---- building ------------------------------------------------------------------------

    def _build_link_bar(self) -> None:
        self.link_bar = QFrame()
        self.link_bar.setObjectName("cards_link")
        self.link_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.link_text = QLabel()
        self.link_text.setObjectName("cards_link_text")
        self.link_text.setWordWrap(True)
        self.sync_button = QPushButton(_("Sync now"))
        self.attention_button = QPushButton(_("Needs attention"))
        self.settings_button = QPushButton(_("Card settings…"))
        self.refer_button = QPushButton(_("Refer to the card provider…"))
        self.refer_button.setToolTip(_("Lost phone or opting out: where the student goes"))
        row = QHBoxLayout(self.link_bar)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(QLabel(_("Card provider:")))
        row.addWidget(self.link_text, 1)
        row.addWidget(self.attention_button)
        row.addWidget(self.sync_button)
        row.addWidget(self.refer_button)
        row.addWidget(self.settings_button)

    def _build_filters(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("cards_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("Search by name, card number or class  (Ctrl+F)"))
        self.status_combo = QComboBox()
        self.status_combo.addItem(_("All statuses"), None)
        for status in STATUSES:
            self.status_combo.addItem(status_label(status), status)
        self.class_combo = ClassFilter()
        self.class_combo.setMinimumContentsLength(6)
        self.expiry = DateField(self.country)
        self.expiry.setObjectName("cards_expiring_before")
        self.expiry.setToolTip(_("Active cards valid until before this day"))
        self.filters = QHBoxLayout()
        self.filters.addWidget(self.search, 1)
        self.filters.addWidget(self.status_combo)
        self.filters.addWidget(self.class_combo)
        self.filters.addWidget(QLabel(_("Expiring before")))
        self.filters.addWidget(self.expiry)
        self.count = QLabel()
        self.count.setObjectName("cards_count")

    def _build_student_panel(self) -> None:
        self.student_panel = QWidget()
        self.student_panel.setMinimumWidth(380)
        self.student_title = heading("")
        self.photo = QLabel()
        self.photo.setObjectName("cards_photo")
        self.photo.setFixedSize(PHOTO_W, PHOTO_H)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet("border: 1px solid #c8c8c8; background: #f2f2f2; color: #777;")
        self.photo_button = QPushButton(_("Import photo…"))
        self.photo_note = QLabel(_("JPEG or PNG, at least 300 × 400 pixels, at most 2 MB."))
        self.photo_note.setWordWrap(True)
        photo_side = QVBoxLayout()
        photo_side.addWidget(self.photo_button)
        photo_side.addWidget(self.photo_note)
        photo_side.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.photo)
        top.addLayout(photo_side, 1)
        self.history = QTableView()
        self.history.setObjectName("cards_history")
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.history.verticalHeader().hide()
        # The change ("Active → Revoked, reported lost") wraps instead of ending in "…".
        self.history.setWordWrap(True)
        self.history.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.history_model = TupleTableModel(
            (_("When"), _("Who"), _("Card"), _("Change")), (), self
        )
        self.history.setModel(self.history_model)
        header = self.history.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.history.resizeRowsToContents())
        layout = QVBoxLayout(self.student_panel)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.student_title)
        layout.addLayout(top)
        layout.addWidget(QLabel(_("Card history")))
        layout.addWidget(self.history, 1)

    def _build_toolbar(self) -> None:
        c = self.controller
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("cards_toolbar")
        self.actions_by_key: dict[str, QAction] = {}
        groups = [
            [
                ("issue", _("Issue card…"), c.issue),
                ("lost", _("Lost → replace"), c.report_lost),
                ("replace", _("Replace"), c.replace),
                ("extend", _("Extend"), c.extend),
                ("revoke", _("Revoke…"), c.revoke),
            ],
            [
                ("activation", _("Virtual card activated…"), c.record_activation),
                ("suspension", _("Suspension confirmed…"), c.confirm_suspension),
                ("close", _("Close virtual card…"), c.close_virtual),
            ],
            [
                ("photo", _("Import photo…"), c.import_photo),
                ("print_cards", _("Print cards…"), lambda: c.print_cards(sheet=False)),
                ("print_sheet", _("Print A4 sheet…"), lambda: c.print_cards(sheet=True)),
            ],
            [("extend_all", _("Extend all enrolled…"), c.extend_all)],
        ]
        for n, group in enumerate(groups):
            if n:
                self.toolbar.addSeparator()
            for key, text, slot in group:
                action = self.toolbar.addAction(text)
                action.setObjectName(f"cards_{key}")
                action.triggered.connect(slot)
                self.actions_by_key[key] = action

    def _connect(self) -> None:
        c = self.controller
        self.search.textChanged.connect(c.filter_changed)
        self.status_combo.currentIndexChanged.connect(c.filter_changed)
        self.class_combo.currentIndexChanged.connect(c.filter_changed)
        self.expiry.textChanged.connect(c.filter_changed)
        self.table.selectionModel().selectionChanged.connect(c.current_changed)
        self.table.selectionModel().currentRowChanged.connect(c.current_changed)
        self.sync_button.clicked.connect(c.sync_now)
        self.attention_button.clicked.connect(c.show_needs_attention)
        self.refer_button.clicked.connect(c.refer)
        self.settings_button.clicked.connect(c.open_settings)
        self.photo_button.clicked.connect(c.import_photo)
        c.loaded.connect(self.loaded.emit)

    def first_shown(self) -> None:
        super().first_shown()
        self.controller.timer.start()  # sync quietly from then on

    # ---- what the controller calls ------------------------------------------------------

    def search_text(self) -> str:
        return self.search.text()

    def status_filter(self) -> str | None:
        return self.status_combo.currentData()

    def class_filter(self) -> str | None:
        return self.class_combo.currentData()

    def expiring_before(self) -> date | None:
        return self.expiry.date_value("expiring_before")

    def mark_expiry_invalid(self, invalid: bool) -> None:
        self.expiry.setStyleSheet("border: 1px solid #b3261e;" if invalid else "")

    def enable_actions(self, enabled: dict[str, bool]) -> None:
        for key, on in enabled.items():
            self.actions_by_key[key].setEnabled(on)
        self.photo_button.setEnabled(enabled["photo"])

    def show_student(self, title: str | None, history: list[tuple], photo: bytes | None) -> None:
        self.student_title.setText(title or _("Choose a card to see the student's cards"))
        self.history_model.set_rows(history)
        self.history.resizeRowsToContents()
        pixmap = QPixmap()
        if photo and pixmap.loadFromData(photo):
            self.photo.setPixmap(
                pixmap.scaled(
                    PHOTO_W,
                    PHOTO_H,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.photo.setPixmap(QPixmap())
            self.photo.setText(_("No photo") if title else "")

    def show_link_status(self, status: SyncStatus) -> None:
        """Last successful sync, pending, failures, and why the link is down if it is."""
        parts = []
        if status.last_success_at:
            parts.append(
                _("last successful sync {when}").format(
                    when=local_time(status.last_success_at, self.country, today_short=True)
                )
            )
        else:
            parts.append(_("no successful sync yet"))
        parts.append(_("{n} pending").format(n=status.pending))
        if not status.configured:
            kind = "warning"
            parts.insert(0, _("not set up (Card settings…: provider address and token)"))
        elif status.auth_failed:
            kind = "error"
            parts.insert(
                0, _("paused: the provider refused our token; check the card provider settings")
            )
        elif status.needs_attention:
            kind = "warning"
        elif status.last_error and (
            status.last_success_at is None
            or (status.last_error_at and status.last_error_at > status.last_success_at)
        ):
            kind = "warning"
            parts.append(_("last error: {error}").format(error=status.last_error))
        else:
            kind = "ok"
        self.link_text.setText(" · ".join(parts))
        self.link_text.setStyleSheet(_LINK_STYLES[kind])
        self.link_text.setProperty("state", kind)
        self.attention_button.setText(_("Needs attention ({n})").format(n=status.needs_attention))
        self.attention_button.setEnabled(bool(status.needs_attention))
        self.sync_button.setEnabled(status.configured and self.controller.can_manage)

    def show_no_permission(self) -> None:
        self.link_text.setText(_("Managing cards needs the Office role."))
        for action in self.actions_by_key.values():
            action.setEnabled(False)
        for button in (
            self.sync_button,
            self.attention_button,
            self.refer_button,
            self.settings_button,
        ):
            button.setEnabled(False)
