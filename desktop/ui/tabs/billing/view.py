"""The Billing tab: filters and the subscriptions on the left, the child's order and money
history on the right, a toolbar with the actions, and below "Due today": the decisions waiting
for a person (R67) and the letters waiting to be printed. Only the billing role sees it (R121).
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.billing_letters import format_reference
from desktop.domain.billing.states import SubscriptionState
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui.forms import heading
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.tables import ClassFilter, reset_quietly
from desktop.ui.tabs.billing.controller import BillingController
from desktop.ui.tabs.billing.labels import (
    STATES,
    euros,
    letter_label,
    method_label,
    money_label,
    notice_label,
    proposal_label,
    state_label,
)
from desktop.ui.tabs.list_detail import ListDetailTab, list_table, size_columns
from desktop.ui.text import _, format_date, n_, stored_text

# What the tab shows: subscriptions, their invoices, payments, proposals and letters.
SHOWN_TABLES = (
    "billing_notice",
    "billing_price",
    "billing_proposal",
    "billing_settings",
    "billing_year",
    "cancellation_letter",
    "generated_document",
    "bank_entry",
    "invoice",
    "payment",
    "refund",
    "student",
    "subscription",
    "subscription_profile",
    "trial",
    "trial_offer",
)


def _money_text(line) -> str:
    if line.kind == "payment":
        card = line.text.partition("••••")[2].strip()
        text = f"{money_label('payment')} · {method_label(line.method)}"
        return f"{text} •••• {card}" if card else text
    if line.kind == "refund":
        return money_label("refund")
    return f"{money_label(line.kind)} {line.text}"


class BillingTab(ListDetailTab):
    NAME = "billing"
    SHOWN_TABLES = SHOWN_TABLES

    def __init__(self, services: Services, school: SchoolProfile, parent: QWidget | None = None):
        super().__init__(parent)
        self.country = school.country.value
        self._build_filters()
        self.table = list_table("billing_table")
        self.count = QLabel()
        self.controller = BillingController(services, school, self)
        self.table.setModel(self.controller.model)
        self._build_child_panel()
        self._build_due_panel()
        self._build_toolbar()
        size_columns(self.table, (170, 55, 170, 150, 80))
        self.splitter = self.split(self.filters_row, self.child_panel, self.count)
        self.splitter.setSizes([760, 540])  # the money history needs its five columns
        self.vertical = QSplitter(Qt.Orientation.Vertical)
        self.vertical.setObjectName("billing_vertical")
        self.vertical.addWidget(self.splitter)
        self.vertical.addWidget(self.due_panel)
        self.vertical.setStretchFactor(0, 3)
        self.vertical.setStretchFactor(1, 1)
        self.vertical.setSizes([560, 230])
        self.remember("billing/vertical", self.vertical)
        self.no_permission = QLabel(
            _("Payer data and payments are shown to the billing role only.")
        )
        self.no_permission.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_permission.hide()
        self._build_not_enabled()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.not_enabled)
        layout.addWidget(self.vertical, 1)
        layout.addWidget(self.no_permission, 1)
        self._connect()
        self.show_subscription(None, [], [])
        self.follow(self.controller)

    # ---- building ----------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("billing_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("Search by child, class or payer"))
        self.state_combo = QComboBox()
        self.state_combo.addItem(_("All states"), None)
        for state in STATES:
            self.state_combo.addItem(state_label(state), state)
        self.class_combo = ClassFilter()
        self.due_only = QCheckBox(_("Needs attention"))
        self.due_only.setToolTip(
            _("A decision waits, an invoice is overdue, or a letter waits to be printed")
        )
        self.filters_row = QHBoxLayout()
        self.filters_row.addWidget(self.search, 1)
        self.filters_row.addWidget(self.state_combo)
        self.filters_row.addWidget(self.class_combo)
        self.filters_row.addWidget(self.due_only)

    def _build_child_panel(self) -> None:
        self.child_panel = QWidget()
        self.child_title = heading("")
        self.child_info = QLabel()
        self.child_info.setWordWrap(True)
        self.child_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_model = TupleTableModel(
            (_("Date"), _("What"), _("School year"), _("Amount"), _("Reference"))
        )
        self.history = list_table("billing_history")
        self.history.setModel(self.history_model)
        size_columns(self.history, (85, 190, 80, 75))
        self.letters_info = QLabel()
        self.letters_info.setWordWrap(True)
        layout = QVBoxLayout(self.child_panel)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.child_title)
        layout.addWidget(self.child_info)
        layout.addWidget(QLabel(_("Money history")))
        layout.addWidget(self.history, 1)
        layout.addWidget(self.letters_info)

    def _build_due_panel(self) -> None:
        self.due_panel = QWidget()
        self.due_title = heading(_("Due today"))
        self.proposals_model = TupleTableModel(
            (
                _("Decision"),
                _("Child"),
                _("Class"),
                _("Proposed"),
                _("Takes effect"),
                _("Amount"),
                _("Why"),
            )
        )
        self.proposals_table = list_table("billing_proposals")
        self.proposals_table.setModel(self.proposals_model)
        size_columns(self.proposals_table, (230, 150, 55, 85, 95, 70))
        self.confirm_button = QPushButton(_("Confirm…"))
        self.reject_button = QPushButton(_("Reject…"))
        self.letters_label = QLabel()
        self.print_letters_button = QPushButton(_("Print letters…"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        buttons.addWidget(self.letters_label)
        buttons.addWidget(self.print_letters_button)
        layout = QVBoxLayout(self.due_panel)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.due_title)
        layout.addWidget(self.proposals_table, 1)
        layout.addLayout(buttons)

    def _build_not_enabled(self) -> None:
        """The empty state of a school without the paid tier (R74): what that means and
        where to turn it on. Alone it fills the tab; above old subscriptions it stays small."""
        self.not_enabled = QWidget()
        self.not_enabled.setObjectName("billing_not_enabled")
        title = heading(_("The paid tier is not enabled for this school"))
        text = QLabel(
            _(
                "Billing keeps the orders, trials and payments of mojAsistent POPOLNI, "
                "eŠola's paid tier for Slovenian schools. This school has not enabled it, so "
                "there is nothing to bill. To offer it, turn it on in Settings…"
            )
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setMaximumWidth(620)
        text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        # Centred by stretches, not by an alignment flag: a wrapped label placed with
        # AlignHCenter gets the height of a wider label and loses its first and last lines.
        text_row = QHBoxLayout()
        text_row.addStretch(1)
        text_row.addWidget(text, 100)
        text_row.addStretch(1)
        self.not_enabled_settings = QPushButton(_("Settings…"))
        self.not_enabled_settings.clicked.connect(self.controller.open_settings)
        self.not_enabled_settings.setEnabled(self.controller.can_edit)
        layout = QVBoxLayout(self.not_enabled)
        layout.setContentsMargins(0, 12, 0, 12)
        layout.addStretch(1)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(text_row)
        layout.addWidget(self.not_enabled_settings, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.not_enabled.hide()

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("billing_toolbar")
        c = self.controller
        self.actions_by_key: dict[str, QAction] = {}
        for key, text, slot in (
            ("order", _("New order…"), c.new_order),
            ("trial", _("Start trial…"), c.start_trial),
            ("pay", _("Record payment…"), c.record_payment),
            ("bank", _("Import bank statement…"), c.import_statement),
            ("letter", _("Register letter…"), c.register_letter),
            ("refund", _("Refund…"), c.refund),
            ("fee", _("Charge reminder fee…"), c.charge_fee),
            ("print_letter", _("Print cancellation letter…"), c.print_cancellation_letter),
            ("print_invoice", _("Print invoice…"), c.print_invoice),
            ("settings", _("Settings…"), c.open_settings),
        ):
            if key == "print_letter" or key == "settings":
                self.toolbar.addSeparator()
            action = self.toolbar.addAction(text)
            action.triggered.connect(slot)
            self.actions_by_key[key] = action

    def _connect(self) -> None:
        c = self.controller
        self.search.textChanged.connect(c.filter_changed)
        self.state_combo.currentIndexChanged.connect(c.filter_changed)
        self.class_combo.currentIndexChanged.connect(c.filter_changed)
        self.due_only.toggled.connect(c.filter_changed)
        self.table.selectionModel().currentRowChanged.connect(c.current_changed)
        self.confirm_button.clicked.connect(self._confirm_clicked)
        self.reject_button.clicked.connect(self._reject_clicked)
        self.proposals_table.doubleClicked.connect(lambda _i: self._confirm_clicked())
        self.print_letters_button.clicked.connect(c.print_due_letters)
        c.loaded.connect(self.loaded.emit)

    # ---- what the controller calls ------------------------------------------------------

    def filters(self):
        return (
            self.search.text(),
            SubscriptionState(state) if (state := self.state_combo.currentData()) else None,
            self.class_combo.currentData(),
            self.due_only.isChecked(),
        )

    def clear_filters(self) -> None:
        reset_quietly(self.search, self.state_combo, self.class_combo, self.due_only)
        self.controller.filter_changed()

    def set_actions_enabled(self, enabled: dict[str, bool]) -> None:
        for key, on in enabled.items():
            self.actions_by_key[key].setEnabled(on)

    def show_popolni(self, enabled: bool, has_subscriptions: bool) -> None:
        """Without POPOLNI the empty state says why the tab is empty (R74); subscriptions
        from before it was switched off stay listed below it."""
        self.not_enabled.setVisible(not enabled)
        self.vertical.setVisible(enabled or has_subscriptions)

    def show_no_permission(self) -> None:
        self.toolbar.hide()
        self.vertical.hide()
        self.no_permission.show()

    def show_subscription(self, record, history, letters) -> None:
        if record is None:
            self.child_title.setText(_("No subscription selected"))
            self.child_info.setText(
                _("Choose a subscription on the left, or record a new order or trial.")
            )
            self.history_model.set_rows([])
            self.letters_info.clear()
            return
        c = self.country
        self.child_title.setText(f"{record.child_name}  ·  {record.class_name or '—'}")
        lines = [f"<b>{state_label(record.state)}</b> · {record.tier.value}"]
        if record.trial is not None:
            lines.append(
                _("Trial {start} – {end}").format(
                    start=format_date(record.trial.starts_on, c),
                    end=format_date(record.trial.ends_on, c),
                )
            )
        if record.ordered_on:
            lines.append(_("Ordered on {date}").format(date=format_date(record.ordered_on, c)))
        if record.activated_on:
            lines.append(
                _("Active since {date}, paid up to {year}").format(
                    date=format_date(record.activated_on, c),
                    year=record.paid_school_year.label if record.paid_school_year else "—",
                )
            )
        if record.ends_on:
            lines.append(
                _("Ends on {date}: {reason}").format(
                    date=format_date(record.ends_on, c), reason=stored_text(record.end_reason)
                )
            )
        for p in record.profiles:
            who = p.full_name + (" " + _("(payer)") if p.is_payer else "")
            contact = " · ".join(x for x in (p.mobile, p.email) if x)
            if not p.active:
                contact += " · " + _("unsubscribed from {date}").format(
                    date=format_date(p.unsubscribed_on, c)
                )
            lines.append(f"{who}: {contact}")
        self.child_info.setText("<br>".join(lines))
        self.history_model.set_rows(
            [
                (
                    format_date(m.on, c),
                    _money_text(m),
                    m.school_year.label if m.school_year else "",
                    euros(m.amount_cents) if m.kind != "cancelled" else "",
                    format_reference(m.reference) if m.reference else m.text,
                )
                for m in history
            ]
        )
        self.letters_info.setText(
            "<br>".join(
                _("{kind} received {date}: {status}").format(
                    kind=letter_label(letter.kind),
                    date=format_date(letter.received_on, c),
                    status=_(letter.status.value),
                )
                for letter in letters
            )
        )

    def show_due(self, proposals, notices) -> None:
        c = self.country
        self.proposals_model.set_rows(
            [
                (
                    proposal_label(p.kind),
                    p.child_name,
                    p.class_name,
                    format_date(p.proposed_on, c),
                    format_date(p.effective_on, c),
                    euros(p.amount_cents),
                    stored_text(p.reason),
                )
                for p in proposals
            ]
        )
        self.due_title.setText(
            n_(
                "Due today: {n} decision to confirm",
                "Due today: {n} decisions to confirm",
                len(proposals),
            ).format(n=len(proposals))
        )
        kinds = Counter(notice_label(n.kind) for n in notices)
        self.letters_label.setText(
            n_("{n} letter to print", "{n} letters to print", len(notices)).format(n=len(notices))
            + (f" ({', '.join(f'{k}: {v}' for k, v in kinds.items())})" if kinds else "")
        )
        self.print_letters_button.setEnabled(bool(notices) and self.controller.can_view)
        has = bool(proposals) and self.controller.can_edit
        self.confirm_button.setEnabled(has)
        self.reject_button.setEnabled(has)

    def selected_proposal(self):
        index = self.proposals_table.currentIndex()
        proposals = self.controller.proposals
        if not proposals:
            return None
        return proposals[index.row()] if index.isValid() else proposals[0]

    def _confirm_clicked(self) -> None:
        proposal = self.selected_proposal()
        if proposal is not None:
            self.controller.confirm_proposal(proposal)

    def _reject_clicked(self) -> None:
        proposal = self.selected_proposal()
        if proposal is not None:
            self.controller.reject_proposal(proposal)
