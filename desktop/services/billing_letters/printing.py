"""Letters printed one at a time: the cancellation forms (D3, D4), the invoice (D11), the
confirmations (D5, D10) and the refund statement (D13)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    BillingNotice,
    CancellationLetter,
    GeneratedDocument,
    Invoice,
    Payment,
    Refund,
    SubscriptionProfile,
)
from desktop.domain.billing.letters import LetterStatus, terms_withdrawal_deadline
from desktop.domain.billing.records import InvoiceKind, LetterKind, NoticeKind, RefundBasis
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound, ValidationError, ValidationErrors
from desktop.domain.roles import Permission
from desktop.i18n import N_, translator
from desktop.services.billing import current_subscription_id, load_subscription, paid_per_invoice
from desktop.services.billing_letters.common import (
    BillingLettersBase,
    child,
    contact,
    document_request,
    live_subscription,
    payer,
)
from desktop.services.billing_letters.payment import invoice_letter
from desktop.services.documents import Produced

if TYPE_CHECKING:  # loaded when a letter is built (see common)
    from desktop.documents import billing_letters as docs


class LetterPrinting(BillingLettersBase):
    """The letters the office prints for one child."""

    def print_cancellation_form(
        self,
        student_id: int,
        only_profile_id: int | None = None,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D3 (whole subscription) or D4 (only one user), pre-filled from the order (R96, R97),
        with the school's and the billing entity's addresses and signature lines (R95)."""
        from desktop.documents import billing_letters as docs

        with self.read(Permission.VIEW_BILLING) as session:
            sub = live_subscription(session, student_id)
            active = [p for p in sub.profiles if p.active]
            only = None
            if only_profile_id is not None:
                only = next((p for p in active if p.id == only_profile_id), None)
                if only is None:
                    raise NotFound("active user on the subscription", only_profile_id)
                if len(active) < 2:
                    raise ValidationError(
                        "only",
                        only.full_name,
                        N_(
                            "the only user cannot be unsubscribed alone; "
                            "cancel the whole subscription instead"
                        ),
                    )
            addressee = only or payer(sub)
            recipient = self._recipient(session, sub, addressee)
            office = self._office(session)
        form = docs.CancellationForm(
            school=self.documents.letterhead(),
            issuer=office.issuer,
            language=recipient.language,
            child=child(sub),
            guardians=tuple(contact(p) for p in active),
            only=contact(only) if only else None,
        )
        kind = "billing-unsubscribe-letter" if only else "billing-cancellation-letter"
        request = document_request(kind, sub, recipient)
        return self.documents.produce(request, lambda info: docs.build_form(form, info), out=out)

    def print_invoice(
        self, invoice_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D11: the invoice, in the billing entity's name (R73), with the bank details and the
        reference; a Slovenian invoice carries the UPN QR code. The amount to pay, printed and
        in the QR code, is the balance still open today. A reprint is marked as a copy and
        keeps the invoice's number; once its due date has passed it gives a new one."""
        from desktop.documents import billing_letters as docs

        with self.read(Permission.VIEW_BILLING) as session:
            invoice = session.get(Invoice, invoice_id)
            if invoice is None:
                raise NotFound("invoice", invoice_id)
            sub = load_subscription(session, invoice.subscription_id)
            recipient = self._recipient(session, sub, payer(sub))
            office = self._office(session)
            _require_invoice_identity(office.issuer)
            renewal = invoice.kind is InvoiceKind.ANNUAL and bool(
                session.scalar(
                    select(BillingNotice.id).where(
                        BillingNotice.invoice_id == invoice.id,
                        BillingNotice.kind == NoticeKind.RENEWAL_INVITATION,
                    )
                )
            )
            paid = paid_per_invoice(session, Payment.invoice_id == invoice.id).get(invoice.id, 0)
            today = office.school.today()
            data = invoice_letter(
                office,
                sub,
                invoice,
                recipient,
                renewal,
                paid,
                today if _printed_before(session, invoice) else None,
            )
        kind = "billing-renewal-invitation" if renewal else "billing-invoice"
        request = document_request(kind, sub, recipient, f" {invoice.number}")
        return self.documents.produce(
            request, lambda info: docs.build_one(docs.invoice_spec, data, info), out=out
        )

    def latest_invoice_id(self, student_id: int) -> int:
        """The invoice `print invoice --student` means: the oldest unpaid one of the child's
        current subscription, else the newest."""
        with self.read(Permission.VIEW_BILLING) as session:
            sub_id = current_subscription_id(session, student_id)
            if sub_id is None:
                raise NotFound("subscription of student", student_id)
            invoices = list(
                session.scalars(
                    select(Invoice)
                    .where(Invoice.subscription_id == sub_id)
                    .order_by(Invoice.issued_on, Invoice.id)
                )
            )
            if not invoices:
                raise NotFound("invoice for student", student_id)
            paid = paid_per_invoice(session, Payment.subscription_id == sub_id)
            for invoice in invoices:
                if invoice.cancelled_on is None and paid.get(invoice.id, 0) < invoice.amount_cents:
                    return invoice.id
            return invoices[-1].id

    def print_confirmation(
        self, letter_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D5 after a cancellation or unsubscription (effective date, no refund: R98, R99);
        D10 after a withdrawal (with the R88 refund: R102)."""
        from desktop.documents import billing_letters as docs

        with self.read(Permission.VIEW_BILLING) as session:
            row = session.get(CancellationLetter, letter_id)
            if row is None:
                raise NotFound("letter", letter_id)
            if row.status is not LetterStatus.READY or row.effective_on is None:
                raise ValidationError(
                    "letter",
                    letter_id,
                    N_("the letter could not be processed: data are missing"),  # R96
                )
            sub = load_subscription(session, row.subscription_id)
            profile = session.get(SubscriptionProfile, row.profile_id) if row.profile_id else None
            recipient = self._recipient(session, sub, profile or payer(sub))
            office = self._office(session)
            today = office.school.today()
            if row.kind is LetterKind.TERMS_WITHDRAWAL:
                refund = session.scalar(select(Refund).where(Refund.letter_id == row.id))
                data = docs.WithdrawalConfirmation(
                    office.issuer,
                    recipient.language,
                    recipient.header,
                    today,
                    row.notice_sent_on,
                    terms_withdrawal_deadline(row.notice_sent_on),
                    row.received_on,
                    row.effective_on,
                    child(sub),
                    _figures(refund, recipient.language) if refund else None,
                )
                kind, make = "billing-withdrawal-confirmation", docs.withdrawal_confirmation_spec
            else:
                data = docs.CancellationConfirmation(
                    office.issuer,
                    recipient.language,
                    recipient.header,
                    today,
                    row.received_on,
                    row.effective_on,
                    child(sub),
                    profile.full_name if profile else "",
                )
                kind, make = (
                    "billing-cancellation-confirmation",
                    docs.cancellation_confirmation_spec,
                )
        request = document_request(kind, sub, recipient)
        return self.documents.produce(
            request, lambda info: docs.build_one(make, data, info), out=out
        )

    def print_refund_statement(
        self, refund_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D13: basis, P, D_P, L and the amount (R83, R84, R88)."""
        from desktop.documents import billing_letters as docs

        with self.read(Permission.VIEW_BILLING) as session:
            refund = session.get(Refund, refund_id)
            if refund is None:
                raise NotFound("refund", refund_id)
            sub = load_subscription(session, refund.subscription_id)
            recipient = self._recipient(session, sub, payer(sub))
            office = self._office(session)
            data = docs.RefundStatement(
                office.issuer,
                recipient.language,
                recipient.header,
                office.school.today(),
                child(sub),
                _figures(refund, recipient.language),
            )
        request = document_request("billing-refund-statement", sub, recipient)
        return self.documents.produce(
            request, lambda info: docs.build_one(docs.refund_statement_spec, data, info), out=out
        )


def _require_invoice_identity(issuer: docs.BillingIssuer) -> None:
    """An invoice names its issuer's VAT number and registry number: without them it is no
    valid invoice, so it is not printed (the billing settings are where they are entered)."""
    missing = [
        ValidationError(field, "", N_("is needed on an invoice; enter it in the billing settings"))
        for field, value in (
            ("entity_vat_id", issuer.vat_id),
            ("entity_registry_code", issuer.registry_code),
        )
        if not value
    ]
    if missing:
        raise missing[0] if len(missing) == 1 else ValidationErrors(missing)


def _printed_before(session: Session, invoice: Invoice) -> bool:
    """Has this invoice gone out already (printed alone, or as the renewal invitation)?"""
    alone = session.scalar(
        select(GeneratedDocument.id)
        .where(
            GeneratedDocument.student_id == invoice.student_id,
            GeneratedDocument.kind.in_(("billing-invoice", "billing-renewal-invitation")),
            GeneratedDocument.title.like(f"% {invoice.number}"),
        )
        .limit(1)
    )
    invited = session.scalar(
        select(BillingNotice.id)
        .where(
            BillingNotice.invoice_id == invoice.id,
            BillingNotice.kind == NoticeKind.RENEWAL_INVITATION,
            BillingNotice.document_id.is_not(None),
        )
        .limit(1)
    )
    return alone is not None or invited is not None


def _figures(refund: Refund, language: str) -> docs.RefundFigures:
    from desktop.documents import billing_letters as docs

    tr = translator(language)
    return docs.RefundFigures(
        basis_text=tr.gettext(_BASIS_TEXT[refund.basis]),
        school_year=SchoolYear(refund.school_year).label,
        paid_cents=refund.paid_cents or 0,
        already_refunded_cents=refund.already_refunded_cents or 0,
        amount_cents=refund.amount_cents,
        reason=refund.reason,
        period_first=refund.period_first,
        period_last=refund.period_last,
        period_days=refund.period_days,
        lost_days=refund.lost_days,
    )


_BASIS_TEXT = {
    RefundBasis.OUTAGE: N_("Service outage of more than 30 days"),
    RefundBasis.SCHOOL_WITHDREW: N_("The school withdrew from the service"),
    RefundBasis.TERMS_WITHDRAWAL: N_("Withdrawal after a change of the terms"),
    RefundBasis.DISCRETIONARY: N_("Refund decided by the office"),
    RefundBasis.OVERPAYMENT: N_("Overpayment"),
}
