"""500 card faces to one A4 PDF (2 × 5 per sheet, cut marks), every card with its own photo.

    .venv/bin/python bench/bench_card_pdf.py [N]

Photos are generated first (450 × 600 JPEG, what a photo import stores) and are not timed.
Target: 500 faces in ≤ 3 s. Also timed: the same faces without photos (placeholders) and as
single CR80 pages. Writes bench/out/cards/cards.pdf.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.documents.cards import CardFace, build_card_sheets, build_single_cards
from desktop.documents.fonts import register_fonts
from desktop.domain.cards.numbering import CardNumber

FIRST = ("Mari-Liis", "Oliver", "Kärt", "Märten", "Õie", "Aleksander", "Säde", "Jüri")
LAST = ("Õunapuu", "Tamm", "Mänd", "Jõgi", "Sööt", "Tõnisson-Küttim", "Lõhmus", "Mägi")


def photos(n: int) -> list[bytes]:
    from PIL import Image, ImageDraw

    result = []
    for i in range(n):
        img = Image.new("RGB", (450, 600), (180 + i % 60, 160 + i % 80, 150))
        draw = ImageDraw.Draw(img)
        draw.ellipse((120, 80 + i % 30, 330, 330), fill=(230, 200, 180 - i % 50))
        draw.rectangle((60, 380, 390, 600), fill=(40, 60 + i % 100, 120))
        buf = BytesIO()
        img.save(buf, "JPEG", quality=88)
        result.append(buf.getvalue())
    return result


def faces(n: int, pictures: list[bytes] | None) -> list[CardFace]:
    return [
        CardFace(
            f"{FIRST[i % len(FIRST)]} {LAST[(i // 8) % len(LAST)]}",
            f"{1 + i % 12}.{'abc'[i % 3]}",
            "Tartu Kunstikool",
            date(2027, 8, 31),
            str(CardNumber("TK", i + 1)),
            pictures[i] if pictures else None,
        )
        for i in range(n)
    ]


def timed(fn) -> tuple[float, bytes]:
    start = time.perf_counter()
    pdf = fn()
    return time.perf_counter() - start, pdf


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    register_fonts()  # once per process in the app too; not part of a print run
    with_photos = faces(n, photos(n))
    plain = faces(n, None)
    sheets, pdf = timed(lambda: build_card_sheets(with_photos, language="et"))
    no_photos, _ = timed(lambda: build_card_sheets(plain, language="et"))
    single, _ = timed(lambda: build_single_cards(with_photos, language="et"))
    out = Path(__file__).with_name("out") / "cards"
    out.mkdir(parents=True, exist_ok=True)
    (out / "cards.pdf").write_bytes(pdf)
    print(f"{n} card faces, A4 sheets 2 × 5 (cut marks), DejaVu Sans embedded, Code 128")
    print(
        f"  with {n} distinct photos:  {sheets:6.3f} s  {sheets / n * 1e3:5.2f} ms/card  "
        f"{len(pdf) / 1e6:5.1f} MB"
    )
    print(f"  placeholders only:        {no_photos:6.3f} s  {no_photos / n * 1e3:5.2f} ms/card")
    print(f"  single CR80 pages:        {single:6.3f} s  {single / n * 1e3:5.2f} ms/card")
    print(f"  target ≤ 3 s for 500: {'met' if sheets / n * 500 <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
