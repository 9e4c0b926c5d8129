"""Money received (R65, R77, R79): a payment is booked on one invoice; an annual invoice paid in
full activates the subscription, and money beyond what was owed is proposed as a refund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.models import BillingProposal, Invoice, Payment, Subscription
from desktop.domain.billing.cards import check_card_last_four, check_no_card_data
from desktop.domain.billing.records import PaymentMethod, ProposalKind, RefundBasis
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.inputs import coerce_enum, coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.settlement import Standing, activation, may_settle, split_payment
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.billing.ledger import (
    obsolete_open_proposals,
    paid_on_invoice,
    paid_per_invoice,
)
from desktop.services.billing.part import BillingPart

ALREADY_RECORDED = N_("this transaction is already recorded")  # R122: a transaction id is unique


@dataclass(frozen=True)
class PaymentInput:
    amount_cents: int
    method: PaymentMethod
    value_date: date
    reference: str = ""  # the invoice's payment reference, as on the bank statement
    invoice_id: int | None = None  # or the invoice chosen in the form
    processor_txn_id: str = ""  # Bankart / bank entry id; mandatory for card and Flik
    card_last_four: str = ""  # R65: the only card data ever stored
    payer_name: str = ""
    payer_address: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        coerce_fields(self, method=PaymentMethod)


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    invoice_number: str
    outstanding_cents: int
    overpaid_cents: int
    activated: bool
    state: SubscriptionState
    refund_proposal_id: int | None = None


class Payments(BillingPart):
    def record_payment(
        self, data: PaymentInput, subscription_id: int | None = None
    ) -> PaymentResult:
        """Record money received. The subscription is activated only once its invoice is paid
        in FULL (R79); a partial payment leaves it ORDERED (or RENEWAL_DUE); an overpayment is
        proposed as a refund for a person to confirm (R67)."""
        amount = data.amount_cents
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValidationError("amount", amount, N_("a payment is a positive amount"))
        method = coerce_enum(PaymentMethod, "method", data.method)
        # The reference is checked against the invoices, never stored as typed (R65).
        reference = (data.reference or "").replace(" ", "").upper()
        txn = check_no_card_data("processor_txn_id", data.processor_txn_id) or None
        last_four = check_card_last_four(method, data.card_last_four)
        payer_name = check_no_card_data("payer_name", data.payer_name)
        payer_address = check_no_card_data("payer_address", data.payer_address)
        note = check_no_card_data("note", data.note)
        if method is not PaymentMethod.TRANSFER and not txn:
            raise ValidationError(
                "processor_txn_id",
                "",
                N_("card and Flik payments need the processor's transaction id"),  # R77
            )
        with self.write(Permission.EDIT_BILLING, reason="payment") as session:
            invoice = self._payment_invoice(session, data, reference, subscription_id)
            if txn and session.scalar(select(Payment.id).where(Payment.processor_txn_id == txn)):
                raise ValidationError("processor_txn_id", txn, ALREADY_RECORDED)
            sub = session.get(Subscription, invoice.subscription_id)
            payment = Payment(
                subscription_id=sub.id,
                invoice_id=invoice.id,
                student_id=sub.student_id,
                method=method,
                amount_cents=amount,
                value_date=data.value_date,
                reference=invoice.reference,
                processor_txn_id=txn,
                card_last_four=last_four,
                payer_name=payer_name,
                payer_address=payer_address,
                note=note,
                recorded_by=self.actor.login,
            )
            session.add(payment)
            try:
                session.flush()
            except IntegrityError:  # the same transaction from another PC, a moment ago
                raise ValidationError("processor_txn_id", txn, ALREADY_RECORDED) from None
            return self._settle(session, sub, invoice, payment)

    @staticmethod
    def _payment_invoice(
        session: Session, data: PaymentInput, reference: str, subscription_id: int | None
    ) -> Invoice:
        if data.invoice_id is not None:
            invoice = session.get(Invoice, data.invoice_id)
            if invoice is None:
                raise NotFound("invoice", data.invoice_id)
            return invoice
        if reference:
            invoice = session.scalar(select(Invoice).where(Invoice.reference == reference))
            if invoice is None:
                check_no_card_data("reference", data.reference)  # never echo a card number
                raise ValidationError(
                    "reference", data.reference, N_("no invoice has this reference")
                )
            return invoice
        if subscription_id is not None:
            # The oldest invoice still open: what a payer without a reference most likely meant.
            paid = paid_per_invoice(session, Payment.subscription_id == subscription_id)
            for invoice in session.scalars(
                select(Invoice)
                .where(Invoice.subscription_id == subscription_id)
                .order_by(Invoice.cancelled_on.is_not(None), Invoice.issued_on, Invoice.id)
            ):
                if paid.get(invoice.id, 0) < invoice.amount_cents:
                    return invoice
            raise ValidationError("reference", "", N_("this subscription has no unpaid invoice"))
        raise ValidationError(
            "reference", "", N_("give the payment reference or choose the invoice")
        )

    def _settle(
        self, session: Session, sub: Subscription, invoice: Invoice, payment: Payment
    ) -> PaymentResult:
        year = SchoolYear(invoice.school_year)
        settleable = may_settle(invoice.cancelled_on is not None, sub.state)
        paid_before = paid_on_invoice(session, invoice.id) - payment.amount_cents
        outstanding, overpaid = split_payment(
            invoice.amount_cents, paid_before, payment.amount_cents, settleable
        )
        after = activation(
            Standing(sub.state, sub.paid_school_year, sub.activated_on),
            kind=invoice.kind,
            school_year=invoice.school_year,
            left_cents=outstanding,
            settleable=settleable,
            ordered_on=sub.ordered_on,
            paid_on=payment.value_date,
        )
        if after is not None:
            sub.state, sub.paid_school_year, sub.activated_on = after
            obsolete_open_proposals(
                session,
                sub,
                [ProposalKind.TERMINATE_NONPAYMENT, ProposalKind.LAPSE_UNPAID],
                "paid in full",
            )
        proposal_id = None
        if overpaid > 0:
            proposal = BillingProposal(
                subscription_id=sub.id,
                student_id=sub.student_id,
                kind=ProposalKind.REFUND,
                cycle=f"payment-{payment.id}",
                proposed_on=payment.value_date,
                school_year=year.start_year,
                amount_cents=overpaid,
                refund_basis=RefundBasis.OVERPAYMENT,
                reason=str(N_("overpayment on invoice {number}", number=invoice.number)),
            )
            session.add(proposal)
            session.flush()
            proposal_id = proposal.id
        return PaymentResult(
            payment.id,
            invoice.number,
            outstanding,
            overpaid,
            after is not None,
            sub.state,
            proposal_id,
        )
