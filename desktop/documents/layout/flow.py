"""The flow: frames filled top to bottom, a new page when the next piece does not fit, and
paragraphs split across pages by the widow and orphan rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.documents.layout.styles import BODY, KEEP_LINES, Op, Segment, Style
from desktop.documents.layout.text import baseline, text_ops, wrap_text


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
