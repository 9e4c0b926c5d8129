"""Draw the app icon: resources/icons/app.png (256 px) and app.ico (16–256 px) for Windows.

    python installer/make_icon.py

The outputs are committed; run this again only to change the design. A letter (the notices
that go home to parents) on a blue tile, with a green tick: clean at 16 px, where the lines of
text melt into a grey block and the tick still reads.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "icons"
SCALE = 4  # draw at 1024 px and scale down: Pillow's shapes have no anti-aliasing of their own
SIZE = 256 * SCALE
ICO_SIZES = [(n, n) for n in (16, 20, 24, 32, 40, 48, 64, 128, 256)]

BLUE = (37, 99, 171, 255)
BLUE_DARK = (24, 70, 128, 255)
PAPER = (255, 255, 255, 255)
FOLD = (214, 226, 240, 255)
TEXT = (150, 166, 186, 255)
GREEN = (46, 160, 90, 255)


def s(value: float) -> int:
    return round(value * SCALE)


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    # The tile, with a darker lower edge for a little depth.
    d.rounded_rectangle((s(8), s(12), s(248), s(250)), radius=s(44), fill=BLUE_DARK)
    d.rounded_rectangle((s(8), s(8), s(248), s(244)), radius=s(44), fill=BLUE)
    # The sheet of paper with a folded top-right corner.
    left, top, right, bottom, fold = s(62), s(40), s(194), s(214), s(38)
    d.polygon(
        [(left, top), (right - fold, top), (right, top + fold), (right, bottom), (left, bottom)],
        fill=PAPER,
    )
    d.polygon([(right - fold, top), (right - fold, top + fold), (right, top + fold)], fill=FOLD)
    # Lines of text: a heading and a paragraph.
    d.rounded_rectangle((s(80), s(70), s(140), s(82)), radius=s(6), fill=BLUE)
    for i, end in enumerate((176, 176, 176, 150)):
        y = s(100 + i * 20)
        d.rounded_rectangle((s(80), y, s(end), y + s(10)), radius=s(5), fill=TEXT)
    # The tick in a green disc over the bottom-right corner: "done, printed, in order".
    cx, cy, r = s(182), s(190), s(44)
    d.ellipse((cx - r - s(6), cy - r - s(6), cx + r + s(6), cy + r + s(6)), fill=BLUE)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=GREEN)
    d.line(
        [(cx - s(22), cy + s(1)), (cx - s(6), cy + s(17)), (cx + s(23), cy - s(16))],
        fill=PAPER,
        width=s(12),
        joint="curve",
    )
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw()
    png = big.resize((256, 256), Image.Resampling.LANCZOS)
    png.save(OUT / "app.png", optimize=True)
    # Each ICO size scaled from the large drawing, so 16 px is as sharp as Pillow can make it.
    png.save(OUT / "app.ico", sizes=ICO_SIZES)
    print(f"wrote {OUT / 'app.png'} and {OUT / 'app.ico'}")


if __name__ == "__main__":
    main()
