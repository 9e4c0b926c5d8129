"""Student card faces: CR80 (ISO/IEC 7810 ID-1, 85.60 × 53.98 mm), data in → PDF bytes out.

Two layouts: one card per page at card size, for a card printer; and A4 sheets of 2 × 5 cards
with cut marks, for an office printer and a paper trimmer. Each face has the photo (or a
neutral placeholder), name, class, school, valid-until and the card number as Code 128.
DejaVu Sans is embedded; no standard-14 font is used (the barcode's own text is off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from desktop.documents.fonts import BOLD, REGULAR, text_width
from desktop.documents.layout.styles import GREY, LIGHT, MM, SHADE, TEXT
from desktop.documents.model import Cancelled
from desktop.documents.template import _fit_line, _fit_size
from desktop.domain.errors import Progress
from desktop.i18n import translator

Cancel = Callable[[], bool]

CARD_W, CARD_H = 85.60 * MM, 53.98 * MM
A4_W, A4_H = 210 * MM, 297 * MM
COLUMNS, ROWS = 2, 5
# Cards abut on the sheet, so one cut separates two cards; the grid is centred on the page.
SHEET_LEFT = (A4_W - COLUMNS * CARD_W) / 2
SHEET_BOTTOM = (A4_H - ROWS * CARD_H) / 2
CUT_GAP, CUT_LEN = 1.5 * MM, 6 * MM  # marks start this far outside the grid, this long

_JPEG_SPACES = {1: "DeviceGray", 3: "DeviceRGB"}
BAND: tuple[float, float, float] = (0.11, 0.27, 0.49)
WHITE: tuple[float, float, float] = (1.0, 1.0, 1.0)
BAND_H = 9.5 * MM
PHOTO_X, PHOTO_TOP, PHOTO_W, PHOTO_H = 4 * MM, 12 * MM, 20 * MM, 20 * MM * 4 / 3
TEXT_X = 28 * MM
TEXT_W = CARD_W - TEXT_X - 4 * MM
BARCODE_X, BARCODE_TOP, BARCODE_H = 4 * MM, 40.5 * MM, 8 * MM
BARCODE_W = CARD_W - 2 * BARCODE_X  # quiet zones included


@dataclass(frozen=True)
class CardFace:
    full_name: str
    class_name: str
    school_name: str
    valid_until: date
    card_number: str  # plain ASCII, e.g. "TK-00001234-5": encoded as Code 128 as it is
    photo: bytes | None = None  # JPEG or PNG, portrait 3:4; None prints a placeholder


def build_single_cards(
    faces: Sequence[CardFace],
    *,
    language: str,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> bytes:
    """One card per page, the page the size of the card (for a card printer)."""
    return _build(faces, language, progress, cancel, sheet=False)


def build_card_sheets(
    faces: Sequence[CardFace],
    *,
    language: str,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> bytes:
    """A4 portrait sheets of 2 × 5 cards with cut marks; the last sheet may be part-filled."""
    return _build(faces, language, progress, cancel, sheet=True)


def _build(faces, language, progress, cancel, *, sheet: bool) -> bytes:
    from desktop.documents.fonts import register_fonts

    faces = list(faces)
    if not faces:
        raise ValueError("no cards to print")
    register_fonts()
    from reportlab.pdfgen.canvas import Canvas

    tr = translator(language)
    labels = _Labels(
        title=tr.gettext("Student card").upper(),
        class_label=tr.gettext("Class"),
        valid_label=tr.gettext("Valid until"),
    )
    buf = BytesIO()
    size = (A4_W, A4_H) if sheet else (CARD_W, CARD_H)
    # invariant: the same cards give the same bytes (no clock, no random id in the file).
    c = Canvas(
        buf,
        pagesize=size,
        initialFontName=REGULAR,
        initialFontSize=8,
        lang=language,
        invariant=True,
        pageCompression=1,
    )
    title = tr.gettext("Student cards")
    c.setTitle(title)
    c.setSubject(f"{title}: {len(faces)}")
    c.setAuthor(faces[0].school_name)
    painter = _Painter(c, labels, tr)
    per_page = COLUMNS * ROWS if sheet else 1
    n = len(faces)
    for i, face in enumerate(faces):
        if cancel is not None and cancel():
            raise Cancelled(f"cancelled after {i} of {n} cards")
        slot = i % per_page
        if sheet:
            if slot == 0:
                _cut_marks(c)
            col, row = slot % COLUMNS, slot // COLUMNS
            x = SHEET_LEFT + col * CARD_W
            y = SHEET_BOTTOM + (ROWS - 1 - row) * CARD_H
        else:
            x = y = 0.0
        painter.face(face, x, y)
        if slot == per_page - 1 or i == n - 1:
            c.showPage()
        if progress is not None:
            progress(i + 1, n)
    c.save()
    return buf.getvalue()


@dataclass(frozen=True)
class _Labels:
    title: str
    class_label: str
    valid_label: str


class _Painter:
    """Draws faces on one canvas; photos go into the PDF once each, by content."""

    def __init__(self, c: Any, labels: _Labels, tr):
        self.c = c
        self.labels = labels
        self.tr = tr
        self._images: dict[str, str] = {}  # sha1 of the file → XObject name in this PDF
        self._placeholder: str | None = None

    def face(self, face: CardFace, x: float, y: float) -> None:
        c = self.c
        c.saveState()
        c.translate(x, y)
        # Band with the school's name: the card is recognised at a glance.
        c.setFillColorRGB(*BAND)
        c.rect(0, CARD_H - BAND_H, CARD_W, BAND_H, stroke=0, fill=1)
        c.setFillColorRGB(*WHITE)
        school, school_size = _fit_line(face.school_name, BOLD, 7.5, CARD_W - 8 * MM, 5.5)
        c.setFont(BOLD, school_size)
        c.drawString(4 * MM, CARD_H - 4.3 * MM, school)
        c.setFont(REGULAR, 5.6)
        c.drawString(4 * MM, CARD_H - 7.9 * MM, self.labels.title)
        self._photo(face.photo)
        self._text(face)
        self._barcode(face.card_number)
        c.restoreState()

    def _text(self, face: CardFace) -> None:
        c = self.c
        c.setFillColorRGB(*TEXT)
        lines, size = _name_lines(face.full_name, TEXT_W)
        c.setFont(BOLD, size)
        for k, line in enumerate(lines):
            c.drawString(TEXT_X, CARD_H - (17 + 4.2 * k) * MM, line)
        label_y, value_y = CARD_H - 30.5 * MM, CARD_H - 35 * MM
        valid_x = TEXT_X + 21 * MM
        c.setFillColorRGB(*GREY)
        c.setFont(REGULAR, 6)
        c.drawString(TEXT_X, label_y, self.labels.class_label)
        c.drawString(valid_x, label_y, self.labels.valid_label)
        c.setFillColorRGB(*TEXT)
        c.setFont(BOLD, 9)
        c.drawString(
            TEXT_X, value_y, _fit_line(face.class_name, BOLD, 9, valid_x - TEXT_X - MM, 9)[0]
        )
        c.drawString(valid_x, value_y, self.tr.format_date(face.valid_until))

    def _photo(self, photo: bytes | None) -> None:
        c = self.c
        y = CARD_H - PHOTO_TOP - PHOTO_H
        name = self._image(photo) if photo else self._placeholder_form()
        c.saveState()
        c.translate(PHOTO_X, y)
        if photo:
            c.scale(PHOTO_W, PHOTO_H)
        c.doForm(name)
        c.restoreState()
        c.setStrokeColorRGB(*LIGHT)
        c.setLineWidth(0.4)
        c.rect(PHOTO_X, y, PHOTO_W, PHOTO_H, stroke=1, fill=0)

    def _image(self, data: bytes) -> str:
        """The photo as an image XObject, registered once per distinct file.

        reportlab's drawImage decodes every picture to hash its pixels and ASCII85-encodes
        JPEG data in pure Python (~5 ms a photo); a hash of the file is enough here, and the
        JPEG goes into the PDF as it is (DCTDecode). Other formats are decoded by reportlab.
        """
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfbase import pdfdoc, pdfutils

        key = hashlib.sha1(data).hexdigest()
        name = self._images.get(key)
        if name is None:
            name = f"Photo{len(self._images) + 1}"
            image = pdfdoc.PDFImageXObject(name)
            if data[:2] == b"\xff\xd8":  # JPEG
                width, height, components = pdfutils.readJPEGInfo(BytesIO(data))[:3]
                image.width, image.height, image.bitsPerComponent = width, height, 8
                image.colorSpace = _JPEG_SPACES.get(components, "DeviceCMYK")
                image._dotrans = int(components == 4)  # Adobe CMYK JPEGs are stored inverted
                image.streamContent, image._filters, image.mask = data, ("DCTDecode",), None
            else:
                image.loadImageFromSRC(ImageReader(BytesIO(data)))
            doc = self.c._doc
            doc.Reference(image, doc.getXObjectName(name))
            doc.addForm(name, image)
            self._images[key] = name
        return name

    def _placeholder_form(self) -> str:
        """A neutral head-and-shoulders outline, drawn once as a form and reused."""
        if self._placeholder is None:
            c = self.c
            name = "PhotoPlaceholder"
            c.beginForm(name, lowerx=0, lowery=0, upperx=PHOTO_W, uppery=PHOTO_H)
            c.setFillColorRGB(*SHADE)
            c.rect(0, 0, PHOTO_W, PHOTO_H, stroke=0, fill=1)
            c.setFillColorRGB(*LIGHT)
            c.circle(PHOTO_W / 2, PHOTO_H * 0.62, PHOTO_W * 0.2, stroke=0, fill=1)
            c.wedge(
                PHOTO_W * 0.12,
                -PHOTO_H * 0.22,
                PHOTO_W * 0.88,
                PHOTO_H * 0.46,
                0,
                180,
                stroke=0,
                fill=1,
            )
            c.endForm()
            self._placeholder = name
        return self._placeholder

    def _barcode(self, number: str) -> None:
        from reportlab.graphics.barcode.code128 import Code128

        c = self.c
        probe = Code128(number, barWidth=1, quiet=1, humanReadable=0)
        modules = probe.width  # quiet zones (10 modules each side) included
        bar = Code128(
            number, barWidth=BARCODE_W / modules, barHeight=BARCODE_H, quiet=1, humanReadable=0
        )
        c.setFillColorRGB(0, 0, 0)
        bar.drawOn(c, BARCODE_X, CARD_H - BARCODE_TOP - BARCODE_H)
        c.setFont(REGULAR, 6.5)
        c.setFillColorRGB(*TEXT)
        c.drawCentredString(CARD_W / 2, CARD_H - 51.8 * MM, number)


def _cut_marks(c: Any) -> None:
    """Short lines in the margin, in line with every card edge."""
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.3)
    left, right = SHEET_LEFT, SHEET_LEFT + COLUMNS * CARD_W
    bottom, top = SHEET_BOTTOM, SHEET_BOTTOM + ROWS * CARD_H
    for k in range(COLUMNS + 1):
        x = left + k * CARD_W
        c.line(x, top + CUT_GAP, x, top + CUT_GAP + CUT_LEN)
        c.line(x, bottom - CUT_GAP, x, bottom - CUT_GAP - CUT_LEN)
    for k in range(ROWS + 1):
        y = bottom + k * CARD_H
        c.line(left - CUT_GAP, y, left - CUT_GAP - CUT_LEN, y)
        c.line(right + CUT_GAP, y, right + CUT_GAP + CUT_LEN, y)


def _name_lines(name: str, width: float) -> tuple[list[str], float]:
    """The name on one line if it fits at 10 pt, else two lines (split at a space), shrunk
    if needed down to 7 pt."""
    name = " ".join(name.split())
    if text_width(name, BOLD, 10) <= width or " " not in name:
        line, size = _fit_line(name, BOLD, 10, width, 7)
        return [line], size
    words = name.split(" ")
    best = min(
        range(1, len(words)),
        key=lambda k: max(
            text_width(" ".join(words[:k]), BOLD, 10), text_width(" ".join(words[k:]), BOLD, 10)
        ),
    )
    lines = [" ".join(words[:best]), " ".join(words[best:])]
    size = _fit_size(lines, BOLD, 10, width, 7)
    return [_fit_line(line, BOLD, size, width, size)[0] for line in lines], size
