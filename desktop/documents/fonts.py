"""DejaVu Sans, registered once per process, and fast text measurement.

Every document embeds DejaVu Sans (regular and bold) from ``resources/fonts`` so õ ä ö ü š ž č ć đ
print on any PC; none of the PDF standard-14 fonts is ever used for text.
"""

from __future__ import annotations

import threading

from desktop.resources import resource_path

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}

_lock = threading.Lock()
_registered = False
# Per font: (advance widths per code point in 1/1000 em, default width). Filled at registration.
_metrics: dict[str, tuple[dict[int, int], int]] = {}
# Word widths in em (size 1): letters in a batch repeat the same words, so this pays off fast.
_word_widths: dict[tuple[str, str], float] = {}
_WORD_CACHE_LIMIT = 100_000


def register_fonts() -> None:
    """Register both faces with reportlab (idempotent, thread-safe, ~20 ms the first time)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name, filename in FONT_FILES.items():
            font = TTFont(name, str(resource_path("fonts", filename)))
            pdfmetrics.registerFont(font)
            _metrics[name] = (font.face.charWidths, font.face.defaultWidth)
        pdfmetrics.registerFontFamily(
            REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
        )
        _registered = True


def em_width(text: str, font: str) -> float:
    """Width of ``text`` at size 1 (multiply by the font size). Cached per word."""
    key = (font, text)
    width = _word_widths.get(key)
    if width is None:
        if not _registered:
            register_fonts()
        widths, default = _metrics[font]
        get = widths.get
        width = 0.001 * sum([get(ord(ch), default) for ch in text])
        if len(_word_widths) >= _WORD_CACHE_LIMIT:
            _word_widths.clear()
        _word_widths[key] = width
    return width


def text_width(text: str, font: str, size: float) -> float:
    return em_width(text, font) * size
