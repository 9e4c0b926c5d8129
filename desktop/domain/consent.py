"""Consent and data protection: terms acceptance, age rules, data-subject requests, working days,
access codes, account deletion, retention, the adult student's prohibition and breaches.

Rules implemented here: R3, R17, R35, R39, R40, R44–R51, R55, R57–R61, R64, R67, R69, R70,
R100, R101, R116 (RULES.md §0, §3, §4, §5). R15 (whether an authority's measure is in force) is
desktop.domain.roster's; the notices that tell a guardian contact stops are here.

Pure functions over plain values: no Qt, no SQL, no I/O. Services read the facts from the
database, call these functions and store what comes back. What a school may want to tune (age
rules, retention periods, the holiday table, code lifetimes) is data with a to_dict/from_dict pair,
not code. Nothing here decides anything with legal effect on its own: deletions and purges come
back as proposals that a person confirms (R67).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from desktop.domain.dates import (
    SCHOOL_ZONES,
    SchoolYear,
    add_days,
    add_months,
    add_years,
    age_on,
    date_of_age,
    has_reached_age,
    local_date,
    school_zone,
)
from desktop.domain.errors import InvalidTransition, ValidationError, ValidationErrors
from desktop.i18n import N_, Nn_  # refusals are shown translated by the UI

_E = TypeVar("_E", bound=StrEnum)

Id = int | str  # database ids of persons; the domain only compares them


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _require_aware(name: str, value: datetime) -> datetime:
    # R1: instants are UTC. A naive datetime here is a programming error, not user input.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _require_country(country: str) -> str:
    if country not in SCHOOL_ZONES:
        raise ValidationError(
            "country", country, N_("use one of {choices}", choices=", ".join(SCHOOL_ZONES))
        )
    return country


def local_day_end(day: date, country: str) -> datetime:
    """R1: 'until day D' means until 23:59:59 local time; returns the first instant after D (UTC).

    A validity check is `now < local_day_end(D, country)`.
    """
    zone = school_zone(_require_country(country))
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def noon_on(day: date, country: str) -> datetime:
    """A decision typed as a date is taken at noon school time: the same day in any zone (R1)."""
    return datetime.combine(day, time(12), tzinfo=school_zone(_require_country(country)))


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


# ---------------------------------------------------------------------------------------------
# Terms versions and acceptance records (R44, R45, R49, R50, R51, R55)
# ---------------------------------------------------------------------------------------------


class TermsDoc(StrEnum):
    """R49: the terms documents whose versions are tracked."""

    EE_MOODLE_TERMS = "EE-MOODLE-TERMS"
    SI_MINIMALNI_INFO = "SI-MINIMALNI-INFO"
    SI_POPOLNI_TERMS = "SI-POPOLNI-TERMS"


class AcceptanceDecision(StrEnum):
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"  # a withdrawal is a new record; the acceptance stays on file


class Channel(StrEnum):
    """R44: how the decision reached the school."""

    PAPER_AT_SCHOOL = "PAPER_AT_SCHOOL"
    PORTAL = "PORTAL"
    LETTER = "LETTER"
    ELECTRONIC_REGISTRATION = "ELECTRONIC_REGISTRATION"


class OnBehalfBasis(StrEnum):
    """Who gave the decision for the person the record is about."""

    SELF = "SELF"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"  # R46 (c), R58: a guardian for a minor child
    INSTITUTION_ADMIN = "INSTITUTION_ADMIN"  # R45: the Moodle admin for the institution


class ConsentStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    NOT_ANSWERED = "NOT_ANSWERED"
    NEEDS_REACCEPTANCE = "NEEDS_REACCEPTANCE"


SI_AMENDMENT_NOTICE_DAYS = 15  # R50: amended SI terms take effect on the 15th day after publication


def amended_terms_effective_from(published_on: date) -> date:
    """R50: published 1 Oct → in force from 16 Oct. (The R51 8-day window is in billing.py.)"""
    return add_days(published_on, SI_AMENDMENT_NOTICE_DAYS)


@dataclass(frozen=True)
class TermsVersion:
    """R49: one version of a terms document.

    `effective_to` is the last day the version is in force (inclusive), set when superseded.
    A new MAJOR version asks everyone again; a MINOR one does not. `tacit_acceptance` marks a
    version that is deemed accepted unless the person withdraws (R51, SI amendments).
    """

    label: str
    major: int
    minor: int
    effective_from: date
    effective_to: date | None = None
    tacit_acceptance: bool = False

    def in_force_on(self, day: date) -> bool:
        if day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to


def check_versions(versions: Sequence[TermsVersion]) -> None:
    """R49: labels unique, periods sane and not overlapping, numbers rising with time."""
    errors: list[ValidationError] = []
    seen: set[str] = set()
    for v in versions:
        if not v.label.strip():
            errors.append(ValidationError("version_label", v.label, N_("is required")))
        if v.label in seen:
            errors.append(ValidationError("version_label", v.label, N_("is used twice")))
        seen.add(v.label)
        if v.major < 0 or v.minor < 0:
            errors.append(ValidationError("version", v.label, N_("numbers cannot be negative")))
        if v.effective_to is not None and v.effective_to < v.effective_from:
            errors.append(
                ValidationError(
                    "effective_to",
                    v.effective_to.isoformat(),
                    N_("is before {date}", date=v.effective_from),
                )
            )
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for prev, nxt in itertools.pairwise(ordered):
        if (nxt.major, nxt.minor) <= (prev.major, prev.minor):
            errors.append(
                ValidationError(
                    "version",
                    nxt.label,
                    N_("takes effect after {label} but is not newer", label=prev.label),
                )
            )
        if prev.effective_to is not None and prev.effective_to >= nxt.effective_from:
            errors.append(
                ValidationError(
                    "effective_to",
                    prev.label,
                    N_("overlaps {label} from {date}", label=nxt.label, date=nxt.effective_from),
                )
            )
    if errors:
        raise ValidationErrors(errors)


def version_in_force(versions: Iterable[TermsVersion], on: date) -> TermsVersion | None:
    """R49: the version in force on a (past) date; the newest one if periods were left open."""
    candidates = [v for v in versions if v.in_force_on(on)]
    return max(candidates, key=lambda v: v.effective_from, default=None)


@dataclass(frozen=True)
class AcceptanceRecord:
    """R44: an immutable fact: who decided what about which version, when, how and on what basis."""

    person_id: Id  # the person the decision is about (the child, for a guardian's consent)
    doc_id: str
    version_label: str
    decision: AcceptanceDecision
    recorded_at: datetime  # aware; stored in UTC (R1)
    channel: Channel
    basis: OnBehalfBasis = OnBehalfBasis.SELF
    given_by: str | None = None  # representative or admin name when not SELF (R45, R46 c)
    age_basis: str | None = None  # AgeBasis value used (R46, R47)
    warranties: tuple[str, ...] = ()  # R41
    free_alternative_disclosed: bool = False  # R55

    def __post_init__(self) -> None:
        # Rows read back from the database carry plain strings; make them the enums again.
        object.__setattr__(self, "decision", AcceptanceDecision(self.decision))
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "basis", OnBehalfBasis(self.basis))
        object.__setattr__(self, "recorded_at", _require_aware("recorded_at", self.recorded_at))
        if self.basis is not OnBehalfBasis.SELF and not (self.given_by or "").strip():
            raise ValidationError("given_by", self.given_by, N_("name who decided"))
        # R55: a POPOLNI order cannot be saved until the free alternative has been disclosed.
        if (
            self.doc_id == TermsDoc.SI_POPOLNI_TERMS
            and self.decision is AcceptanceDecision.ACCEPTED
            and not self.free_alternative_disclosed
        ):
            raise ValidationError(
                "free_alternative_disclosed",
                False,
                N_("tell the guardian that all information is also available free of charge"),
            )


@dataclass(frozen=True)
class ConsentState:
    status: ConsentStatus
    latest: AcceptanceRecord | None  # the record that decided the status
    accepted_version: TermsVersion | None  # the version the person last accepted
    in_force: TermsVersion | None  # the version in force on the date asked about
    deemed: bool = False  # accepted by R51's tacit acceptance of a newer major version


def consent_status(
    history: Iterable[AcceptanceRecord],
    versions: Sequence[TermsVersion],
    on: date,
    *,
    country: str,
) -> ConsentState:
    """R44/R49: a person's status for one terms document on day `on` (school-local, R1).

    The latest record made by the end of `on` wins. An acceptance of an older MAJOR version
    needs re-acceptance once a newer major version has taken effect, unless every such newer
    major version is deemed accepted (R51); a new MINOR version never asks again.
    """
    records = list(history)
    if len({r.doc_id for r in records}) > 1:
        raise ValueError("consent_status takes the history of one terms document")
    if len({r.person_id for r in records}) > 1:
        raise ValueError("consent_status takes the history of one person")
    by_label = {v.label: v for v in versions}
    in_force = version_in_force(versions, on)
    relevant = [
        (r.recorded_at, index, r)
        for index, r in enumerate(records)
        if local_date(r.recorded_at, country) <= on
    ]
    if not relevant:
        return ConsentState(ConsentStatus.NOT_ANSWERED, None, None, in_force)
    latest = max(relevant)[2]  # equal timestamps: the one listed later wins
    accepted = _last_accepted_version(relevant, by_label)
    if latest.decision is not AcceptanceDecision.ACCEPTED:
        return ConsentState(ConsentStatus(latest.decision.value), latest, accepted, in_force)
    version = by_label.get(latest.version_label)
    if version is None:
        raise ValidationError("version_label", latest.version_label, N_("is not a known version"))
    newer_majors = [v for v in versions if v.major > version.major and v.effective_from <= on]
    if not newer_majors:
        return ConsentState(ConsentStatus.ACCEPTED, latest, version, in_force)
    if all(v.tacit_acceptance for v in newer_majors):
        return ConsentState(ConsentStatus.ACCEPTED, latest, version, in_force, deemed=True)
    return ConsentState(ConsentStatus.NEEDS_REACCEPTANCE, latest, version, in_force)


def _last_accepted_version(
    relevant: list[tuple[datetime, int, AcceptanceRecord]], by_label: Mapping[str, TermsVersion]
) -> TermsVersion | None:
    for _, _, record in sorted(relevant, reverse=True):
        if record.decision is AcceptanceDecision.ACCEPTED:
            return by_label.get(record.version_label)
    return None


# ---------------------------------------------------------------------------------------------
# Age rules as data (R6, R46, R47, R48)
# ---------------------------------------------------------------------------------------------


class AgeBasis(StrEnum):
    """The ground on which an age rule let an act through (recorded with the consent, R44)."""

    AGE = "age"
    GUARDIAN_CONSENT = "guardian_consent"  # R46 (c): a legal representative consented
    SCHOOL_DOCUMENT = "school_document"  # R46 (b): the institution's study-organisation document
    CAPACITY_OVERRIDE = "capacity_override"  # R48: full capacity acquired early (court, marriage)


_ALTERNATIVE_BASES = frozenset({AgeBasis.GUARDIAN_CONSENT, AgeBasis.SCHOOL_DOCUMENT})
_AGE_RULE_KEYS = frozenset(
    {"key", "country", "min_age", "alternatives", "description", "capacity_override"}
)


@dataclass(frozen=True)
class AgeRule:
    """One age threshold for one act, with the other grounds that can stand in for the age."""

    key: str
    country: str
    min_age: int
    alternatives: tuple[AgeBasis, ...] = ()
    description: str = ""
    capacity_override: bool = False  # R48: a manual "full capacity from" date counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "country": self.country,
            "min_age": self.min_age,
            "alternatives": [str(a) for a in self.alternatives],
            "description": self.description,
            "capacity_override": self.capacity_override,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgeRule:
        """Strict: a school's JSON with a typo ('min-age') is refused, not silently ignored."""
        unknown = set(data) - _AGE_RULE_KEYS
        if unknown:
            raise ValidationError("age_rule", sorted(unknown), N_("unknown settings"))
        key = data.get("key")
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("key", key, N_("is required"))
        country = _require_country(str(data.get("country", "")))
        min_age = data.get("min_age")
        if not isinstance(min_age, int) or isinstance(min_age, bool) or not 0 <= min_age <= 25:
            raise ValidationError("min_age", min_age, N_("must be a whole number of years, 0–25"))
        raw_alternatives = data.get("alternatives", [])
        if isinstance(raw_alternatives, str) or not isinstance(raw_alternatives, list | tuple):
            raise ValidationError("alternatives", raw_alternatives, N_("must be a list"))
        alternatives: list[AgeBasis] = []
        for item in raw_alternatives:
            if item not in {str(b) for b in _ALTERNATIVE_BASES}:
                raise ValidationError(
                    "alternatives",
                    item,
                    N_("use {choices}", choices="guardian_consent, school_document"),
                )
            alternatives.append(AgeBasis(item))
        description = data.get("description", "")
        if not isinstance(description, str):
            raise ValidationError("description", description, N_("must be text"))
        capacity_override = data.get("capacity_override", False)
        if not isinstance(capacity_override, bool):
            raise ValidationError(
                "capacity_override", capacity_override, N_("must be true or false")
            )
        return cls(key, country, min_age, tuple(alternatives), description, capacity_override)


MOODLE_ACCOUNT = "ee.moodle_account"
SI_STUDENT_ORDER = "si.student_order"
SI_STUDENT_TRIAL = "si.student_trial"
SI_FULL_CAPACITY = "si.full_capacity"

DEFAULT_AGE_RULES: tuple[AgeRule, ...] = (
    AgeRule(
        MOODLE_ACCOUNT,
        "EE",
        13,
        (AgeBasis.GUARDIAN_CONSENT, AgeBasis.SCHOOL_DOCUMENT),
        "R46: a Moodle account at 13, or younger with a guardian's consent or on the basis of "
        "the school's study-organisation document",
    ),
    AgeRule(
        SI_STUDENT_ORDER,
        "SI",
        15,
        (),
        "R47: a student orders POPOLNI alone from 15; younger children only through a guardian",
    ),
    AgeRule(
        SI_STUDENT_TRIAL,
        "SI",
        15,
        (),
        "R47: a student tries the student app alone from 15",
    ),
    AgeRule(
        SI_FULL_CAPACITY,
        "SI",
        18,
        (),
        "R48: full legal capacity at 18, or earlier from a recorded 'full capacity from' date",
        capacity_override=True,
    ),
)


def age_rules_to_dicts(rules: Iterable[AgeRule]) -> list[dict[str, Any]]:
    return [rule.to_dict() for rule in rules]


def age_rules_from_dicts(items: Iterable[Mapping[str, Any]]) -> dict[str, AgeRule]:
    """Load a school's configured age rules (JSON-decoded), keyed by rule key."""
    rules: dict[str, AgeRule] = {}
    for item in items:
        rule = AgeRule.from_dict(item)
        if rule.key in rules:
            raise ValidationError("key", rule.key, N_("is defined twice"))
        rules[rule.key] = rule
    return rules


def default_age_rule(key: str) -> AgeRule:
    for rule in DEFAULT_AGE_RULES:
        if rule.key == key:
            return rule
    raise KeyError(key)


@dataclass(frozen=True)
class AgeDecision:
    allowed: bool
    basis: AgeBasis | None  # what let the act through; None when refused
    age: int  # completed years on the act date (R6)
    min_age: int
    reached_on: date  # the day the age threshold is (or was) reached (R6: 29 Feb → 1 Mar)
    reason: str


def _allowed_on(alternative: AgeBasis, age: int, min_age: int) -> str:
    if alternative is AgeBasis.GUARDIAN_CONSENT:
        return Nn_(
            "is {n} year old, under {min_age}, allowed with a guardian's consent",
            "is {n} years old, under {min_age}, allowed with a guardian's consent",
            age,
            min_age=min_age,
        )
    return Nn_(
        "is {n} year old, under {min_age}, allowed by the school's study-organisation document",
        "is {n} years old, under {min_age}, allowed by the school's study-organisation document",
        age,
        min_age=min_age,
    )


def _too_young(
    age: int, act_date: date, min_age: int, reached_on: date, alternatives: Sequence[AgeBasis]
) -> str:
    """The refusal names the age, the day it is reached and what else would allow the act."""
    values = {"date": act_date, "min_age": min_age, "reached": reached_on}
    guardian = AgeBasis.GUARDIAN_CONSENT in alternatives
    document = AgeBasis.SCHOOL_DOCUMENT in alternatives
    if guardian and document:
        return Nn_(
            "is {n} year old on {date}; this needs age {min_age}, reached on {reached}, or a "
            "guardian's consent or the school's study-organisation document",
            "is {n} years old on {date}; this needs age {min_age}, reached on {reached}, or a "
            "guardian's consent or the school's study-organisation document",
            age,
            **values,
        )
    if guardian:
        return Nn_(
            "is {n} year old on {date}; this needs age {min_age}, reached on {reached}, "
            "or a guardian's consent",
            "is {n} years old on {date}; this needs age {min_age}, reached on {reached}, "
            "or a guardian's consent",
            age,
            **values,
        )
    if document:
        return Nn_(
            "is {n} year old on {date}; this needs age {min_age}, reached on {reached}, "
            "or the school's study-organisation document",
            "is {n} years old on {date}; this needs age {min_age}, reached on {reached}, "
            "or the school's study-organisation document",
            age,
            **values,
        )
    return Nn_(
        "is {n} year old on {date}; this needs age {min_age}, reached on {reached}",
        "is {n} years old on {date}; this needs age {min_age}, reached on {reached}",
        age,
        **values,
    )


def evaluate_age_rule(
    rule: AgeRule,
    birth_date: date,
    act_date: date,
    bases: Iterable[str] = (),
    *,
    capacity_from: date | None = None,
) -> AgeDecision:
    """R6/R46–R48: may a person born on `birth_date` do the act on `act_date`?

    Age counts first (it needs no evidence), then the capacity override if the rule allows it,
    then the alternatives in the rule's order. A refusal names the age and the day it is reached.
    """
    if act_date < birth_date:
        raise ValidationError(
            "act_date", act_date.isoformat(), N_("is before birth ({date})", date=birth_date)
        )
    if capacity_from is not None and capacity_from < birth_date:
        raise ValidationError(
            "capacity_from",
            capacity_from.isoformat(),
            N_("is before birth ({date})", date=birth_date),
        )
    age = age_on(birth_date, act_date)
    reached_on = date_of_age(birth_date, rule.min_age)
    if has_reached_age(birth_date, rule.min_age, act_date):
        return AgeDecision(
            True,
            AgeBasis.AGE,
            age,
            rule.min_age,
            reached_on,
            Nn_(
                "is {n} year old (at least {min_age})",
                "is {n} years old (at least {min_age})",
                age,
                min_age=rule.min_age,
            ),
        )
    if rule.capacity_override and capacity_from is not None:
        if act_date >= capacity_from:
            return AgeDecision(
                True,
                AgeBasis.CAPACITY_OVERRIDE,
                age,
                rule.min_age,
                capacity_from,
                N_("has full legal capacity from {date}", date=capacity_from),  # R48
            )
        reached_on = min(reached_on, capacity_from)
    given = {str(b) for b in bases}
    for alternative in rule.alternatives:
        if str(alternative) in given:
            return AgeDecision(
                True,
                alternative,
                age,
                rule.min_age,
                reached_on,
                _allowed_on(alternative, age, rule.min_age),
            )
    reason = _too_young(age, act_date, rule.min_age, reached_on, rule.alternatives)
    return AgeDecision(False, None, age, rule.min_age, reached_on, reason)


def require_age(
    rule: AgeRule,
    birth_date: date,
    act_date: date,
    bases: Iterable[str] = (),
    *,
    capacity_from: date | None = None,
) -> AgeDecision:
    """As evaluate_age_rule, but a refusal raises ValidationError for the form to show."""
    decision = evaluate_age_rule(rule, birth_date, act_date, bases, capacity_from=capacity_from)
    if not decision.allowed:
        raise ValidationError("birth_date", birth_date.isoformat(), decision.reason)
    return decision


# ---------------------------------------------------------------------------------------------
# Working days (R3, R35)
# ---------------------------------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian computus, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@dataclass(frozen=True)
class Holiday:
    """A public holiday: a fixed day (month, day) or a day relative to Easter Sunday."""

    name: str
    month: int = 0
    day: int = 0
    easter_offset: int | None = None

    def in_year(self, year: int) -> date:
        if self.easter_offset is not None:
            return easter_sunday(year) + timedelta(days=self.easter_offset)
        return date(year, self.month, self.day)

    def to_dict(self) -> dict[str, Any]:
        if self.easter_offset is not None:
            return {"name": self.name, "easter_offset": self.easter_offset}
        return {"name": self.name, "month": self.month, "day": self.day}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Holiday:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name", name, N_("is required"))
        if "easter_offset" in data:
            offset = data["easter_offset"]
            if not isinstance(offset, int) or isinstance(offset, bool) or abs(offset) > 100:
                raise ValidationError("easter_offset", offset, N_("must be days from Easter, ±100"))
            return cls(name, easter_offset=offset)
        month, day = data.get("month"), data.get("day")
        try:
            date(2023, int(month), int(day))  # a non-leap year: no 29 Feb holidays
        except (TypeError, ValueError):
            raise ValidationError(
                "day", f"{month}-{day}", N_("is not a day of every year")
            ) from None
        return cls(name, int(month), int(day))


# R3 proposal: Estonian public holidays. Kept as data so an added holiday is a settings change.
ESTONIAN_HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("New Year's Day", 1, 1),
    Holiday("Independence Day", 2, 24),
    Holiday("Good Friday", easter_offset=-2),
    Holiday("Easter Sunday", easter_offset=0),
    Holiday("Spring Day", 5, 1),
    Holiday("Whit Sunday", easter_offset=49),
    Holiday("Victory Day", 6, 23),
    Holiday("Midsummer Day", 6, 24),
    Holiday("Day of Restoration of Independence", 8, 20),
    Holiday("Christmas Eve", 12, 24),
    Holiday("Christmas Day", 12, 25),
    Holiday("Boxing Day", 12, 26),
)


def holidays_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[Holiday, ...]:
    return tuple(Holiday.from_dict(item) for item in items)


def holidays_to_dicts(holidays: Iterable[Holiday]) -> list[dict[str, Any]]:
    return [h.to_dict() for h in holidays]


@functools.lru_cache(maxsize=256)
def _holidays_in(year: int, table: tuple[Holiday, ...]) -> dict[date, str]:
    return {h.in_year(year): h.name for h in table}


def holidays_in(year: int, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS) -> dict[date, str]:
    """R3: the holidays of one year, computed (Easter-dependent days move every year)."""
    return dict(_holidays_in(year, tuple(table)))


def is_working_day(day: date, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS) -> bool:
    """R3: Monday–Friday and not a public holiday."""
    return not is_weekend(day) and day not in _holidays_in(day.year, tuple(table))


def within_working_days(
    submitted_on: date, days: int = 1, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS
) -> date:
    """R3: 'within N working days' ends with the Nth working day after the day of submission.

    Fri 21 Jun 2024 → Tue 25 Jun 2024 (Sun 23 and Mon 24 Jun are holidays).
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    frozen = tuple(table)
    day, counted = submitted_on, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, frozen):
            counted += 1
    return day


def exception_decision_due(
    requested_on: date, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS
) -> date:
    """R35/R3: Moodle support decides a personal-code exception within 1 working day."""
    return within_working_days(requested_on, 1, table)


# ---------------------------------------------------------------------------------------------
# Data-subject requests (R57, R58, R59)
# ---------------------------------------------------------------------------------------------


class RequestKind(StrEnum):
    """R58: the rights a data subject (or the legal representative of a minor) exercises."""

    ACCESS = "ACCESS"
    RECTIFICATION = "RECTIFICATION"
    DELETION = "DELETION"
    RESTRICTION = "RESTRICTION"
    OBJECTION = "OBJECTION"
    PORTABILITY = "PORTABILITY"


RESPONSE_MONTHS = 1  # R58
EXTENSION_MONTHS = 2  # GDPR Art. 12(3): "by two further months"


@dataclass(frozen=True)
class ForwardingDeadline:
    due_on: date
    weekend_warning: bool  # R57: the app warns before weekends

    @property
    def message(self) -> str:
        text = f"forward to the school by {self.due_on.isoformat()}"
        if self.weekend_warning:
            text += f" (a {self.due_on.strftime('%A')}: forward it before the weekend)"
        return text


def forwarding_deadline(received_on: date) -> ForwardingDeadline:
    """R57: forwarded at the latest on the next calendar day (a Friday request → Saturday)."""
    due = add_days(received_on, 1)
    return ForwardingDeadline(due, is_weekend(due))


@dataclass(frozen=True)
class Extension:
    """GDPR Art. 12(3) as proposed in R58: only with a reason, told within the first month."""

    reason: str
    requester_notified_on: date
    months: int = EXTENSION_MONTHS


def check_extension(received_on: date, extension: Extension) -> None:
    errors: list[ValidationError] = []
    if not extension.reason.strip():
        errors.append(
            ValidationError("reason", extension.reason, N_("an extension needs a reason"))
        )
    first_due = add_months(received_on, RESPONSE_MONTHS)
    if extension.requester_notified_on > first_due:
        errors.append(
            ValidationError(
                "requester_notified_on",
                extension.requester_notified_on.isoformat(),
                N_("the requester must be told by {date}, within the first month", date=first_due),
            )
        )
    if extension.requester_notified_on < received_on:
        errors.append(
            ValidationError(
                "requester_notified_on",
                extension.requester_notified_on.isoformat(),
                N_("is before the request was received ({date})", date=received_on),
            )
        )
    if not 1 <= extension.months <= EXTENSION_MONTHS:
        errors.append(
            ValidationError(
                "months",
                extension.months,
                Nn_("at most {n} more month", "at most {n} more months", EXTENSION_MONTHS),
            )
        )
    if errors:
        raise ValidationErrors(errors)


def response_due(received_on: date, extension: Extension | None = None) -> date:
    """R58/R2: received + 1 calendar month, clamped (31 Jan → 28/29 Feb, 30 Nov → 30 Dec).

    With a valid extension the months are counted from receipt too (31 Jan + 3 → 30 Apr).
    """
    if extension is None:
        return add_months(received_on, RESPONSE_MONTHS)
    check_extension(received_on, extension)
    return add_months(received_on, RESPONSE_MONTHS + extension.months)


class DeadlineState(StrEnum):
    PENDING = "PENDING"
    OVERDUE = "OVERDUE"
    DONE_IN_TIME = "DONE_IN_TIME"
    DONE_LATE = "DONE_LATE"


def deadline_state(due_on: date, done_on: date | None, today: date) -> DeadlineState:
    """R1: a deadline on day D holds until the end of D."""
    if done_on is not None:
        return DeadlineState.DONE_IN_TIME if done_on <= due_on else DeadlineState.DONE_LATE
    return DeadlineState.OVERDUE if today > due_on else DeadlineState.PENDING


# ---------------------------------------------------------------------------------------------
# Access codes: 6-digit MojArhiv code (R40) and onboarding security code (R39)
# ---------------------------------------------------------------------------------------------


class CodeKind(StrEnum):
    EXPORT = "EXPORT"  # R40: 6 digits, MojArhiv export
    SECURITY = "SECURITY"  # R39: 12 base32 characters, guardian onboarding / first access


@dataclass(frozen=True)
class CodePolicy:
    valid_days: int
    max_failures: int


CODE_POLICIES: dict[CodeKind, CodePolicy] = {
    CodeKind.EXPORT: CodePolicy(valid_days=14, max_failures=5),  # R40 proposal
    # R39 sets 30 days; the attempt limit is ours (the provider checks the code in practice).
    CodeKind.SECURITY: CodePolicy(valid_days=30, max_failures=5),
}

BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648: no 0/1/8/9, fewer misreadings
SECURITY_CODE_LENGTH = 12
_EXPORT_CODE = re.compile(r"[0-9]{6}")
_SECURITY_CODE = re.compile(f"[{BASE32_ALPHABET}]{{{SECURITY_CODE_LENGTH}}}")


def format_export_code(number: int) -> str:
    """R40: 000000–999999 as text, leading zeros kept."""
    if not 0 <= number <= 999_999:
        raise ValueError("an export code is a number 0–999999")
    return f"{number:06d}"


def new_export_code() -> str:
    return format_export_code(secrets.randbelow(1_000_000))


def new_security_code() -> str:
    """R39: 12 random base32 characters (60 bits), unformatted."""
    return "".join(secrets.choice(BASE32_ALPHABET) for _ in range(SECURITY_CODE_LENGTH))


def format_security_code(code: str) -> str:
    """R39: printed as 4-4-4 (ABCD-EFGH-2345) so it can be read out and typed."""
    normal = normalise_code(CodeKind.SECURITY, code)
    if normal is None:
        raise ValueError("not a security code")
    return "-".join(normal[i : i + 4] for i in range(0, SECURITY_CODE_LENGTH, 4))


def normalise_code(kind: CodeKind, entered: str) -> str | None:
    """The typed code without spaces or dashes (upper-cased); None if it cannot be a code."""
    text = re.sub(r"[\s\-]", "", entered)
    if kind is CodeKind.SECURITY:
        text = text.upper()
        return text if _SECURITY_CODE.fullmatch(text) else None
    return text if _EXPORT_CODE.fullmatch(text) else None


# scrypt: memory-hard, in the standard library. n=2**14, r=8 uses 16 MiB and ~50 ms per check.
SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


def hash_code(code: str, *, n: int = SCRYPT_N) -> str:
    """Hash a (normalised) code for storage with a fresh random salt: 'scrypt$n$r$p$salt$hash'.

    The plain code is printed once on slip D15 and never stored (R39, R40). A 6-digit code can be
    brute-forced offline whatever the hash; the real protection is the attempt limit.
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(code.encode(), salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_code(code: str, stored: str) -> bool:
    """Constant-time comparison of a code against a stored hash from hash_code."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        candidate = hashlib.scrypt(
            code.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError as exc:
        raise ValueError("the stored code hash is damaged or of an unknown kind") from exc
    return hmac.compare_digest(candidate, expected)


def code_expires_at(issued_at: datetime, country: str, valid_days: int) -> datetime:
    """R1/R2: valid N days = until the end of the Nth local day after the day of issue."""
    issued_on = local_date(_require_aware("issued_at", issued_at), country)
    return local_day_end(add_days(issued_on, valid_days), country)


@dataclass(frozen=True)
class IssuedCode:
    """A code as stored: bound to (guardian, child), hashed, single use (R39, R40).

    `expires_at` is fixed at issue, so slip D15 and the check always agree.
    """

    kind: CodeKind
    guardian_id: Id
    child_id: Id
    code_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    failed_attempts: int = 0
    revoked: bool = False  # R39: issuing a new code revokes the old one

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CodeKind(self.kind))
        object.__setattr__(self, "issued_at", _require_aware("issued_at", self.issued_at))
        object.__setattr__(self, "expires_at", _require_aware("expires_at", self.expires_at))
        if self.used_at is not None:
            object.__setattr__(self, "used_at", _require_aware("used_at", self.used_at))
        if self.failed_attempts < 0:
            raise ValueError("failed_attempts cannot be negative")


def issue_code(
    kind: CodeKind,
    guardian_id: Id,
    child_id: Id,
    now: datetime,
    country: str,
    policy: CodePolicy | None = None,
    *,
    n: int = SCRYPT_N,
) -> tuple[str, IssuedCode]:
    """A new code: the printable text (for slip D15, shown once) and the record to store."""
    policy = policy or CODE_POLICIES[kind]
    if kind is CodeKind.EXPORT:
        plain = new_export_code()
        printable = plain
    else:
        plain = new_security_code()
        printable = format_security_code(plain)
    record = IssuedCode(
        kind,
        guardian_id,
        child_id,
        hash_code(plain, n=n),
        now,
        code_expires_at(now, country, policy.valid_days),
    )
    return printable, record


def revoke(code: IssuedCode) -> IssuedCode:
    """R39: a new code for the same (child, guardian) invalidates the old one."""
    return replace(code, revoked=True)


class CodeState(StrEnum):
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    USED = "USED"
    LOCKED = "LOCKED"
    REVOKED = "REVOKED"


def code_state(code: IssuedCode, now: datetime, policy: CodePolicy | None = None) -> CodeState:
    """R39/R40. Precedence when several hold: used, revoked, locked, expired."""
    policy = policy or CODE_POLICIES[code.kind]
    now = _require_aware("now", now)
    if code.used_at is not None:
        return CodeState.USED
    if code.revoked:
        return CodeState.REVOKED
    if code.failed_attempts >= policy.max_failures:
        return CodeState.LOCKED
    if now >= code.expires_at:
        return CodeState.EXPIRED
    return CodeState.VALID


class AttemptResult(StrEnum):
    ACCEPTED = "ACCEPTED"
    WRONG = "WRONG"  # counted; attempts_left says how many remain
    LOCKED = "LOCKED"  # this attempt (or an earlier one) used up the attempts
    EXPIRED = "EXPIRED"
    USED = "USED"
    REVOKED = "REVOKED"
    WRONG_PERSON = "WRONG_PERSON"  # the code is bound to another guardian or child
    MALFORMED = "MALFORMED"  # not a code at all (5 digits, a letter): not counted


_ATTEMPT_MESSAGES = {
    AttemptResult.ACCEPTED: N_("the code is correct"),
    AttemptResult.WRONG: N_("the code is wrong"),
    AttemptResult.LOCKED: N_("too many wrong attempts: the code is locked; issue a new one"),
    AttemptResult.EXPIRED: N_("the code has expired; issue a new one"),
    AttemptResult.USED: N_("the code has already been used; issue a new one"),
    AttemptResult.REVOKED: N_("the code was replaced by a newer one"),
    AttemptResult.WRONG_PERSON: N_("this code was issued for another guardian or child"),
    AttemptResult.MALFORMED: N_("that is not a code of the right form"),
}


@dataclass(frozen=True)
class CodeAttempt:
    result: AttemptResult
    code: IssuedCode  # the record to store back (used_at / failed_attempts updated)
    attempts_left: int

    @property
    def accepted(self) -> bool:
        return self.result is AttemptResult.ACCEPTED

    @property
    def message(self) -> str:
        if self.result is AttemptResult.WRONG:
            return Nn_(
                "the code is wrong; {n} attempt left",
                "the code is wrong; {n} attempts left",
                self.attempts_left,
            )
        return _ATTEMPT_MESSAGES[self.result]


def try_code(
    code: IssuedCode,
    entered: str,
    *,
    guardian_id: Id,
    child_id: Id,
    now: datetime,
    policy: CodePolicy | None = None,
) -> CodeAttempt:
    """R39/R40: one attempt at a code for (guardian, child). Returns the record to store."""
    policy = policy or CODE_POLICIES[code.kind]
    now = _require_aware("now", now)
    left = max(policy.max_failures - code.failed_attempts, 0)
    if (code.guardian_id, code.child_id) != (guardian_id, child_id):
        return CodeAttempt(AttemptResult.WRONG_PERSON, code, left)
    state = code_state(code, now, policy)
    if state is not CodeState.VALID:
        return CodeAttempt(AttemptResult(state.value), code, left)
    normal = normalise_code(code.kind, entered)
    if normal is None:
        return CodeAttempt(AttemptResult.MALFORMED, code, left)
    if verify_code(normal, code.code_hash):
        return CodeAttempt(AttemptResult.ACCEPTED, replace(code, used_at=now), left)
    failed = replace(code, failed_attempts=code.failed_attempts + 1)
    left = max(policy.max_failures - failed.failed_attempts, 0)
    return CodeAttempt(AttemptResult.LOCKED if left == 0 else AttemptResult.WRONG, failed, left)


# ---------------------------------------------------------------------------------------------
# Moodle account deletion requests (R61, R19)
# ---------------------------------------------------------------------------------------------


class DeletionState(StrEnum):
    REQUESTED = "REQUESTED"
    BLOCKED_ACTIVE_STUDY = "BLOCKED_ACTIVE_STUDY"
    SCHEDULED = "SCHEDULED"
    DELETED = "DELETED"


DELETION_DAYS = 14  # R61: "within 2 weeks of receipt"


@dataclass(frozen=True)
class DeletionRequest:
    received_on: date
    state: DeletionState = DeletionState.REQUESTED
    valid_from: date | None = None  # the day the request became valid: the clock starts here
    user_told_on: date | None = None  # R61: told to have the institution remove them first
    deleted_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", DeletionState(self.state))

    @property
    def due_on(self) -> date | None:
        """R61 proposal: valid_from + 14 days; no deadline while blocked."""
        return None if self.valid_from is None else add_days(self.valid_from, DELETION_DAYS)

    @property
    def must_tell_user(self) -> bool:
        return self.state is DeletionState.BLOCKED_ACTIVE_STUDY and self.user_told_on is None

    def deadline(self, today: date) -> DeadlineState | None:
        due = self.due_on
        return None if due is None else deadline_state(due, self.deleted_on, today)


def assess_deletion(request: DeletionRequest, *, active_study: bool, on: date) -> DeletionRequest:
    """R61/R19: block while the user has active study work; schedule once there is none.

    A request valid on receipt starts its clock on the day received; a blocked one on `on`, the
    day the office finds the user removed. New study work before deletion blocks it again.
    """
    if request.state is DeletionState.DELETED:
        raise InvalidTransition(
            "deletion request", request.state, "reassess", N_("the data were already deleted")
        )
    if on < request.received_on:
        raise ValidationError(
            "on", on.isoformat(), N_("is before receipt ({date})", date=request.received_on)
        )
    if active_study:
        if request.state is DeletionState.BLOCKED_ACTIVE_STUDY:
            return request
        return replace(request, state=DeletionState.BLOCKED_ACTIVE_STUDY, valid_from=None)
    if request.state is DeletionState.SCHEDULED:
        return request
    start = request.received_on if request.state is DeletionState.REQUESTED else on
    return replace(request, state=DeletionState.SCHEDULED, valid_from=start)


def record_user_told(request: DeletionRequest, on: date) -> DeletionRequest:
    if request.state is not DeletionState.BLOCKED_ACTIVE_STUDY:
        raise InvalidTransition(
            "deletion request",
            request.state,
            "record the user notice for",
            N_("the user is told only while active study work holds the deletion back"),
        )
    return replace(request, user_told_on=on)


def mark_deleted(request: DeletionRequest, on: date) -> DeletionRequest:
    """R61: only a scheduled (valid) request ends in deletion; a person confirms it (R67)."""
    if request.state is not DeletionState.SCHEDULED:
        reason = (
            N_("the user still has active study work")  # R19
            if request.state is DeletionState.BLOCKED_ACTIVE_STUDY
            else N_("check for active study work first")
        )
        raise InvalidTransition("deletion request", request.state, "delete", reason)
    return replace(request, state=DeletionState.DELETED, deleted_on=on)


# ---------------------------------------------------------------------------------------------
# Retention (R64, R17, R35, R116, R67)
# ---------------------------------------------------------------------------------------------


class DataCategory(StrEnum):
    """R56 categories plus the record kinds R64 gives their own periods."""

    SCHOOL = "SCHOOL"
    BILLING = "BILLING"
    CALENDAR = "CALENDAR"
    LOGIN_AUDIT = "LOGIN_AUDIT"  # R116
    CARDS = "CARDS"
    COURSE_MEMBERSHIP = "COURSE_MEMBERSHIP"  # R17
    UNCONFIRMED_ACCOUNT = "UNCONFIRMED_ACCOUNT"  # R35


class RetentionAction(StrEnum):
    DELETE = "DELETE"
    ANONYMISE = "ANONYMISE"


class PeriodUnit(StrEnum):
    DAYS = "DAYS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"
    SCHOOL_YEARS = "SCHOOL_YEARS"  # to the end (31 Aug) of the Nth school year after (R4)


_RETENTION_KEYS = frozenset(
    {"category", "action", "amount", "unit", "act_next_day", "rule_ref", "description"}
)


@dataclass(frozen=True)
class RetentionRule:
    """How long one category is kept, counted from its reference date.

    `act_next_day`: 'kept N, purged on the following day' (True) or 'removed by N' (False).
    """

    category: DataCategory
    action: RetentionAction
    amount: int
    unit: PeriodUnit
    act_next_day: bool
    rule_ref: str
    description: str

    def due_on(self, reference: date) -> date:
        if self.unit is PeriodUnit.DAYS:
            end = add_days(reference, self.amount)
        elif self.unit is PeriodUnit.MONTHS:
            end = add_months(reference, self.amount)
        elif self.unit is PeriodUnit.YEARS:
            end = add_years(reference, self.amount)
        else:
            end = SchoolYear(SchoolYear.of(reference).start_year + self.amount).last_day
        return add_days(end, 1) if self.act_next_day else end

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": str(self.category),
            "action": str(self.action),
            "amount": self.amount,
            "unit": str(self.unit),
            "act_next_day": self.act_next_day,
            "rule_ref": self.rule_ref,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetentionRule:
        unknown = set(data) - _RETENTION_KEYS
        if unknown:
            raise ValidationError("retention_rule", sorted(unknown), N_("unknown settings"))
        category = _parse_enum(DataCategory, "category", data.get("category"))
        action = _parse_enum(RetentionAction, "action", data.get("action"))
        unit = _parse_enum(PeriodUnit, "unit", data.get("unit"))
        amount = data.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= 100:
            raise ValidationError("amount", amount, N_("must be a whole number, 0–100"))
        act_next_day = data.get("act_next_day", False)
        if not isinstance(act_next_day, bool):
            raise ValidationError("act_next_day", act_next_day, N_("must be true or false"))
        rule_ref = data.get("rule_ref", "")
        description = data.get("description", "")
        if not isinstance(rule_ref, str) or not isinstance(description, str):
            raise ValidationError("description", description, N_("must be text"))
        return cls(category, action, amount, unit, act_next_day, rule_ref, description)


def _parse_enum(enum_type: type[_E], name: str, value: object) -> _E:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_type)
        raise ValidationError(name, value, N_("use one of {choices}", choices=allowed)) from None


DEFAULT_RETENTION_RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        DataCategory.BILLING,
        RetentionAction.DELETE,
        5,
        PeriodUnit.YEARS,
        True,
        "R64",
        "payer data kept 5 years after the subscription ended",
    ),
    RetentionRule(
        DataCategory.LOGIN_AUDIT,
        RetentionAction.DELETE,
        24,
        PeriodUnit.MONTHS,
        True,
        "R64/R116",
        "login audit entries kept 24 months",
    ),
    RetentionRule(
        DataCategory.CARDS,
        RetentionAction.ANONYMISE,
        1,
        PeriodUnit.SCHOOL_YEARS,
        True,
        "R64",
        "closed or expired cards kept until the end of the school year after closure",
    ),
    RetentionRule(
        DataCategory.COURSE_MEMBERSHIP,
        RetentionAction.DELETE,
        6,
        PeriodUnit.MONTHS,
        False,
        "R17",
        "course members removed at the latest 6 months after the course ends",
    ),
    RetentionRule(
        DataCategory.UNCONFIRMED_ACCOUNT,
        RetentionAction.DELETE,
        7,
        PeriodUnit.DAYS,
        False,
        "R35",
        "an account with no personal code or exception request is deleted after 1 week",
    ),
    # SCHOOL and CALENDAR have no fixed period (R64: limitation periods; deleted by the user).
)

# The categories whose records this app keeps, so that a retention job can act on them
# (desktop/services/retention.py has a source for each; a test holds the two together). The
# other rules above are kept for the documents that cite them: login records are append-only
# (R122) and purged by the database owner; course memberships and unconfirmed accounts live in
# Moodle (R17, R35), not here. A school's settings offer only these.
APP_RETENTION_CATEGORIES = frozenset(
    {DataCategory.BILLING, DataCategory.CARDS, DataCategory.SCHOOL}
)
APP_RETENTION_RULES: tuple[RetentionRule, ...] = tuple(
    r for r in DEFAULT_RETENTION_RULES if r.category in APP_RETENTION_CATEGORIES
)

BACKUP_EXPIRY_DAYS = 35  # R64 proposal: purged data leave the backups within 35 days


def retention_rules_to_dicts(rules: Iterable[RetentionRule]) -> list[dict[str, Any]]:
    return [rule.to_dict() for rule in rules]


def retention_rules_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[RetentionRule, ...]:
    rules = tuple(RetentionRule.from_dict(item) for item in items)
    categories = [r.category for r in rules]
    for category in categories:
        if categories.count(category) > 1:
            raise ValidationError("category", str(category), N_("has two retention rules"))
    return rules


@dataclass(frozen=True)
class RetentionRecord:
    """What the service tells the rules about one stored record."""

    record_id: Id
    category: DataCategory
    reference_date: date  # subscription end, login day, card closure, course end, e-mail sent
    legal_hold: bool = False  # R64: e.g. enforced recovery in progress blocks the purge
    extended_due: date | None = None  # R17: a recorded retention extension (users informed)

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", DataCategory(self.category))


@dataclass(frozen=True)
class RetentionProposal:
    """A proposal only: a person confirms it and is recorded as the decider (R67)."""

    record_id: Id
    category: DataCategory
    action: RetentionAction
    due_on: date
    reason: str


def retention_proposals(
    records: Iterable[RetentionRecord],
    today: date,
    rules: Iterable[RetentionRule] = DEFAULT_RETENTION_RULES,
) -> list[RetentionProposal]:
    """R64: records whose retention has run out by `today`, oldest due first.

    Records under legal hold, in categories without a rule, or not yet due are left out.
    """
    by_category = {rule.category: rule for rule in rules}
    proposals: list[RetentionProposal] = []
    for record in records:
        rule = by_category.get(record.category)
        if rule is None or record.legal_hold:
            continue
        due = rule.due_on(record.reference_date)
        reason = (
            # rule.rule_ref (R64…) stays internal: the reason is shown to the office
            f"{rule.description} (reference date {record.reference_date.isoformat()})"
        )
        if record.extended_due is not None and record.extended_due > due:
            due = record.extended_due
            reason += f"; retention extended to {due.isoformat()}"
        if due <= today:
            proposals.append(
                RetentionProposal(record.record_id, record.category, rule.action, due, reason)
            )
    proposals.sort(key=lambda p: (p.due_on, str(p.category), str(p.record_id)))
    return proposals


# ---------------------------------------------------------------------------------------------
# The adult student's prohibition (R48, R100) and the notices that contact stops (R15, R101).
# Whether an authority's measure (R15) is in force is roster.Restriction.active_on.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdultProhibition:
    """R48/R100: the adult student's handwritten letter forbidding data to the parents."""

    received_on: date  # the day it is registered; it applies to every guardian from that day
    age_basis: AgeBasis = AgeBasis.AGE  # full age, or the capacity override (R48)

    @property
    def subscription_ends_on(self) -> date:
        """R48 (b), mirroring R98: the subscription ends the day after the letter is received."""
        return add_days(self.received_on, 1)


def register_adult_prohibition(
    birth_date: date,
    received_on: date,
    *,
    handwritten_signature: bool,
    capacity_from: date | None = None,
    rule: AgeRule | None = None,
) -> AdultProhibition:
    """R48/R100: accepted only if signed by hand and the student has full legal capacity."""
    if not handwritten_signature:
        raise ValidationError(
            "handwritten_signature",
            False,
            N_("the letter must be signed by hand"),  # R100
        )
    rule = rule or default_age_rule(SI_FULL_CAPACITY)
    decision = evaluate_age_rule(rule, birth_date, received_on, capacity_from=capacity_from)
    if not decision.allowed:
        raise ValidationError(
            "received_on",
            received_on.isoformat(),
            # R48
            N_(
                "a prohibition can only be registered once the student has full legal "
                "capacity, on {date}",
                date=decision.reached_on,
            ),
        )
    return AdultProhibition(received_on, decision.basis)


@dataclass(frozen=True)
class NoticeRequirements:
    """What a letter must (and must not) carry, as data the document builders check against."""

    document: str
    rules: tuple[str, ...]
    recipients: str
    send: str
    must_include: tuple[str, ...]
    must_not_include: tuple[str, ...] = ()

    def check(self, fields: Mapping[str, object]) -> None:
        """Raise ValidationErrors naming every missing and every forbidden field."""
        errors = [
            ValidationError(name, fields.get(name), N_("the letter must include this"))
            for name in self.must_include
            if not _filled(fields.get(name))
        ]
        errors += [
            ValidationError(name, "…", N_("the letter must not disclose this"))
            for name in self.must_not_include
            if _filled(fields.get(name))
        ]
        if errors:
            raise ValidationErrors(errors)


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Sequence | Mapping):
        return len(value) > 0
    return True


CHILD_CONTACT_FIELDS = ("child_address", "child_phone", "child_email")

NOTICE_REQUIREMENTS: dict[str, NoticeRequirements] = {
    "D6": NoticeRequirements(
        "D6",
        ("R48", "R100"),
        "eŠola or the school",
        "by the student",
        ("student_name", "received_on", "handwritten_signature"),
    ),
    "D7": NoticeRequirements(
        "D7",
        ("R48", "R100"),
        "each guardian linked to the student",
        "when D6 is registered",
        ("guardian_name", "child_name", "termination_date", "reasons"),
        # Ours: the adult has just forbidden data to the parents, so none of theirs goes out.
        CHILD_CONTACT_FIELDS,
    ),
    "D8": NoticeRequirements(
        "D8",
        ("R15", "R101"),
        "the restricted guardian, and the subscriber if a different person",
        "immediately: the same day the restriction is recorded",
        ("guardian_name", "child_name", "change_or_termination", "effective_date"),
        (*CHILD_CONTACT_FIELDS, "measure_details"),  # R101: no more than necessary
    ),
    "D16": NoticeRequirements(
        "D16",
        ("R57", "R58", "R59"),
        "the requester",
        "acknowledgement on receipt; response within one month",
        ("dpo_contact", "information_commissioner"),
    ),
}


# ---------------------------------------------------------------------------------------------
# Breach notification (R69, R70)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    name: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None


# R59/R70: contact details as the source gives them; RIA and AKI are named only.
INFORMATION_COMMISSIONER = Authority(
    "Information Commissioner (Informacijski pooblaščenec)",
    "Dunajska cesta 22, 1000 Ljubljana",
    "01 230 97 30",
    "gp.ip@ip-rs.si",
)
RIA = Authority("Information System Authority (Riigi Infosüsteemi Amet, RIA)")
AKI = Authority("Data Protection Inspectorate (Andmekaitse Inspektsioon, AKI)")


class BreachNotice(StrEnum):
    HOME_PAGE = "HOME_PAGE"
    AFFECTED_PERSONS = "AFFECTED_PERSONS"
    RIA = "RIA"
    AKI = "AKI"
    INFORMATION_COMMISSIONER = "INFORMATION_COMMISSIONER"


BREACH_AUTHORITIES = {
    BreachNotice.RIA: RIA,
    BreachNotice.AKI: AKI,
    BreachNotice.INFORMATION_COMMISSIONER: INFORMATION_COMMISSIONER,
}

# R69 (EE): home page, affected persons, RIA and AKI. R70 (SI): the same workflow with the
# Information Commissioner as the authority.
BREACH_NOTICES: dict[str, tuple[BreachNotice, ...]] = {
    "EE": (
        BreachNotice.HOME_PAGE,
        BreachNotice.AFFECTED_PERSONS,
        BreachNotice.RIA,
        BreachNotice.AKI,
    ),
    "SI": (
        BreachNotice.HOME_PAGE,
        BreachNotice.AFFECTED_PERSONS,
        BreachNotice.INFORMATION_COMMISSIONER,
    ),
}

BREACH_WINDOW = timedelta(hours=72)  # R69/R70, R2: exact elapsed time, weekends count


def breach_controller(category: DataCategory) -> str:
    """R70 (SI): who notifies: the school for school data, eŠola for billing data."""
    return "eŠola" if category is DataCategory.BILLING else "school"


def breach_deadline(detected_at: datetime) -> datetime:
    """R69: detected_at + 72 h exactly (Fri 15:00 → Mon 15:00), in UTC."""
    return _require_aware("detected_at", detected_at) + BREACH_WINDOW


class NoticeState(StrEnum):
    PENDING = "PENDING"
    OVERDUE = "OVERDUE"
    SENT_IN_TIME = "SENT_IN_TIME"
    SENT_LATE = "SENT_LATE"


@dataclass(frozen=True)
class NoticeStatus:
    notice: BreachNotice
    state: NoticeState
    sent_at: datetime | None


@dataclass(frozen=True)
class BreachStatus:
    detected_at: datetime
    deadline: datetime
    remaining: timedelta  # zero once the deadline has passed
    overdue: bool  # past the deadline with a notice still unsent
    notices: tuple[NoticeStatus, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return all(n.sent_at is not None for n in self.notices)


def breach_status(
    country: str,
    detected_at: datetime,
    sent: Mapping[BreachNotice, datetime | None],
    now: datetime,
) -> BreachStatus:
    """R69/R70: the clock and each required notice. Sending exactly at the deadline is in time."""
    required = BREACH_NOTICES[_require_country(country)]
    detected_at = _require_aware("detected_at", detected_at)
    now = _require_aware("now", now)
    extra = set(sent) - set(required)
    if extra:
        raise ValueError(f"{country} breaches have no notice {sorted(map(str, extra))}")
    deadline = breach_deadline(detected_at)
    notices: list[NoticeStatus] = []
    for notice in required:
        sent_at = sent.get(notice)
        if sent_at is None:
            state = NoticeState.OVERDUE if now > deadline else NoticeState.PENDING
        else:
            sent_at = _require_aware("sent_at", sent_at)
            if sent_at < detected_at:
                raise ValidationError(
                    str(notice), sent_at.isoformat(), N_("is before the breach was detected")
                )
            state = NoticeState.SENT_IN_TIME if sent_at <= deadline else NoticeState.SENT_LATE
        notices.append(NoticeStatus(notice, state, sent_at))
    overdue = any(n.state is NoticeState.OVERDUE for n in notices)
    remaining = max(deadline - now, timedelta(0))
    return BreachStatus(detected_at, deadline, remaining, overdue, tuple(notices))
