"""Terms decisions, age rules as data, re-acceptance after a major version, the adult student's
prohibition (R6, R41, R44–R48, R51, R55), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text, update

from desktop.db.models import TermsAcceptance
from desktop.domain.consent.terms import AcceptanceDecision as D
from desktop.domain.consent.terms import Channel, ConsentStatus, OnBehalfBasis
from desktop.domain.consent_workflow import PersonKind
from desktop.domain.errors import (
    ConflictError,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from desktop.domain.roles import Role
from desktop.domain.terms import AmendmentRule
from desktop.services.consent.prohibition import DataBlockedByStudent
from desktop.services.consent.recording import AcceptanceInput
from desktop.services.documents import DocumentRequest
from tests.consent_helpers import (
    accept_popolni,
    noon,
    popolni,
    si_family,
    staff,
    student_born,
    terms_document,
)

pytestmark = pytest.mark.db


@pytest.fixture
def moodle(services):
    """EE-MOODLE-TERMS: the student's own terms; 1.0 from 1 Jan 2020."""
    return terms_document(services, "EE-MOODLE-TERMS", [("1.0", date(2020, 1, 1), None)])


def _moodle_decision(services, student_id, on, **kw):
    version = services.consent.document("EE-MOODLE-TERMS").in_force(on)
    return services.consent.record(
        AcceptanceInput(
            version.id,
            student_id,
            kw.pop("decision", D.ACCEPTED),
            Channel.PORTAL,
            "et",
            decided_at=noon(on, "EE"),
            **kw,
        )
    )


# ---- R6 / R46: age on the day of the act, from the roster birth date -------------------------


@pytest.mark.parametrize(
    ("birth", "act", "allowed"),
    [
        pytest.param(date(2012, 5, 17), date(2025, 5, 16), False, id="day-before-13th-birthday"),
        pytest.param(date(2012, 5, 17), date(2025, 5, 17), True, id="on-13th-birthday"),
        pytest.param(date(2012, 2, 29), date(2025, 2, 28), False, id="29feb-not-on-28feb"),
        pytest.param(date(2012, 2, 29), date(2025, 3, 1), True, id="29feb-reaches-on-1mar"),
        pytest.param(date(2008, 2, 29), date(2021, 2, 28), False, id="29feb-2008-28feb-2021"),
        pytest.param(date(2008, 2, 29), date(2021, 3, 1), True, id="29feb-2008-1mar-2021"),
    ],
)
def test_moodle_account_needs_13_on_the_act_date(services, moodle, birth, act, allowed):
    student = student_born(services, birth)
    if allowed:
        entry = _moodle_decision(services, student.id, act)
        assert entry.age_basis == "age" and entry.person_kind is PersonKind.STUDENT
    else:
        with pytest.raises(ValidationError) as info:
            _moodle_decision(services, student.id, act)
        assert info.value.field == "birth_date" and "reached on" in info.value.reason


def test_under_13_with_guardian_consent_or_school_document(services, moodle):
    family = si_family(services, code="61205171232")  # EE isikukood: born 17.05.2012
    young = date(2024, 9, 2)
    entry = _moodle_decision(
        services,
        family.student.id,
        young,
        basis=OnBehalfBasis.LEGAL_REPRESENTATIVE,
        on_behalf_guardian_id=family.mother_id,
    )
    assert entry.age_basis == "guardian_consent"
    assert entry.given_by == "Ana Novak" and entry.on_behalf_guardian_id == family.mother_id
    other = student_born(services, date(2013, 1, 1))
    entry = _moodle_decision(services, other.id, young, school_document="Õppekorraldus §4")
    assert entry.age_basis == "school_document" and entry.age_basis_detail == "Õppekorraldus §4"


def test_age_rules_are_data(services, moodle):
    """A school that sets the Moodle age to 12 lets a 12-year-old through; nothing in code."""
    student = student_born(services, date(2012, 5, 17))
    with pytest.raises(ValidationError):
        _moodle_decision(services, student.id, date(2024, 6, 1))
    settings = services.consent.settings()
    rule = settings.age_rules["ee.moodle_account"].to_dict() | {"min_age": 12}
    services.consent.update_settings(settings.version, age_rules=[rule])
    assert _moodle_decision(services, student.id, date(2024, 6, 1)).age_basis == "age"
    with pytest.raises(ValidationErrors, match="min-age"):  # a typo is refused, not ignored
        services.consent.update_settings(1, age_rules=[rule | {"min-age": 3}])


def test_si_student_orders_alone_only_from_15(services_si):
    popolni(services_si)
    student = student_born(services_si, date(2010, 3, 10))
    version = services_si.consent.document("SI-POPOLNI-TERMS").versions[0]
    settings = services_si.consent.settings()
    audiences = {"SI-POPOLNI-TERMS": "STUDENT"}  # the school lets students order themselves
    services_si.consent.update_settings(settings.version, audiences=audiences)

    def order(on):
        return services_si.consent.record(
            AcceptanceInput(
                version.id,
                student.id,
                D.ACCEPTED,
                Channel.PORTAL,
                "sl",
                decided_at=noon(on),
                warranties=("data_correct", "contacts_own"),
                free_alternative_disclosed=True,
            )
        )

    with pytest.raises(ValidationError, match="2025-03-10"):
        order(date(2025, 3, 9))
    assert order(date(2025, 3, 10)).age_basis == "age"


# ---- R41, R55, append-only -------------------------------------------------------------------


def test_popolni_needs_free_alternative_and_warranties(services_si):
    popolni(services_si)
    family = si_family(services_si)
    version = services_si.consent.document("SI-POPOLNI-TERMS").versions[0]
    base = dict(guardian_id=family.mother_id, decided_at=noon(date(2024, 10, 1)))
    with pytest.raises(ValidationError) as info:
        services_si.consent.record(
            AcceptanceInput(
                version.id,
                family.student.id,
                D.ACCEPTED,
                Channel.LETTER,
                "sl",
                warranties=("data_correct", "contacts_own"),
                **base,
            )
        )
    assert info.value.field == "free_alternative_disclosed"
    with pytest.raises(ValidationError) as info:
        services_si.consent.record(
            AcceptanceInput(
                version.id,
                family.student.id,
                D.ACCEPTED,
                Channel.LETTER,
                "sl",
                free_alternative_disclosed=True,
                **base,
            )
        )
    assert info.value.field == "warranties"
    # Declining needs neither.
    entry = services_si.consent.record(
        AcceptanceInput(version.id, family.student.id, D.DECLINED, Channel.LETTER, "sl", **base)
    )
    assert entry.decision is D.DECLINED and entry.recorded_by == services_si.actor.login


def test_acceptance_records_are_append_only(services_si, db):
    popolni(services_si)
    family = si_family(services_si)
    entry = accept_popolni(services_si, family, family.mother_id, date(2024, 10, 1))
    with pytest.raises(PermissionError), db.write("tester") as session:
        session.get(TermsAcceptance, entry.id).decision = D.DECLINED
        session.flush()
    # Even plain SQL cannot change a decision: the database refuses.
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as connection:
        connection.execute(
            update(TermsAcceptance)
            .where(TermsAcceptance.id == entry.id)
            .values(decision="DECLINED")
        )
    with db.read() as session:
        assert session.scalar(select(TermsAcceptance.decision)) is D.ACCEPTED
    # A withdrawal is a new record; the acceptance stays on file.
    accept_popolni(services_si, family, family.mother_id, date(2024, 11, 1), decision=D.WITHDRAWN)
    history = services_si.consent.history(family.student.id)
    assert [e.decision for e in history] == [D.WITHDRAWN, D.ACCEPTED]
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM terms_acceptance")).scalar() == 2


def test_nothing_to_withdraw_is_refused(services_si):
    popolni(services_si)
    family = si_family(services_si)
    with pytest.raises(ValidationError, match="nothing to withdraw"):
        accept_popolni(
            services_si, family, family.father_id, date(2024, 10, 1), decision=D.WITHDRAWN
        )


def test_only_consent_roles_record(services_si):
    popolni(services_si)
    family = si_family(services_si)
    billing = staff(services_si, "blagajna", Role.BILLING)
    with pytest.raises(PermissionDenied):
        accept_popolni(billing, family, family.mother_id, date(2024, 10, 1))


# ---- overview and re-acceptance (R44, R49, R51) ---------------------------------------------


def test_major_version_asks_again_minor_does_not(services):
    terms_document(
        services,
        "EE-MOODLE-TERMS",
        [
            ("1.0", date(2023, 9, 1), None),
            ("1.1", date(2024, 9, 1), date(2024, 9, 1)),
            ("2.0", date(2025, 2, 1), date(2025, 2, 1)),
        ],
    )
    a = student_born(services, date(2010, 1, 1), "Aino", "5.a")
    b = student_born(services, date(2010, 1, 2), "Berit", "5.a")
    student_born(services, date(2010, 1, 3), "Carl", "5.b")
    _moodle_decision(services, a.id, date(2023, 10, 1))  # 1.0
    _moodle_decision(services, b.id, date(2024, 10, 1), decision=D.DECLINED)  # 1.1
    minor = services.consent.overview("EE-MOODLE-TERMS", date(2025, 1, 31))
    assert {r.student_name: r.status for r in minor.rows} == {
        "Aino Kask": ConsentStatus.ACCEPTED,  # 1.1 is a minor version: no new answer needed
        "Berit Kask": ConsentStatus.DECLINED,
        "Carl Kask": ConsentStatus.NOT_ANSWERED,
    }
    major = services.consent.overview("EE-MOODLE-TERMS", date(2025, 2, 1))
    assert major.in_force == "2.0"
    assert {r.student_name: r.status for r in major.rows}["Aino Kask"] is (
        ConsentStatus.NEEDS_REACCEPTANCE
    )
    per_class = {c.label: c for c in major.counts}
    assert per_class["5.a"].total == 2 and per_class["5.b"].total == 1
    assert per_class["5.a"].count(ConsentStatus.NEEDS_REACCEPTANCE) == 1
    assert per_class["5.a"].percent(ConsentStatus.DECLINED) == 50.0
    assert per_class[""].total == 3 and per_class[""].percent(ConsentStatus.NOT_ANSWERED) == 33.3
    assert {r.student_name for r in major.pending()} == {"Aino Kask", "Carl Kask"}
    assert len(services.consent.overview("EE-MOODLE-TERMS", class_name="5.b").rows) == 1


def test_si_amendment_is_deemed_accepted(services_si):
    """R50/R51: a POPOLNI amendment takes effect 15 days after publication and is tacitly
    accepted; it does not put the guardians back into 'must re-accept'."""
    terms_document(
        services_si,
        "SI-POPOLNI-TERMS",
        [("1.0", date(2024, 9, 1), None), ("2.0", date(2024, 10, 1), None)],
        rule=AmendmentRule.PUBLISHED_PLUS_15,
        free_alternative=True,
    )
    family = si_family(services_si)
    accept_popolni(services_si, family, family.mother_id, date(2024, 9, 5))
    rows = services_si.consent.overview("SI-POPOLNI-TERMS", date(2024, 10, 16)).rows
    mother = next(r for r in rows if r.guardian_id == family.mother_id)
    assert mother.status is ConsentStatus.ACCEPTED and mother.deemed
    assert (
        services_si.consent.status(
            "SI-POPOLNI-TERMS", family.student.id, family.father_id, date(2024, 10, 16)
        ).status
        is ConsentStatus.NOT_ANSWERED
    )


def test_latest_acceptance_feeds_the_terms_print(services_si):
    popolni(services_si)
    family = si_family(services_si)
    accept_popolni(services_si, family, family.mother_id, date(2024, 10, 1))
    found = services_si.terms.acceptance_lookup(family.student.id, "SI-POPOLNI-TERMS")
    assert (found.version_label, found.guardian_id, found.accepted_by) == (
        "1.0",
        family.mother_id,
        "Ana Novak",
    )
    accept_popolni(services_si, family, family.mother_id, date(2024, 11, 1), decision=D.WITHDRAWN)
    assert services_si.terms.acceptance_lookup(family.student.id, None) is None


# ---- R48: the adult student's prohibition --------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "received", "capacity_from", "allowed"),
    [
        pytest.param(date(2006, 5, 17), date(2024, 5, 16), None, False, id="day-before-18"),
        pytest.param(date(2006, 5, 17), date(2024, 5, 17), None, True, id="18th-birthday"),
        pytest.param(date(2004, 2, 29), date(2022, 2, 28), None, False, id="29feb-28feb"),
        pytest.param(date(2004, 2, 29), date(2022, 3, 1), None, True, id="29feb-1mar"),
        pytest.param(date(2007, 1, 10), date(2024, 6, 1), date(2024, 5, 1), True, id="override"),
    ],
)
def test_prohibition_from_full_capacity(services_si, birth, received, capacity_from, allowed):
    student = student_born(services_si, birth)
    if capacity_from:
        record = services_si.roster.get(student.id)
        from desktop.services.roster import StudentInput

        services_si.roster.update_student(
            student.id,
            record.version,
            StudentInput(
                record.first_name,
                record.last_name,
                birth_date=birth,
                no_local_code=True,
                class_name=record.class_name,
                full_capacity_from=capacity_from,
            ),
        )
    if not allowed:
        with pytest.raises(ValidationError, match="full legal capacity"):
            services_si.consent.register_prohibition(
                student.id, received, handwritten_signature=True
            )
        return
    record = services_si.consent.register_prohibition(
        student.id, received, handwritten_signature=True
    )
    assert record.age_basis == ("capacity_override" if capacity_from else "age")
    assert record.subscription_ends_on == date.fromordinal(received.toordinal() + 1)


def test_prohibition_needs_a_signature_and_blocks_every_guardian(services_si):
    family = si_family(services_si, code="0101006500006")  # born 01.01.2006: adult
    with pytest.raises(ValidationError, match="signed by hand"):
        services_si.consent.register_prohibition(
            family.student.id, date(2024, 6, 1), handwritten_signature=False
        )
    ended = []
    services_si.consent.prohibition_handlers.append(
        lambda session, sid, prohibition: ended.append((sid, prohibition.subscription_ends_on))
    )
    services_si.consent.register_prohibition(
        family.student.id, date(2024, 6, 1), handwritten_signature=True
    )
    assert ended == [(family.student.id, date(2024, 6, 2))]
    for guardian_id in (family.mother_id, family.father_id):
        request = DocumentRequest("access-export", "x", "sl", family.student.id, guardian_id)
        with pytest.raises(DataBlockedByStudent, match="forbade passing data"):  # R48
            services_si.documents.check_recipient(request, date(2024, 6, 1))
        services_si.documents.check_recipient(request, date(2024, 5, 31))  # not before


def test_withdrawn_prohibition_lets_data_through_again(services_si):
    """The adult student's own later letter: from that day the guardians receive data again."""
    family = si_family(services_si, code="0101006500006")  # born 01.01.2006: adult
    record = services_si.consent.register_prohibition(
        family.student.id, date(2024, 6, 1), handwritten_signature=True
    )
    with pytest.raises(ValidationError, match="after 2024-06-01"):
        services_si.consent.withdraw_prohibition(record.id, record.version, date(2024, 6, 1))
    withdrawn = services_si.consent.withdraw_prohibition(
        record.id, record.version, date(2024, 9, 1)
    )
    assert withdrawn.withdrawn_on == date(2024, 9, 1)
    with pytest.raises(ConflictError):
        services_si.consent.withdraw_prohibition(record.id, record.version, date(2024, 9, 2))
    request = DocumentRequest("access-export", "x", "sl", family.student.id, family.mother_id)
    with pytest.raises(DataBlockedByStudent):
        services_si.documents.check_recipient(request, date(2024, 8, 31))
    services_si.documents.check_recipient(request, date(2024, 9, 1))
