"""What a letter asking for money carries: the invoice as a letter (D11) and how to pay it,
with the UPN QR code of a Slovenian payment order (R77)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import TYPE_CHECKING

from desktop.db.models import Invoice, Subscription
from desktop.domain.billing.records import InvoiceKind
from desktop.domain.dates import SchoolYear, add_days
from desktop.domain.errors import ValidationError
from desktop.domain.roster import Country
from desktop.domain.upn_qr import ENCODING, FIELD_MAX_LENGTHS, UpnQrData, build_upn_qr
from desktop.i18n import N_, translator
from desktop.services.billing_letters.common import Office, Recipient, child

if TYPE_CHECKING:  # loaded when a letter is built (see common)
    from desktop.documents import billing_letters as docs

# A reprint whose due date has passed asks for payment within this many days of printing: the
# reply window of a payment reminder (R81: reminder 1 on 8 Oct, due 15 Oct).
REPRINT_PAYMENT_DAYS = 7


def invoice_letter(
    office: Office,
    sub: Subscription,
    invoice: Invoice,
    recipient: Recipient,
    renewal: bool,
    paid_cents: int = 0,
    copy_on: date | None = None,
) -> docs.InvoiceLetter:
    """The invoice asking for what is still open; `copy_on`: a reprint made on that day."""
    from desktop.documents import billing_letters as docs

    open_cents = max(invoice.amount_cents - paid_cents, 0)
    due_on, original_due = invoice.due_on, None
    if copy_on is not None and invoice.due_on < copy_on:
        due_on, original_due = add_days(copy_on, REPRINT_PAYMENT_DAYS), invoice.due_on
    year = SchoolYear(invoice.school_year)
    fee = invoice.kind is InvoiceKind.FEE
    return docs.InvoiceLetter(
        office.issuer,
        recipient.language,
        recipient.header,
        invoice.number,
        invoice.issued_on,
        year.label,
        child(sub),
        fee,
        renewal,
        invoice.net_cents,
        invoice.vat_cents,
        invoice.amount_cents,
        invoice.vat_rate_bp,
        payment_details(office, invoice, open_cents, due_on, recipient, with_qr=open_cents > 0),
        paid_cents=min(paid_cents, invoice.amount_cents),
        copy_printed_on=copy_on,
        original_due_on=original_due,
        # The date of supply: the school year the cost covers; the fee's service is the day.
        supplied=(invoice.issued_on, invoice.issued_on) if fee else (year.first_day, year.last_day),
    )


def payment_details(
    office: Office,
    invoice: Invoice,
    amount: int,
    due_on: date,
    recipient: Recipient,
    *,
    with_qr: bool = True,
) -> docs.PaymentDetails:
    from desktop.documents import billing_letters as docs

    s, country = office.settings, office.school.country
    if not s.iban:
        raise ValidationError(
            "iban",
            "",
            # R77
            N_(
                "set the billing entity's IBAN in the billing settings before "
                "printing invoices or reminders"
            ),
        )
    upn = None
    if country is Country.SI and with_qr:  # UPN QR: a Slovenian payment order
        upn = _upn_qr(office, invoice, amount, due_on, recipient)
    return docs.PaymentDetails(
        s.iban,
        s.bic,
        s.bank_name,
        invoice.reference,
        amount,
        due_on,
        card_and_flik=country is Country.SI,
        upn_payload=upn,
    )


def _upn_qr(
    office: Office, invoice: Invoice, amount: int, due_on: date, recipient: Recipient
) -> bytes:
    from desktop.documents import billing_letters as docs

    s = office.settings
    year = SchoolYear(invoice.school_year).label
    tr = translator(recipient.language)
    purpose = (
        tr.gettext("Reminder fee %(year)s") % {"year": year}
        if invoice.kind is InvoiceKind.FEE
        else f"{docs.PRODUCT} {year}"
    )
    return build_upn_qr(
        UpnQrData(
            payer_name=_latin2(recipient.name, "payer_name"),
            payer_street=_latin2(recipient.street, "payer_street"),
            payer_city=_latin2(recipient.city, "payer_city"),
            amount_cents=amount,
            purpose_code=s.upn_purpose_code,
            purpose=_latin2(purpose, "purpose"),
            recipient_iban=s.iban,
            recipient_reference=invoice.reference,
            recipient_name=_latin2(s.entity_name, "recipient_name"),
            recipient_street=_latin2(s.entity_street, "recipient_street"),
            recipient_city=_latin2(
                f"{s.entity_postal_code} {s.entity_city}".strip(), "recipient_city"
            ),
            due_date=due_on,
        )
    ).data


def _latin2(text: str, field: str) -> str:
    """UPN fields are ISO 8859-2 with fixed lengths: spell other letters without their marks
    (õ → o) and cut to the field's length, rather than refuse to print the invoice."""
    out = []
    for ch in text.strip():
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if base.encode(ENCODING, "ignore") else "?")
    return "".join(out)[: FIELD_MAX_LENGTHS[field]]
