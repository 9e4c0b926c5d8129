"""The one page template every document uses: A4 portrait, DIN 5008 form B geometry.

Positions (measured from the top-left corner of the sheet):

* DIN 5008 form B: letterhead band 0–45 mm; address field 45–90 mm from the top, 20 mm from
  the left, 85 mm wide: a return-address/notes zone of 17.7 mm, then a 6-line address zone
  of 27.3 mm starting at 62.7 mm; information block from 125 mm left / 50 mm top; subject at
  98.46 mm; left margin 25 mm, right margin 20 mm; fold marks at 105 and 210 mm, punch mark
  at 148.5 mm. (Source: din-5008-richtlinien.de, "Anschriftenfeld"; DIN 5008:2020.)
* DIN 680 window envelopes DL (110 × 220 mm) and C6/C5 (114 × 229 mm): window 90 × 45 mm,
  20 mm from the left and 15 mm from the bottom edge of the envelope (Wikipedia "DIN lang",
  citing DIN 680). An A4 sheet folded at 105/210 mm shows exactly 45–90 mm through it; the same
  position works in a C5 window envelope with the sheet folded once.

The static parts (letterhead, continuation header, fold marks) are returned as operations that
the builder draws once per document into a PDF form XObject and reuses on every page.
"""

from __future__ import annotations

from datetime import date, tzinfo
from functools import lru_cache

from desktop.documents.fonts import BOLD, REGULAR, em_width
from desktop.documents.layout.flow import Frame
from desktop.documents.layout.styles import GREY, LIGHT, MM, RULE, TEXT, Op, Style
from desktop.documents.layout.text import baseline, text_ops, wrap_text
from desktop.documents.model import SCHOOL_OFFICE, DocumentInfo, Letterhead
from desktop.i18n import N_, Translator

PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, RIGHT = 25 * MM, PAGE_W - 20 * MM


def top(mm: float) -> float:
    """PDF y of a distance from the top edge."""
    return PAGE_H - mm * MM


ADDRESS_ZONE_TOP_MM = 62.7
ADDRESS_TEXT_WIDTH = 80 * MM  # 85 mm field, text starts 5 mm in (at the 25 mm margin)
INFO_LEFT = 125 * MM
INFO_TOP_MM = 50.0
SUBJECT_TOP_MM = 98.46
FOLD_MARKS_MM = (105.0, 210.0)
PUNCH_MARK_MM = 148.5
LETTERHEAD_RULE_MM = 40.0
FOOTER_RULE_MM = 281.0

LETTER_FIRST = Frame(LEFT, RIGHT, top(SUBJECT_TOP_MM), top(276))
REPORT_FIRST = Frame(LEFT, RIGHT, top(47), top(276))
LATER = Frame(LEFT, RIGHT, top(22), top(276))

HEAD_SMALL = Style(8, 10, color=GREY)
RECIPIENT = Style(10, 12.2)
RETURN_LINE = Style(6.5, 8, color=GREY)
INFO_LABEL = Style(7.5, 12, color=GREY)
INFO_VALUE = Style(9, 12)
FOOTER = Style(7.5, 9.5, color=GREY)

# Labels callers use for their signature lines (SignatureLines), translated by tr.gettext.
PLACE_AND_DATE = N_("Place and date")
SIGNATURE = N_("Signature")
FULL_NAME = N_("Full name")
# Who produced a document, when the staff member's name is not known: never their login.


def _fit_size(texts: list[str], font: str, size: float, width: float, smallest: float) -> float:
    widest = max((em_width(t, font) for t in texts), default=0.0)
    if widest * size <= width:
        return size
    return max(smallest, width / widest)


def _fit_line(
    text: str, font: str, size: float, width: float, smallest: float
) -> tuple[str, float]:
    """Shrink a one-line text down to ``smallest``, then cut it with an ellipsis."""
    size = _fit_size([text], font, size, width, smallest)
    if em_width(text, font) * size > width:
        while text and em_width(text + "…", font) * size > width:
            text = text[:-1]
        text = text.rstrip() + "…"
    return text, size


def _right(text: str, y: float, style: Style, right: float = RIGHT) -> Op:
    return (
        "t",
        right - em_width(text, style.font) * style.size,
        y,
        style.font,
        style.size,
        style.color,
        text,
    )


def letterhead_ops(school: Letterhead, tr: Translator, fold_marks: bool) -> list[Op]:
    """First page: logo, school name and address (left), contacts (right), a rule."""
    ops: list[Op] = []
    x = LEFT
    if school.logo:
        from io import BytesIO

        from reportlab.lib.utils import ImageReader

        iw, ih = ImageReader(BytesIO(school.logo)).getSize()
        scale = min(30 * MM / iw, 20 * MM / ih)
        w, h = iw * scale, ih * scale
        ops.append(("i", LEFT, top(10) - h, w, h, school.logo))
        x = LEFT + w + 4 * MM
    contacts = []
    if school.phone:
        contacts.append(tr.gettext("Phone: %(phone)s") % {"phone": school.phone})
    if school.email:
        contacts.append(tr.gettext("E-mail: %(email)s") % {"email": school.email})
    if school.website:
        contacts.append(school.website)
    if school.registry_code:
        contacts.append(tr.gettext("Registry code: %(code)s") % {"code": school.registry_code})
    contact_max = 70 * MM
    contact_w = min(
        contact_max, max((em_width(c, REGULAR) * HEAD_SMALL.size for c in contacts), default=0)
    )
    name_w = RIGHT - x - contact_w - 6 * MM

    # Name and address must stay above the rule: long official names get a smaller size
    # (down to 9 pt and three lines) rather than running into the window.
    budget = (LETTERHEAD_RULE_MM - 10 - 1.5) * MM
    address = Style(8.5, 10.5, color=GREY)
    address_lines = [ln for t in school.address_lines for ln in wrap_text(t, name_w, address)]
    for size, max_lines in ((13, 2), (12, 2), (11, 2), (10, 3), (9, 3)):
        name_style = Style(size, size * 1.2, BOLD)
        lines = wrap_text(school.name, name_w, name_style)
        height = len(lines) * name_style.leading + 2 + len(address_lines) * address.leading
        if len(lines) <= max_lines and height <= budget:
            break
    y = top(10)
    for line in lines:
        ops += text_ops(line, x, baseline(y, name_style), name_style)
        y -= name_style.leading
    y -= 2
    for line in address_lines:
        ops += text_ops(line, x, baseline(y, address), address)
        y -= address.leading

    y = top(10)
    for text in contacts:
        text, size = _fit_line(text, REGULAR, HEAD_SMALL.size, contact_max, 6.5)
        ops.append(_right(text, baseline(y, HEAD_SMALL), Style(size, 10, color=GREY)))
        y -= HEAD_SMALL.leading
    ops.append(("l", LEFT, top(LETTERHEAD_RULE_MM), RIGHT, top(LETTERHEAD_RULE_MM), 0.5, RULE))
    if fold_marks:
        for mm in FOLD_MARKS_MM:
            ops.append(("l", 4 * MM, top(mm), 9 * MM, top(mm), 0.4, RULE))
        ops.append(("l", 4 * MM, top(PUNCH_MARK_MM), 11 * MM, top(PUNCH_MARK_MM), 0.4, RULE))
    return ops


def continuation_ops(school: Letterhead) -> list[Op]:
    """Pages 2…n: the school's name small at the top and a rule."""
    style = Style(8, 10, BOLD, GREY)
    y = baseline(top(9), style)
    name, size = _fit_line(school.name, BOLD, style.size, (RIGHT - LEFT) * 0.42, 6.5)
    return [
        ("t", LEFT, y, style.font, size, style.color, name),
        ("l", LEFT, top(14.5), RIGHT, top(14.5), 0.4, LIGHT),
    ]


def continuation_title_ops(title: str) -> list[Op]:
    if not title:
        return []
    y = baseline(top(9), HEAD_SMALL)
    title, size = _fit_line(title, REGULAR, HEAD_SMALL.size, (RIGHT - LEFT) * 0.54, 6.5)
    return [_right(title, y, Style(size, HEAD_SMALL.leading, color=GREY))]


@lru_cache(maxsize=16)  # once per school and batch, not per letter
def return_lines(school: Letterhead) -> tuple[tuple[str, ...], float]:
    """DIN 5008 return address: one small line ("name, street, town"); middle address lines
    are dropped first, then the size shrinks to 6 pt. A name too long for that goes on lines
    of its own above "street, town", so the street and the town are never cut."""
    lines = school.address_lines
    smallest = 6.0
    for parts in ([*lines], [*lines[:1], *lines[-1:]]):
        text = ", ".join([school.name, *dict.fromkeys(parts)])
        if em_width(text, REGULAR) * smallest <= ADDRESS_TEXT_WIDTH:
            return (text,), _fit_size([text], REGULAR, RETURN_LINE.size, ADDRESS_TEXT_WIDTH, 6)
    address = ", ".join(dict.fromkeys([*lines[:1], *lines[-1:]]))
    size = RETURN_LINE.size
    style = Style(size, size * 1.15, color=RETURN_LINE.color)
    name = [
        "".join(text for _x, _f, text in line)
        for line in wrap_text(school.name, ADDRESS_TEXT_WIDTH, style)
    ]
    if len(name) > 2:  # a very long name: smaller, still whole words
        size = smallest
        style = Style(size, size * 1.15, color=RETURN_LINE.color)
        name = [
            "".join(text for _x, _f, text in line)
            for line in wrap_text(school.name, ADDRESS_TEXT_WIDTH, style)
        ]
    out = (*name, address) if address else tuple(name)
    return out, _fit_size(list(out), REGULAR, size, ADDRESS_TEXT_WIDTH, 5)


def return_line_ops(school: Letterhead) -> list[Op]:
    texts, size = return_lines(school)
    leading = size * 1.15
    y = top(ADDRESS_ZONE_TOP_MM) + 3 + leading * (len(texts) - 1)
    ops: list[Op] = []
    for text in texts:
        ops.append(("t", LEFT, y, REGULAR, size, RETURN_LINE.color, text))
        y -= leading
    y += leading
    width = max(em_width(text, REGULAR) for text in texts) * size
    ops.append(("l", LEFT, y - 1.6, LEFT + width, y - 1.6, 0.3, LIGHT))
    return ops


def window_ops(school: Letterhead, recipient: tuple[str, ...], return_address: bool) -> list[Op]:
    """The recipient in the envelope window, with the small return address above it."""
    ops: list[Op] = []
    if return_address:
        ops += return_line_ops(school)
    size = _fit_size(list(recipient), REGULAR, RECIPIENT.size, ADDRESS_TEXT_WIDTH, 7.5)
    style = Style(size, RECIPIENT.leading * size / RECIPIENT.size, color=TEXT)
    y = top(ADDRESS_ZONE_TOP_MM) - 2
    for text in recipient:
        ops.append(("t", LEFT, baseline(y, style), REGULAR, style.size, style.color, text))
        y -= style.leading
    return ops


def info_block_ops(rows: list[tuple[str, str]]) -> list[Op]:
    """Date, references and the document number, right of the window (DIN 5008 info block)."""
    ops: list[Op] = []
    label_w = 24 * MM
    value_w = RIGHT - INFO_LEFT - label_w
    y = top(INFO_TOP_MM)
    for label, value in rows:
        ops.append(
            (
                "t",
                INFO_LEFT,
                baseline(y, INFO_LABEL),
                REGULAR,
                INFO_LABEL.size,
                INFO_LABEL.color,
                label,
            )
        )
        for line in wrap_text(value, value_w, INFO_VALUE):
            ops += text_ops(line, INFO_LEFT + label_w, baseline(y, INFO_VALUE), INFO_VALUE)
            y -= INFO_VALUE.leading
    return ops


def letter_info_rows(
    tr: Translator, info: DocumentInfo, letter_date: date, place: str, reference: str
) -> list[tuple[str, str]]:
    when = tr.format_date(letter_date)
    rows = [(tr.gettext("Date"), f"{place}, {when}" if place else when)]
    if reference:
        rows.append((tr.gettext("Our reference"), reference))
    rows.append((tr.gettext("Document no."), info.document_id))
    return rows


def footer_ops(tr: Translator, info: DocumentInfo, tz: tzinfo, page: int, pages: int) -> list[Op]:
    """Document id, generated at/by (left) and "page X of Y" (right), on every page."""
    right = tr.gettext("Page %(page)d of %(pages)d") % {"page": page, "pages": pages}
    left = " · ".join(
        [
            tr.gettext("Document %(id)s") % {"id": info.document_id},
            tr.gettext("Generated on %(when)s by %(who)s")
            % {
                "when": tr.format_datetime(info.generated_at, tz),
                "who": info.generated_by or tr.gettext(SCHOOL_OFFICE),
            },
        ]
    )
    y = baseline(top(FOOTER_RULE_MM + 1.2), FOOTER)
    ops: list[Op] = [
        ("l", LEFT, top(FOOTER_RULE_MM), RIGHT, top(FOOTER_RULE_MM), 0.4, LIGHT),
        _right(right, y, FOOTER),
    ]
    avail = RIGHT - LEFT - em_width(right, REGULAR) * FOOTER.size - 8 * MM
    for line in wrap_text(left, avail, FOOTER)[:2]:  # a very long name wraps once
        ops += text_ops(line, LEFT, y, FOOTER)
        y -= FOOTER.leading
    return ops
