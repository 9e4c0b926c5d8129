"""Producing documents: numbering, recording, language choice, contact restrictions, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop.documents import Cancelled, LetterSpec, Paragraph, build_letter, build_letters
from desktop.domain.roster import Relation, RestrictionKind
from desktop.services.documents import DocumentRequest
from desktop.services.roster import ContactRestricted, GuardianInput, StudentInput

pytestmark = pytest.mark.db


@pytest.fixture
def family(services):
    student = services.roster.create_student(
        StudentInput("Mari-Liis", "Õunapuu", "61205171232", class_name="5.b")
    )
    student = services.roster.add_guardian(
        student.id,
        GuardianInput("Kadri", "Õunapuu", phone="+372 5123 4567", language="sl"),
        Relation.MOTHER,
    )
    student = services.roster.add_guardian(
        student.id, GuardianInput("Tiit", "Õunapuu", phone="+372 5123 4568"), Relation.FATHER
    )
    return student


def _letter(services, request):
    def build(info):
        return build_letter(
            LetterSpec(
                school=services.documents.letterhead(),
                info=info,
                language=request.language,
                recipient=("Kadri Õunapuu", "Tähe 1", "50103 Tartu"),
                subject=request.title,
                body=(Paragraph("Tere!"),),
            )
        )

    return build


def test_a_document_is_numbered_and_recorded(services, family):
    mother = family.guardians[0]
    language = services.documents.language_for(guardian_id=mother.guardian_id)
    assert language == "sl"  # the guardian's language wins over the school's (et)
    request = DocumentRequest("test-letter", "Teade", language, family.id, mother.guardian_id)
    produced = services.documents.produce(request, _letter(services, request))
    assert produced.pdf.startswith(b"%PDF")
    [record] = services.documents.history(family.id)
    assert record.document_id == produced.document_ids[0]
    assert record.document_id.startswith("DOC-")
    assert record.sha256 == produced.sha256 and record.kind == "test-letter"
    assert record.generated_by == services.actor.display_name


def test_school_language_is_the_fallback(services, family):
    father = family.guardians[1]
    assert services.documents.language_for(guardian_id=father.guardian_id) == "et"


def test_restricted_guardian_is_refused_and_nothing_recorded(services, family):
    father = family.guardians[1]
    today = services.school.require_school().today()
    services.roster.add_restriction(
        father.link_id,
        RestrictionKind.RESTRICTION,
        permanent=True,
        valid_from=today - timedelta(days=1),
        valid_to=None,
        authority="Sotsiaalkindlustusamet",
    )
    request = DocumentRequest("test-letter", "Teade", "et", family.id, father.guardian_id)
    with pytest.raises(ContactRestricted):
        services.documents.produce(request, _letter(services, request))
    assert services.documents.history(family.id) == []
    allowed, refused = services.documents.split_contactable(
        [
            request,
            DocumentRequest(
                "test-letter", "Teade", "et", family.id, family.guardians[0].guardian_id
            ),
        ]
    )
    assert len(allowed) == 1 and refused[0][0] is request and "Tiit" in refused[0][1]


def test_cancelled_batch_records_nothing(services, family):
    mother = family.guardians[0]
    requests = [
        DocumentRequest("test-letter", f"Teade {i}", "et", family.id, mother.guardian_id)
        for i in range(5)
    ]

    def build(infos, progress, cancel):
        specs = [
            LetterSpec(
                school=services.documents.letterhead(),
                info=info,
                language="et",
                recipient=("Kadri Õunapuu",),
                subject="Teade",
                body=(Paragraph("Tere!"),),
            )
            for info in infos
        ]
        return build_letters(specs, progress, cancel)

    calls = []
    with pytest.raises(Cancelled):
        services.documents.produce_batch(
            requests, build, cancel=lambda: len(calls) > 2, progress=lambda i, n: calls.append(i)
        )
    assert services.documents.history(family.id) == []
    produced = services.documents.produce_batch(requests, build)
    assert len(produced.document_ids) == 5 == len(set(produced.document_ids))
    assert {r.batch for r in services.documents.history(family.id)} != {""}
