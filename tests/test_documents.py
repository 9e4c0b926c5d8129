"""The document engine, checked the way a person would: extracted text, fonts, positions."""

from __future__ import annotations

import ast
import hashlib
import io
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

import desktop.resources as resources
from desktop.documents import (
    FULL_NAME,
    SIGNATURE,
    AddressBlock,
    AddressBlocks,
    Boxed,
    Cancelled,
    DataTable,
    DocumentInfo,
    Heading,
    Image,
    KeyValueTable,
    Letterhead,
    LetterSpec,
    Markdown,
    PageBreak,
    Paragraph,
    ProviderIdentity,
    ReportSpec,
    SignatureLines,
    Spacer,
    TermsSpec,
    build_letter,
    build_letters,
    build_report,
    make_document_id,
    qr_drawing,
    render_terms,
    save_atomic,
    sha256_hex,
)
from desktop.documents.layout.styles import MM
from desktop.documents.layout.text import wrap
from desktop.documents.markup import parse_inline, parse_markdown
from desktop.documents.template import PAGE_H

REPO = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"
STANDARD_14 = {
    "Courier",
    "Courier-Bold",
    "Courier-Oblique",
    "Courier-BoldOblique",
    "Helvetica",
    "Helvetica-Bold",
    "Helvetica-Oblique",
    "Helvetica-BoldOblique",
    "Times-Roman",
    "Times-Bold",
    "Times-Italic",
    "Times-BoldItalic",
    "Symbol",
    "ZapfDingbats",
}

# Names with every letter the parents' notices must get right.
CHILD = "Đurđa Čučković-Šiškić"
GUARDIAN = "Žaneta Ćirić Đokić"
EE_CHILD = "Jüri Õunapuu-Ööbik"
EE_GUARDIAN = "Ülle Äärmaa"


def _png(width: int = 60, height: int = 30) -> bytes:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("RGB", (width, height), (20, 90, 160)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def school_si():
    return Letterhead(
        name="Osnovna šola Franceta Prešerna Kranj",
        address_lines=("Kidričeva cesta 49", "4000 Kranj"),
        country="SI",
        registry_code="5083362000",
        phone="+386 4 280 10 00",
        email="tajnistvo@os-kranj.si",
    )


@pytest.fixture
def school_ee():
    return Letterhead(
        name="Tartu Kivilinna Kool",
        address_lines=["Kivi 23", "50105 Tartu"],  # a list is fine: stored as a tuple
        country="EE",
        registry_code="75006546",
        email="kool@kivilinna.ee",
        logo=_png(),
    )


@pytest.fixture
def info():
    return DocumentInfo(
        "DOC-2026-000123", datetime(2026, 11, 22, 13, 5, tzinfo=UTC), "Maja Kovačič"
    )


def _letter(school, info, **changes) -> LetterSpec:
    spec = LetterSpec(
        school=school,
        info=info,
        language="sl",
        recipient=(GUARDIAN, "Ulica heroja Šaranoviča 12", "4000 Kranj"),
        subject="Potrdilo o odjavi naročnine",
        body=(
            Paragraph(f"Spoštovana gospa {GUARDIAN},"),
            Markdown(
                f"prejeli smo vašo odjavo za učenko **{CHILD}**.\n\n"
                "1. Odjava začne veljati naslednji dan po prejemu.\n"
                "2. Že plačani zneski se ne vračajo.\n\n"
                "- Obvestila po SMS prenehajo.\n"
                "- Brezplačna različica MINIMALNI ostane."
            ),
            SignatureLines(("Kraj in datum", "Podpis"), ("", GUARDIAN)),
        ),
        place="Kranj",
        reference="ODJ-42/2026",
    )
    return replace(spec, **changes) if changes else spec


def _texts(pdf: bytes) -> list[str]:
    """Text per page; no-break spaces read as spaces."""
    return [p.extract_text().replace(NBSP, " ") for p in PdfReader(io.BytesIO(pdf)).pages]


def _fonts(pdf: bytes) -> dict[str, object]:
    """Every font referenced by a page or by a form XObject (the letterhead), by base name."""
    found: dict[str, object] = {}

    def walk(resources_obj) -> None:
        if resources_obj is None:
            return
        res = resources_obj.get_object()
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
        for xobject in (res.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        walk(page.get("/Resources"))
    return found


def _assert_only_embedded_dejavu(pdf: bytes) -> None:
    fonts = _fonts(pdf)
    assert fonts, "no fonts found"
    for name, font in fonts.items():
        base = name.lstrip("/").split("+", 1)[-1]
        assert base not in STANDARD_14, f"standard-14 font used: {name}"
        assert base in {"DejaVuSans", "DejaVuSans-Bold"}, name
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"


# --- letters ------------------------------------------------------------------------------


def test_letter_prints_names_with_diacritics_exactly(school_si, info):
    pdf = build_letter(_letter(school_si, info))
    (text,) = _texts(pdf)
    for expected in (
        CHILD,
        GUARDIAN,
        "Ulica heroja Šaranoviča 12",
        "Osnovna šola Franceta Prešerna Kranj",
        "Potrdilo o odjavi naročnine",
        "Kranj, 22. 11. 2026",
        "Naša oznaka",
        "DOC-2026-000123",
        "Matična številka: 5083362000",
        "Pripravljeno 22. 11. 2026 14:05, Maja Kovačič",  # 13:05 UTC is 14:05 in Ljubljana
        "Stran 1 od 1",
        "Kraj in datum",
    ):
        assert expected in text, expected


def test_estonian_letter_with_logo(school_ee, info):
    spec = _letter(
        school_ee,
        info,
        language="et",
        recipient=(EE_GUARDIAN, "Õie 5-12", "50409 Tartu"),
        subject="Teade",
        body=(Paragraph(f"Lugupeetud {EE_GUARDIAN}! Õpilane {EE_CHILD} …"),),
        place="Tartu",
    )
    pdf = build_letter(spec)
    (text,) = _texts(pdf)
    for expected in (
        EE_GUARDIAN,
        EE_CHILD,
        "Tartu, 22.11.2026",
        "Lk 1/1",
        "Registrikood: 75006546",
    ):
        assert expected in text, expected
    assert "Koostatud 22.11.2026 15:05, Maja Kovačič" in text  # Tallinn is UTC+2 in November
    assert b"/Subtype /Image" in pdf
    _assert_only_embedded_dejavu(pdf)


def test_fonts_are_embedded_and_no_standard_font_is_used(school_si, info):
    spec = _letter(
        school_si,
        info,
        body=(
            Heading("Naslov"),
            Paragraph("Besedilo s **krepkim** delom."),
            KeyValueTable((("Učenec", CHILD),)),
            DataTable(("A", "B"), (("č", "ž"),)),
            AddressBlocks((AddressBlock("eŠola d.o.o.", ("Cerkvena ulica 11", "4290 Tržič")),)),
            Image(qr_drawing("https://www.easistent.com"), 25, caption="QR"),
            Image(_png(), 20, align="right"),
            Boxed("Pomembno", "Opozorilo"),
            SignatureLines(("Podpis",)),
        ),
    )
    pdf = build_letter(spec)
    _assert_only_embedded_dejavu(pdf)
    assert set(k.split("+")[-1] for k in _fonts(pdf)) == {"DejaVuSans", "DejaVuSans-Bold"}


def test_metadata_and_language(school_si, info):
    pdf = build_letter(_letter(school_si, info))
    reader = PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta.title == "Potrdilo o odjavi naročnine"
    assert meta.author == "Osnovna šola Franceta Prešerna Kranj"
    assert meta.subject == "Potrdilo o odjavi naročnine"
    assert meta["/Keywords"] == "DOC-2026-000123"
    assert meta["/Creator"].startswith("School Office")
    assert meta["/CreationDate"].startswith("D:20261122130500")
    assert reader.trailer["/Root"]["/Lang"] == "sl"


def test_same_spec_gives_the_same_bytes(school_si, info):
    first = build_letter(_letter(school_si, info))
    again = build_letter(_letter(school_si, info))
    assert first == again
    assert sha256_hex(first) == hashlib.sha256(first).hexdigest()
    other = build_letter(_letter(school_si, replace(info, document_id="DOC-2026-000124")))
    assert sha256_hex(other) != sha256_hex(first)


def _positions(pdf: bytes, page: int = 0) -> dict[str, tuple[float, float]]:
    """Text → (mm from the left edge, mm from the top edge) of its baseline start."""
    out: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            out.setdefault(text.strip(), (x / MM, (PAGE_H - y) / MM))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def test_recipient_sits_in_the_envelope_window(school_si, info):
    """DL/C5 window (DIN 680): 90 × 45 mm, 20 mm from the left; on the sheet 45–90 mm from top."""
    recipient = (GUARDIAN, "Ulica heroja Šaranoviča 12", "p. p. 15", "4202 Naklo", "Slovenija")
    pdf = build_letter(_letter(school_si, info, recipient=recipient))
    pos = _positions(pdf)
    for line in recipient:
        x, y = pos[line]
        assert 20 <= x <= 30, (line, x)
        assert 62.7 < y < 88, (line, y)  # below the return-address zone, inside the window
    x, y = pos["Osnovna šola Franceta Prešerna Kranj, Kidričeva cesta 49, 4000 Kranj"]
    assert 45 < y < 62.7  # the return address in the window's top zone
    x, y = pos["Potrdilo o odjavi naročnine"]
    assert y > 98  # the subject starts below the window


def test_too_many_recipient_lines_are_refused(school_si, info):
    with pytest.raises(ValueError, match="window"):
        _letter(school_si, info, recipient=tuple(f"line {i}" for i in range(7)))


def _long_body(paragraphs: int) -> tuple:
    text = "Dolgo besedilo obvestila za starše, ki se razteza čez več vrstic in strani. " * 12
    return tuple(Paragraph(text) for _ in range(paragraphs))


def test_batch_numbers_pages_per_letter_and_reports_progress(school_si, info):
    specs = [
        _letter(school_si, info, body=_long_body(8)),  # two pages
        _letter(school_si, info, recipient=("Ana Novak", "Cesta 1", "1000 Ljubljana")),
        _letter(school_si, info, body=_long_body(8)),  # two pages
    ]
    calls = []
    pdf = build_letters(specs, progress=lambda i, n: calls.append((i, n)))
    pages = _texts(pdf)
    footers = [next(s for s in ("1 od 2", "2 od 2", "1 od 1") if f"Stran {s}" in t) for t in pages]
    assert footers == ["1 od 2", "2 od 2", "1 od 1", "1 od 2", "2 od 2"]
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert "Ana Novak" in pages[2]
    outline = PdfReader(io.BytesIO(pdf)).outline
    assert [o.title for o in outline] == [f"1. {GUARDIAN}", "2. Ana Novak", f"3. {GUARDIAN}"]
    _assert_only_embedded_dejavu(pdf)


def test_cancel_half_way_raises_cancelled(school_si, info):
    specs = [_letter(school_si, info) for _ in range(10)]
    done = []
    with pytest.raises(Cancelled):
        build_letters(specs, progress=lambda i, n: done.append(i), cancel=lambda: len(done) >= 5)
    assert done == [1, 2, 3, 4, 5]


def test_empty_batch_is_refused():
    with pytest.raises(ValueError):
        build_letters([])


# --- reports and terms --------------------------------------------------------------------


def test_three_page_report_numbers_page_x_of_y(school_ee, info):
    rows = tuple(
        (f"{i:03d}", "SMS", f"Õpilane {EE_CHILD} sai hinde", "saadetud") for i in range(110)
    )
    spec = ReportSpec(
        school=school_ee,
        info=info,
        language="en",
        title="Data access export",
        subtitle=f"Child: {EE_CHILD}",
        body=(
            KeyValueTable((("Guardian", EE_GUARDIAN), ("Period", "01.09.2026–22.11.2026"))),
            Heading("Messages"),
            DataTable(("No.", "Channel", "Text", "Status"), rows, (1, 1, 4, 1)),
        ),
    )
    pdf = build_report(spec)
    pages = _texts(pdf)
    assert len(pages) == 3
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of 3" in text
        assert "Document DOC-2026-000123" in text
        assert "No." in text  # the table header is repeated on every page
    assert "109" in pages[2]
    assert "Data access export" in pages[1]  # running title on continuation pages
    _assert_only_embedded_dejavu(pdf)


def test_page_break_and_spacer(school_si, info):
    spec = ReportSpec(
        school=school_si,
        info=info,
        language="sl",
        title="Poročilo",
        body=(
            Paragraph("ena"),
            Spacer(10),
            PageBreak(),
            Paragraph("dva"),
            PageBreak(),
            PageBreak(),
        ),
    )
    pages = _texts(build_report(spec))
    assert len(pages) == 2  # a page break at the top of a page adds no empty page
    assert "Stran 2 od 2" in pages[1]


def _terms(school, info, **changes) -> TermsSpec:
    spec = TermsSpec(
        school=school,
        info=info,
        language="sl",
        title="Splošni pogoji mojAsistent POPOLNI",
        version_label="2024-08",
        dated_on=date(2024, 8, 7),
        published_on=date(2024, 8, 7),
        effective_from=date(2024, 8, 22),
        effective_to=None,
        provider=ProviderIdentity(
            "eŠola d.o.o.",
            ("Cerkvena ulica 11", "4290 Tržič"),
            "6548320000",
            ("starsi@easistent.com",),
        ),
        text=(
            "1. Splošne določbe\n"
            "1.1 Za spore je pristojno stvarno pristojno sodišče po sedežu ponudnika.\n"
            "1.2 Ponudnik ne jamči za dostavo sporočil SMS.\n"
            "2. Plačila\n"
            "2.1 Cena velja za **šolsko leto**."
        ),
        free_alternative="Storitev ni obvezna: vse informacije so brezplačno dostopne drugače.",
    )
    return replace(spec, **changes) if changes else spec


def test_terms_show_version_dates_provider_and_free_alternative(school_si, info):
    pdf = render_terms(_terms(school_si, info))
    text = " ".join(_texts(pdf))
    for expected in (
        "Splošni pogoji mojAsistent POPOLNI",
        "Različica 2024-08",
        "Datum dokumenta 7. 8. 2024",
        "Objavljeno 7. 8. 2024",
        "Velja od 22. 8. 2024",
        "Velja do do uveljavitve nove različice",
        "Ponudnik storitve",
        "eŠola d.o.o.",
        "Cerkvena ulica 11",
        "4290 Tržič",
        "Matična številka: 6548320000",
        "Brezplačna možnost",
        "vse informacije so brezplačno dostopne",
        "1. Splošne določbe",
        "1.1",
        "Za spore je pristojno stvarno pristojno sodišče",
    ):
        assert expected in text, expected
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.subject == "Splošni pogoji mojAsistent POPOLNI, Različica 2024-08"
    _assert_only_embedded_dejavu(pdf)


def test_superseded_terms_show_their_end_date_in_estonian(school_ee, info):
    spec = _terms(
        school_ee,
        info,
        language="et",
        title="Harno Moodle kasutustingimused",
        effective_to=date(2025, 1, 31),
        free_alternative=None,
    )
    text = " ".join(_texts(render_terms(spec)))
    assert "Kehtib kuni 31.01.2025" in text
    assert "Kehtib alates 22.08.2024" in text
    assert "Tasuta võimalus" not in text


def test_terms_render_fast_enough(school_si, info):
    import time

    render_terms(_terms(school_si, info))  # fonts registered, caches warm
    started = time.perf_counter()
    render_terms(_terms(school_si, info))
    assert time.perf_counter() - started < 1.0  # target 0.3 s (bench/); generous for CI


# --- building blocks ----------------------------------------------------------------------


def test_long_words_and_no_break_spaces_wrap_inside_the_line():
    width, size = 80 * MM, 10
    word = "Najdaljšabesedavslovenščiniželezniškogospodarskegaministrstvainšeinše" * 2
    for line in wrap([(word, False)], width, size):
        x, font, text = line[-1]
        from desktop.documents.fonts import text_width

        assert x + text_width(text, font, size) <= width + 0.01
    date_text = f"velja od 22.{NBSP}11.{NBSP}2026 dalje"
    lines = wrap([(date_text * 3, False)], 60 * MM, size)
    joined = ["".join(seg[2] for seg in line) for line in lines]
    assert all(f"22.{NBSP}11.{NBSP}2026" in "".join(joined) for _ in [0])
    assert not any(line.endswith(("22.", "11.")) for line in joined)


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs poppler-utils and zbar-tools",
)
def test_qr_code_scans_back_from_the_printed_page(tmp_path, school_si, info):
    url = "https://www.easistent.com/starsi?koda=ŠČŽ-123456"
    spec = _letter(school_si, info, body=(Image(qr_drawing(url), 30, align="center"),))
    pdf_path = tmp_path / "qr.pdf"
    pdf_path.write_bytes(build_letter(spec))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(pdf_path), str(tmp_path / "page")], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, check=True)
    assert scanned.stdout.decode("utf-8").strip() == url


def test_inline_bold_and_markdown_items():
    assert parse_inline("a **b** c") == [("a ", False), ("b", True), (" c", False)]
    assert parse_inline("unpaired ** marker") == [("unpaired ** marker", False)]
    items = parse_markdown(
        "1. Splošno\n1.1 Besedilo,\nki se nadaljuje.\n\n- točka\n  - podtočka\n\n1. a\n2. b"
    )
    kinds = [(i.kind, i.label, i.depth) for i in items]
    assert kinds == [
        ("section", "1.", 0),
        ("number", "1.1", 1),
        ("bullet", "•", 0),
        ("bullet", "•", 1),
        ("number", "1.", 0),  # a plain numbered list stays a list
        ("number", "2.", 0),
    ]
    assert items[1].text == "Besedilo, ki se nadaljuje."


def test_signature_labels_are_translatable(school_si, info):
    from desktop.i18n import translator

    tr = translator("sl")
    spec = _letter(
        school_si, info, body=(SignatureLines((tr.gettext(SIGNATURE), tr.gettext(FULL_NAME))),)
    )
    (text,) = _texts(build_letter(spec))
    assert "Podpis" in text and "Ime in priimek" in text


def test_make_document_id():
    assert make_document_id(2026, 123) == "DOC-2026-000123"
    with pytest.raises(ValueError):
        make_document_id(2026, 0)
    with pytest.raises(ValueError):
        DocumentInfo(" ", datetime(2026, 1, 1, tzinfo=UTC), "x")


def test_save_atomic_leaves_no_temporary_files(tmp_path, school_si, info):
    pdf = build_letter(_letter(school_si, info))
    target = save_atomic(pdf, tmp_path / "letter.pdf")
    assert target.read_bytes() == pdf
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]


# --- resources and layering ---------------------------------------------------------------


def test_resource_path_finds_the_fonts_and_fails_loudly():
    assert resources.resource_path("fonts", "DejaVuSans.ttf").is_file()
    assert resources.resource_path("fonts", "LICENSE.txt").is_file()
    with pytest.raises(FileNotFoundError):
        resources.resource_path("fonts", "NoSuchFont.ttf")


def test_resource_path_prefers_a_pyinstaller_bundle(tmp_path, monkeypatch):
    (tmp_path / "resources" / "fonts").mkdir(parents=True)
    (tmp_path / "resources" / "fonts" / "x.ttf").write_bytes(b"")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    resources.resources_root.cache_clear()
    try:
        assert (
            resources.resource_path("fonts", "x.ttf") == tmp_path / "resources" / "fonts" / "x.ttf"
        )
    finally:
        monkeypatch.undo()
        resources.resources_root.cache_clear()


def test_documents_and_i18n_import_no_qt_and_no_sql():
    for folder in ("documents", "i18n"):
        for path in (REPO / "desktop" / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    root = name.split(".")[0]
                    assert root not in {"PySide6", "shiboken6", "sqlalchemy", "alembic"}, path
                    assert not name.startswith(("desktop.db", "desktop.ui", "desktop.services")), (
                        path
                    )


def test_importing_documents_does_not_import_reportlab():
    code = "import sys, desktop.documents; assert 'reportlab' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
