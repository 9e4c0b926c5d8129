"""Consent and data-protection rules (RULES.md §0, §3–§5) with the worked examples."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.consent import codes as code_rules
from desktop.domain.consent.ages import (
    DEFAULT_AGE_RULES,
    MOODLE_ACCOUNT,
    SI_FULL_CAPACITY,
    SI_STUDENT_ORDER,
    SI_STUDENT_TRIAL,
    AgeBasis,
    AgeRule,
    age_rules_from_dicts,
    age_rules_to_dicts,
    default_age_rule,
    evaluate_age_rule,
    require_age,
)
from desktop.domain.consent.breaches import (
    BREACH_AUTHORITIES,
    BREACH_NOTICES,
    BreachNotice,
    NoticeState,
    breach_controller,
    breach_deadline,
    breach_status,
)
from desktop.domain.consent.codes import (
    BASE32_ALPHABET,
    SCRYPT_N,
    AttemptResult,
    CodeKind,
    CodePolicy,
    CodeState,
    code_state,
    format_export_code,
    format_security_code,
    hash_code,
    issue_code,
    new_export_code,
    new_security_code,
    normalise_code,
    revoke,
    try_code,
    verify_code,
)
from desktop.domain.consent.common import local_day_end, noon_on
from desktop.domain.consent.deletion import (
    DeletionRequest,
    DeletionState,
    assess_deletion,
    mark_deleted,
    record_user_told,
)
from desktop.domain.consent.notices import NOTICE_REQUIREMENTS
from desktop.domain.consent.prohibition import AdultProhibition, register_adult_prohibition
from desktop.domain.consent.requests import (
    DeadlineState,
    Extension,
    deadline_state,
    forwarding_deadline,
    response_due,
)
from desktop.domain.consent.retention import (
    DEFAULT_RETENTION_RULES,
    DataCategory,
    RetentionAction,
    RetentionRecord,
    RetentionRule,
    retention_proposals,
    retention_rules_from_dicts,
    retention_rules_to_dicts,
)
from desktop.domain.consent.terms import AcceptanceDecision as D
from desktop.domain.consent.terms import (
    AcceptanceRecord,
    Channel,
    ConsentStatus,
    OnBehalfBasis,
    TermsDoc,
    TermsVersion,
    amended_terms_effective_from,
    check_versions,
    consent_status,
    version_in_force,
)
from desktop.domain.consent.working_days import (
    ESTONIAN_HOLIDAYS,
    Holiday,
    easter_sunday,
    exception_decision_due,
    holidays_from_dicts,
    holidays_in,
    holidays_to_dicts,
    is_working_day,
    within_working_days,
)
from desktop.domain.errors import InvalidTransition, ValidationError, ValidationErrors
from desktop.domain.roster import Restriction, RestrictionKind, may_contact

TALLINN = ZoneInfo("Europe/Tallinn")
CHEAP = 2**4  # scrypt cost for tests; the default is exercised once


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Terms versions and acceptance (R44, R49, R50, R51, R55)
# ---------------------------------------------------------------------------------------------

VERSIONS = (
    TermsVersion("1.0", 1, 0, date(2023, 9, 1), date(2024, 8, 31)),
    TermsVersion("1.1", 1, 1, date(2024, 9, 1), date(2025, 1, 31)),
    TermsVersion("2.0", 2, 0, date(2025, 2, 1)),
)


def rec(label: str, decision: D, at: datetime, **kw) -> AcceptanceRecord:
    return AcceptanceRecord(
        person_id=7,
        doc_id=TermsDoc.EE_MOODLE_TERMS,
        version_label=label,
        decision=decision,
        recorded_at=at,
        channel=Channel.PORTAL,
        **kw,
    )


@pytest.mark.parametrize(
    ("history", "on", "expected"),
    [
        pytest.param([], date(2025, 1, 1), ConsentStatus.NOT_ANSWERED, id="nothing"),
        pytest.param(
            [rec("1.0", D.ACCEPTED, utc(2023, 9, 10, 8))],
            date(2024, 10, 1),
            ConsentStatus.ACCEPTED,
            id="minor-version-does-not-ask-again",
        ),
        pytest.param(
            [rec("1.0", D.ACCEPTED, utc(2023, 9, 10, 8))],
            date(2025, 1, 31),
            ConsentStatus.ACCEPTED,
            id="last-day-before-major",
        ),
        pytest.param(
            [rec("1.1", D.ACCEPTED, utc(2024, 9, 10, 8))],
            date(2025, 2, 1),
            ConsentStatus.NEEDS_REACCEPTANCE,
            id="major-version-takes-effect",
        ),
        pytest.param(
            [rec("1.0", D.ACCEPTED, utc(2023, 9, 10)), rec("2.0", D.ACCEPTED, utc(2025, 2, 3))],
            date(2025, 2, 5),
            ConsentStatus.ACCEPTED,
            id="re-accepted",
        ),
        pytest.param(
            [rec("2.0", D.ACCEPTED, utc(2025, 1, 20))],
            date(2025, 2, 10),
            ConsentStatus.ACCEPTED,
            id="accepted-new-major-before-it-took-effect",
        ),
        pytest.param(
            [rec("1.1", D.ACCEPTED, utc(2024, 9, 10)), rec("1.1", D.WITHDRAWN, utc(2024, 11, 1))],
            date(2024, 12, 1),
            ConsentStatus.WITHDRAWN,
            id="withdrawal-is-a-new-record",
        ),
        pytest.param(
            [
                rec("1.1", D.ACCEPTED, utc(2024, 9, 10)),
                rec("1.1", D.WITHDRAWN, utc(2024, 11, 1)),
                rec("1.1", D.ACCEPTED, utc(2024, 11, 20)),
            ],
            date(2024, 12, 1),
            ConsentStatus.ACCEPTED,
            id="latest-wins",
        ),
        pytest.param(
            [rec("1.0", D.DECLINED, utc(2023, 9, 10))],
            date(2024, 1, 1),
            ConsentStatus.DECLINED,
            id="declined",
        ),
        pytest.param(
            [rec("1.1", D.ACCEPTED, utc(2024, 9, 5, 9))],
            date(2024, 9, 4),
            ConsentStatus.NOT_ANSWERED,
            id="status-on-a-past-date-ignores-later-records",
        ),
        pytest.param(
            # 22:30 UTC on 31 Jan is 00:30 on 1 Feb in Tallinn (R1): not yet on 31 Jan.
            [rec("1.1", D.ACCEPTED, utc(2025, 1, 31, 22, 30))],
            date(2025, 1, 31),
            ConsentStatus.NOT_ANSWERED,
            id="school-local-day",
        ),
    ],
)
def test_consent_status(history, on, expected):
    assert consent_status(history, VERSIONS, on, country="EE").status is expected


def test_consent_state_names_the_versions():
    history = [rec("1.0", D.ACCEPTED, utc(2023, 9, 10)), rec("1.0", D.WITHDRAWN, utc(2024, 1, 5))]
    state = consent_status(history, VERSIONS, date(2024, 10, 1), country="EE")
    assert state.status is ConsentStatus.WITHDRAWN
    assert state.accepted_version.label == "1.0"
    assert state.in_force.label == "1.1"
    assert state.latest.decision is D.WITHDRAWN


def test_same_instant_the_later_listed_record_wins():
    at = utc(2024, 9, 10, 8)
    history = [rec("1.1", D.ACCEPTED, at), rec("1.1", D.DECLINED, at)]
    assert consent_status(history, VERSIONS, date(2024, 9, 10), country="EE").status is (
        ConsentStatus.DECLINED
    )


def test_tacit_acceptance_of_si_amendment():
    # R51: amended SI terms are deemed accepted unless the subscriber withdraws.
    versions = (VERSIONS[0], VERSIONS[1], replace(VERSIONS[2], tacit_acceptance=True))
    state = consent_status(
        [rec("1.0", D.ACCEPTED, utc(2023, 9, 10))], versions, date(2025, 3, 1), country="SI"
    )
    assert state.status is ConsentStatus.ACCEPTED
    assert state.deemed


def test_unknown_version_and_mixed_histories_are_refused():
    with pytest.raises(ValidationError):
        consent_status(
            [rec("9.9", D.ACCEPTED, utc(2024, 1, 1))], VERSIONS, date(2025, 1, 1), country="EE"
        )
    other = replace(rec("1.0", D.ACCEPTED, utc(2024, 1, 1)), doc_id="SI-MINIMALNI-INFO")
    with pytest.raises(ValueError, match="one terms document"):
        history = [rec("1.0", D.ACCEPTED, utc(2024, 1, 1)), other]
        consent_status(history, VERSIONS, date(2025, 1, 1), country="EE")


def test_acceptance_record_rules():
    with pytest.raises(ValueError, match="time-zone-aware"):
        rec("1.0", D.ACCEPTED, datetime(2024, 1, 1, 8))
    with pytest.raises(ValidationError) as err:
        rec("1.0", D.ACCEPTED, utc(2024, 1, 1), basis=OnBehalfBasis.LEGAL_REPRESENTATIVE)
    assert err.value.field == "given_by"
    ok = rec("1.0", "ACCEPTED", utc(2024, 1, 1), basis="LEGAL_REPRESENTATIVE", given_by="Mari M")
    assert ok.decision is D.ACCEPTED and ok.basis is OnBehalfBasis.LEGAL_REPRESENTATIVE
    # R55: no POPOLNI acceptance without the free alternative disclosed.
    popolni = dict(
        person_id=1,
        doc_id=TermsDoc.SI_POPOLNI_TERMS,
        version_label="2024-08-07",
        decision=D.ACCEPTED,
        recorded_at=utc(2024, 9, 2),
        channel=Channel.ELECTRONIC_REGISTRATION,
    )
    with pytest.raises(ValidationError) as err:
        AcceptanceRecord(**popolni)
    assert "free of charge" in err.value.reason  # R55
    AcceptanceRecord(**popolni, free_alternative_disclosed=True)
    AcceptanceRecord(**{**popolni, "decision": D.DECLINED})  # declining needs no disclosure


def test_version_checks_and_version_in_force():
    check_versions(VERSIONS)
    assert version_in_force(VERSIONS, date(2024, 8, 31)).label == "1.0"  # effective_to inclusive
    assert version_in_force(VERSIONS, date(2024, 9, 1)).label == "1.1"
    assert version_in_force(VERSIONS, date(2023, 1, 1)) is None
    bad = (
        TermsVersion("1.0", 1, 0, date(2023, 9, 1), date(2024, 9, 10)),
        TermsVersion("1.0", 0, 9, date(2024, 9, 1)),
    )
    with pytest.raises(ValidationErrors) as err:
        check_versions(bad)
    assert len(err.value.errors) == 3  # duplicate label, not newer, overlap


def test_amended_terms_take_effect_on_day_15():
    assert amended_terms_effective_from(date(2024, 10, 1)) == date(2024, 10, 16)  # R50


# ---------------------------------------------------------------------------------------------
# Age rules (R6, R46, R47, R48)
# ---------------------------------------------------------------------------------------------

GC, SD = AgeBasis.GUARDIAN_CONSENT, AgeBasis.SCHOOL_DOCUMENT


@pytest.mark.parametrize(
    ("key", "birth", "act", "bases", "capacity_from", "basis", "reached_on"),
    [
        # R46 Moodle: 13, or guardian consent, or the school's document.
        (MOODLE_ACCOUNT, date(2010, 5, 17), date(2023, 5, 16), (), None, None, date(2023, 5, 17)),
        (MOODLE_ACCOUNT, date(2010, 5, 17), date(2023, 5, 17), (), None, AgeBasis.AGE,
         date(2023, 5, 17)),
        (MOODLE_ACCOUNT, date(2012, 1, 1), date(2023, 9, 1), (GC,), None, GC, date(2025, 1, 1)),
        (MOODLE_ACCOUNT, date(2012, 1, 1), date(2023, 9, 1), ("school_document",), None, SD,
         date(2025, 1, 1)),
        (MOODLE_ACCOUNT, date(2012, 1, 1), date(2023, 9, 1), (SD, GC), None, GC,
         date(2025, 1, 1)),  # the rule's order decides which basis is recorded
        (MOODLE_ACCOUNT, date(2012, 2, 29), date(2025, 2, 28), (), None, None, date(2025, 3, 1)),
        (MOODLE_ACCOUNT, date(2012, 2, 29), date(2025, 3, 1), (), None, AgeBasis.AGE,
         date(2025, 3, 1)),
        # R47 SI: a student orders or tries alone only from 15; a guardian's consent is no basis.
        (SI_STUDENT_ORDER, date(2011, 2, 28), date(2026, 2, 28), (), None, AgeBasis.AGE,
         date(2026, 2, 28)),
        (SI_STUDENT_ORDER, date(2011, 3, 1), date(2026, 2, 28), (GC,), None, None,
         date(2026, 3, 1)),
        (SI_STUDENT_TRIAL, date(2012, 2, 29), date(2027, 2, 28), (), None, None,
         date(2027, 3, 1)),
        # R48: full capacity at 18 (29 Feb → 1 Mar), or from a recorded override date.
        (SI_FULL_CAPACITY, date(2008, 2, 29), date(2026, 2, 28), (), None, None,
         date(2026, 3, 1)),
        (SI_FULL_CAPACITY, date(2008, 2, 29), date(2026, 3, 1), (), None, AgeBasis.AGE,
         date(2026, 3, 1)),
        (SI_FULL_CAPACITY, date(2008, 6, 1), date(2025, 7, 1), (), date(2025, 6, 1),
         AgeBasis.CAPACITY_OVERRIDE, date(2025, 6, 1)),
        (SI_FULL_CAPACITY, date(2008, 6, 1), date(2025, 5, 31), (), date(2025, 6, 1), None,
         date(2025, 6, 1)),
        # the override means nothing for a rule that does not allow it
        (MOODLE_ACCOUNT, date(2012, 1, 1), date(2023, 9, 1), (), date(2023, 1, 1), None,
         date(2025, 1, 1)),
    ],
)  # fmt: skip
def test_age_rules(key, birth, act, bases, capacity_from, basis, reached_on):
    rule = default_age_rule(key)
    decision = evaluate_age_rule(rule, birth, act, bases, capacity_from=capacity_from)
    assert decision.allowed is (basis is not None)
    assert decision.basis == basis
    assert decision.reached_on == reached_on
    if not decision.allowed:
        # The refusal names the age and the date it will be reached.
        assert f"is {decision.age} years old on {act.isoformat()}" in decision.reason
        assert reached_on.isoformat() in decision.reason


def test_refusal_mentions_the_alternatives():
    rule = default_age_rule(MOODLE_ACCOUNT)
    decision = evaluate_age_rule(rule, date(2012, 1, 1), date(2023, 9, 1))
    assert decision.age == 11 and decision.min_age == 13
    assert "guardian's consent" in decision.reason and "document" in decision.reason
    with pytest.raises(ValidationError, match="2025-01-01"):
        require_age(rule, date(2012, 1, 1), date(2023, 9, 1))
    with pytest.raises(ValidationError):
        evaluate_age_rule(rule, date(2012, 1, 1), date(2011, 1, 1))


def test_age_rules_round_trip_through_json():
    text = json.dumps(age_rules_to_dicts(DEFAULT_AGE_RULES))
    loaded = age_rules_from_dicts(json.loads(text))
    assert tuple(loaded.values()) == DEFAULT_AGE_RULES
    assert loaded[MOODLE_ACCOUNT].alternatives == (GC, SD)


def test_a_school_can_configure_an_age_rule():
    loaded = age_rules_from_dicts(
        [
            {
                "key": "ee.library",
                "country": "EE",
                "min_age": 16,
                "alternatives": ["guardian_consent"],
            }
        ]
    )
    rule = loaded["ee.library"]
    assert evaluate_age_rule(rule, date(2010, 1, 1), date(2025, 1, 1), [GC]).basis == GC


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"key": "x", "country": "EE", "min-age": 13}, "age_rule"),
        ({"key": "x", "country": "EE", "min_age": "13"}, "min_age"),
        ({"key": "x", "country": "EE", "min_age": True}, "min_age"),
        ({"key": "x", "country": "LV", "min_age": 13}, "country"),
        ({"key": "", "country": "EE", "min_age": 13}, "key"),
        ({"key": "x", "country": "EE", "min_age": 13, "alternatives": ["parent"]}, "alternatives"),
        ({"key": "x", "country": "EE", "min_age": 13, "alternatives": "guardian_consent"},
         "alternatives"),
        ({"key": "x", "country": "EE", "min_age": 13, "capacity_override": "yes"},
         "capacity_override"),
    ],
)  # fmt: skip
def test_bad_age_rule_settings_are_refused(data, field):
    with pytest.raises(ValidationError) as err:
        AgeRule.from_dict(data)
    assert err.value.field == field


def test_duplicate_age_rule_keys_are_refused():
    item = DEFAULT_AGE_RULES[0].to_dict()
    with pytest.raises(ValidationError, match="twice"):
        age_rules_from_dicts([item, item])


# ---------------------------------------------------------------------------------------------
# Working days (R3, R35)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1818, date(1818, 3, 22)),  # earliest possible
        (1943, date(1943, 4, 25)),  # latest possible
        (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


def test_estonian_holidays_2024():
    holidays = holidays_in(2024)
    assert len(holidays) == 12
    assert holidays[date(2024, 3, 29)] == "Good Friday"
    assert holidays[date(2024, 3, 31)] == "Easter Sunday"
    assert holidays[date(2024, 5, 19)] == "Whit Sunday"
    assert date(2024, 4, 1) not in holidays  # Easter Monday is a working day in Estonia


@pytest.mark.parametrize(
    ("submitted", "days", "due"),
    [
        (date(2024, 6, 21), 1, date(2024, 6, 25)),  # R3 example: Fri → Tue
        (date(2024, 6, 21), 2, date(2024, 6, 26)),
        (date(2024, 6, 22), 1, date(2024, 6, 25)),  # submitted on a Saturday
        (date(2024, 6, 3), 1, date(2024, 6, 4)),  # plain Monday
        (date(2024, 3, 28), 1, date(2024, 4, 1)),  # Good Friday, weekend, Easter Monday works
        (date(2025, 12, 23), 1, date(2025, 12, 29)),  # 24–26 Dec, then the weekend
        (date(2025, 12, 31), 1, date(2026, 1, 2)),  # New Year's Day
        (date(2025, 2, 21), 1, date(2025, 2, 25)),  # 24 Feb is a Monday holiday in 2025
    ],
)
def test_within_working_days(submitted, days, due):
    assert within_working_days(submitted, days) == due


def test_exception_decision_due_and_a_configured_table():
    assert exception_decision_due(date(2024, 6, 21)) == date(2024, 6, 25)  # R35
    table = holidays_from_dicts(
        [*holidays_to_dicts(ESTONIAN_HOLIDAYS), {"name": "Extra", "month": 6, "day": 25}]
    )
    assert within_working_days(date(2024, 6, 21), 1, table) == date(2024, 6, 26)
    assert holidays_from_dicts(holidays_to_dicts(ESTONIAN_HOLIDAYS)) == ESTONIAN_HOLIDAYS
    assert not is_working_day(date(2024, 6, 24))
    assert is_working_day(date(2024, 6, 25))
    with pytest.raises(ValidationError):
        Holiday.from_dict({"name": "Leap", "month": 2, "day": 29})
    with pytest.raises(ValidationError):
        Holiday.from_dict({"name": "", "month": 1, "day": 1})
    with pytest.raises(ValueError):
        within_working_days(date(2024, 6, 21), 0)


# ---------------------------------------------------------------------------------------------
# Data-subject requests (R57, R58)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),  # R58: clamped
        (date(2024, 1, 31), date(2024, 2, 29)),  # leap year
        (date(2024, 11, 30), date(2024, 12, 30)),
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2024, 12, 31), date(2025, 1, 31)),
        (date(2025, 3, 15), date(2025, 4, 15)),
    ],
)
def test_response_due_one_calendar_month(received, due):
    assert response_due(received) == due


@pytest.mark.parametrize(
    ("received", "due", "warn", "weekday"),
    [
        (date(2025, 2, 28), date(2025, 3, 1), True, "Saturday"),  # Friday request → Saturday
        (date(2025, 3, 1), date(2025, 3, 2), True, "Sunday"),
        (date(2025, 2, 27), date(2025, 2, 28), False, None),
        (date(2025, 3, 2), date(2025, 3, 3), False, None),
    ],
)
def test_forwarding_deadline_is_next_calendar_day(received, due, warn, weekday):
    deadline = forwarding_deadline(received)
    assert (deadline.due_on, deadline.weekend_warning) == (due, warn)
    if weekday:
        assert weekday in deadline.message


def test_extension_needs_a_reason_told_within_the_first_month():
    received = date(2025, 1, 31)
    ok = Extension("many archived records to collect", date(2025, 2, 28))
    assert response_due(received, ok) == date(2025, 4, 30)
    with pytest.raises(ValidationErrors) as err:
        response_due(received, Extension("  ", date(2025, 3, 1)))
    assert {e.field for e in err.value.errors} == {"reason", "requester_notified_on"}
    with pytest.raises(ValidationErrors):
        response_due(received, Extension("why", date(2025, 2, 1), months=3))


@pytest.mark.parametrize(
    ("done", "today", "state"),
    [
        (None, date(2025, 3, 1), DeadlineState.PENDING),  # due day itself: still in time (R1)
        (None, date(2025, 3, 2), DeadlineState.OVERDUE),
        (date(2025, 3, 1), date(2025, 3, 9), DeadlineState.DONE_IN_TIME),
        (date(2025, 3, 2), date(2025, 3, 9), DeadlineState.DONE_LATE),
    ],
)
def test_deadline_state(done, today, state):
    assert deadline_state(date(2025, 3, 1), done, today) is state


# ---------------------------------------------------------------------------------------------
# Codes (R39, R40)
# ---------------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=999_999))
def test_export_codes_are_always_six_digits(number):
    code = format_export_code(number)
    assert re.fullmatch(r"[0-9]{6}", code)
    assert int(code) == number


def test_new_export_codes_keep_leading_zeros(monkeypatch):
    assert all(re.fullmatch(r"[0-9]{6}", new_export_code()) for _ in range(200))
    monkeypatch.setattr(code_rules.secrets, "randbelow", lambda n: 42)
    assert new_export_code() == "000042"
    with pytest.raises(ValueError):
        format_export_code(1_000_000)


@settings(max_examples=30, deadline=None)
@given(st.from_regex(r"[0-9]{6}", fullmatch=True), st.from_regex(r"[0-9]{6}", fullmatch=True))
def test_hash_verify_round_trips(code, other):
    stored = hash_code(code, n=CHEAP)
    assert verify_code(code, stored)
    assert verify_code(other, stored) is (other == code)


def test_hash_uses_a_fresh_salt_and_the_default_cost():
    first, second = hash_code("000123"), hash_code("000123")
    assert first != second
    assert first.startswith(f"scrypt${SCRYPT_N}$")
    assert verify_code("000123", first) and verify_code("000123", second)
    assert "000123" not in first
    with pytest.raises(ValueError, match="damaged"):
        verify_code("000123", "md5$abc")


@given(st.text(alphabet=BASE32_ALPHABET, min_size=12, max_size=12))
def test_security_code_print_form_round_trips(raw):
    printed = format_security_code(raw)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", printed)
    assert normalise_code(CodeKind.SECURITY, printed.lower().replace("-", " ")) == raw


def test_new_security_code_is_12_base32_characters():
    codes = {new_security_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(r"[A-Z2-7]{12}", code) for code in codes)


@pytest.mark.parametrize(
    ("kind", "text", "normal"),
    [
        (CodeKind.EXPORT, " 012 345 ", "012345"),
        (CodeKind.EXPORT, "01234", None),
        (CodeKind.EXPORT, "O12345", None),
        (CodeKind.EXPORT, "١٢٣٤٥٦", None),  # Arabic-Indic digits are not code digits
        (CodeKind.SECURITY, "abcd-efgh-2345", "ABCDEFGH2345"),
        (CodeKind.SECURITY, "ABCD-EFGH-2340", None),  # 0 is not base32
    ],
)
def test_normalise_code(kind, text, normal):
    assert normalise_code(kind, text) == normal


ISSUED = utc(2025, 3, 1, 10)  # 12:00 in Tallinn


def issue(kind=CodeKind.EXPORT, country="SI"):
    return issue_code(kind, guardian_id=5, child_id=9, now=ISSUED, country=country, n=CHEAP)


def attempt(record, entered, now=ISSUED + timedelta(hours=1), guardian_id=5, child_id=9):
    return try_code(record, entered, guardian_id=guardian_id, child_id=child_id, now=now)


def test_expiry_is_the_end_of_the_14th_local_day():
    _, record = issue(country="EE")
    # R1/R2: 1 Mar + 14 days = 15 Mar, valid until 23:59:59 Tallinn time (EET, UTC+2).
    assert record.expires_at == utc(2025, 3, 15, 22)
    assert code_state(record, record.expires_at - timedelta(seconds=1)) is CodeState.VALID
    assert code_state(record, record.expires_at) is CodeState.EXPIRED
    assert attempt(record, "000000", now=record.expires_at).result is AttemptResult.EXPIRED
    _, security = issue(CodeKind.SECURITY, country="EE")
    assert security.expires_at == local_day_end(date(2025, 3, 31), "EE")  # R39: 30 days


def test_correct_code_is_accepted_once_then_used(monkeypatch):
    monkeypatch.setattr(code_rules.secrets, "randbelow", lambda n: 7)
    printed, record = issue()
    assert printed == "000007"
    outcome = attempt(record, "000 007")
    assert outcome.accepted and outcome.code.used_at == ISSUED + timedelta(hours=1)
    again = attempt(outcome.code, "000007", now=ISSUED + timedelta(hours=2))
    assert again.result is AttemptResult.USED
    assert code_state(outcome.code, ISSUED + timedelta(days=1)) is CodeState.USED


def test_five_wrong_attempts_lock_the_code(monkeypatch):
    monkeypatch.setattr(code_rules.secrets, "randbelow", lambda n: 123456)
    _, record = issue()
    seen = []
    for _ in range(5):
        outcome = attempt(record, "654321")
        record = outcome.code
        seen.append((outcome.result, outcome.attempts_left))
    assert seen == [
        (AttemptResult.WRONG, 4),
        (AttemptResult.WRONG, 3),
        (AttemptResult.WRONG, 2),
        (AttemptResult.WRONG, 1),
        (AttemptResult.LOCKED, 0),
    ]
    assert record.failed_attempts == 5
    # The right code no longer helps, and nothing more is counted.
    after = attempt(record, "123456")
    assert after.result is AttemptResult.LOCKED and after.code == record
    assert "locked" in after.message


def test_wrong_person_and_malformed_input_are_not_counted(monkeypatch):
    monkeypatch.setattr(code_rules.secrets, "randbelow", lambda n: 111111)
    _, record = issue()
    other_child = attempt(record, "111111", child_id=10)
    assert other_child.result is AttemptResult.WRONG_PERSON and other_child.code == record
    other_guardian = attempt(record, "111111", guardian_id=6)
    assert other_guardian.result is AttemptResult.WRONG_PERSON
    malformed = attempt(record, "11111")
    assert malformed.result is AttemptResult.MALFORMED and malformed.code.failed_attempts == 0
    wrong = attempt(record, "111112")
    assert wrong.message.endswith("4 attempts left")


def test_security_code_flow():
    printed, record = issue(CodeKind.SECURITY)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", printed)
    assert attempt(record, printed.lower()).accepted
    assert attempt(revoke(record), printed).result is AttemptResult.REVOKED


@pytest.mark.parametrize(
    ("changes", "now_offset", "state"),
    [
        ({}, timedelta(days=1), CodeState.VALID),
        ({}, timedelta(days=20), CodeState.EXPIRED),
        ({"failed_attempts": 4}, timedelta(days=1), CodeState.VALID),
        ({"failed_attempts": 5}, timedelta(days=1), CodeState.LOCKED),
        ({"revoked": True}, timedelta(days=1), CodeState.REVOKED),
        ({"used_at": ISSUED}, timedelta(days=20), CodeState.USED),  # used beats expired
        ({"revoked": True, "failed_attempts": 5}, timedelta(days=20), CodeState.REVOKED),
        ({"failed_attempts": 5}, timedelta(days=20), CodeState.LOCKED),
    ],
)
def test_code_state_precedence(changes, now_offset, state):
    _, record = issue()
    assert code_state(replace(record, **changes), ISSUED + now_offset) is state


def test_code_policy_is_configurable():
    _, record = issue()
    strict = CodePolicy(valid_days=14, max_failures=2)
    record = replace(record, failed_attempts=2)
    assert code_state(record, ISSUED, strict) is CodeState.LOCKED
    assert code_state(record, ISSUED) is CodeState.VALID


# ---------------------------------------------------------------------------------------------
# Moodle account deletion (R61, R19)
# ---------------------------------------------------------------------------------------------


def test_deletion_without_active_study_is_scheduled_from_receipt():
    request = assess_deletion(
        DeletionRequest(date(2025, 3, 3)), active_study=False, on=date(2025, 3, 4)
    )
    assert request.state is DeletionState.SCHEDULED
    assert request.due_on == date(2025, 3, 17)
    assert request.deadline(date(2025, 3, 18)) is DeadlineState.OVERDUE
    done = mark_deleted(request, date(2025, 3, 10))
    assert done.state is DeletionState.DELETED
    assert done.deadline(date(2025, 4, 1)) is DeadlineState.DONE_IN_TIME
    with pytest.raises(InvalidTransition):
        assess_deletion(done, active_study=False, on=date(2025, 4, 1))


def test_blocked_deletion_starts_its_clock_once_valid():
    request = assess_deletion(
        DeletionRequest(date(2025, 3, 3)), active_study=True, on=date(2025, 3, 3)
    )
    assert request.state is DeletionState.BLOCKED_ACTIVE_STUDY
    assert request.due_on is None and request.must_tell_user
    with pytest.raises(InvalidTransition, match="active study work"):  # R19
        mark_deleted(request, date(2025, 3, 10))
    request = record_user_told(request, date(2025, 3, 3))
    assert not request.must_tell_user
    request = assess_deletion(request, active_study=False, on=date(2025, 4, 1))
    assert request.state is DeletionState.SCHEDULED
    assert request.due_on == date(2025, 4, 15)
    # New study work before the deletion blocks it again and stops the clock.
    again = assess_deletion(request, active_study=True, on=date(2025, 4, 2))
    assert again.state is DeletionState.BLOCKED_ACTIVE_STUDY and again.due_on is None


# ---------------------------------------------------------------------------------------------
# Retention (R64, R17, R35, R116)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "reference", "due", "action"),
    [
        # R64: billing kept 5 years after the subscription ends, purged the following day.
        (DataCategory.BILLING, date(2024, 8, 31), date(2029, 9, 1), RetentionAction.DELETE),
        (DataCategory.BILLING, date(2024, 2, 29), date(2029, 3, 1), RetentionAction.DELETE),
        (DataCategory.LOGIN_AUDIT, date(2023, 3, 31), date(2025, 4, 1), RetentionAction.DELETE),
        # Cards: until the end of the school year after closure, then anonymised.
        (DataCategory.CARDS, date(2025, 3, 15), date(2026, 9, 1), RetentionAction.ANONYMISE),
        (DataCategory.CARDS, date(2025, 8, 31), date(2026, 9, 1), RetentionAction.ANONYMISE),
        (DataCategory.CARDS, date(2025, 9, 1), date(2027, 9, 1), RetentionAction.ANONYMISE),
        # R17 example: a course ending 31 Aug 2024 → members removed by 28 Feb 2025.
        (DataCategory.COURSE_MEMBERSHIP, date(2024, 8, 31), date(2025, 2, 28),
         RetentionAction.DELETE),
        (DataCategory.UNCONFIRMED_ACCOUNT, date(2025, 3, 1), date(2025, 3, 8),
         RetentionAction.DELETE),  # R35: one week after the confirmation e-mail
    ],
)  # fmt: skip
def test_retention_due_dates(category, reference, due, action):
    rule = next(r for r in DEFAULT_RETENTION_RULES if r.category is category)
    assert rule.due_on(reference) == due
    assert rule.action is action


@pytest.mark.parametrize(
    ("today", "legal_hold", "proposed"),
    [
        (date(2025, 8, 31), False, False),  # still within the 5 years
        (date(2025, 9, 1), False, True),  # the following day
        (date(2026, 1, 1), False, True),
        (date(2025, 9, 1), True, False),  # R64: a legal hold blocks the purge
    ],
)
def test_billing_purge_with_and_without_legal_hold(today, legal_hold, proposed):
    record = RetentionRecord("pay-1", DataCategory.BILLING, date(2020, 8, 31), legal_hold)
    proposals = retention_proposals([record], today)
    assert bool(proposals) is proposed
    if proposed:
        (p,) = proposals
        assert p.action is RetentionAction.DELETE and p.due_on == date(2025, 9, 1)
        assert "reference date" in p.reason and not p.reason.startswith("R")


def test_retention_proposals_are_sorted_and_skip_what_is_not_due():
    records = [
        RetentionRecord(1, DataCategory.CARDS, date(2023, 3, 15)),  # due 2024-09-01
        RetentionRecord(2, DataCategory.LOGIN_AUDIT, date(2022, 1, 10)),  # due 2024-01-11
        RetentionRecord(3, DataCategory.SCHOOL, date(2000, 1, 1)),  # no rule: never proposed
        RetentionRecord(4, DataCategory.CALENDAR, date(2000, 1, 1)),
        RetentionRecord(5, DataCategory.LOGIN_AUDIT, date(2024, 1, 10)),  # not yet due
        RetentionRecord(6, "COURSE_MEMBERSHIP", date(2024, 8, 31)),
    ]
    proposals = retention_proposals(records, date(2025, 1, 1))
    assert [(p.record_id, p.due_on) for p in proposals] == [
        (2, date(2024, 1, 11)),
        (1, date(2024, 9, 1)),
    ]
    assert proposals[1].action is RetentionAction.ANONYMISE
    assert "reference date" in proposals[0].reason and "R64" not in proposals[0].reason
    later = retention_proposals(records, date(2025, 3, 1))
    assert [p.record_id for p in later] == [2, 1, 6]
    assert "reference date" in later[2].reason and not later[2].reason.startswith("R")


def test_course_retention_extension():
    record = RetentionRecord(
        "m-1", DataCategory.COURSE_MEMBERSHIP, date(2024, 8, 31), extended_due=date(2025, 8, 31)
    )
    assert retention_proposals([record], date(2025, 3, 1)) == []
    (p,) = retention_proposals([record], date(2025, 8, 31))
    assert p.due_on == date(2025, 8, 31) and "extended" in p.reason


def test_retention_rules_are_configurable_data():
    data = retention_rules_to_dicts(DEFAULT_RETENTION_RULES)
    assert retention_rules_from_dicts(json.loads(json.dumps(data))) == DEFAULT_RETENTION_RULES
    data = [{**d, "amount": 12} if d["category"] == "LOGIN_AUDIT" else d for d in data]
    rules = retention_rules_from_dicts(data)
    record = RetentionRecord(1, DataCategory.LOGIN_AUDIT, date(2024, 1, 10))
    assert retention_proposals([record], date(2025, 1, 11), rules)[0].due_on == date(2025, 1, 11)
    with pytest.raises(ValidationError, match="two retention rules"):
        retention_rules_from_dicts([data[0], data[0]])
    for bad in (
        {**data[0], "unit": "WEEKS"},
        {**data[0], "amount": -1},
        {**data[0], "act_next_day": "no"},
        {**data[0], "period": 3},
        {**data[0], "category": "PHOTOS"},
    ):
        with pytest.raises(ValidationError):
            RetentionRule.from_dict(bad)


# ---------------------------------------------------------------------------------------------
# Contact restrictions (R15, R48, R100, R101)
# ---------------------------------------------------------------------------------------------


TEMPORARY = Restriction(RestrictionKind.RESTRICTION, False, date(2025, 1, 10), date(2025, 6, 30))
PERMANENT = Restriction(RestrictionKind.PROHIBITION, True, date(2025, 3, 1), None)


@pytest.mark.parametrize(
    ("restrictions", "on", "allowed"),
    [
        ([], date(2025, 2, 1), True),
        ([TEMPORARY], date(2025, 1, 9), True),
        ([TEMPORARY], date(2025, 1, 10), False),  # from the first day
        ([TEMPORARY], date(2025, 6, 30), False),  # to the last day
        ([TEMPORARY], date(2025, 7, 1), True),
        ([PERMANENT], date(2040, 1, 1), False),
        ([TEMPORARY, PERMANENT], date(2025, 7, 1), False),
    ],
)
def test_restrictions_stop_contact(restrictions, on, allowed):
    """R15 is the roster's rule; consent has no second copy of it."""
    assert may_contact(restrictions, on) is allowed


def test_adult_prohibition_only_from_full_capacity():
    born = date(2008, 2, 29)
    with pytest.raises(ValidationError, match="2026-03-01"):
        register_adult_prohibition(born, date(2026, 2, 28), handwritten_signature=True)
    ok = register_adult_prohibition(born, date(2026, 3, 1), handwritten_signature=True)
    assert ok.received_on == date(2026, 3, 1) and ok.age_basis is AgeBasis.AGE
    early = register_adult_prohibition(
        date(2008, 6, 1),
        date(2025, 11, 1),
        handwritten_signature=True,
        capacity_from=date(2025, 10, 1),
    )
    assert early.received_on == date(2025, 11, 1)
    assert early.age_basis is AgeBasis.CAPACITY_OVERRIDE
    with pytest.raises(ValidationError, match="by hand"):
        register_adult_prohibition(born, date(2027, 1, 1), handwritten_signature=False)
    # R48 (b) mirrors R98: received Fri 28 Feb 2025 → subscription ends Sat 1 Mar 2025.
    assert AdultProhibition(date(2025, 2, 28)).subscription_ends_on == date(2025, 3, 1)


def test_notice_requirements():
    d8 = NOTICE_REQUIREMENTS["D8"]
    good = {
        "guardian_name": "Ana Novak",
        "child_name": "Luka Novak",
        "change_or_termination": "termination",
        "effective_date": date(2025, 3, 1),
    }
    d8.check(good)
    with pytest.raises(ValidationErrors) as err:
        d8.check(
            {**good, "child_phone": "+386 41 123 456", "measure_details": "…", "child_name": ""}
        )
    assert {e.field for e in err.value.errors} == {"child_phone", "measure_details", "child_name"}
    with pytest.raises(ValidationErrors) as err:
        NOTICE_REQUIREMENTS["D7"].check({"guardian_name": "A", "child_name": "B"})
    assert {e.field for e in err.value.errors} == {"termination_date", "reasons"}
    assert "subscriber" in d8.recipients


# ---------------------------------------------------------------------------------------------
# Breaches (R69, R70)
# ---------------------------------------------------------------------------------------------


def test_breach_deadline_is_exactly_72_hours():
    friday = datetime(2025, 3, 14, 15, 0, tzinfo=TALLINN)
    assert breach_deadline(friday).astimezone(TALLINN) == datetime(2025, 3, 17, 15, tzinfo=TALLINN)
    # Across the spring clock change the wall clock moves on an hour: elapsed time is what counts.
    before_dst = datetime(2025, 3, 28, 15, 0, tzinfo=TALLINN)
    deadline = breach_deadline(before_dst)
    assert deadline - before_dst == timedelta(hours=72)
    assert deadline.astimezone(TALLINN).hour == 16
    with pytest.raises(ValueError):
        breach_deadline(datetime(2025, 3, 14, 15))


DETECTED = utc(2025, 3, 14, 13)  # Fri 15:00 in Tallinn
DEADLINE = utc(2025, 3, 17, 13)


@pytest.mark.parametrize(
    ("country", "sent", "now", "states", "overdue", "remaining"),
    [
        ("EE", {}, DETECTED + timedelta(hours=10), ["PENDING"] * 4, False, timedelta(hours=62)),
        ("EE", {}, DEADLINE, ["PENDING"] * 4, False, timedelta(0)),
        ("EE", {}, DEADLINE + timedelta(minutes=1), ["OVERDUE"] * 4, True, timedelta(0)),
        ("EE",
         {BreachNotice.HOME_PAGE: DEADLINE, BreachNotice.RIA: DEADLINE + timedelta(seconds=1),
          BreachNotice.AKI: DETECTED + timedelta(hours=1)},
         DEADLINE + timedelta(hours=1),
         ["SENT_IN_TIME", "OVERDUE", "SENT_LATE", "SENT_IN_TIME"], True, timedelta(0)),
        ("SI",
         {n: DETECTED + timedelta(hours=5) for n in BREACH_NOTICES["SI"]},
         DEADLINE + timedelta(days=3),
         ["SENT_IN_TIME"] * 3, False, timedelta(0)),
    ],
)  # fmt: skip
def test_breach_status(country, sent, now, states, overdue, remaining):
    status = breach_status(country, DETECTED, sent, now)
    assert status.deadline == DEADLINE
    assert [n.state for n in status.notices] == [NoticeState(s) for s in states]
    assert status.overdue is overdue
    assert status.remaining == remaining
    assert status.complete is all(s.startswith("SENT") for s in states)


def test_breach_notices_per_country():
    assert BREACH_NOTICES["EE"] == (
        BreachNotice.HOME_PAGE,
        BreachNotice.AFFECTED_PERSONS,
        BreachNotice.RIA,
        BreachNotice.AKI,
    )
    assert BreachNotice.INFORMATION_COMMISSIONER in BREACH_NOTICES["SI"]
    assert BREACH_AUTHORITIES[BreachNotice.INFORMATION_COMMISSIONER].email == "gp.ip@ip-rs.si"
    with pytest.raises(ValueError, match="no notice"):
        breach_status("SI", DETECTED, {BreachNotice.RIA: DETECTED}, DETECTED)
    with pytest.raises(ValidationError, match="before the breach"):
        breach_status("EE", DETECTED, {BreachNotice.RIA: DETECTED - timedelta(hours=1)}, DEADLINE)
    assert breach_controller(DataCategory.BILLING) == "eŠola"  # R70
    assert breach_controller(DataCategory.SCHOOL) == "school"


def test_local_day_end():
    assert local_day_end(date(2025, 7, 1), "EE") == utc(2025, 7, 1, 21)  # EEST, UTC+3
    assert local_day_end(date(2025, 1, 1), "SI") == utc(2025, 1, 1, 23)  # CET, UTC+1
    with pytest.raises(ValidationError):
        local_day_end(date(2025, 1, 1), "LV")


def test_noon_on_keeps_the_school_day():
    """R1: a decision typed as a date is that local day however it is stored (noon local)."""
    assert noon_on(date(2025, 7, 1), "EE") == utc(2025, 7, 1, 9)  # EEST, UTC+3
    assert noon_on(date(2025, 1, 1), "SI") == utc(2025, 1, 1, 11)  # CET, UTC+1
    with pytest.raises(ValidationError):
        noon_on(date(2025, 1, 1), "LV")
