"""Card faces as PDF: CR80 size, A4 sheets of 2 × 5, fonts embedded, text, barcode decoded."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader

from desktop.documents.cards import (
    CARD_H,
    CARD_W,
    CardFace,
    build_card_sheets,
    build_single_cards,
)
from desktop.documents.layout.styles import MM
from desktop.domain.cards.numbering import CardNumber
from desktop.domain.errors import Cancelled

NAMES = [
    ("Mari-Liis Õunapuu", "5.b"),
    ("Aleksander-Johannes Tõnisson-Küttim", "12.a"),
    ("Žan Kovačič", "7.a"),
    ("Ülle-Riin Müürsepp", "1.c"),
    ("Đurđa Šarić", "3.b"),
]


def photo() -> bytes:
    buf = BytesIO()
    Image.new("RGB", (480, 640), (190, 160, 140)).save(buf, "JPEG")
    return buf.getvalue()


def faces(n: int) -> list[CardFace]:
    picture = photo()
    return [
        CardFace(
            NAMES[i % len(NAMES)][0],
            NAMES[i % len(NAMES)][1],
            "Tartu Kunstikool",
            date(2027, 8, 31),
            str(CardNumber("TK", i + 1)),
            picture if i % 2 else None,
        )
        for i in range(n)
    ]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def test_single_cards_are_cr80_pages():
    pdf = build_single_cards(faces(3), language="et")
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 3
    box = reader.pages[0].mediabox
    assert abs(float(box.width) / MM - 85.60) < 0.01
    assert abs(float(box.height) / MM - 53.98) < 0.01
    assert (float(box.width), float(box.height)) == pytest.approx((CARD_W, CARD_H), abs=1e-3)


def test_sheets_hold_ten_cards_each():
    pdf = build_card_sheets(faces(11), language="et")
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 2
    assert round(float(reader.pages[0].mediabox.width) / MM) == 210


def test_same_cards_same_bytes_and_text_is_there(tmp_path):
    first = build_card_sheets(faces(4), language="et")
    assert first == build_card_sheets(faces(4), language="et")  # no clock, no random id
    path = tmp_path / "cards.pdf"
    path.write_bytes(first)
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name, class_name in NAMES[:4]:
        assert name.split()[0] in text and class_name in text
    assert "31.08.2027" in text and "TK-00000001-8" in text and "Tartu Kunstikool" in text


def test_only_dejavu_is_used_and_embedded(tmp_path):
    path = tmp_path / "cards.pdf"
    path.write_bytes(build_single_cards(faces(2), language="sl"))
    fonts = subprocess.run(
        [tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all("DejaVuSans" in line and " yes " in line for line in fonts)


def test_barcodes_decode_to_the_card_numbers(tmp_path):
    zbarimg, pdftoppm = tool("zbarimg"), tool("pdftoppm")
    cards = faces(10)
    path = tmp_path / "sheet.pdf"
    path.write_bytes(build_card_sheets(cards, language="et"))
    subprocess.run([pdftoppm, "-png", "-r", "300", str(path), str(tmp_path / "page")], check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    found = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Scode128.enable", str(png)],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert sorted(found) == sorted(c.card_number for c in cards)


def test_progress_and_cancel():
    seen = []
    build_card_sheets(faces(3), language="en", progress=lambda i, n: seen.append((i, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(Cancelled):
        build_card_sheets(
            faces(30),
            language="en",
            cancel=lambda: len(seen) > 4,
            progress=lambda i, n: seen.append((i, n)),
        )


def test_no_cards_is_an_error():
    with pytest.raises(ValueError):
        build_single_cards([], language="et")
