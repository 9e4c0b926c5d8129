"""What the Billing tab and the CLI list: one row per subscription, a subscription's money
history and its open invoices. Every row is named: no reader counts positions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from desktop.db.models import (
    BillingNotice,
    BillingProposal,
    Invoice,
    Payment,
    Refund,
    Student,
    Subscription,
    Trial,
)
from desktop.domain.billing.records import InvoiceKind, PaymentMethod, ProposalStatus
from desktop.domain.billing.states import SubscriptionState, Tier
from desktop.domain.dates import SchoolYear
from desktop.domain.roles import Permission
from desktop.services.billing.ledger import paid_per_invoice
from desktop.services.billing.part import BillingPart
from desktop.services.billing.subscriptions import (
    SubscriptionRecord,
    current_subscription_id,
    load_record,
    payer_names,
)


class SubscriptionRow(NamedTuple):
    """One subscription in the Billing tab (the id first, as the table models expect)."""

    id: int
    student_id: int
    last_name: str
    first_name: str
    class_name: str
    state: SubscriptionState
    tier: Tier
    payer: str  # the paying profile's name, "" when there is none
    owed_cents: int  # still unpaid on invoices not cancelled
    next_date: date | None  # the earliest due date still unpaid; a trial's last day
    due: bool  # a proposal waits for a person, an invoice is overdue or a letter unprinted

    @property
    def child_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class OpenInvoice(NamedTuple):
    id: int
    number: str
    reference: str
    amount_cents: int
    owed_cents: int


@dataclass(frozen=True)
class MoneyLine:
    """One line of a child's money history: invoices raise what is owed, payments and
    refunds are money in and out (R5: cents)."""

    on: date
    kind: str  # "invoice", "fee", "payment", "refund", "cancelled"
    text: str
    amount_cents: int
    reference: str = ""
    school_year: SchoolYear | None = None
    method: PaymentMethod | None = None  # payments only


class ReadModels(BillingPart):
    def subscription(self, subscription_id: int) -> SubscriptionRecord:
        with self.read(Permission.VIEW_BILLING) as session:
            return load_record(session, subscription_id)

    def current_for_student(self, student_id: int) -> SubscriptionRecord | None:
        """The child's live subscription, else the latest one (ended or MINIMALNI)."""
        with self.read(Permission.VIEW_BILLING) as session:
            sub_id = current_subscription_id(session, student_id)
            return None if sub_id is None else load_record(session, sub_id)

    def table_rows(self, today: date | None = None) -> list[SubscriptionRow]:
        """One row per subscription for the Billing tab (Core rows), by child, newest first."""
        today = today or self.today()
        with self.read(Permission.VIEW_BILLING) as session:
            subs = session.execute(
                select(
                    Subscription.id,
                    Subscription.student_id,
                    Student.last_name,
                    Student.first_name,
                    Student.class_name,
                    Subscription.state,
                    Subscription.tier,
                ).join(Student, Student.id == Subscription.student_id)
            ).all()
            payers = payer_names(session)
            paid = paid_per_invoice(session)
            owed: dict[int, int] = {}
            overdue: set[int] = set()
            next_date: dict[int, date] = {}
            for inv_id, sub_id, amount, due_on in session.execute(
                select(
                    Invoice.id, Invoice.subscription_id, Invoice.amount_cents, Invoice.due_on
                ).where(Invoice.cancelled_on.is_(None))
            ):
                left = amount - paid.get(inv_id, 0)
                if left > 0:
                    owed[sub_id] = owed.get(sub_id, 0) + left
                    next_date[sub_id] = min(next_date.get(sub_id, due_on), due_on)
                    if due_on < today:
                        overdue.add(sub_id)
            waiting = set(
                session.scalars(
                    select(BillingProposal.subscription_id).where(
                        BillingProposal.status == ProposalStatus.OPEN
                    )
                )
            )
            unprinted = set(
                session.scalars(
                    select(BillingNotice.subscription_id).where(
                        BillingNotice.document_id.is_(None), BillingNotice.due_on <= today
                    )
                )
            )
            trial_ends = dict(session.execute(select(Trial.subscription_id, Trial.ends_on)).all())
        rows = []
        for sub_id, student_id, last, first, klass, state, tier in subs:
            when = next_date.get(sub_id)
            if state is SubscriptionState.TRIAL:
                when = trial_ends.get(sub_id)
            rows.append(
                SubscriptionRow(
                    sub_id,
                    student_id,
                    last,
                    first,
                    klass or "",
                    state,
                    tier,
                    payers.get(sub_id, ""),
                    owed.get(sub_id, 0),
                    when,
                    sub_id in waiting or sub_id in overdue or sub_id in unprinted,
                )
            )
        rows.sort(key=lambda r: (r.last_name.casefold(), r.first_name.casefold(), -r.id))
        return rows

    def money_history(self, subscription_id: int) -> list[MoneyLine]:
        """Invoices, fees, payments and refunds of a subscription, oldest first."""
        with self.read(Permission.VIEW_BILLING) as session:
            lines: list[MoneyLine] = []
            invoice_years: dict[int, SchoolYear] = {}
            for inv in session.scalars(
                select(Invoice).where(Invoice.subscription_id == subscription_id)
            ):
                year = invoice_years[inv.id] = SchoolYear(inv.school_year)
                kind = "fee" if inv.kind is InvoiceKind.FEE else "invoice"
                lines.append(
                    MoneyLine(
                        inv.issued_on, kind, inv.number, inv.amount_cents, inv.reference, year
                    )
                )
                if inv.cancelled_on is not None:
                    lines.append(
                        MoneyLine(inv.cancelled_on, "cancelled", inv.number, 0, inv.reference, year)
                    )
            for pay in session.scalars(
                select(Payment).where(Payment.subscription_id == subscription_id)
            ):
                text = pay.method.value + (
                    f" •••• {pay.card_last_four}" if pay.card_last_four else ""
                )
                lines.append(
                    MoneyLine(
                        pay.value_date,
                        "payment",
                        text,
                        pay.amount_cents,
                        pay.reference,
                        invoice_years.get(pay.invoice_id),
                        pay.method,
                    )
                )
            for ref in session.scalars(
                select(Refund).where(Refund.subscription_id == subscription_id)
            ):
                lines.append(
                    MoneyLine(
                        ref.decided_on,
                        "refund",
                        f"{ref.basis.value}: {ref.reason}",
                        ref.amount_cents,
                        "",
                        SchoolYear(ref.school_year),
                    )
                )
        order = {"invoice": 0, "fee": 0, "payment": 1, "refund": 2, "cancelled": 3}
        return sorted(lines, key=lambda line: (line.on, order[line.kind]))

    def open_invoices(self, subscription_id: int) -> list[OpenInvoice]:
        """The invoices not cancelled with money still owed, oldest first."""
        with self.read(Permission.VIEW_BILLING) as session:
            paid = paid_per_invoice(session, Payment.subscription_id == subscription_id)
            out = []
            for inv in session.scalars(
                select(Invoice)
                .where(Invoice.subscription_id == subscription_id, Invoice.cancelled_on.is_(None))
                .order_by(Invoice.issued_on)
            ):
                left = inv.amount_cents - paid.get(inv.id, 0)
                if left > 0:
                    out.append(
                        OpenInvoice(inv.id, inv.number, inv.reference, inv.amount_cents, left)
                    )
            return out
