"""Invoices and the money paid on them (R5: cents), and the open proposals that a payment or
an ending makes pointless (R67). Shared by every part, the letters, the daily jobs and the
bank statements."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.db.models import BillingProposal, Invoice, Payment, Subscription
from desktop.domain.billing.records import (
    InvoiceKind,
    ProposalKind,
    ProposalStatus,
    ReferenceScheme,
    make_payment_reference,
)
from desktop.domain.billing.vat import split_vat, vat_rate_on
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # reasons are shown translated by the UI


def new_invoice(
    session: Session,
    sub: Subscription,
    kind: InvoiceKind,
    school_year: SchoolYear,
    gross_cents: int,
    issued_on: date,
    due_on: date,
    scheme: ReferenceScheme,
) -> Invoice:
    """An invoice with its number and a bank-valid, unique payment reference (R77, R122)."""
    if session.scalar(
        select(Invoice.id).where(
            Invoice.subscription_id == sub.id,
            Invoice.school_year == school_year.start_year,
            Invoice.kind == kind,
        )
    ):
        raise ValidationError(
            "invoice",
            school_year.label,
            N_("this subscription already has a reminder fee for that school year")
            if kind is InvoiceKind.FEE
            else N_("this subscription already has an annual invoice for that school year"),
        )
    split = split_vat(gross_cents, vat_rate_on(issued_on))
    invoice = Invoice(
        subscription_id=sub.id,
        student_id=sub.student_id,
        school_year=school_year.start_year,
        kind=kind,
        issued_on=issued_on,
        due_on=due_on,
        amount_cents=gross_cents,
        net_cents=split.net_cents,
        vat_cents=split.vat_cents,
        vat_rate_bp=split.rate_basis_points,
    )
    # The number and the reference come from the id: a unique placeholder until the flush.
    invoice.number = invoice.reference = f"new-{id(invoice)}"
    session.add(invoice)
    session.flush()
    invoice.number = invoice_number(school_year, invoice.id)
    invoice.reference = make_payment_reference(scheme, school_year, invoice.id).replace(" ", "")
    session.flush()
    return invoice


def invoice_number(school_year: SchoolYear, invoice_id: int) -> str:
    return f"{school_year.start_year}-{invoice_id:06d}"


def paid_on_invoice(session: Session, invoice_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.invoice_id == invoice_id
        )
    )


def paid_per_invoice(session: Session, *where) -> dict[int, int]:
    """Cents paid on each invoice with a payment, among the payments matching `where`."""
    return dict(
        session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount_cents))
            .where(Payment.invoice_id.is_not(None), *where)
            .group_by(Payment.invoice_id)
        ).all()
    )


def obsolete_open_proposals(
    session: Session, sub: Subscription, kinds: Iterable[ProposalKind], note: str
) -> bool:
    changed = False
    for proposal in session.scalars(
        select(BillingProposal).where(
            BillingProposal.subscription_id == sub.id,
            BillingProposal.status == ProposalStatus.OPEN,
            BillingProposal.kind.in_(list(kinds)),
        )
    ):
        proposal.status = ProposalStatus.OBSOLETE
        proposal.decision_note = note
        changed = True
    return changed
