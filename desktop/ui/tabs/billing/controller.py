"""The Billing tab's controller: the only place the tab talks to the billing services.

Buttons call it; it calls BillingService / BillingLetterService and shows the answer or the
typed error. Printing (a letter, an invoice, the due letters in a worker behind a progress dialog
with Cancel) is the part it extends, in `printing.py`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.domain.billing.records import ProposalKind
from desktop.domain.billing.states import LIVE_STATES, SubscriptionState
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui import messages
from desktop.ui.document_output import documents_folder
from desktop.ui.tabs.billing.dialogs.letter import LetterDialog
from desktop.ui.tabs.billing.dialogs.order import OrderDialog, TrialDialog
from desktop.ui.tabs.billing.dialogs.payment import PaymentDialog
from desktop.ui.tabs.billing.dialogs.refund import RefundDialog, RejectDialog
from desktop.ui.tabs.billing.dialogs.settings import SettingsDialog
from desktop.ui.tabs.billing.labels import euros, proposal_label
from desktop.ui.tabs.billing.model import SubscriptionsModel
from desktop.ui.tabs.billing.printing import BillingPrinting
from desktop.ui.text import N_, _, format_date, n_
from desktop.ui.workers import run_task


def ask_statement_path(parent: QWidget, title: str, folder) -> str:
    """The open dialog for a bank statement (tests replace this function)."""
    path, _filter = QFileDialog.getOpenFileName(
        parent, title, str(folder), _("Bank statements (*.xml);;All files (*)")
    )
    return path


class BillingController(BillingPrinting):
    PERMISSION = Permission.VIEW_BILLING
    LOAD_FAILED = N_("Billing could not be loaded")

    def __init__(self, services: Services, school: SchoolProfile, view):
        super().__init__(services, school, view)
        self.model = SubscriptionsModel(self.country, self)
        self.can_view = self.allowed
        self.can_edit = services.actor.can(Permission.EDIT_BILLING)
        self.task = None
        self.preview = None  # the last document shown in the print preview
        self.proposals = []
        self.notices = []
        self.popolni_enabled = True  # until loaded, so the empty state never flashes up
        self.last_status = ""

    @property
    def billing(self):
        return self.services.billing

    @property
    def letters(self):
        return self.services.billing_letters

    # ---- loading -----------------------------------------------------------------------

    def reader(self):
        billing, letters, today = self.billing, self.letters, self.today()
        return lambda: (
            billing.table_rows(today),
            billing.proposals(),
            letters.pending_notices(today),
            billing.settings().popolni_enabled,
        )

    def show_loaded(self, data) -> None:
        rows, self.proposals, self.notices, self.popolni_enabled = data
        self.show_rows(rows)
        self.view.show_due(self.proposals, self.notices)
        self.view.show_popolni(self.popolni_enabled, bool(rows))

    # ---- table -------------------------------------------------------------------------

    def filter_changed(self) -> None:
        self.model.set_filter(*self.view.filters())
        shown, total = self.model.visible_count, self.model.total_count
        self.view.count.setText(
            _("{shown} of {total} subscriptions").format(shown=shown, total=total)
        )

    def select_record(self, subscription_id: int) -> None:
        if self.model.row_of(subscription_id) is None:
            self.view.clear_filters()  # a subscription the filters hide
        super().select_record(subscription_id)

    select_subscription = select_record  # what the Today tab calls

    def student_of(self, row: tuple) -> int:
        return row.student_id

    def current_changed(self, *_args) -> None:
        self.show_selected()
        self.update_actions()

    def show_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            self.view.show_subscription(None, [], [])
            return
        shown = self._fetch(
            lambda: (
                self.billing.subscription(row.id),
                self.billing.money_history(row.id),
                self.letters.letters(row.id),
            )
        )
        if shown is not None:
            self.view.show_subscription(*shown)

    def update_actions(self) -> None:
        row = self.selected_row()
        state = row.state if row else None
        live = state in LIVE_STATES
        self.view.set_actions_enabled(
            {
                "order": self.can_edit and self.popolni_enabled,  # R74
                "trial": self.can_edit and self.popolni_enabled,
                "pay": self.can_edit and row is not None,
                "bank": self.can_edit,
                "letter": self.can_edit and live,
                "refund": self.can_edit and row is not None and not live,
                "fee": self.can_edit and state is SubscriptionState.TERMINATED_NONPAYMENT,
                "print_letter": self.can_view and live,
                "print_invoice": self.can_view and row is not None,
                "settings": self.can_edit,
            }
        )

    # ---- helpers -----------------------------------------------------------------------

    def _done(self, text: str, select: int | None = None) -> None:
        self.last_status = text
        self.view.show_status(text)
        self.load(select)

    # ---- actions -----------------------------------------------------------------------

    def new_order(self) -> None:
        self._pick_student(_("New POPOLNI order: choose the child"), _("Next"), self._order_for)

    def _order_for(self, student_id: int) -> None:
        student = self.services.roster.get(student_id)
        terms = self.services.terms

        def read():
            key = terms.default_document_key()
            versions = [(v.id, v.label) for v in terms.versions(key) if v.published]
            return versions, terms.version_in_force(key, self.today())

        if (found := self._fetch(read)) is None:
            return
        versions, in_force = found

        def submit(data):
            record = self.billing.order(data)
            self._done(_("Order for {name} saved").format(name=record.child_name), record.id)
            return record

        dialog = OrderDialog(
            self.view,
            self.country,
            student,
            versions,
            in_force.id if in_force else None,
            self.today(),
            submit,
        )
        dialog.accepted.connect(lambda: self._offer_usage_instructions(dialog.result_value))
        self._open(dialog)

    def _offer_usage_instructions(self, record) -> None:
        """R113/R117: once an order is in, the sign-in instructions go out for the school;
        printed now, or later from the Today list, which reminds until they are printed."""
        title = _("Instructions for signing in")
        question = _("Print the instructions for signing in for {name} now?")
        answer = messages.ask(
            self.view,
            title,
            question.format(name=record.child_name),
            [("print", _("Print now")), ("later", _("Later, from the Today list"))],
            "later",  # with dialogs off (tests, scripts) nothing is printed unasked
            "later",
        )
        if answer == "print":
            letters = self.services.letters
            self._print(
                lambda out: letters.print_usage_instructions(record.id, out=out),
                title,
                record.child_name,
            )

    def start_trial(self) -> None:
        self._pick_student(_("Free trial: choose the child"), _("Next"), self._trial_for)

    def _trial_for(self, student_id: int) -> None:
        student = self.services.roster.get(student_id)

        def submit(values):
            record = self.billing.start_trial(
                student.id, values.started_by, guardian_id=values.guardian_id, on=values.on
            )
            self._done(
                _("Trial for {name} until {end}").format(
                    name=record.child_name, end=format_date(record.trial.ends_on, self.country)
                ),
                record.id,
            )
            return record

        self._open(TrialDialog(self.view, self.country, student, self.today(), submit))

    def record_payment(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        invoices = self._fetch(lambda: self.billing.open_invoices(row.id))
        if invoices is None:
            return
        if not invoices:
            messages.inform(
                self.view, _("Record a payment"), _("This subscription has no unpaid invoice.")
            )
            return

        def submit(data):
            result = self.billing.record_payment(data)
            text = _("Payment recorded on invoice {number}").format(number=result.invoice_number)
            if result.activated:
                text += _(": paid in full, the subscription is active")
            elif result.outstanding_cents:
                text += _(": {owed} still due").format(owed=euros(result.outstanding_cents))
            if result.overpaid_cents:
                text += _("; overpaid {amount}: a refund waits for confirmation").format(
                    amount=euros(result.overpaid_cents)
                )
            self._done(text, row.id)
            return result

        self._open(PaymentDialog(self.view, self.country, invoices, self.today(), submit))

    def import_statement(self) -> None:
        """Billing → Import bank statement…: read and preview off the GUI thread, then the
        preview dialog; Confirm books it in one transaction (desktop.services.bank_statements)."""
        from desktop.ui.tabs.billing.bank_import import BankImportDialog

        path = ask_statement_path(self.view, _("Import bank statement"), documents_folder())
        if not path:
            return
        bank = self.services.bank_statements
        name = Path(path).name

        def show(preview) -> None:
            def confirm(shown):
                result = bank.confirm(shown)
                self._done(
                    n_(
                        "Bank statement {name}: {n} payment booked",
                        "Bank statement {name}: {n} payments booked",
                        result.payments,
                    ).format(name=result.statement_label, n=result.payments)
                )
                return result

            self._open(
                BankImportDialog(
                    self.view,
                    self.country,
                    preview,
                    lambda assignments: bank.reassign(preview, assignments),
                    confirm,
                )
            )

        run_task(
            lambda _p, _c: bank.preview(bank.read_file(path), name),
            show,
            lambda exc: messages.show_error(
                self.view, exc, _("The bank statement cannot be imported"), self.country
            ),
        )

    def register_letter(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        today = self.today()
        fetched = self._fetch(
            lambda: (
                self.letters.order_data(row.id),
                self.letters.terms_notice_sent_on(row.id, today),  # R51: as recorded
            )
        )
        if fetched is None:
            return
        order, notice_sent_on = fetched
        student_id = row.student_id

        def submit(letter):
            result = self.letters.register_letter(student_id, letter)
            if not result.processed:
                self._done(_("Letter registered as 'cannot be processed – data missing'"), row.id)
                issues = "\n".join(f"• {i.item}: {i.problem}" for i in result.issues)
                messages.warn(
                    self.view,
                    _("Letter cannot be processed"),
                    _("Nothing was changed. The letter lacks or differs in:\n{issues}").format(
                        issues=issues
                    ),
                )
                return result
            text = _("Letter registered; takes effect on {date}").format(
                date=format_date(result.effective_on, self.country)
            )
            if result.refund_cents:
                text += _("; refund {amount}").format(amount=euros(result.refund_cents))
            self._done(text, row.id)
            answer = messages.ask(
                self.view,
                _("Confirmation letter"),
                _("Print the confirmation for the guardian now?"),
                [("print", _("Print…")), ("later", _("Later"))],
                default="print",
                escape="later",
            )
            if answer == "print":
                self._print(
                    lambda out: self.letters.print_confirmation(result.letter_id, out=out),
                    _("Save the confirmation"),
                    "confirmation.pdf",
                )
            return result

        self._open(LetterDialog(self.view, self.country, order, today, submit, notice_sent_on))

    def refund(self) -> None:
        row = self.selected_row()
        if row is None:
            return

        def submit(values):
            result = self.billing.refund(
                row.id,
                values.basis,
                values.reason,
                amount_cents=values.amount_cents,
                outage=values.outage,
            )
            self._done(
                _("Refund of {amount} recorded").format(amount=euros(result.amount_cents)), row.id
            )
            self._print(
                lambda out: self.letters.print_refund_statement(result.refund_id, out=out),
                _("Save the refund statement"),
                "refund.pdf",
            )
            return result

        self._open(RefundDialog(self.view, self.country, row.child_name, submit))

    def charge_fee(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        fee = self._fetch(lambda: self.billing.reminder_fee_cents(row.id))
        if fee is None:
            return
        answer = messages.ask(
            self.view,
            _("Reminder fee"),
            _(
                "Charge the {amount} fee for the unanswered reminders to {name}? You are recorded "
                "as the person who decided."
            ).format(amount=euros(fee), name=row.child_name),
            [("charge", _("Charge the fee")), ("cancel", _("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if answer != "charge":
            return
        try:
            self.billing.charge_fee(row.id)
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, country=self.country)
            return
        self._done(_("Reminder fee charged"), row.id)

    # ---- decisions (R67) -------------------------------------------------------------------

    def confirm_proposal(self, proposal) -> None:
        text = _("{what} for {child}").format(
            what=proposal_label(proposal.kind), child=proposal.child_name
        )
        if proposal.amount_cents:
            text += f" ({euros(proposal.amount_cents)})"
        answer = messages.ask(
            self.view,
            _("Confirm"),
            text + "\n\n" + _("You are recorded as the person who decided."),
            [("confirm", _("Confirm")), ("cancel", _("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if answer != "confirm":
            return
        try:
            self.billing.confirm(proposal.id, proposal.version)
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, country=self.country)
            self.load()
            return
        self._done(_("Confirmed: {what}").format(what=text), proposal.subscription_id)
        if proposal.kind is ProposalKind.TERMINATE_NONPAYMENT:
            self.view.show_status(_("The termination notice waits in the letters to print"))

    def reject_proposal(self, proposal) -> None:
        what = _("{what} for {child}").format(
            what=proposal_label(proposal.kind), child=proposal.child_name
        )

        def submit(note):
            result = self.billing.reject(proposal.id, proposal.version, note)
            self._done(_("Rejected: {what}").format(what=what), proposal.subscription_id)
            return result

        self._open(RejectDialog(self.view, self.country, what, submit))

    # ---- settings ------------------------------------------------------------------------

    def open_settings(self) -> None:
        found = self._fetch(lambda: (self.billing.settings(), self.billing.prices()))
        if found is None:
            return
        settings, prices = found
        this_year = SchoolYear.of(self.today())
        years = (this_year, this_year.next())
        shown = {
            year: next(
                (
                    p.gross_cents
                    for p in sorted(prices, key=lambda p: p.valid_from, reverse=True)
                    if p.school_year == year
                ),
                None,
            )
            for year in years
        }

        def submit(values):
            self.billing.update_settings(values.settings)
            for year, cents in values.prices.items():
                if cents != shown.get(year):
                    self.billing.set_price(year, cents)
            self._done(_("Billing settings saved"))
            return values

        self._open(SettingsDialog(self.view, self.country, settings, shown, submit))
