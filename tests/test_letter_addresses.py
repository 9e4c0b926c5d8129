"""Issue 12, items 5 and 6: addresses on letters, the pre-flight list of a batch, and the class
batch of terms (D1) that can be handed out: every copy names its recipient, and no page holds a
lone line (a telephone number never splits across pages)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from desktop.documents.builders import build_letter
from desktop.documents.fonts import REGULAR, em_width
from desktop.documents.layout.blocks import layout_blocks
from desktop.documents.layout.flow import Flow, Frame
from desktop.documents.layout.styles import BODY
from desktop.documents.layout.text import wrap_text
from desktop.documents.model import (
    DocumentInfo,
    Letterhead,
    LetterSpec,
    Markdown,
    Paragraph,
)
from desktop.documents.template import ADDRESS_TEXT_WIDTH, return_lines
from desktop.domain.addresses import (
    NO_NAME,
    Recipient,
    country_line,
    has_postal_address,
    postal_lines,
    preflight,
)
from desktop.domain.roster import Country, Relation, RestrictionKind
from desktop.i18n import translator
from desktop.services.documents import DocumentRequest
from desktop.services.roster import GuardianInput, StudentInput

INFO = DocumentInfo("DOC-2026-000001", datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "")
LONG_NAME = (
    "Osnovna šola dr. France Prešerna Ribnica, podružnična šola Sveti Gregor "
    "in enota vrtca Ribniški palčki pri Osnovni šoli"
)


def _school(name: str = "Osnovna šola Kranj") -> Letterhead:
    return Letterhead(name, ("Šolska ulica 3", "1310 Ribnica"), "SI")


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# --- the country line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "FINLAND"), ("et", "SOOME"), ("sl", "FINSKA")]
)
def test_an_address_abroad_ends_with_the_country_in_capitals(language, expected):
    tr = translator(language)
    lines = postal_lines(tr, "Katja Kovačič", "Mannerheimintie 5", "00100", "Helsinki", "fi", "SI")
    assert lines == ("Katja Kovačič", "Mannerheimintie 5", "00100 Helsinki", expected)


def test_an_address_at_home_gets_no_country_line():
    tr = translator("sl")
    assert country_line(tr, "SI", "SI") == "" and country_line(tr, "", "SI") == ""
    assert postal_lines(tr, "Ana Novak", "Cesta 1", "1000", "Ljubljana", "SI", "SI") == (
        "Ana Novak",
        "Cesta 1",
        "1000 Ljubljana",
    )
    # no address at all: no lone country line under the name either
    assert postal_lines(tr, "Ana Novak", "", "", "", "FI", "SI") == ("Ana Novak",)
    assert not has_postal_address("", "1000", "Ljubljana")
    assert has_postal_address("Cesta 1", "", "Ljubljana")


def test_the_window_shows_the_country_line():
    tr = translator("et")
    recipient = postal_lines(
        tr, "Mari Maasikas", "Aleksanterinkatu 1", "00100", "Helsinki", "FI", "EE"
    )
    spec = LetterSpec(
        school=_school(),
        info=INFO,
        language="et",
        recipient=recipient,
        subject="Teade",
        body=(Paragraph("Tere!"),),
    )
    assert "SOOME" in _text(build_letter(spec))[0]


# --- the return line ------------------------------------------------------------------------


def test_a_long_school_name_keeps_the_street_and_town_in_the_return_line():
    texts, size = return_lines(_school(LONG_NAME))
    assert texts[-1] == "Šolska ulica 3, 1310 Ribnica"  # whole, never cut
    assert " ".join(t.strip() for t in texts[:-1]) == LONG_NAME  # the name whole, wrapped
    assert not any("…" in t for t in texts) and size >= 5
    assert all(em_width(t, REGULAR) * size <= ADDRESS_TEXT_WIDTH + 0.01 for t in texts)
    spec = LetterSpec(
        school=_school(LONG_NAME),
        info=INFO,
        language="sl",
        recipient=("Ana Novak", "Cesta 1", "1000 Ljubljana"),
        subject="Obvestilo",
        body=(Paragraph("Pozdravljeni,"),),
    )
    page = " ".join(_text(build_letter(spec))[0].split())
    assert "Šolska ulica 3, 1310 Ribnica" in page


def test_a_short_school_name_keeps_one_return_line():
    texts, _size = return_lines(_school())
    assert texts == ("Osnovna šola Kranj, Šolska ulica 3, 1310 Ribnica",)


# --- keeping text together ------------------------------------------------------------------


def test_a_telephone_number_never_splits_across_lines():
    text = "Harno asukoht ja kontaktid: Lõõtsa 4, 11415 Tallinn, telefon +372 735 0500, e-post."
    for width in range(120, 420, 3):
        for line in wrap_text(text, width, BODY):
            joined = "".join(t for _x, _f, t in line).strip()
            assert not joined.startswith(("735", "0500")), (width, joined)


def _pages(flow_blocks, frame_height: float) -> list[list[str]]:
    frame = Frame(0, 300, frame_height, 0)
    flow = Flow(frame, frame)
    layout_blocks(flow, flow_blocks)
    return [[op[6] for op in page if op[0] == "t"] for page in flow.finish()]


@pytest.mark.parametrize("height", [h * 1.0 for h in range(60, 400, 7)])
def test_no_page_holds_a_single_line_of_a_paragraph(height):
    words = " ".join(f"word{i}" for i in range(60))
    text = "\n\n".join([words, "short one", words, "Kontakt: telefon 735 0500, e-post x@y.ee."])
    pages = _pages([Markdown(text)], height)
    for page in pages:
        assert len(page) != 1 or len(pages) == 1, pages


# --- the pre-flight list --------------------------------------------------------------------


def test_preflight_gives_one_reason_for_each_recipient_left_out():
    recipients = [
        Recipient("ok", "Ana Novak", "Sara Novak"),
        Recipient("nameless", "  ", "Sara Novak"),
        Recipient("no-address", "Marko Novak", "Sara Novak", has_address=False),
        Recipient("restricted", "Eva Kranjc", "Tim Kranjc", restricted=True),
        Recipient("adult", "Jana Hribar", "Luka Hribar", adult_prohibition=True),
        Recipient("other", "Iva Zupan", "Nik Zupan", refusal="other check said no"),
    ]
    found = dict(preflight(recipients))
    assert list(found) == ["nameless", "no-address", "restricted", "adult", "other"]
    assert found["nameless"] == NO_NAME
    assert "Marko Novak has no postal address" in found["no-address"]
    assert "Eva Kranjc may not receive anything about Tim Kranjc" in found["restricted"]
    assert "the adult student" in found["adult"]
    # handed out at school (D1 class terms): no postal address needed
    assert "no-address" not in dict(preflight(recipients, postal=False))
    # every reason is translated in the recipient's language
    sl = translator("sl")
    assert sl.gettext(found["no-address"]) != found["no-address"]


@pytest.mark.db
def test_the_service_preflight_names_the_guardian_without_an_address(services_si):
    s = services_si
    student = s.roster.create_student(
        StudentInput("Sara", "Košir", "0101008505005", class_name="7.a")
    )
    student = s.roster.add_guardian(
        student.id,
        GuardianInput("Ana", "Košir", street="Cesta 1", postal_code="1000", city="Ljubljana"),
        Relation.MOTHER,
    )
    student = s.roster.add_guardian(student.id, GuardianInput("Marko", "Košir"), Relation.FATHER)
    student = s.roster.add_guardian(
        student.id,
        GuardianInput("Nika", "Košir", street="Ulica 2", postal_code="4000", city="Kranj"),
        Relation.OTHER,
    )
    nika = next(g for g in student.guardians if g.first_name == "Nika")
    s.roster.add_restriction(
        nika.link_id,
        RestrictionKind.PROHIBITION,
        permanent=True,
        valid_from=s.school.require_school().today() - timedelta(days=1),
        valid_to=None,
        authority="CSD Kranj",
    )
    requests = [
        DocumentRequest("offer-notice", "D11", "sl", student.id, g.guardian_id)
        for g in student.guardians
    ]
    allowed, refused = s.documents.split_contactable(requests, postal=True)
    reasons = [reason for _r, reason in refused]
    assert len(allowed) == 1 and len(refused) == 2
    assert any("Marko Košir has no postal address" in r for r in reasons)
    assert any("Nika Košir may not receive anything about Sara Košir" in r for r in reasons)
    # handed out at school: only the restriction counts
    assert len(s.documents.split_contactable(requests)[1]) == 1


# --- the class batch of terms (D1) ------------------------------------------------------------


@pytest.fixture
def demo_ee(services):
    from desktop.services.demo import DemoService

    DemoService(services.db, services.actor).fill(Country.EE, billing=False)
    return services


@pytest.mark.db
def test_the_class_batch_of_terms_names_every_recipient_and_leaves_no_lone_line(demo_ee):
    s = demo_ee
    key = s.terms.default_document_key()
    pairs = s.terms.recipients(class_name="1.a")
    requests = s.terms.requests_for(key, pairs)
    allowed, _refused = s.documents.split_contactable(requests)
    produced = s.terms.print_batch(key, allowed)
    reader = PdfReader(io.BytesIO(produced.pdf))
    names = s.terms._recipient_names(allowed)  # "guardian (child)" per copy
    # the copies, by their first pages (one outline entry each)
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    assert len(starts) == len(allowed)
    ends = [*starts[1:], len(reader.pages)]
    for request, start, end in zip(allowed, starts, ends, strict=True):
        first = " ".join(reader.pages[start].extract_text().split())
        label = names[(request.student_id, request.guardian_id)]
        guardian, _, child = label.partition(" (")
        assert guardian in first and child.rstrip(")") in first, (label, first[:300])
        assert "Kellele" in first or "Copy for" in first or "Izvod za" in first
        for number in range(start + 1, end):  # pages 2…n of the copy
            lines = [
                ln
                for ln in reader.pages[number].extract_text().splitlines()
                if ln.strip() and not _furniture(ln)
            ]
            assert len(lines) > 1, (label, number, lines)
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "735 0500" in text.replace("\u00a0", " ")


def _furniture(line: str) -> bool:
    """The continuation header and the footer of a page (not its text)."""
    return (
        line.startswith(("Dokument DOC-", "Document DOC-", "Lk ", "Page "))
        or "DOC-2026-" in line
        or line.strip() in ("Tartu Tähe Kool", "Harno Moodle kasutustingimused")
    )
