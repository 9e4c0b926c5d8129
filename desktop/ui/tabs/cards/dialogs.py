"""Cards tab dialogs: a reason, a virtual-card activation, the extension preview, the provider
events that need attention, and "Refer to the provider" (R25, R29)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.cards.events import SuspendReason
from desktop.domain.errors import SchoolOfficeError
from desktop.services.card_sync.office import OutboxEntry
from desktop.services.cards.extension import ExtensionPlan
from desktop.ui import messages
from desktop.ui.forms import FormDialog, heading
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.tabs.cards.labels import event_label, kind_label, status_label
from desktop.ui.text import N_, _, format_date, n_

_SUSPEND_REASONS = {
    SuspendReason.LOST_PHONE: N_("Lost phone"),
    SuspendReason.OPT_OUT: N_("Does not want the virtual card"),
}


def _table(rows: Sequence[tuple], headers: Sequence[str]) -> QTableView:
    view = QTableView()
    view.setModel(TupleTableModel(headers, rows, view))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setAlternatingRowColors(True)
    return view


class ReasonDialog(FormDialog):
    """Revoke a physical card or close a virtual one: the reason goes into the card's history."""

    def __init__(self, parent, country: str, title: str, note: str, ok_text: str, submit):
        super().__init__(parent, title, country, submit, ok_text=ok_text)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(_("For example: card withdrawn by the school"))
        self.form.addRow(_("Reason"), self.errors.wrap("reason", self.reason))
        self.set_note(note)

    def values(self) -> str:
        return self.reason.text()


@dataclass(frozen=True)
class Activation:
    smart_id_code: str
    device_ref: str


class ActivationDialog(FormDialog):
    """R26: the isikukood the provider's Smart-ID check returned must be the roster's."""

    def __init__(self, parent, country: str, student_name: str, submit):
        super().__init__(
            parent,
            _("Virtual card for {name}").format(name=student_name),
            country,
            submit,
            ok_text=_("Record activation"),
        )
        self.code = QLineEdit()
        self.code.setPlaceholderText(_("11 digits, as the provider reported it"))
        self.device = QLineEdit()
        self.device.setPlaceholderText(_("Optional: the provider's device reference"))
        self.form.addRow(_("Isikukood from Smart-ID"), self.errors.wrap("smart_id", self.code))
        self.form.addRow(_("Device"), self.errors.wrap("device", self.device))
        self.set_note(
            _(
                "The provider checks the student's Smart-ID. The virtual card is recorded only "
                "if the isikukood it returned is the one in the roster. A login on a new phone "
                "moves the same card to that phone."
            )
        )

    def values(self) -> Activation:
        return Activation(self.code.text(), self.device.text())


class ExtendPreviewDialog(QDialog):
    """R21 at the school-year change: every change listed before anything is written."""

    def __init__(self, parent: QWidget | None, plan: ExtensionPlan, country: str):
        super().__init__(parent)
        self.setWindowTitle(_("Extend all enrolled students"))
        rows = [
            (
                item.student_name,
                item.class_name or "",
                ", ".join(
                    f"{kind_label(c.kind)}: {format_date(c.old_valid_until, country)}"
                    + (f" ({status_label(c.old_status)})" if c.old_status != "ACTIVE" else "")
                    for c in item.changes
                )
                or _("no card"),
                format_date(item.new_valid_until, country),
                _("yes") if item.publishes else "",
            )
            for item in plan.items
        ]
        self.table = _table(
            rows,
            (
                _("Student"),
                _("Class"),
                _("Cards now"),
                _("New valid until"),
                _("Tell the provider"),
            ),
        )
        if plan.items:
            summary = _(
                "{cards} card(s) of {students} student(s) will be extended; "
                "{events} change(s) go to the card provider."
            ).format(cards=plan.card_count, students=len(plan.items), events=plan.event_count)
        else:
            summary = _("Every enrolled student's cards are already valid to the next 31 August.")
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton(
            n_("Extend {n} student", "Extend {n} students", len(plan.items)).format(
                n=len(plan.items)
            ),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.apply_button.setEnabled(bool(plan.items))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)


class NeedsAttentionDialog(QDialog):
    """Provider events that stopped retrying; each holds up the student's later events."""

    def __init__(
        self,
        parent: QWidget | None,
        country: str,
        load: Callable[[], list[OutboxEntry]],
        retry: Callable[[int], None],
        discard: Callable[[int, str], None],
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Card provider: needs attention"))
        self._country, self._load, self._retry, self._discard = country, load, retry, discard
        self.entries: list[OutboxEntry] = []
        self.note = QLabel(
            _(
                "These changes did not reach the card provider. Retry sends one again at the next "
                "sync; discard it only if the provider must never get it."
            )
        )
        self.note.setWordWrap(True)
        self.table = _table([], ())
        self.retry_button = QPushButton(_("Retry now"))
        self.discard_button = QPushButton(_("Discard…"))
        self.retry_button.clicked.connect(self.retry_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(860, 420)
        self.reload()

    def reload(self) -> None:
        self.entries = self._load()
        rows = [
            (
                e.student_name,
                event_label(e.kind),
                format_date(e.created_at.date(), self._country),
                str(e.attempts),
                str(e.waiting_behind),
                e.last_error,
            )
            for e in self.entries
        ]
        headers = (_("Student"), _("Change"), _("Created"), _("Attempts"), _("Waiting"), _("Error"))
        self.table.setModel(TupleTableModel(headers, rows, self.table))
        if rows:
            self.table.selectRow(0)
        for button in (self.retry_button, self.discard_button):
            button.setEnabled(bool(rows))

    def _selected(self) -> OutboxEntry | None:
        index = self.table.currentIndex()
        return self.entries[index.row()] if index.isValid() else None

    def retry_selected(self) -> None:
        entry = self._selected()
        if entry is not None:
            self._act(lambda: self._retry(entry.id))

    def discard_selected(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        dialog = ReasonDialog(
            self,
            self._country,
            _("Discard a change for {name}").format(name=entry.student_name),
            _("The card provider will never receive this change. Later changes go ahead."),
            _("Discard"),
            lambda reason: self._discard(entry.id, reason),
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.reload()

    def _act(self, action: Callable[[], None]) -> None:
        try:
            action()
        except SchoolOfficeError as exc:
            messages.show_error(self, exc, country=self._country)
        self.reload()


class ReferDialog(QDialog):
    """R25/R29: a lost phone or an opt-out is the provider's manual step; show where to go and
    let the office log that the student asked for a suspension."""

    def __init__(
        self,
        parent: QWidget | None,
        contacts: Sequence[tuple[str, str]],
        student_name: str | None,
        request: Callable[[SuspendReason], None] | None,
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Refer to the card provider"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Lost phone or opting out of the virtual card")))
        text = QLabel(
            _(
                "The school does not suspend virtual cards itself. The student (or a parent) "
                "contacts the card provider, which suspends the card by hand. The card shows "
                "as suspended here once the provider confirms it."
            )
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        # Typed by the office: escaped, so an address like <hello@…> shows as written.
        lines = "<br>".join(
            f"<b>{html.escape(label)}</b>: {html.escape(value)}" if label else html.escape(value)
            for label, value in contacts
        )
        self.contacts = QLabel(lines or _("No contacts are set up (card settings)."))
        self.contacts.setTextFormat(Qt.TextFormat.RichText)
        self.contacts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.contacts)
        self.reason = QComboBox()
        for reason, label in _SUSPEND_REASONS.items():
            self.reason.addItem(_(label), reason.value)
        self.log_button = QPushButton(_("Log “suspension requested”"))
        self._request = request
        if request is not None and student_name:
            row = QHBoxLayout()
            row.addWidget(QLabel(_("{name} asked:").format(name=student_name)))
            row.addWidget(self.reason, 1)
            row.addWidget(self.log_button)
            layout.addLayout(row)
            self.log_button.clicked.connect(self.log_request)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def log_request(self) -> None:
        try:
            self._request(SuspendReason(self.reason.currentData()))
        except SchoolOfficeError as exc:
            messages.show_error(self, exc)
            return
        self.accept()


@dataclass(frozen=True)
class CardSettingsValues:
    school_code: str
    contacts: list[tuple[str, str]]
    provider_url: str
    token: str | None  # None: keep the saved token


class CardSettingsDialog(FormDialog):
    """The school's card prefix and support contacts (shared by every PC), and this PC's link
    to the provider: its address, and its token, which goes to the OS password store only."""

    def __init__(self, parent, country: str, settings, provider_url: str, has_token: bool, submit):
        super().__init__(parent, _("Card settings"), country, submit, ok_text=_("Save"))
        self.school_code = QLineEdit(settings.school_code)
        self.school_code.setMaxLength(6)
        self.contacts = QPlainTextEdit(
            "\n".join(
                f"{label}: {value}" if label else value
                for label, value in settings.support_contacts
            )
        )
        self.contacts.setPlaceholderText(_("One per line, e.g. E-mail: support@example.org"))
        self.contacts.setFixedHeight(90)
        self.url = QLineEdit(provider_url)
        self.url.setPlaceholderText("https://…")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(
            _("Saved; type a new one to replace it") if has_token else _("Not saved yet")
        )
        self.form.addRow(_("Card number prefix"), self.errors.wrap("card_prefix", self.school_code))
        self.form.addRow(_("Where to refer students"), self.errors.wrap("contacts", self.contacts))
        self.form.addRow(_("Provider address"), self.errors.wrap("card_provider_url", self.url))
        self.form.addRow(_("Provider token"), self.errors.wrap("card_provider_token", self.token))
        self.set_note(
            _(
                "The prefix starts every new card number; numbers already issued stay as they "
                "are. The address and token are saved on this computer only; the token goes to "
                "its password store."
            )
        )

    def values(self) -> CardSettingsValues:
        contacts = []
        for line in self.contacts.toPlainText().splitlines():
            label, sep, value = line.partition(":")
            if value.startswith("//"):  # a bare address such as https://…
                label, sep, value = "", "", line
            contacts.append((label.strip(), value.strip()) if sep else ("", line.strip()))
        return CardSettingsValues(
            self.school_code.text(), contacts, self.url.text(), self.token.text() or None
        )
