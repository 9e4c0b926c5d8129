"""Units, colours and the text styles of every document; the shapes of a drawing operation."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.documents.fonts import BOLD, REGULAR

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
