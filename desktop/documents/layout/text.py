"""Text wrapping: inline runs → lines of positioned segments, and their drawing operations."""

from __future__ import annotations

import re
from collections.abc import Iterable

from desktop.documents.fonts import BOLD, REGULAR, em_width
from desktop.documents.layout.styles import Op, Segment, Style
from desktop.documents.markup import Run, parse_inline

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
