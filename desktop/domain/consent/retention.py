"""Retention (R64, R17, R35, R116, R67): how long each kind of record is kept.

The periods are data a school may tune (RetentionRule.to_dict/from_dict). Records past their
period come back as proposals that a person confirms (R67), never as deletions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from desktop.domain.consent.common import Id, check_setting_keys, settings_dict
from desktop.domain.dates import SchoolYear, add_days, add_months, add_years
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI

EnumT = TypeVar("EnumT", bound=StrEnum)


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
        return settings_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetentionRule:
        check_setting_keys(cls, "retention_rule", data)
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


def _parse_enum(enum_type: type[EnumT], name: str, value: object) -> EnumT:
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
