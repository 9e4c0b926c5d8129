"""R15/R48: from the moment a restriction or an adult student's prohibition is recorded, no
document of ANY kind registered in desktop.documents.kinds reaches that guardian; only the
notices that tell them contact stops (D7, D8) go out, with the minimum the rules allow."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from desktop.db.models import GeneratedDocument
from desktop.documents import LetterSpec, Paragraph, build_letter
from desktop.documents.kinds import DOCUMENT_KINDS, document_kind, is_stop_notice
from desktop.domain.roster import RestrictionKind
from desktop.i18n import translator
from desktop.services.consent.prohibition import DataBlockedByStudent
from desktop.services.documents import DocumentRequest
from desktop.services.roster import ContactRestricted
from tests.consent_helpers import si_family

pytestmark = pytest.mark.db

GUARDIAN_KINDS = [k.key for k in DOCUMENT_KINDS if k.to_guardian and not k.stop_notice]
STOP_NOTICES = [k.key for k in DOCUMENT_KINDS if k.stop_notice]


def test_registry_covers_every_area_that_prints():
    """Kinds other areas print are registered here, so the test below enumerates them."""
    from desktop.services import terms

    assert document_kind(terms.KIND) is not None
    try:
        from desktop.services.billing_letters.notices import NOTICE_KINDS
    except ImportError:
        return
    for kind in set(NOTICE_KINDS.values()):
        assert document_kind(kind) is not None, kind
    assert {k.ref for k in DOCUMENT_KINDS if k.stop_notice} == {"D7", "D8"}
    assert is_stop_notice("restriction-notice") and not is_stop_notice("access-export")


def _build(services, request):
    def build(info):
        return build_letter(
            LetterSpec(
                school=services.documents.letterhead(),
                info=info,
                language=request.language,
                recipient=("Marko Novak",),
                subject=request.title,
                body=(Paragraph("…"),),
            )
        )

    return build


def _restrict(services, family, *, today):
    father = next(g for g in family.student.guardians if g.guardian_id == family.father_id)
    return services.roster.add_restriction(
        father.link_id,
        RestrictionKind.PROHIBITION,
        permanent=False,
        valid_from=today,
        valid_to=today + timedelta(days=365),
        authority="Okrožno sodišče v Ljubljani",
        reference="IV P 123/2026",
    )


@pytest.mark.parametrize("kind", GUARDIAN_KINDS)
def test_restricted_guardian_is_refused_every_kind(services_si, kind):
    family = si_family(services_si)
    today = services_si.school.require_school().today()
    _restrict(services_si, family, today=today)
    built = []
    request = DocumentRequest(kind, kind, "sl", family.student.id, family.father_id)
    with pytest.raises(ContactRestricted):
        services_si.documents.produce(request, lambda info: built.append(info) or b"")
    batch = [request, DocumentRequest(kind, kind, "sl", family.student.id, family.mother_id)]
    allowed, refused = services_si.documents.split_contactable(batch)
    assert [r.guardian_id for r in allowed] == [family.mother_id]
    assert [r.guardian_id for r, _ in refused] == [family.father_id]
    assert built == []  # nothing was even drawn
    with services_si.db.read() as session:
        assert session.scalar(select(GeneratedDocument.id)) is None


@pytest.mark.parametrize("kind", GUARDIAN_KINDS)
def test_adult_prohibition_refuses_every_kind_to_every_guardian(services_si, kind):
    family = si_family(services_si, code="0101006500006")  # 01.01.2006: of full age
    today = services_si.school.require_school().today()
    services_si.consent.register_prohibition(family.student.id, today, handwritten_signature=True)
    for guardian_id in (family.mother_id, family.father_id):
        request = DocumentRequest(kind, kind, "sl", family.student.id, guardian_id)
        with pytest.raises(DataBlockedByStudent):
            services_si.documents.produce(request, _build(services_si, request))


def test_stop_notices_still_reach_the_guardian(services_si):
    """D8 (R15, R101): to the restricted father; his child's contacts and the measure's
    details are not on it."""
    family = si_family(services_si)
    today = services_si.school.require_school().today()
    restriction = _restrict(services_si, family, today=today)
    produced = services_si.consent.print_restriction_notice(restriction.id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(produced.pdf)).pages)
    assert "Marko Novak" in text and "Žiga Novak" in text
    # The father's letters are in English (his language)
    assert "competent authority" in text
    for secret in ("Okrožno sodišče", "IV P 123/2026", "ana.novak@example.si", "Cankarjeva"):
        assert secret not in text
    assert "Trubarjeva 2" in text  # his own address, in the window
    view = {r.id: r for r in services_si.consent.restrictions()}[restriction.id]
    assert view.active and view.notices == produced.document_ids
    # every other kind is still refused to him
    with pytest.raises(ContactRestricted):
        services_si.documents.check_recipient(
            DocumentRequest("access-export", "x", "en", family.student.id, family.father_id)
        )


def test_d7_goes_to_each_guardian_with_the_reasons(services_si):
    family = si_family(services_si, code="0101006500006")
    received = services_si.school.require_school().today()
    prohibition = services_si.consent.register_prohibition(
        family.student.id, received, handwritten_signature=True, letter_reference="12/2026"
    )
    produced = services_si.consent.print_prohibition_notices(prohibition.id)
    assert len(produced.document_ids) == 2
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(produced.pdf)).pages]
    mother = next(p for p in pages if "Ana Novak" in p)
    father = next(p for p in pages if "Marko Novak" in p)
    assert "popolno poslovno sposobnost" in mother  # her letters are in Slovenian
    assert "full legal capacity" in father  # his letters are in English
    ends = translator("en").format_date(received + timedelta(days=1))
    assert ends.replace("\xa0", " ") in father.replace("\xa0", " ")  # R48 (b): the day after
    with services_si.db.read() as session:
        kinds = session.scalars(
            select(GeneratedDocument.guardian_id).where(
                GeneratedDocument.kind == "adult-prohibition-notice"
            )
        ).all()
    assert sorted(kinds) == sorted([family.mother_id, family.father_id])


def test_an_expired_temporary_restriction_lets_letters_through_again(services_si):
    family = si_family(services_si)
    today = services_si.school.require_school().today()
    father = next(g for g in family.student.guardians if g.guardian_id == family.father_id)
    services_si.roster.add_restriction(
        father.link_id,
        RestrictionKind.RESTRICTION,
        permanent=False,
        valid_from=date(2020, 1, 1),
        valid_to=today - timedelta(days=1),
        authority="CSD",
    )
    request = DocumentRequest("terms", "x", "sl", family.student.id, family.father_id)
    services_si.documents.check_recipient(request, today)
    with pytest.raises(ContactRestricted):
        services_si.documents.check_recipient(request, today - timedelta(days=1))
