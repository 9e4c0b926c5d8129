"""Blocks → drawing operations in a flow: headings, paragraphs, Markdown, tables, address
blocks, signature lines, images and boxes.
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop.documents.fonts import BOLD, REGULAR, em_width
from desktop.documents.layout.flow import Flow
from desktop.documents.layout.styles import (
    BLACK,
    BODY,
    BULLET_ITEM,
    BULLET_STEP,
    CELL,
    GREY,
    H1,
    H2,
    KEEP_LINES,
    LABEL,
    LIGHT,
    MM,
    NUMBER_INDENT,
    NUMBERED_ITEM,
    SHADE,
    SMALL,
    Segment,
    Style,
)
from desktop.documents.layout.text import baseline, line_width, text_ops, wrap, wrap_text
from desktop.documents.markup import parse_inline, parse_markdown
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
