"""Billing (R56: the billing entity is the controller; what the school's copy holds) and the
bank transfers booked as the child's payments (R77).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    BankEntry,
    Guardian,
    Invoice,
    Payment,
    Refund,
    Subscription,
    Trial,
)
from desktop.documents.access_export import ExportColumn as Col
from desktop.documents.access_export import ExportSectionData
from desktop.domain.bank_matching import names_agree
from desktop.i18n import N_
from desktop.services.export_sections.common import ExportContext, table
from desktop.services.export_sections.fields import field_columns

# ---- billing (R56: the billing entity is the controller; what the school's copy holds) ------


PAYMENTS_NOTE = N_(
    "Payments are made to the billing provider, which keeps the payer's details as their "
    "controller; the school's copy shows what is listed here."
)

# The child's billing records, one table each: (key, title, model, order, columns, note)
BILLING_TABLES = (
    (
        "subscriptions",
        N_("Subscriptions"),
        Subscription,
        Subscription.id,
        field_columns(
            "subscription", "tier", "state", "ordered_on", "activated_on", "ends_on", "end_reason"
        ),
        "",
    ),
    (
        "trials",
        N_("Free trials"),
        Trial,
        Trial.id,
        field_columns("trial", "starts_on", "ends_on", "length_days"),
        "",
    ),
    (
        "invoices",
        N_("Invoices"),
        Invoice,
        Invoice.issued_on,
        field_columns(
            "invoice", "number", "kind", "issued_on", "due_on", "amount_cents", "cancelled_on"
        ),
        "",
    ),
    (
        "payments",
        N_("Payments"),
        Payment,
        Payment.value_date,
        field_columns(
            "payment", "value_date", "amount_cents", "method", "reference", "card_last_four"
        ),
        PAYMENTS_NOTE,
    ),
    (
        "refunds",
        N_("Refunds"),
        Refund,
        Refund.decided_on,
        field_columns("refund", "decided_on", "amount_cents", "basis", "reason"),
        "",
    ),
)


def billing_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    return [
        table(
            key,
            title,
            columns,
            session.scalars(
                select(model).where(model.student_id == ctx.student_id).order_by(order, model.id)
            ),
            note,
        )
        for key, title, model, order, columns, note in BILLING_TABLES
    ]


# ---- bank statements: the transfers booked as the child's payments (R77) ---------------------


def bank_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    """The bank entries booked on the child's invoices. Who paid, from which account and with
    what message is the payer's data: shown when the requesting guardian is the payer named
    by the bank (GDPR Art. 15(4))."""
    requester = session.get(Guardian, ctx.guardian_id)
    entries = session.scalars(
        select(BankEntry)
        .join(Invoice, Invoice.id == BankEntry.invoice_id)
        .where(Invoice.student_id == ctx.student_id)
        .order_by(BankEntry.booked_on, BankEntry.id)
    ).all()

    def own(attribute: str) -> Callable[[BankEntry], str | None]:
        def value(entry: BankEntry) -> str | None:
            mine = requester is not None and names_agree(requester.full_name, entry.debtor_name)
            return getattr(entry, attribute) if mine else None

        return value

    return [
        table(
            "bank_transfers",
            N_("Bank transfers received for the child"),
            (
                Col("booked_on", N_("Booked on"), "date", width=0.8),
                Col("amount_cents", N_("Amount"), "money", width=0.8),
                Col("reference", N_("Reference")),
                Col("debtor_name", N_("Payer")),
                Col("debtor_iban", N_("Payer's account"), width=1.3),
                Col("text", N_("Payment description"), width=1.4),
            ),
            entries,
            N_(
                "The payer's name, account and payment description are shown only for "
                "transfers you made yourself."
            ),
            debtor_name=own("debtor_name"),
            debtor_iban=own("debtor_iban"),
            text=own("text"),
        )
    ]
