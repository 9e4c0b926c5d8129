"""Billing letters: data in → LetterSpec/ReportSpec → PDF bytes (no Qt, no SQL).

Every letter is in the recipient's language (``translator(language)``). Invoices, reminders,
fee and refund notes and the other contract letters carry the billing entity's identity as
their letterhead, never the school's (R73); the pre-filled cancellation forms (D3, D4) are
printed by the school on its own letterhead, with both addresses they may be sent to (R95).

Document index (RULES.md §10): D3/D4 cancellation forms, D5 confirmation, D10 withdrawal
confirmation with refund, D11 invoice / renewal invitation / reminders 1 and 2, D12
termination notice, D13 refund statement, D14 trial notices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from desktop.documents.builders import build_letter, build_letters, build_report
from desktop.documents.model import (
    AddressBlock,
    AddressBlocks,
    Block,
    Boxed,
    DataTable,
    DocumentInfo,
    Heading,
    Image,
    KeyValueTable,
    LetterSpec,
    Paragraph,
    ReportSpec,
    SchoolProfile,
    SignatureLines,
    Spacer,
)
from desktop.documents.template import PLACE_AND_DATE, SIGNATURE
from desktop.domain.payment_refs import format_ee_reference, format_rf, validate_si12
from desktop.domain.salutation import after_salutation, salutation
from desktop.i18n import Translator, translator
from desktop.i18n.stored import stored_text

PRODUCT = "mojAsistent POPOLNI"
FREE_TIER = "mojAsistent MINIMALNI"
UPN_QR_SIZE_MM = 40.0


# ---- the parties ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingIssuer:
    """R73: the billing entity (eŠola d.o.o. by default) that bills the payer directly."""

    name: str
    address_lines: tuple[str, ...]
    country: str = "SI"  # picks the time zone of "generated at"
    registry_code: str = ""
    vat_id: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""

    def letterhead(self, tr: Translator) -> SchoolProfile:
        vat = (tr.gettext("VAT ID: %(id)s") % {"id": self.vat_id},) if self.vat_id else ()
        return SchoolProfile(
            name=self.name,
            address_lines=self.address_lines[:3] + vat,
            country=self.country,
            registry_code=self.registry_code,
            phone=self.phone,
            email=self.email,
            website=self.website,
        )


@dataclass(frozen=True)
class PaymentDetails:
    """Where and how to pay (D11): the billing entity's account and the invoice's reference."""

    iban: str
    bic: str
    bank_name: str
    reference: str  # compact, as stored (RF…, SI12…, or 7-3-1 digits)
    amount_cents: int
    due_on: date
    card_and_flik: bool  # R77: SI payers may also pay by card or Flik (Bankart)
    upn_payload: bytes | None = None  # SI: the UPN QR symbol's content (upn_qr.build_upn_qr)


@dataclass(frozen=True)
class Child:
    name: str
    class_name: str
    school_name: str


@dataclass(frozen=True)
class _Letter:
    """What every letter of the billing entity starts with: who sends it, to whom, in which
    language, and the name in "Dear …"."""

    issuer: BillingIssuer
    language: str
    recipient: tuple[str, ...]
    salutation_name: str


# ---- helpers ----------------------------------------------------------------------------------


def format_reference(reference: str) -> str:
    """The reference as banks print it: 'RF18 5390 0754 7034', 'SI12 0026000001X',
    '2600 0001 23'."""
    if reference.startswith("RF"):
        return format_rf(reference)
    if reference.startswith("SI"):
        return validate_si12(reference)
    return format_ee_reference(reference)


def format_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


SLIP_WIDTH_MM = 165.0
SLIP_HEIGHT_MM = 50.0


def _payment_slip(rows: list[tuple[str, str, bool]], payload: bytes | None, title: str) -> Image:
    """The payment details as one framed slip; with the UPN QR code on the right (SI).

    Drawn straight on the canvas (one DirectDraw node): as reportlab shapes, a slip and its
    QR code cost several milliseconds a letter, too much for 1,000 reminders."""
    from reportlab.graphics.shapes import DirectDraw, Drawing

    from desktop.documents.fonts import BOLD, REGULAR, em_width
    from desktop.documents.layout import GREY, MM, RULE, TEXT
    from desktop.domain.upn_qr import upn_qr_rows

    w, h = SLIP_WIDTH_MM * MM, SLIP_HEIGHT_MM * MM
    pad = 4 * MM
    texts = [(pad, h - pad - 8, title, BOLD, 9.5, TEXT)]
    qr_side = UPN_QR_SIZE_MM * MM
    text_right = w - pad - (qr_side + pad if payload else 0)
    key_width = 30 * MM
    y = h - pad - 8 - 15
    for label, value, bold in rows:
        # One size for label and value: a text extractor then reads them as one line.
        font, size = (BOLD if bold else REGULAR), 9.0
        texts.append((pad, y, label, REGULAR, size, GREY))
        room = text_right - pad - key_width
        while value and em_width(value, font) * size > room:  # never run into the QR code
            value = value[:-2] + "…"
        texts.append((pad + key_width, y, value, font, size, TEXT))
        y -= 12.5
    qr = _qr_image(upn_qr_rows(payload)) if payload else None

    class Slip(DirectDraw):
        def drawDirectly(self, renderer) -> None:  # reportlab calls it so
            c = renderer._canvas
            c.saveState()
            c.setStrokeColorRGB(*RULE)
            c.setLineWidth(0.6)
            c.rect(0, 0, w, h, stroke=1, fill=0)
            for x, y, text, font, size, color in texts:
                c.setFillColorRGB(*color)
                c.setFont(font, size)
                c.drawString(x, y, text)
            if qr is not None:
                qr(c, w - pad - qr_side, (h - qr_side) / 2, qr_side)
            c.restoreState()

        def copy(self):
            return self

    drawing = Drawing(w, h, initialFontName=REGULAR)
    drawing.add(Slip())
    return Image(drawing, SLIP_WIDTH_MM, align="left")


QR_SAMPLES_PER_MODULE = 4  # the image is scaled down (or barely up): no viewer blurs it much


def _qr_image(rows: tuple[str, ...]):
    """The QR modules as a 1-bit image XObject (DeviceGray, FlateDecode, compressed here);
    returns draw(canvas, x, y, side).

    As reportlab shapes the modules cost ~100 ms a letter, and as vector rectangles they fill
    the page stream that reportlab encodes in pure Python; an image of its own costs about
    half a millisecond. It has several samples per module, so a viewer or printer shrinks it
    (or barely enlarges it) rather than smoothing a 77-pixel image."""
    import zlib

    n, k = len(rows), QR_SAMPLES_PER_MODULE
    pixels = n * k
    row_bytes = (pixels + 7) // 8
    # DeviceGray at one bit: 0 is black. Each module k samples wide, each row k times.
    widen = {ord("1"): "0" * k, ord("0"): "1" * k}
    raw = b"".join(
        int(row.translate(widen).ljust(row_bytes * 8, "1"), 2).to_bytes(row_bytes, "big") * k
        for row in rows
    )
    stream = zlib.compress(raw, 6)

    def draw(c, x: float, y: float, side: float) -> None:
        from reportlab.pdfbase import pdfdoc

        doc = c._doc
        name = f"UpnQr{len(doc.idToObject)}"
        image = pdfdoc.PDFImageXObject(name)
        image.width = image.height = pixels
        image.bitsPerComponent, image.colorSpace, image.mask = 1, "DeviceGray", None
        image.streamContent, image._filters = stream, ("FlateDecode",)
        doc.Reference(image, doc.getXObjectName(name))
        doc.addForm(name, image)
        c.saveState()
        c.transform(side, 0, 0, side, x, y)
        c.doForm(name)
        c.restoreState()

    return draw


def _payment_blocks(tr: Translator, issuer: BillingIssuer, pay: PaymentDetails) -> list[Block]:
    _ = tr.gettext
    place = ", ".join(issuer.address_lines)
    rows = [
        (_("Recipient"), f"{issuer.name}, {place}" if place else issuer.name, False),
        (_("IBAN"), format_iban(pay.iban), False),
    ]
    if pay.bic:
        rows.append(
            (_("BIC"), f"{pay.bic}  ({pay.bank_name})" if pay.bank_name else pay.bic, False)
        )
    rows += [
        (_("Payment reference"), format_reference(pay.reference), True),
        (_("Amount"), tr.format_money(pay.amount_cents), True),
        (_("Due date"), tr.format_date(pay.due_on), False),
    ]
    if pay.upn_payload:  # the slip puts the UPN QR code beside the details
        blocks: list[Block] = [_payment_slip(rows, pay.upn_payload, _("How to pay"))]
    else:
        blocks = [
            Heading(_("How to pay"), 2),
            KeyValueTable(
                tuple((key, f"**{value}**" if bold else value) for key, value, bold in rows),
                key_width_mm=45,
            ),
        ]
    if pay.card_and_flik:
        text = _(
            "Pay by bank transfer with the reference above, or by card or Flik (payments by "
            "card and Flik are processed by Bankart d.o.o., Ljubljana)."
        )
        if pay.upn_payload:
            text += " " + _("Your bank's mobile app can read the UPN QR code.")
        blocks.append(Paragraph(text, small=True))
    else:
        blocks.append(
            Paragraph(_("Pay by bank transfer with the reference number above."), small=True)
        )
    return blocks


def _child_rows(tr: Translator, child: Child) -> list[tuple[str, str]]:
    _ = tr.gettext
    rows = [(_("Child"), child.name)]
    if child.class_name:
        rows.append((_("Class"), child.class_name))
    rows.append((_("School"), child.school_name))
    return rows


def _closing(tr: Translator, issuer: BillingIssuer) -> list[Block]:
    _ = tr.gettext
    contact = issuer.email or issuer.phone
    blocks: list[Block] = [Spacer(3)]
    if contact:
        blocks.append(
            Paragraph(_("For questions, write to us at %(contact)s.") % {"contact": contact})
        )
    blocks.append(Paragraph(_("Kind regards,") + "\n" + issuer.name))
    return blocks


def _child_table(tr: Translator, child: Child) -> KeyValueTable:
    return KeyValueTable(tuple(_child_rows(tr, child)), key_width_mm=45)


def _letter(
    data: _Letter,
    info: DocumentInfo,
    subject: str,
    body: list[Block],
    letter_date: date,
    reference: str = "",
) -> LetterSpec:
    """The letter on the billing entity's letterhead (R73): "Dear …", the body, the closing."""
    tr = translator(data.language)
    _ = tr.gettext
    return LetterSpec(
        school=data.issuer.letterhead(tr),
        info=info,
        language=data.language,
        recipient=data.recipient,
        subject=subject,
        body=(
            # A payer's gender is not known (no personal code): Slovenian greets neutrally.
            Paragraph(salutation(tr, data.salutation_name)),
            *_continue_after_salutation(data.language, body),
            *_closing(tr, data.issuer),
        ),
        letter_date=letter_date,
        reference=reference,
    )


def _continue_after_salutation(language: str, body: list[Block]) -> list[Block]:
    """Slovenian goes on in small letters after the greeting's comma."""
    if body and isinstance(body[0], Paragraph):
        first = body[0]
        return [replace(first, text=after_salutation(language, first.text)), *body[1:]]
    return body


def _vat_rate(tr: Translator, basis_points: int) -> str:
    return f"{tr.format_number(Decimal(basis_points).scaleb(-2).normalize())}\u00a0%"


# ---- D11: invoice and renewal invitation ------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLetter(_Letter):
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
                *_child_rows(tr, data.child),
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
        body += _payment_blocks(tr, data.issuer, data.payment)
    return _letter(data, info, subject, body, data.issued_on, data.number)


# ---- D11: reminders 1 and 2 ------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderLetter(_Letter):
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
    body.append(_child_table(tr, data.child))
    body += _payment_blocks(tr, data.issuer, data.payment)
    return _letter(data, info, subject, body, data.sent_on, data.invoice_number)


# ---- D12: termination for non-payment (R103) --------------------------------------------------


@dataclass(frozen=True)
class FeeCharge:
    gross_cents: int
    net_cents: int
    vat_cents: int
    invoice_number: str
    payment: PaymentDetails


@dataclass(frozen=True)
class TerminationLetter(_Letter):
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
        _child_table(tr, data.child),
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
        body += _payment_blocks(tr, data.issuer, fee.payment)
    else:
        body.append(Paragraph(_("No fee is charged.")))
    body.append(
        Paragraph(
            _("You can order %(product)s again at any time through the parents' portal.") % values
        )
    )
    subject = _("Termination of %(product)s for non-payment") % values
    return _letter(data, info, subject, body, data.sent_on)


# ---- D14: trial notices (R89, R91) -----------------------------------------------------------


@dataclass(frozen=True)
class TrialLetter(_Letter):
    sent_on: date
    ended: bool  # False: invitation to order; True: end of trial and switch to MINIMALNI
    starts_on: date
    ends_on: date
    child: Child


def trial_spec(data: TrialLetter, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "free": FREE_TIER,
        "start": tr.format_date(data.starts_on),
        "end": tr.format_date(data.ends_on),
        "after": tr.format_date(data.ends_on + timedelta(days=1)),
    }
    if data.ended:
        subject = _("Your free trial of %(product)s has ended") % values
        body: list[Block] = [
            Paragraph(
                _(
                    "The free trial of %(product)s (from %(start)s to %(end)s) has ended. "
                    "Since no order was placed, your child's account switched to the free "
                    "%(free)s on %(after)s."
                )
                % values
            ),
            Paragraph(_("Nothing was charged for the trial.")),
        ]
    else:
        subject = _("Your free trial of %(product)s") % values
        body = [
            Paragraph(
                _(
                    "Your free trial of %(product)s runs from %(start)s to %(end)s. To keep the "
                    "automatic notifications after the trial, order %(product)s through the "
                    "parents' portal before the trial ends."
                )
                % values
            ),
            Paragraph(
                _(
                    "If you do not order, the account switches to the free %(free)s after the "
                    "trial. Nothing is charged for the trial."
                )
                % values
            ),
        ]
    body.append(_child_table(tr, data.child))
    return _letter(data, info, subject, body, data.sent_on)


# ---- D3 / D4: pre-filled cancellation forms (R95–R97) -----------------------------------------


@dataclass(frozen=True)
class FormGuardian:
    name: str
    mobile: str
    email: str


@dataclass(frozen=True)
class CancellationForm:
    school: SchoolProfile
    issuer: BillingIssuer
    language: str
    child: Child
    guardians: tuple[FormGuardian, ...]  # every active profile (R96: both, if two)
    only: FormGuardian | None = None  # D4: the one user to unsubscribe (R97)


def cancellation_form_spec(data: CancellationForm, info: DocumentInfo) -> ReportSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {"product": PRODUCT, "free": FREE_TIER}
    if data.only is None:
        title = _("Cancellation of the %(product)s subscription") % values
        statement = _(
            "I hereby cancel the %(product)s subscription for the child named below. I "
            "understand that the cancellation takes effect on the day after this letter is "
            "received and that costs already paid are not refunded."
        )
    else:
        title = _("Unsubscribing one user from %(product)s") % values
        statement = _(
            "I hereby ask that **only the user named below** be unsubscribed from %(product)s. "
            "The subscription and the other user's profile remain active. The change takes "
            "effect on the day after this letter is received; costs already paid are not "
            "refunded."
        )
    body: list[Block] = [
        Paragraph(_("Send the signed letter to one of these addresses:")),
        AddressBlocks(
            (
                AddressBlock(_("The school"), (data.school.name, *data.school.address_lines)),
                AddressBlock(data.issuer.name, (data.issuer.name, *data.issuer.address_lines)),
            )
        ),
        Paragraph(
            _(
                "You can also send a scanned signed letter or a digitally signed e-mail to "
                "%(email)s."
            )
            % {"email": data.issuer.email or "starsi@easistent.com"},
            small=True,
        ),
        Boxed(statement % values),
        Heading(_("Child"), 2),
        _child_table(tr, data.child),
    ]
    if data.only is not None:
        body += [Heading(_("Unsubscribe only this user"), 2), _guardian_table(tr, (data.only,))]
    heading = _("Parents or guardians") if len(data.guardians) > 1 else _("Parent or guardian")
    body += [Heading(heading, 2), _guardian_table(tr, data.guardians), Spacer(8)]
    signers = data.guardians if data.only is None else (data.only,)
    body.append(
        SignatureLines(
            (tr.gettext(PLACE_AND_DATE), *(tr.gettext(SIGNATURE) for _ in signers)),
            ("", *(guardian.name for guardian in signers)),
        )
    )
    body.append(
        Paragraph(
            _(
                "A handwritten signature is required. The free %(free)s remains available "
                "after the cancellation."
            )
            % values,
            small=True,
        )
    )
    return ReportSpec(
        school=data.school,
        info=info,
        language=data.language,
        title=title,
        body=tuple(body),
        subtitle=f"{data.child.name} · {data.child.school_name}",
    )


def _guardian_table(tr: Translator, guardians: Sequence[FormGuardian]) -> DataTable:
    _ = tr.gettext
    return DataTable(
        (_("Name and surname"), _("Mobile phone"), _("E-mail")),
        tuple((p.name, p.mobile or "—", p.email or "—") for p in guardians),
        widths=(35, 25, 40),
    )


# ---- D5: confirmation of a cancellation / unsubscription (R98, R99) ---------------------------


@dataclass(frozen=True)
class CancellationConfirmation(_Letter):
    sent_on: date
    received_on: date
    effective_on: date
    child: Child
    only_user: str = ""  # R97: the unsubscribed user's name; empty for a whole cancellation


def cancellation_confirmation_spec(
    data: CancellationConfirmation, info: DocumentInfo
) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "free": FREE_TIER,
        "received": tr.format_date(data.received_on),
        "effective": tr.format_date(data.effective_on),
        "user": data.only_user,
    }
    if data.only_user:
        subject = _("Confirmation: one user unsubscribed from %(product)s") % values
        text = _(
            "On %(received)s we received your written request to unsubscribe the user "
            "%(user)s from %(product)s. The unsubscription takes effect on **%(effective)s**; "
            "from that day on, this user receives no more notifications. The subscription and "
            "the other user's profile remain active, and the price does not change."
        )
    else:
        subject = _("Confirmation of the cancellation of %(product)s") % values
        text = _(
            "On %(received)s we received your written cancellation of %(product)s. The "
            "cancellation takes effect on **%(effective)s**; from that day on, no more "
            "notifications are sent. The free %(free)s remains available."
        )
    body: list[Block] = [
        Paragraph(text % values),
        KeyValueTable(
            (
                (_("Letter received on"), tr.format_date(data.received_on)),
                (_("Takes effect on"), tr.format_date(data.effective_on)),
                *_child_rows(tr, data.child),
            ),
            key_width_mm=45,
        ),
        Boxed(_("In accordance with the terms, costs already paid are not refunded.")),
    ]
    return _letter(data, info, subject, body, data.sent_on)


# ---- D13 refund statement and D10 withdrawal confirmation (R88, R102) -------------------------


@dataclass(frozen=True)
class RefundFigures:
    """R88: P, D_P, L and the amount; empty period for an overpayment or a discretionary
    refund."""

    basis_text: str
    school_year: str
    paid_cents: int
    already_refunded_cents: int
    amount_cents: int
    reason: str
    period_first: date | None = None
    period_last: date | None = None
    period_days: int | None = None
    lost_days: int | None = None


def _refund_rows(tr: Translator, f: RefundFigures) -> tuple[tuple[str, str], ...]:
    _ = tr.gettext
    rows = [
        (_("Basis"), f.basis_text),
        (_("School year"), f.school_year),
        (_("Paid for the school year"), tr.format_money(f.paid_cents)),
    ]
    if f.period_days:
        rows += [
            (
                _("Paid period"),
                f"{tr.format_date(f.period_first)} – {tr.format_date(f.period_last)}",
            ),
            (_("Days in the paid period"), str(f.period_days)),
            (_("Days without the service"), str(f.lost_days)),
            (
                _("Calculation"),
                f"{tr.format_money(f.paid_cents)} × {f.lost_days} / {f.period_days}",
            ),
        ]
    if f.already_refunded_cents:
        rows.append((_("Already refunded"), tr.format_money(f.already_refunded_cents)))
    rows.append((_("Refund"), f"**{tr.format_money(f.amount_cents)}**"))
    return tuple(rows)


@dataclass(frozen=True)
class RefundStatement(_Letter):
    sent_on: date
    child: Child
    figures: RefundFigures


def refund_statement_spec(data: RefundStatement, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    body: list[Block] = [
        Paragraph(
            _(
                "We refund you **%(amount)s** for %(product)s. The amount will be paid to the "
                "account from which the payment was made."
            )
            % {"amount": tr.format_money(data.figures.amount_cents), "product": PRODUCT}
        ),
        KeyValueTable(_refund_rows(tr, data.figures), key_width_mm=55),
        Paragraph(_("Reason: %(reason)s") % {"reason": stored_text(tr, data.figures.reason)}),
        _child_table(tr, data.child),
    ]
    subject = _("Refund statement: %(product)s") % {"product": PRODUCT}
    return _letter(data, info, subject, body, data.sent_on)


@dataclass(frozen=True)
class WithdrawalConfirmation(_Letter):
    sent_on: date
    notice_sent_on: date
    deadline: date
    received_on: date
    effective_on: date
    child: Child
    figures: RefundFigures | None  # None: nothing had been paid


def withdrawal_confirmation_spec(data: WithdrawalConfirmation, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "free": FREE_TIER,
        "notice": tr.format_date(data.notice_sent_on),
        "deadline": tr.format_date(data.deadline),
        "received": tr.format_date(data.received_on),
        "effective": tr.format_date(data.effective_on),
    }
    body: list[Block] = [
        Paragraph(
            _(
                "On %(received)s we received your withdrawal from %(product)s following the "
                "change of the terms of use notified to you on %(notice)s. The withdrawal "
                "arrived within the 8-day period (until %(deadline)s) and takes effect on "
                "**%(effective)s**."
            )
            % values
        ),
        _child_table(tr, data.child),
    ]
    if data.figures is not None and data.figures.amount_cents > 0:
        body += [
            Paragraph(
                _(
                    "You are entitled to a proportional refund of the annual communication cost "
                    "for the days from %(effective)s to the end of the school year:"
                )
                % values
            ),
            KeyValueTable(_refund_rows(tr, data.figures), key_width_mm=55),
        ]
    else:
        body.append(Paragraph(_("Nothing had been paid, so there is nothing to refund.")))
    body.append(Paragraph(_("The free %(free)s remains available.") % values))
    subject = _("Confirmation of your withdrawal from %(product)s") % values
    return _letter(data, info, subject, body, data.sent_on)


# ---- building -----------------------------------------------------------------------------


SpecBuilder = Callable[[Any, DocumentInfo], LetterSpec]


def build_one(make: SpecBuilder, data: Any, info: DocumentInfo) -> bytes:
    return build_letter(make(data, info))


def build_many(
    items: Sequence[tuple[SpecBuilder, Any]],
    infos: Sequence[DocumentInfo],
    progress=None,
    cancel=None,
) -> bytes:
    specs = [make(data, info) for (make, data), info in zip(items, infos, strict=True)]
    return build_letters(specs, progress, cancel)


def build_form(data: CancellationForm, info: DocumentInfo) -> bytes:
    return build_report(cancellation_form_spec(data, info))
