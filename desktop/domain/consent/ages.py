"""Age rules as data (R6, R46, R47, R48): the threshold for an act and what stands in for it.

A school may tune the rules in its settings (AgeRule.to_dict/from_dict).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from desktop.domain.consent.common import check_setting_keys, require_country, settings_dict
from desktop.domain.dates import age_on, date_of_age, has_reached_age
from desktop.domain.errors import ValidationError
from desktop.i18n import N_, Nn_  # refusals are shown translated by the UI


class AgeBasis(StrEnum):
    """The ground on which an age rule let an act through (recorded with the consent, R44)."""

    AGE = "age"
    GUARDIAN_CONSENT = "guardian_consent"  # R46 (c): a legal representative consented
    SCHOOL_DOCUMENT = "school_document"  # R46 (b): the institution's study-organisation document
    CAPACITY_OVERRIDE = "capacity_override"  # R48: full capacity acquired early (court, marriage)


_ALTERNATIVE_BASES = frozenset({AgeBasis.GUARDIAN_CONSENT, AgeBasis.SCHOOL_DOCUMENT})


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
        return settings_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgeRule:
        check_setting_keys(cls, "age_rule", data)
        key = data.get("key")
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("key", key, N_("is required"))
        country = require_country(str(data.get("country", "")))
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
