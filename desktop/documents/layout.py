"""A small flow layout: blocks → pages of drawing operations.

Why not platypus: laying text out ourselves and drawing it with the bare canvas keeps a batch of
1,000 letters close to the canvas floor (DESIGN.md: platypus ~3.9 s, canvas ~2.3 s), and
laying out before drawing tells us the page count, so "page 2 of 3" needs no second build.

Coordinates are PDF points, origin bottom-left. An operation is a plain tuple:

    ("t", x, y, font, size, color, text)              text at baseline y
    ("l", x1, y1, x2, y2, width, color)               line
    ("r", x, y, w, h, stroke | None, fill | None, lw) rectangle
    ("i", x, y, w, h, data)                           PNG/JPEG bytes
    ("d", x, y, drawing, sx, sy)                      reportlab Drawing
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.documents.fonts import BOLD, REGULAR, em_width
from desktop.documents.markup import Run, parse_inline, parse_markdown
from desktop.documents.model import (
    AddressBlocks,
    Block,
    Boxed,
    DataTable,
    Heading,
    Image,
    KeyValueTable,
    Markdown,
    PageBreak,
    Paragraph,
    SignatureLines,
    Spacer,
)

MM = 72 / 25.4
Color = tuple[float, float, float]
Op = tuple
Segment = tuple[float, str, str]  # (x offset, font, text)

BLACK: Color = (0.0, 0.0, 0.0)
TEXT: Color = (0.08, 0.08, 0.08)
GREY: Color = (0.36, 0.36, 0.36)
RULE: Color = (0.55, 0.55, 0.55)
LIGHT: Color = (0.82, 0.82, 0.82)
SHADE: Color = (0.94, 0.94, 0.94)


@dataclass(frozen=True)
class Style:
    size: float
    leading: float
    font: str = REGULAR
    color: Color = TEXT
    space_before: float = 0.0
    space_after: float = 0.0


BODY = Style(10, 13.5, space_after=6)
SMALL = Style(8.5, 11, space_after=4)
LABEL = Style(8, 10, color=GREY)
TITLE = Style(16, 20, BOLD, space_after=4)
SUBTITLE = Style(11, 14, color=GREY, space_after=10)
SUBJECT = Style(11, 14.5, BOLD, space_after=10)
H1 = Style(13, 16, BOLD, space_before=8, space_after=4)
H2 = Style(10.5, 14, BOLD, space_before=6, space_after=3)
CELL = Style(9, 11.5)
# Items of a list sit closer together than paragraphs; the last one ends like a paragraph.
NUMBERED_ITEM = Style(BODY.size, BODY.leading, space_after=4)
BULLET_ITEM = Style(BODY.size, BODY.leading, space_after=2)

BULLET_STEP = 5 * MM
KEEP_LINES = 4  # a paragraph of up to this many lines is never split across pages
NUMBER_INDENT = (7 * MM, 10 * MM, 13 * MM)


# --- text wrapping ------------------------------------------------------------------------


# A telephone number ("+372 736 1234", "735 0500", "01 234 56 78"), an IBAN's digit groups:
# printed on one line, so a number never splits across lines (or pages).
_DIGIT_GROUPS = re.compile(r"(?<![\w.,])(?:\+\d{1,3} )?\d{1,4}(?: \d{2,4})+(?![\w])")


_DIGIT_SPACE_DIGIT = re.compile(r"\d \d")


def _glue_numbers(text: str) -> str:
    if _DIGIT_SPACE_DIGIT.search(text) is None:  # most text: one quick scan in C
        return text
    return _DIGIT_GROUPS.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)


def _words(runs: Iterable[Run]) -> list[list[tuple[str, str]] | None]:
    """Runs → words (lists of (font, text) pieces); None marks a forced line break.

    Words split at ASCII spaces only, so no-break spaces (in dates and amounts) hold; the
    spaces inside a telephone number become no-break spaces here.
    """
    words: list[list[tuple[str, str]] | None] = []
    cur: list[tuple[str, str]] = []
    for text, bold in runs:
        font = BOLD if bold else REGULAR
        text = _glue_numbers(text)
        for li, line in enumerate(text.split("\n")):
            if li:
                if cur:
                    words.append(cur)
                    cur = []
                words.append(None)
            for i, part in enumerate(line.split(" ")):
                if i and cur:
                    words.append(cur)
                    cur = []
                if part:
                    cur.append((font, part))
    if cur:
        words.append(cur)
    return words


def _word_width(word: list[tuple[str, str]]) -> float:
    return sum([em_width(text, font) for font, text in word])


def _break_word(word: list[tuple[str, str]], width_em: float) -> list[list[tuple[str, str]]]:
    """Split a word wider than the line into pieces that fit (long URLs, very long names)."""
    pieces: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for font, text in word:
        for ch in text:
            w = em_width(ch, font)
            if used + w > width_em and pieces[-1]:
                pieces.append([])
                used = 0.0
            piece = pieces[-1]
            if piece and piece[-1][0] == font:
                piece[-1] = (font, piece[-1][1] + ch)
            else:
                piece.append((font, ch))
            used += w
    return pieces


def wrap(runs: Iterable[Run], width: float, size: float) -> list[list[Segment]]:
    """Greedy line filling; every line is a list of (x offset, font, text) segments."""
    limit = width / size + 1e-6  # compare in em: word widths are cached at size 1
    lines: list[list[list[tuple[str, str]]]] = []
    cur: list[list[tuple[str, str]]] = []
    cur_w = 0.0
    for word in _words(runs):
        if word is None:
            lines.append(cur)
            cur, cur_w = [], 0.0
            continue
        ww = _word_width(word)
        if cur:
            space = em_width(" ", cur[-1][-1][0])
            if cur_w + space + ww <= limit:
                cur.append(word)
                cur_w += space + ww
                continue
            lines.append(cur)
        if ww > limit:
            *full, word = _break_word(word, limit)
            lines.extend([piece] for piece in full)
            ww = _word_width(word)
        cur, cur_w = [word], ww
    if cur or not lines:
        lines.append(cur)
    return [_segments(line, size) for line in lines]


def _segments(line: list[list[tuple[str, str]]], size: float) -> list[Segment]:
    segs: list[list] = []
    x = 0.0
    for i, word in enumerate(line):
        if i:
            segs[-1][2] += " "
            x += em_width(" ", segs[-1][1]) * size
        for font, text in word:
            if segs and segs[-1][1] == font:
                segs[-1][2] += text
            else:
                segs.append([x, font, text])
            x += em_width(text, font) * size
    return [(s[0], s[1], s[2]) for s in segs]


def line_width(line: list[Segment], size: float) -> float:
    if not line:
        return 0.0
    x, font, text = line[-1]
    return x + em_width(text, font) * size


def baseline(top: float, style: Style) -> float:
    """Baseline of a line whose box starts at ``top``: the glyphs sit centred in the leading."""
    return top - 0.5 * style.leading - 0.26 * style.size


def text_ops(line: list[Segment], x: float, y: float, style: Style) -> list[Op]:
    size, color = style.size, style.color
    return [("t", x + dx, y, font, size, color, text) for dx, font, text in line]


def runs(text: str, style: Style) -> list[Run]:
    """Inline markup → runs; a bold style makes every run bold (so it is measured bold too)."""
    parsed = parse_inline(text)
    if style.font == BOLD:
        return [(t, True) for t, _ in parsed]
    return parsed


def wrap_text(text: str, width: float, style: Style) -> list[list[Segment]]:
    return wrap(runs(text, style), width, style.size)


# --- the flow -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    left: float
    right: float
    top: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left


class Flow:
    """Fills frames top to bottom; a new page starts when the next piece does not fit."""

    def __init__(self, first: Frame, later: Frame):
        if (first.left, first.right) != (later.left, later.right):
            raise ValueError("all frames of a document share their width")
        self.later = later
        self.frame = first
        self.y = first.top
        self.pages: list[list[Op]] = [[]]

    @property
    def left(self) -> float:
        return self.frame.left

    @property
    def width(self) -> float:
        return self.frame.width

    @property
    def at_top(self) -> bool:
        return self.y >= self.frame.top - 0.01

    def new_page(self) -> None:
        self.pages.append([])
        self.frame = self.later
        self.y = self.later.top

    def need(self, height: float) -> None:
        if self.y - height < self.frame.bottom - 0.01 and not self.at_top:
            self.new_page()

    def skip(self, height: float) -> None:
        """Vertical space; swallowed at the top of a page."""
        if not self.at_top:
            self.y -= height
            if self.y < self.frame.bottom:
                self.new_page()

    def finish(self) -> list[list[Op]]:
        """The pages, without empty pages at the end (a trailing page break prints nothing)."""
        pages = list(self.pages)
        while len(pages) > 1 and not pages[-1]:
            pages.pop()
        return pages

    def add(self, ops: Iterable[Op]) -> None:
        self.pages[-1].extend(ops)

    # text

    def lines(
        self,
        lines: list[list[Segment]],
        style: Style,
        indent: float = 0.0,
        label: str = "",
        label_indent: float = 0.0,
    ) -> None:
        """The lines from ``indent``; ``label`` ("1.1", "•") left of the first one."""
        x = self.left + indent
        for i, line in enumerate(lines):
            self.need(style.leading)
            y = baseline(self.y, style)
            if i == 0 and label:
                x_label = self.left + label_indent
                self.add([("t", x_label, y, style.font, style.size, style.color, label)])
            self.add(text_ops(line, x, y, style))
            self.y -= style.leading

    def paragraph(
        self,
        text: str,
        style: Style = BODY,
        indent: float = 0.0,
        label: str = "",
        label_indent: float = 0.0,
        keep_with_next: float = 0.0,
    ) -> None:
        if style.space_before:
            self.skip(style.space_before)
        lines = wrap_text(text, self.width - indent, style)
        while (split := self._split_at(len(lines), style.leading, keep_with_next)) is not None:
            self.lines(lines[:split], style, indent, label, label_indent)
            self.new_page()
            lines, label = lines[split:], ""
        self.lines(lines, style, indent, label, label_indent)
        self.y -= style.space_after

    def _split_at(self, n: int, leading: float, keep_with_next: float) -> int | None:
        """Where a paragraph of ``n`` lines breaks to the next page, or None (it fits, or
        moves whole: a new page is started here). Short paragraphs (up to KEEP_LINES lines)
        keep together; a longer one leaves at least two lines on each page (no orphan or
        widow line), and ``keep_with_next`` room below its last line on the same page."""
        room = self.y - self.frame.bottom + 0.01
        if n * leading + keep_with_next <= room:
            return None
        fit = int(room // leading)
        if self.at_top:  # a new page would not help: break where the rules allow
            k = min(fit, n - 2)
            return k if k >= 2 else None
        if n <= KEEP_LINES or fit < 2:
            self.new_page()
            return None
        k = min(fit, n - 2)  # with keep_with_next: the last two lines go with what follows
        if k < 2:
            self.new_page()
            return None
        return k


# --- blocks -------------------------------------------------------------------------------


def layout_blocks(flow: Flow, blocks: Iterable[Block]) -> None:
    for block in blocks:
        _LAYOUT[type(block)](flow, block)


def _heading(flow: Flow, block: Heading) -> None:
    style = H1 if block.level <= 1 else H2
    flow.paragraph(block.text, style, keep_with_next=2 * BODY.leading)


def _paragraph(flow: Flow, block: Paragraph) -> None:
    flow.paragraph(block.text, SMALL if block.small else BODY)


def _markdown(flow: Flow, block: Markdown) -> None:
    items = parse_markdown(block.text)
    # The last paragraph never stands alone on a page: the one before keeps it company.
    tail = 0.0
    if len(items) > 1 and items[-1].kind not in ("heading", "section"):
        # an estimate is enough here (and costs no wrapping): its width over the line's
        n = int(em_width(items[-1].text, REGULAR) * BODY.size / (flow.width - 3 * BULLET_STEP)) + 1
        if n <= KEEP_LINES:
            tail = n * BODY.leading + BODY.space_after
    for i, item in enumerate(items):
        last = i == len(items) - 1
        if i == len(items) - 2 and tail and item.kind not in ("heading", "section"):
            _markdown_item(flow, item, last, tail)
            continue
        if item.kind == "heading":
            flow.paragraph(
                item.text, H1 if item.depth == 0 else H2, keep_with_next=2 * BODY.leading
            )
        elif item.kind == "section":
            flow.paragraph(f"{item.label} {item.text}", H2, keep_with_next=2 * BODY.leading)
        elif item.kind == "number":
            indent = NUMBER_INDENT[min(item.depth, len(NUMBER_INDENT) - 1)]
            flow.paragraph(item.text, BODY if last else NUMBERED_ITEM, indent, item.label)
        elif item.kind == "bullet":
            flow.paragraph(
                item.text,
                BODY if last else BULLET_ITEM,
                (item.depth + 1) * BULLET_STEP,
                "•",
                label_indent=item.depth * BULLET_STEP,
            )
        else:
            flow.paragraph(item.text)


def _markdown_item(flow: Flow, item, last: bool, keep_with_next: float) -> None:
    """A numbered item, a bullet or a paragraph, kept with ``keep_with_next`` below it."""
    if item.kind == "number":
        indent = NUMBER_INDENT[min(item.depth, len(NUMBER_INDENT) - 1)]
        style = BODY if last else NUMBERED_ITEM
        flow.paragraph(item.text, style, indent, item.label, keep_with_next=keep_with_next)
    elif item.kind == "bullet":
        flow.paragraph(
            item.text,
            BODY if last else BULLET_ITEM,
            (item.depth + 1) * BULLET_STEP,
            "•",
            label_indent=item.depth * BULLET_STEP,
            keep_with_next=keep_with_next,
        )
    else:
        flow.paragraph(item.text, keep_with_next=keep_with_next)


def _key_value(flow: Flow, block: KeyValueTable) -> None:
    style, pad, gap = BODY, 2.5, 4 * MM
    if block.key_width_mm is not None:
        key_w = block.key_width_mm * MM
    else:
        longest = max((em_width(k, REGULAR) * style.size for k, _ in block.rows), default=0)
        key_w = min(longest + gap, 0.4 * flow.width)
    key_style = Style(style.size, style.leading, color=GREY)
    for key, value in block.rows:
        klines = wrap(parse_inline(key), key_w - gap, style.size)
        vlines = wrap(parse_inline(value), flow.width - key_w, style.size)
        n = max(len(klines), len(vlines))
        flow.need(n * style.leading + 2 * pad)
        flow.y -= pad
        for i in range(n):
            flow.need(style.leading)
            y = baseline(flow.y, style)
            if i < len(klines):
                flow.add(text_ops(klines[i], flow.left, y, key_style))
            if i < len(vlines):
                flow.add(text_ops(vlines[i], flow.left + key_w, y, style))
            flow.y -= style.leading
        flow.y -= pad
        flow.add([("l", flow.left, flow.y, flow.left + flow.width, flow.y, 0.4, LIGHT)])
    flow.y -= style.space_after


def _data_table(flow: Flow, block: DataTable) -> None:
    style, pad = CELL, 2.0
    head = Style(CELL.size, CELL.leading, BOLD)
    rel = block.widths or (1.0,) * len(block.headers)
    widths = _column_widths(block, rel, flow.width, style.size, 2 * pad + 0.5)
    xs = [flow.left + sum(widths[:i]) for i in range(len(widths))]

    def cells(row: tuple[str, ...], st: Style) -> list[list[list[Segment]]]:
        return [wrap_text(c, w - 2 * pad, st) for c, w in zip(row, widths, strict=True)]

    header = cells(block.headers, head)
    header_h = max(len(c) for c in header) * head.leading + 2 * pad

    def draw_row(row_cells: list[list[list[Segment]]], st: Style, shade: bool) -> None:
        h = max(len(c) for c in row_cells) * st.leading + 2 * pad
        if shade:
            flow.add([("r", flow.left, flow.y - h, flow.width, h, None, SHADE, 0)])
        top = flow.y - pad
        for x, lines in zip(xs, row_cells, strict=True):
            for i, line in enumerate(lines):
                y = baseline(top - i * st.leading, st)
                flow.add(text_ops(line, x + pad, y, st))
        flow.y -= h
        flow.add([("l", flow.left, flow.y, flow.left + flow.width, flow.y, 0.4, LIGHT)])

    flow.need(header_h + style.leading + 2 * pad)
    draw_row(header, head, True)
    for row in block.rows:
        body = cells(row, style)
        h = max(len(c) for c in body) * style.leading + 2 * pad
        if flow.y - h < flow.frame.bottom:
            flow.new_page()
            draw_row(header, head, True)  # the header again on every page
        draw_row(body, style, False)
    flow.y -= BODY.space_after


def _longest_word(text: str, font: str) -> float:
    """The widest unbreakable piece of a cell (a word, an ID, an e-mail address), in em."""
    return max((em_width(w, font) for w in text.replace("\n", " ").split(" ")), default=0.0)


def _column_widths(
    block: DataTable, rel: tuple[float, ...], total: float, size: float, pad: float
) -> list[float]:
    """The relative widths, widened where a column's longest word would not fit: a cell wraps
    at spaces only, so "Peamine kontakt", an ID or an e-mail address is never split. The
    room comes from the columns with room to spare (their words still fit)."""
    need = [
        max(
            [_longest_word(block.headers[i], BOLD)]
            + [_longest_word(row[i], REGULAR) for row in block.rows]
        )
        * size
        + pad
        for i in range(len(rel))
    ]
    widths = [total * w / sum(rel) for w in rel]
    for _ in range(len(widths)):
        short = [i for i, w in enumerate(widths) if w < need[i] - 0.01]
        if not short:
            break
        missing = sum(need[i] - widths[i] for i in short)
        spare = {i: widths[i] - need[i] for i in range(len(widths)) if i not in short}
        room = sum(v for v in spare.values() if v > 0)
        if room <= 0:
            break
        take = min(missing, room)
        for i in short:
            widths[i] += (need[i] - widths[i]) * take / missing
        for i, v in spare.items():
            if v > 0:
                widths[i] -= v * take / room
    return widths


def _columns(flow: Flow, n: int, gap: float) -> tuple[float, list[float]]:
    col_w = (flow.width - gap * (n - 1)) / n
    return col_w, [flow.left + i * (col_w + gap) for i in range(n)]


def _address_blocks(flow: Flow, block: AddressBlocks) -> None:
    per_row, gap = 3 if len(block.blocks) > 2 else 2, 8 * MM
    title = Style(8.5, 11, BOLD, GREY)
    for start in range(0, len(block.blocks), per_row):
        row = block.blocks[start : start + per_row]
        col_w, xs = _columns(flow, per_row, gap)
        laid = []
        for b in row:
            tl = wrap_text(b.title, col_w, title) if b.title else []
            body = [ln for text in b.lines for ln in wrap(parse_inline(text), col_w, BODY.size)]
            laid.append((tl, body))
        h = max(len(t) * title.leading + len(b) * BODY.leading for t, b in laid)
        flow.need(h)
        for x, (tl, body) in zip(xs, laid, strict=False):
            y = flow.y
            for line in tl:
                flow.add(text_ops(line, x, baseline(y, title), title))
                y -= title.leading
            for line in body:
                flow.add(text_ops(line, x, baseline(y, BODY), BODY))
                y -= BODY.leading
        flow.y -= h + BODY.space_after + 4


def _signature_lines(flow: Flow, block: SignatureLines) -> None:
    per_row, gap = min(max(len(block.labels), 2), 3), 10 * MM
    names = block.names + ("",) * (len(block.labels) - len(block.names))
    for start in range(0, len(block.labels), per_row):
        labels = block.labels[start : start + per_row]
        col_w, xs = _columns(flow, per_row, gap)
        line_gap = 16 * MM  # room to sign by hand
        h = line_gap + LABEL.leading * 2 + 6
        flow.need(h)
        y_line = flow.y - line_gap
        for x, label, name in zip(xs, labels, names[start : start + per_row], strict=False):
            flow.add([("l", x, y_line, x + col_w, y_line, 0.6, BLACK)])
            y = y_line - 2
            for line in wrap(parse_inline(label), col_w, LABEL.size):
                flow.add(text_ops(line, x, baseline(y, LABEL), LABEL))
                y -= LABEL.leading
            if name:
                for line in wrap(parse_inline(name), col_w, LABEL.size):
                    flow.add(text_ops(line, x, baseline(y, LABEL), Style(9, 11)))
                    y -= LABEL.leading
        flow.y -= h + BODY.space_after


def _image(flow: Flow, block: Image) -> None:
    w = min(block.width_mm * MM, flow.width)
    if isinstance(block.source, bytes):
        from io import BytesIO

        from reportlab.lib.utils import ImageReader

        iw, ih = ImageReader(BytesIO(block.source)).getSize()
        h = block.height_mm * MM if block.height_mm else w * ih / iw
        op_for = lambda x, y: ("i", x, y, w, h, block.source)  # noqa: E731
    else:
        drawing = block.source
        h = block.height_mm * MM if block.height_mm else w * drawing.height / drawing.width
        sx, sy = w / drawing.width, h / drawing.height
        op_for = lambda x, y: ("d", x, y, drawing, sx, sy)  # noqa: E731
    caption = wrap(parse_inline(block.caption), flow.width, LABEL.size) if block.caption else []
    flow.need(h + len(caption) * LABEL.leading)
    offset = {"left": 0.0, "center": (flow.width - w) / 2, "right": flow.width - w}[block.align]
    x = flow.left + offset
    flow.add([op_for(x, flow.y - h)])
    flow.y -= h + 2
    for line in caption:
        lx = x + (w - line_width(line, LABEL.size)) / 2 if block.align == "center" else x
        flow.add(text_ops(line, lx, baseline(flow.y, LABEL), LABEL))
        flow.y -= LABEL.leading
    flow.y -= BODY.space_after


def _boxed(flow: Flow, block: Boxed) -> None:
    pad, bar = 3 * MM, 1.2 * MM
    inner = flow.width - 2 * pad - bar
    title = wrap_text(block.title, inner, H2) if block.title else []
    body = wrap(parse_inline(block.text), inner, BODY.size)
    h = len(title) * H2.leading + len(body) * BODY.leading + 2 * pad
    flow.skip(4)
    if h > flow.frame.top - flow.frame.bottom:  # taller than a page: print it unframed
        if block.title:
            flow.paragraph(block.title, H2)
        flow.paragraph(block.text)
        return
    flow.need(h)
    top = flow.y
    flow.add(
        [
            ("r", flow.left, top - h, flow.width, h, None, SHADE, 0),
            ("r", flow.left, top - h, bar, h, None, GREY, 0),
        ]
    )
    y, x = top - pad, flow.left + bar + pad
    for line in title:
        flow.add(text_ops(line, x, baseline(y, H2), H2))
        y -= H2.leading
    for line in body:
        flow.add(text_ops(line, x, baseline(y, BODY), BODY))
        y -= BODY.leading
    flow.y = top - h - BODY.space_after - 4


def _spacer(flow: Flow, block: Spacer) -> None:
    flow.skip(block.height_mm * MM)


def _page_break(flow: Flow, block: PageBreak) -> None:
    if not flow.at_top:
        flow.new_page()


_LAYOUT = {
    Heading: _heading,
    Paragraph: _paragraph,
    Markdown: _markdown,
    KeyValueTable: _key_value,
    DataTable: _data_table,
    AddressBlocks: _address_blocks,
    SignatureLines: _signature_lines,
    Image: _image,
    Boxed: _boxed,
    Spacer: _spacer,
    PageBreak: _page_break,
}
