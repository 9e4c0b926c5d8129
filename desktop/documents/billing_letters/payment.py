"""How to pay (D11, D12): the billing entity's account and the reference, as a framed slip
with the UPN QR code on the right for a Slovenian payer (R77), else as a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.documents.billing_letters.common import BillingIssuer, format_iban, format_reference
from desktop.documents.model import Block, Heading, Image, KeyValueTable, Paragraph
from desktop.i18n import Translator

UPN_QR_SIZE_MM = 40.0


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


SLIP_WIDTH_MM = 165.0
SLIP_HEIGHT_MM = 50.0


def _payment_slip(rows: list[tuple[str, str, bool]], payload: bytes | None, title: str) -> Image:
    """The payment details as one framed slip; with the UPN QR code on the right (SI).

    Drawn straight on the canvas (one DirectDraw node): as reportlab shapes, a slip and its
    QR code cost several milliseconds a letter, too much for 1,000 reminders."""
    from reportlab.graphics.shapes import DirectDraw, Drawing

    from desktop.documents.fonts import BOLD, REGULAR, em_width
    from desktop.documents.layout.styles import GREY, MM, RULE, TEXT
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


def payment_blocks(tr: Translator, issuer: BillingIssuer, pay: PaymentDetails) -> list[Block]:
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
