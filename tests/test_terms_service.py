"""Terms documents and versions (R49–R52, R55, R94): publishing, the version in force on a date,
immutability of a published version, printing (exact text, fonts, language fallback, the copy
of what a guardian accepted, restricted guardians), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desktop.db.models import TermsVersion
from desktop.db.models.terms import PublishedTermsImmutable
from desktop.documents.model import ProviderIdentity
from desktop.domain.errors import Cancelled, ConflictError, PermissionDenied, ValidationError
from desktop.domain.roles import Role
from desktop.domain.roster import Relation, RestrictionKind
from desktop.domain.terms import AmendmentRule
from desktop.services.demo_terms import seed_demo_terms
from desktop.services.roster import ContactRestricted, GuardianInput, StudentInput
from desktop.services.terms import (
    Acceptance,
    DraftInput,
    NoVersionInForce,
    TermsDocumentInput,
    UnknownTermsDocument,
)
from tests.conftest import make_services
from tests.test_documents import _assert_only_embedded_dejavu, _texts

pytestmark = pytest.mark.db

KEY = "SI-POPOLNI-TERMS"
ESOLA = ProviderIdentity(
    "eŠola d.o.o.", ("Cerkvena ulica 11", "4290 Tržič"), contact_lines=("starsi@easistent.com",)
)


def _flat(pdf: bytes) -> str:
    """The whole PDF's text with line breaks and repeated spaces folded into one space."""
    return re.sub(r"\s+", " ", " ".join(_texts(pdf)))


def _document(services, rule=AmendmentRule.PUBLISHED_PLUS_15, key=KEY, free=True):
    return services.terms.create_document(
        TermsDocumentInput(
            key,
            {"sl": "Splošni pogoji mojAsistent POPOLNI", "en": "mojAsistent POPOLNI terms"},
            ESOLA,
            free_alternative=free,
            amendment_rule=rule,
        )
    )


def _publish(services, key, label, published, stated=None, texts=None):
    draft = services.terms.draft_version(
        key,
        DraftInput(
            texts or {"sl": f"1. Splošno\n1.1 Besedilo različice {label}."}, published, label
        ),
    )
    return services.terms.publish(
        draft.id, draft.version, published_on=published, effective_from=stated
    )


@pytest.fixture
def popolni(services_si):
    """1.0 from 1 Mar 2025; 1.1 published 1 Oct 2025, so in force from 16 Oct (R50)."""
    _document(services_si)
    _publish(services_si, KEY, "1.0", date(2025, 3, 1))
    _publish(services_si, KEY, "1.1", date(2025, 10, 1))
    return services_si


# --- versions -----------------------------------------------------------------------------


def test_r50_amendment_takes_effect_15_days_after_publication(popolni):
    v10, v11 = popolni.terms.versions(KEY)
    assert (v10.effective_from, v10.effective_to) == (date(2025, 3, 1), date(2025, 10, 15))
    assert (v11.effective_from, v11.effective_to) == (date(2025, 10, 16), None)
    assert v11.tacit_acceptance and not v10.tacit_acceptance  # R51


@pytest.mark.parametrize(
    ("on", "label"),
    [
        (date(2025, 10, 15), "1.0"),  # the day before 1.1's effective date
        (date(2025, 10, 16), "1.1"),  # on it
        (date(2026, 1, 5), "1.1"),  # after it
        (date(2025, 3, 1), "1.0"),
    ],
)
def test_the_version_printed_as_of_a_date(popolni, on, label):
    printed = popolni.terms.print_in_force(KEY, on, "sl")
    assert printed.version.label == label
    text = _flat(printed.pdf)
    assert f"Različica {label}" in text
    assert f"Besedilo različice {label}." in text
    other = "1.1" if label == "1.0" else "1.0"
    assert f"Besedilo različice {other}." not in text
    if label == "1.0":
        assert "Velja do 15. 10. 2025" in text and "Velja od 1. 3. 2025" in text
    else:
        assert "Velja od 16. 10. 2025" in text


def test_nothing_in_force_before_the_first_version(popolni):
    with pytest.raises(NoVersionInForce) as info:
        popolni.terms.print_in_force(KEY, date(2025, 2, 28))
    assert "first version took effect on 2025-03-01" in str(info.value)
    with pytest.raises(UnknownTermsDocument, match="known: SI-POPOLNI-TERMS"):
        popolni.terms.print_in_force("SI-NOPE-TERMS")


def test_r50_refuses_another_effective_date(services_si):
    _document(services_si)
    _publish(services_si, KEY, "1.0", date(2025, 3, 1))
    draft = services_si.terms.draft_version(KEY, DraftInput({"sl": "2. Novo"}, date(2025, 10, 1)))
    assert draft.label == "1.1"
    with pytest.raises(ValidationError) as info:
        services_si.terms.publish(
            draft.id,
            draft.version,
            published_on=date(2025, 10, 1),
            effective_from=date(2025, 11, 1),
        )
    assert info.value.field == "effective_from" and "2025-10-16" in info.value.reason
    assert services_si.terms.versions(KEY)[0].effective_to is None  # nothing half-done


def test_r52_stated_date(services):
    key = "EE-MOODLE-TERMS"
    _document(services, AmendmentRule.STATED_DATE, key, free=False)
    v10 = _publish(services, key, "1.0", date(2025, 1, 10), date(2025, 2, 1))
    assert v10.effective_from == date(2025, 2, 1) and not v10.tacit_acceptance
    draft = services.terms.draft_version(key, DraftInput({"et": "1. Muudetud"}, date(2025, 6, 1)))
    with pytest.raises(ValidationError, match="the date the provider states"):  # R52
        services.terms.publish(draft.id, draft.version, published_on=date(2025, 6, 1))
    v11 = services.terms.publish(
        draft.id, draft.version, published_on=date(2025, 6, 1), effective_from=date(2025, 9, 1)
    )
    assert v11.effective_from == date(2025, 9, 1) and not v11.tacit_acceptance
    assert services.terms.version_by_label(key, "1.0").effective_to == date(2025, 8, 31)
    assert services.terms.version_in_force(key, date(2025, 8, 31)).label == "1.0"
    assert services.terms.version_in_force(key, date(2025, 9, 1)).label == "1.1"


def test_a_new_version_must_follow_the_last(services):
    key = "EE-MOODLE-TERMS"
    _document(services, AmendmentRule.STATED_DATE, key)
    _publish(services, key, "2.0", date(2025, 1, 10))
    older = services.terms.draft_version(key, DraftInput({"et": "x"}, date(2025, 2, 1), "1.5"))
    with pytest.raises(ValidationError, match=r"newer version than 2\.0"):
        services.terms.publish(
            older.id, older.version, published_on=date(2025, 2, 1), effective_from=date(2025, 3, 1)
        )
    early = services.terms.draft_version(key, DraftInput({"et": "y"}, date(2024, 12, 1), "2.1"))
    with pytest.raises(ValidationError, match=r"must be after 2\.0 took effect"):
        services.terms.publish(
            early.id,
            early.version,
            published_on=date(2025, 1, 10),
            effective_from=date(2025, 1, 10),
        )
    future = services.terms.draft_version(key, DraftInput({"et": "z"}, date(2025, 1, 1), "2.2"))
    with pytest.raises(ValidationError, match="once it happened"):
        services.terms.publish(
            future.id, future.version, published_on=services.school.get().today() + timedelta(1)
        )


# --- drafts and immutability ----------------------------------------------------------------


def test_drafts_change_and_their_hash_follows(services_si):
    _document(services_si)
    draft = services_si.terms.draft_version(KEY, DraftInput({"sl": "1. Prvo"}, date(2025, 1, 1)))
    changed = services_si.terms.update_draft(
        draft.id, draft.version, DraftInput({"sl": "1. Drugo", "en": "1. Second"}, date(2025, 1, 2))
    )
    assert changed.content_hash != draft.content_hash and changed.texts["en"] == "1. Second"
    with pytest.raises(ConflictError):  # someone saved in between
        services_si.terms.update_draft(
            draft.id, draft.version, DraftInput({"sl": "x"}, date(2025, 1, 3))
        )
    with pytest.raises(ValidationError, match="already exists"):
        services_si.terms.draft_version(KEY, DraftInput({"sl": "y"}, date(2025, 1, 1), "1.0"))
    services_si.terms.delete_draft(changed.id, changed.version)
    assert services_si.terms.versions(KEY) == []


def test_a_published_version_cannot_be_edited_or_deleted(popolni):
    v10 = popolni.terms.version_by_label(KEY, "1.0")
    with pytest.raises(PublishedTermsImmutable, match="make a new version instead"):
        popolni.terms.update_draft(v10.id, v10.version, DraftInput({"sl": "x"}, date(2025, 1, 1)))
    with pytest.raises(PublishedTermsImmutable):
        popolni.terms.delete_draft(v10.id, v10.version)
    with pytest.raises(PublishedTermsImmutable):
        popolni.terms.publish(v10.id, v10.version)
    # The row itself: through the ORM ...
    with pytest.raises(PublishedTermsImmutable), popolni.db.write("tester") as session:
        row = session.get(TermsVersion, v10.id)
        row.texts = {"sl": "1. Ponarejeno"}
        session.flush()
    with pytest.raises(PublishedTermsImmutable), popolni.db.write("tester") as session:
        session.delete(session.get(TermsVersion, v10.id))
        session.flush()
    # ... and in plain SQL, which the database refuses (triggers), whatever the client.
    for statement in (
        'UPDATE terms_version SET texts = \'{"sl": "x"}\' WHERE id = :id',
        "UPDATE terms_version SET effective_from = effective_to WHERE id = :id",
        "UPDATE terms_version SET effective_to = NULL WHERE id = :id",  # set once, when superseded
        "DELETE FROM terms_version WHERE id = :id",
    ):
        with pytest.raises(DBAPIError), popolni.db.engine.begin() as connection:
            connection.execute(text(statement), {"id": v10.id})
    assert popolni.terms.version(v10.id) == v10


def test_a_draft_row_can_still_change_in_sql(services_si):
    _document(services_si)
    draft = services_si.terms.draft_version(KEY, DraftInput({"sl": "1. Prvo"}, date(2025, 1, 1)))
    with services_si.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE terms_version SET label = '0.9' WHERE id = :id"), {"id": draft.id}
        )
    with services_si.db.read() as session:
        assert session.scalar(select(TermsVersion.label)) == "0.9"


def test_only_office_and_admin_record_terms(db):
    services = make_services(db)
    services.staff.add("bianca", "Bianca Billing", {Role.BILLING})
    billing = make_services(db, login="bianca")
    with pytest.raises(PermissionDenied):
        _document(billing)


# --- printing: real texts (R94), fonts, language ------------------------------------------


def test_real_slovenian_terms_print_exactly_with_embedded_fonts(services_si):
    assert seed_demo_terms(services_si.db, services_si.actor, "SI") == 3
    printed = services_si.terms.print_in_force(KEY, date(2025, 1, 1), "sl")
    assert printed.version.label == "1.0"
    _assert_only_embedded_dejavu(printed.pdf)
    text = _flat(printed.pdf)
    for expected in (
        "Splošni pogoji za uporabo storitve mojAsistent POPOLNI",
        "eŠola d.o.o.",
        "Cerkvena ulica 11",
        "4290 Tržič",
        # R55, printed because the document says so
        "Brezplačna možnost",
        "Z naročilom storitve plačate le strošek komunikacije, ne pa podatkov.",
        # R94: jurisdiction and the liability waivers
        "Za reševanje vseh sporov v zvezi s storitvijo je stvarno pristojno sodišče glede na "
        "sedež družbe eŠola.",
        "se odpovedujete uveljavljanju kakršnekoli odškodnine",
        "ne zagotavljajo absolutne zanesljivosti",
        "ne odgovarja za delovanje, morebitne napake oziroma težave z delovanjem ali "
        "nedelovanje storitve Bankart d.o.o., Ljubljana.",
        "ne prevzema nikakršne odgovornosti ali jamstva za izpolnjevanje obveznosti šole",
        "V Tržiču, dne 07.08.2024",
    ):
        assert expected in text, expected
    assert "7.5" not in text  # the demo amendment's clause is in 1.1 only
    assert "7.5 Šola, ki storitev omogoča" in _flat(
        services_si.terms.print_in_force(KEY, date(2025, 9, 2), "sl").pdf
    )


def test_real_estonian_terms_print_exactly(services):
    assert seed_demo_terms(services.db, services.actor, "EE") == 1
    printed = services.terms.print_in_force("EE-MOODLE-TERMS", date(2024, 1, 1))
    assert printed.language == "et"
    text = _flat(printed.pdf)
    for expected in (
        "Harno Moodle kasutustingimused",
        "Haridus- ja Noorteamet (Harno)",
        "Lõõtsa 4",
        "11415 Tallinn",
        "Kehtib alates 01.09.2023",
        "Teenuse kasutamine on kõikidele Asutustele põhimõttel „as is“",
        "Harno ei vastuta Asutuste ja Kasutajate poolt Moodlesse sisestatud andmete",
        "Harno ei vastuta Teenuse tõrgete eest, mis on põhjustatud Harno kontrolli alt väljas",
        "Kasutajatuge pakutakse e-posti moodle@tugi.edu.ee teel.",
        "Isikuandmete kaitse",
    ):
        assert expected in text, expected
    assert "Tasuta võimalus" not in text  # R55 is for the Slovenian paid service only
    _assert_only_embedded_dejavu(printed.pdf)


def test_a_missing_language_falls_back_and_says_so(popolni):
    text = _flat(popolni.terms.print_in_force(KEY, date(2026, 1, 5), "et").pdf)
    assert (
        "Tingimused ei ole soovitud keeles (eesti) saadaval. Allpool oleva teksti keel: sloveeni."
        in text
    )
    assert "Besedilo različice 1.1." in text  # the Slovenian text
    assert "Versioon 1.1" in text and "Tasuta võimalus" in text  # the page in Estonian
    english = _flat(popolni.terms.print_in_force(KEY, date(2026, 1, 5), "en").pdf)
    assert "not available in the requested language (English)" in english


def test_every_print_is_recorded(popolni):
    printed = popolni.terms.print_in_force(KEY, date(2026, 1, 5), "sl")
    assert printed.document_id.startswith("DOC-")
    with popolni.db.read() as session:
        from desktop.db.models import GeneratedDocument

        row = session.scalar(select(GeneratedDocument))
    assert (row.kind, row.language, row.sha256) == ("terms", "sl", printed.produced.sha256)
    assert row.title == "Splošni pogoji mojAsistent POPOLNI 1.1"


# --- what a guardian accepted; restricted guardians; batches -------------------------------


@pytest.fixture
def family(popolni):
    student = popolni.roster.create_student(
        StudentInput("Žiga", "Čučković", "0101008505005", class_name="7.a")
    )
    student = popolni.roster.add_guardian(
        student.id,
        GuardianInput("Špela", "Čučković", phone="+386 41 123 456", language="en"),
        Relation.MOTHER,
    )
    student = popolni.roster.add_guardian(
        student.id, GuardianInput("Đuro", "Čučković", phone="+386 41 123 457"), Relation.FATHER
    )
    return student


def test_print_the_exact_version_a_guardian_accepted(popolni, family):
    mother = family.guardians[0]
    accepted_at = datetime(2025, 5, 4, 22, 30, tzinfo=UTC)  # 5 May in Ljubljana
    popolni.terms.acceptance_lookup = lambda student_id, key: Acceptance(
        KEY, "1.0", accepted_at, mother.guardian_id, "Špela Čučković"
    )
    printed = popolni.terms.print_for_student(family.id)
    assert printed.version.label == "1.0" and printed.language == "en"  # her language
    text = _flat(printed.pdf)
    assert "Accepted by Špela Čučković" in text and "Accepted on 5 May 2025" in text
    [record] = popolni.documents.history(family.id)
    assert record.guardian_id == mother.guardian_id and record.kind == "terms"


def test_without_an_acceptance_the_current_version_is_printed(popolni, family):
    printed = popolni.terms.print_for_student(family.id)
    assert printed.version.label == "1.1"
    assert "Accepted by" not in _flat(printed.pdf)


def test_restricted_guardian_gets_nothing(popolni, family):
    father = family.guardians[1]
    today = popolni.school.require_school().today()
    popolni.roster.add_restriction(
        father.link_id,
        RestrictionKind.PROHIBITION,
        permanent=True,
        valid_from=today - timedelta(days=3),
        valid_to=None,
        authority="CSD Ljubljana",
    )
    popolni.terms.acceptance_lookup = lambda student_id, key: Acceptance(
        KEY, "1.1", datetime(2025, 11, 1, tzinfo=UTC), father.guardian_id, "Đuro Čučković"
    )
    with pytest.raises(ContactRestricted, match="Đuro Čučković"):
        popolni.terms.print_for_student(family.id)
    requests = popolni.terms.requests_for(KEY, popolni.terms.recipients([family.id]))
    allowed, refused = popolni.documents.split_contactable(requests)
    assert [r.guardian_id for r in allowed] == [family.guardians[0].guardian_id]
    assert "Đuro Čučković may not receive anything" in refused[0][1]
    assert popolni.documents.history(family.id) == []


def test_batch_of_terms_in_each_guardians_language(popolni, family):
    requests = popolni.terms.requests_for(KEY, popolni.terms.recipients(class_name="7.a"))
    assert [r.language for r in requests] == ["en", "sl"]
    produced = popolni.terms.print_batch(KEY, requests, date(2026, 1, 5))
    pages = _texts(produced.pdf)
    assert "mojAsistent POPOLNI terms" in pages[0]  # the English title
    assert any("Splošni pogoji mojAsistent POPOLNI" in page for page in pages)
    assert len(popolni.documents.history(family.id)) == 2

    calls: list[int] = []
    with pytest.raises(Cancelled):
        popolni.terms.print_batch(
            KEY, requests, progress=lambda i, n: calls.append(i), cancel=lambda: bool(calls)
        )
    assert len(popolni.documents.history(family.id)) == 2  # the cancelled batch left nothing
