"""1,000 personalised one-page letters into one PDF: our engine vs the bare reportlab canvas.

    .venv/bin/python bench/bench_letters.py [--letters 1000] [--profile]

The floor draws the same text lines (wrapped with reportlab's simpleSplit) with the same
font, with drawString only: no layout, no letterhead form, no footer logic. Targets on the
2-core machine: ≤ 5 s (≥ 200 pages/s) for 1,000 letters, ≤ 0.3 s for a single terms PDF.
PDFs are written to bench/out/ for a look.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktop.documents import (  # noqa: E402
    DocumentInfo,
    KeyValueTable,
    Letterhead,
    LetterSpec,
    Markdown,
    Paragraph,
    ProviderIdentity,
    SignatureLines,
    TermsSpec,
    build_letters,
    make_document_id,
    render_terms,
)
from desktop.i18n import translator  # noqa: E402

OUT = REPO / "bench" / "out"

FIRST = ["Žiga", "Đurđa", "Ana", "Luka", "Špela", "Matic", "Nika", "Čedomir", "Tjaša", "Ćamil"]
LAST = ["Čučković", "Šiškić", "Novak", "Horvat", "Kovačič", "Žagar", "Đokić", "Krajnc", "Ćirić"]
STREETS = ["Ulica heroja Šaranoviča", "Cankarjeva cesta", "Prešernova ulica", "Žabji trg"]

SCHOOL = Letterhead(
    name="Osnovna šola Franceta Prešerna Kranj",
    address_lines=("Kidričeva cesta 49", "4000 Kranj"),
    country="SI",
    registry_code="5083362000",
    phone="+386 4 280 10 00",
    email="tajnistvo@os-kranj.si",
)
GENERATED = datetime(2026, 11, 22, 13, 5, tzinfo=UTC)
BODY_TEMPLATE = (
    "na šoli smo **{received}** prejeli vašo pisno odjavo naročnine mojAsistent POPOLNI za "
    "učenca **{child}**, {klass}. Odjava začne veljati naslednji dan po prejemu, to je "
    "**{effective}**. Od tega dne vam ne bomo več pošiljali obvestil po SMS.\n\n"
    "V skladu s splošnimi pogoji se že plačani zneski ne vračajo. Brezplačna različica "
    "mojAsistent MINIMALNI ostane za vašega otroka nespremenjena in dostopna prek spletne "
    "strani ali mobilne aplikacije. Za vprašanja smo vam na voljo v tajništvu šole v času "
    "uradnih ur ali po elektronski pošti."
)


def make_letters(n: int) -> list[tuple[LetterSpec, dict]]:
    tr = translator("sl")
    out = []
    for i in range(n):
        guardian = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        child = f"{FIRST[(i * 3 + 1) % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        fields = {
            "guardian": guardian,
            "child": child,
            "klass": f"{i % 9 + 1}. {'abc'[i % 3]}",
            "received": tr.format_date(date(2026, 11, 20)),
            "effective": tr.format_date(date(2026, 11, 21)),
            "street": f"{STREETS[i % len(STREETS)]} {i % 97 + 1}",
            "paid": tr.format_money(2990 + i % 7 * 100),
        }
        spec = LetterSpec(
            school=SCHOOL,
            info=DocumentInfo(make_document_id(2026, i + 1), GENERATED, "Maja Kovačič"),
            language="sl",
            recipient=(guardian, fields["street"], "4000 Kranj"),
            subject="Potrdilo o odjavi naročnine mojAsistent POPOLNI",
            body=(
                Paragraph(f"Spoštovani {guardian},"),
                Markdown(BODY_TEMPLATE.format(**fields)),
                KeyValueTable(
                    (
                        ("Učenec", f"{child}, {fields['klass']}"),
                        ("Prejeto", fields["received"]),
                        ("Velja od", fields["effective"]),
                        ("Plačano", fields["paid"]),
                    )
                ),
                Paragraph("Lep pozdrav,"),
                SignatureLines(("Kraj in datum", "Podpis"), ("", "Maja Kovačič, tajnica")),
            ),
            place="Kranj",
        )
        out.append((spec, fields))
    return out


def floor_canvas(letters: list[tuple[LetterSpec, dict]]) -> bytes:
    """The same words drawn with the bare canvas: the fastest this can possibly be."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    from desktop.documents.fonts import BOLD, REGULAR, register_fonts

    register_fonts()
    buf = BytesIO()
    c = Canvas(buf, pagesize=A4, initialFontName=REGULAR)
    h = A4[1]
    width = 165 * mm
    for spec, fields in letters:
        school = spec.school
        c.setFont(BOLD, 13)
        c.drawString(25 * mm, h - 16 * mm, school.name)
        c.setFont(REGULAR, 8.5)
        for j, line in enumerate([*school.address_lines, school.phone, school.email]):
            c.drawString(25 * mm, h - (22 + 4 * j) * mm, line)
        c.setFont(REGULAR, 10)
        for j, line in enumerate(spec.recipient):
            c.drawString(25 * mm, h - (67 + 4.3 * j) * mm, line)
        c.setFont(REGULAR, 9)
        c.drawString(125 * mm, h - 53 * mm, f"Kranj, {fields['received']}")
        c.drawString(125 * mm, h - 57 * mm, spec.info.document_id)
        c.setFont(BOLD, 11)
        y = h - 102 * mm
        c.drawString(25 * mm, y, spec.subject)
        c.setFont(REGULAR, 10)
        y -= 20
        text = BODY_TEMPLATE.format(**fields).replace("**", "")
        paragraphs = [f"Spoštovani {fields['guardian']},", *text.split("\n\n")]
        for para in paragraphs:
            for line in simpleSplit(para, REGULAR, 10, width):
                c.drawString(25 * mm, y, line)
                y -= 13.5
            y -= 6
        for key, value in (
            ("Učenec", fields["child"]),
            ("Prejeto", fields["received"]),
            ("Velja od", fields["effective"]),
            ("Plačano", fields["paid"]),
        ):
            c.drawString(25 * mm, y, key)
            c.drawString(50 * mm, y, value)
            y -= 18
        c.drawString(25 * mm, y, "Lep pozdrav,")
        c.drawString(25 * mm, y - 60, "Kraj in datum")
        c.drawString(110 * mm, y - 60, "Podpis")
        c.setFont(REGULAR, 7.5)
        c.drawString(25 * mm, 13 * mm, f"Dokument {spec.info.document_id} · Maja Kovačič")
        c.drawString(170 * mm, 13 * mm, "Stran 1 od 1")
        c.showPage()
    c.save()
    return buf.getvalue()


def timed(label: str, fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def terms_spec() -> TermsSpec:
    sections = "\n".join(
        f"{i}. Poglavje {i}\n"
        f"{i}.1 Ponudnik zagotavlja storitev v skladu s temi pogoji; uporabnik se odpoveduje "
        "odškodninskim zahtevkom, kolikor to dopušča zakon.\n"
        f"{i}.2 Ponudnik ne jamči za dostavo sporočil SMS in ne odgovarja za plačilni sistem."
        for i in range(1, 13)
    )
    return TermsSpec(
        school=SCHOOL,
        info=DocumentInfo("DOC-2026-000999", GENERATED, "Maja Kovačič"),
        language="sl",
        title="Splošni pogoji uporabe mojAsistent POPOLNI",
        version_label="2024-08",
        dated_on=date(2024, 8, 7),
        published_on=date(2024, 8, 7),
        effective_from=date(2024, 8, 22),
        effective_to=None,
        provider=ProviderIdentity(
            "eŠola d.o.o.", ("Cerkvena ulica 11", "4290 Tržič"), "6548320000"
        ),
        text=sections,
        free_alternative="Storitev ni obvezna; informacije so brezplačno dostopne tudi drugače.",
    )


def cold_terms_seconds() -> float:
    """A single terms PDF in a fresh process: imports, font registration and all."""
    code = (
        f"import time, sys; sys.path.insert(0, {str(REPO)!r}); t = time.perf_counter();"
        "from bench.bench_letters import terms_spec; from desktop.documents import render_terms;"
        "render_terms(terms_spec()); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the engine run")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    letters = make_letters(args.letters)
    specs = [spec for spec, _ in letters]
    floor_canvas(letters[:5])  # warm up: imports, font registration
    build_letters(specs[:5])

    floor, t_floor = timed("floor", floor_canvas, letters)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    engine, t_engine = timed("engine", build_letters, specs)
    if args.profile:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    (OUT / "letters.pdf").write_bytes(engine)
    (OUT / "letters-floor.pdf").write_bytes(floor)

    n = args.letters
    print(f"letters: {n} one-page letters into one PDF")
    for label, seconds, pdf in (
        ("bare canvas (floor)", t_floor, floor),
        ("engine", t_engine, engine),
    ):
        rate = n / seconds
        print(f"  {label:<19}: {seconds:6.2f} s  {rate:7.0f} pages/s  {len(pdf) / 1e6:5.1f} MB")
    print(f"  engine / floor     : {t_engine / t_floor:6.2f}x   (target: ≤ 5 s for 1,000)")

    _, t_terms = timed("terms", render_terms, terms_spec())
    pdf = render_terms(terms_spec())
    (OUT / "terms.pdf").write_bytes(pdf)
    print(
        f"terms: warm {t_terms * 1000:5.0f} ms, cold process {cold_terms_seconds() * 1000:5.0f} ms"
        "   (target: ≤ 300 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
