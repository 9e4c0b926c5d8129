"""The letters that ask for payment: D11 the invoice (also the renewal invitation and the
reminder fee's invoice) and reminders 1 and 2 (R80, R81), and D12 the termination for
non-payment (R103), all on the billing entity's letterhead (R73)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from desktop.documents.billing_letters.common import (
    FREE_TIER,
    PRODUCT,
    BillingLetter,
    Child,
    child_rows,
    child_table,
    issuer_letter,
)
from desktop.documents.billing_letters.payment import PaymentDetails, payment_blocks
from desktop.documents.model import (
    Block,
    Boxed,
    DataTable,
    DocumentInfo,
    KeyValueTable,
    LetterSpec,
    Paragraph,
)
from desktop.i18n import Translator, translator

# ---- D11: invoice and renewal invitation ------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLetter(BillingLetter):
    number: str
    issued_on: date
    school_year: str  # "2026/27"
    child: Child
    is_fee: bool  # R81: the reminder fee, a separate receivable
    renewal: bool  # D11 invitation to pay for the next school year
    net_cents: int
    vat_cents: int
    gross_cents: int
    vat_rate_bp: int
    payment: PaymentDetails  # its amount is the open balance on the day of printing
    paid_cents: int = 0  # paid on the invoice so far
    copy_printed_on: date | None = None  # a reprint: marked as a copy, same number
    original_due_on: date | None = None  # set when the invoice's own due date has passed
    supplied: tuple[date, date] | None = None  # the date (period) of supply


def _supply_rows(tr: Translator, supplied: tuple[date, date] | None) -> tuple[tuple[str, str]]:
    if supplied is None:
        return ()
    first, last = supplied
    when = (
        tr.format_date(first)
        if first == last
        else f"{tr.format_date(first)} – {tr.format_date(last)}"
    )
    return ((tr.gettext("Date of supply"), when),)


def invoice_spec(data: InvoiceLetter, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {"product": PRODUCT, "year": data.school_year, "number": data.number}
    if data.is_fee:
        subject = _("Invoice %(number)s: fee for payment reminders") % values
        item = _("Fee for processing and sending the unanswered payment reminders, %(year)s")
        intro = _(
            "As announced, we charge the fee for processing and sending the payment reminders "
            "that remained unanswered (%(product)s, school year %(year)s)."
        )
    elif data.renewal:
        subject = _("Invitation to pay %(product)s for the school year %(year)s") % values
        item = _("%(product)s annual communication cost, school year %(year)s")
        intro = _(
            "Thank you for using %(product)s. We invite you to pay the annual communication "
            "cost for the school year %(year)s. The service continues without interruption "
            "once the payment is received."
        )
    else:
        subject = _("Invoice %(number)s: %(product)s, school year %(year)s") % values
        item = _("%(product)s annual communication cost, school year %(year)s")
        intro = _(
            "Thank you for your order of %(product)s. The service is finally activated once "
            "the annual communication cost has been paid in full."
        )
    open_cents = data.payment.amount_cents  # the open balance on the day of printing
    body: list[Block] = []
    if data.copy_printed_on is not None:
        subject = _("Copy") + " – " + subject
        body.append(
            Boxed(
                _(
                    "Copy of invoice %(number)s, printed on %(printed)s. The amount to pay is "
                    "the amount still open on that day."
                )
                % {**values, "printed": tr.format_date(data.copy_printed_on)},
                _("Copy"),
            )
        )
    rows: list[tuple[str, ...]] = [
        (
            item % values,
            tr.format_money(data.net_cents),
            _vat_rate(tr, data.vat_rate_bp),
            tr.format_money(data.vat_cents),
            tr.format_money(data.gross_cents),
        )
    ]
    if data.paid_cents:
        rows.append((_("Paid so far"), "", "", "", "−" + tr.format_money(data.paid_cents)))
    rows.append(
        ("**" + _("Total to pay") + "**", "", "", "", "**" + tr.format_money(open_cents) + "**")
    )
    body += [
        Paragraph(intro % values),
        KeyValueTable(
            (
                # The date of supply stands in for the school year (the item names it too);
                # the letter's own date is the invoice date.
                *(_supply_rows(tr, data.supplied) or ((_("School year"), data.school_year),)),
                *child_rows(tr, data.child),
            ),
            key_width_mm=45,
        ),
        DataTable(
            (_("Item"), _("Net"), _("VAT"), _("VAT amount"), _("Total")),
            tuple(rows),
            widths=(46, 14, 10, 14, 16),
        ),
    ]
    if open_cents <= 0:
        body.append(Paragraph(_("This invoice has been paid in full. Thank you.")))
    else:
        if data.original_due_on is not None:
            body.append(
                Paragraph(
                    _(
                        "The original due date, %(original)s, has passed. Please pay the open "
                        "amount of **%(amount)s** by **%(due)s**."
                    )
                    % {
                        "original": tr.format_date(data.original_due_on),
                        "amount": tr.format_money(open_cents),
                        "due": tr.format_date(data.payment.due_on),
                    }
                )
            )
        body += payment_blocks(tr, data.issuer, data.payment)
    return issuer_letter(data, info, subject, body, data.issued_on, data.number)


# ---- D11: reminders 1 and 2 ------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderLetter(BillingLetter):
    level: int  # 1 or 2
    renewal: bool  # R81 (next school year) or R80 (first order)
    sent_on: date
    reply_by: date
    invoice_number: str
    invoice_date: date
    school_year: str
    child: Child
    outstanding_cents: int
    payment: PaymentDetails
    # R81: reminder 2 of a renewal states the termination date and the fee that may follow.
    termination_on: date | None = None
    fee_cents: int = 0


def reminder_spec(data: ReminderLetter, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "year": data.school_year,
        "number": data.invoice_number,
        "date": tr.format_date(data.invoice_date),
        "amount": tr.format_money(data.outstanding_cents),
        "reply_by": tr.format_date(data.reply_by),
    }
    if data.level == 1:
        subject = _("Payment reminder: %(product)s, school year %(year)s") % values
    else:
        subject = _("Second payment reminder: %(product)s, school year %(year)s") % values
    body: list[Block] = [
        Paragraph(
            _(
                "According to our records, invoice %(number)s of %(date)s for %(product)s, "
                "school year %(year)s, has not been paid yet. The amount still due is "
                "**%(amount)s**. Please pay it by **%(reply_by)s**."
            )
            % values
        ),
    ]
    if data.renewal and data.level == 2:
        text = _(
            "If the payment is not received, the subscription ends automatically "
            "(termination takes effect on %(termination)s) and the service switches to the free "
            "%(free)s. A fee of up to %(fee)s may be charged for the unanswered reminders."
        )
        body.append(
            Paragraph(
                text
                % {
                    "termination": tr.format_date(data.termination_on),
                    "free": FREE_TIER,
                    "fee": tr.format_money(data.fee_cents),
                }
            )
        )
    elif not data.renewal:
        body.append(
            Paragraph(
                _(
                    "Until the payment is received, the order is not finally activated. If it "
                    "remains unpaid, the order lapses and the free %(free)s stays available."
                )
                % {"free": FREE_TIER}
            )
        )
    body.append(Paragraph(_("If you have paid in the meantime, please disregard this reminder.")))
    body.append(child_table(tr, data.child))
    body += payment_blocks(tr, data.issuer, data.payment)
    return issuer_letter(data, info, subject, body, data.sent_on, data.invoice_number)


# ---- D12: termination for non-payment (R103) --------------------------------------------------


@dataclass(frozen=True)
class FeeCharge:
    gross_cents: int
    net_cents: int
    vat_cents: int
    invoice_number: str
    payment: PaymentDetails


@dataclass(frozen=True)
class TerminationLetter(BillingLetter):
    sent_on: date
    school_year: str  # the unpaid year
    terminated_on: date
    child: Child
    fee: FeeCharge | None


def termination_spec(data: TerminationLetter, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "free": FREE_TIER,
        "year": data.school_year,
        "date": tr.format_date(data.terminated_on),
    }
    body: list[Block] = [
        Paragraph(
            _(
                "The annual communication cost of %(product)s for the school year %(year)s was "
                "not paid after the invitation and two reminders. Your subscription therefore "
                "ends on **%(date)s**."
            )
            % values
        ),
        Paragraph(
            _(
                "From that day on, automatic notifications stop and your child's account "
                "switches to the free %(free)s, which remains available through the portal and "
                "the mobile app."
            )
            % values
        ),
        child_table(tr, data.child),
    ]
    if data.fee is not None:
        fee = data.fee
        body.append(
            Paragraph(
                _(
                    "For processing and sending the unanswered reminders we charge a fee of "
                    "**%(gross)s** including VAT (%(net)s + %(vat)s VAT), invoice %(number)s."
                )
                % {
                    "gross": tr.format_money(fee.gross_cents),
                    "net": tr.format_money(fee.net_cents),
                    "vat": tr.format_money(fee.vat_cents),
                    "number": fee.invoice_number,
                }
            )
        )
        body += payment_blocks(tr, data.issuer, fee.payment)
    else:
        body.append(Paragraph(_("No fee is charged.")))
    body.append(
        Paragraph(
            _("You can order %(product)s again at any time through the parents' portal.") % values
        )
    )
    subject = _("Termination of %(product)s for non-payment") % values
    return issuer_letter(data, info, subject, body, data.sent_on)


def _vat_rate(tr: Translator, basis_points: int) -> str:
    return f"{tr.format_number(Decimal(basis_points).scaleb(-2).normalize())}\u00a0%"
