"""The Today list: every deadline and every waiting decision, one row each (issue 19).

Pure rules, no Qt and no SQL: what a row holds (`DueItem`), which urgency group a deadline falls
in (`urgency`), how far ahead each kind of row looks (`horizon_days`), and the order rows are
shown in (`sort_key`). The service (desktop.services.today) gathers the rows; the tab and
`school-office today` show them.

Groups, for the school's `today`:
- overdue: the deadline was before today (or, for an instant such as a breach's 72nd hour, it
  has passed already);
- today: the deadline is today;
- this week: within the next 7 days (tomorrow to today + 7);
- later: further ahead, up to the kind's horizon (14 days; 60 for the age thresholds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from desktop.i18n import N_  # descriptions are shown translated by the UI and the CLI

WINDOW_DAYS = 14  # "today and the next 14 days"
AGE_WINDOW_DAYS = 60  # students reaching 13, 15 or 18 in the next 60 days
WEEK_DAYS = 7  # "this week": tomorrow up to a week ahead


class Labelled(StrEnum):
    """A value defined together with the label a reader sees (marked, translated where shown)."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Urgency(Labelled):
    OVERDUE = "overdue", N_("Overdue")
    TODAY = "today", N_("Today")
    THIS_WEEK = "this_week", N_("This week")
    LATER = "later", N_("Later")


URGENCY_ORDER = tuple(Urgency)


class ItemKind(Labelled):
    REQUEST = "request", N_("Request")
    DELETION = "deletion", N_("Deletion request")
    BREACH = "breach", N_("Data breach")
    BILLING_LETTER = "billing_letter", N_("Letter to print")
    BILLING_PROPOSAL = "billing_proposal", N_("Billing proposal")
    RETENTION_PROPOSAL = "retention_proposal", N_("Retention proposal")
    CARD_EXPIRING = "card_expiring", N_("Card expiring")
    CARD_PROVIDER = "card_provider", N_("Card provider")
    ACCESS_CODE = "access_code", N_("Verification code")
    AGE_THRESHOLD = "age_threshold", N_("Birthday")
    TERMS_VERSION = "terms_version", N_("Terms")


class Action(Labelled):
    """The next step (the label is the row's button): the UI maps each to a tab (and a record
    where it can); printing the re-consent letter is done from the Today list itself."""

    CONSENT_REQUESTS = "consent.requests", N_("Open the request")
    CONSENT_BREACHES = "consent.breaches", N_("Open the breach")
    CONSENT_RETENTION = "consent.retention", N_("Decide")
    CONSENT_CODES = "consent.codes", N_("Open the codes")
    CONSENT_TERMS = "consent.terms", N_("Open the terms")
    BILLING_DUE = "billing.due", N_("Print or decide")
    BILLING_SUBSCRIPTION = "billing.subscription", N_("Open the subscription")
    CARDS_CARD = "cards.card", N_("Open the card")
    CARDS_ATTENTION = "cards.attention", N_("Look at the events")
    PRINT_RECONSENT = "today.reconsent_letter", N_("Print the letter")


def horizon_days(kind: ItemKind) -> int:
    """How far ahead a kind of row looks: 60 days for the age thresholds, else 14."""
    return AGE_WINDOW_DAYS if kind is ItemKind.AGE_THRESHOLD else WINDOW_DAYS


def in_window(kind: ItemKind, due: date, today: date) -> bool:
    """Shown at all: anything overdue, and what falls due within the kind's horizon."""
    return due <= today + timedelta(days=horizon_days(kind))


def urgency(due: date, today: date, *, passed: bool = False) -> Urgency:
    """The group of a deadline on `due` seen on `today`. `passed`: an instant deadline (a
    breach's 72nd hour) already behind us counts as overdue even on its own day."""
    if due < today or passed:
        return Urgency.OVERDUE
    if due == today:
        return Urgency.TODAY
    if due <= today + timedelta(days=WEEK_DAYS):
        return Urgency.THIS_WEEK
    return Urgency.LATER


@dataclass(frozen=True)
class DueItem:
    """One line of the Today list.

    `text` is a translatable message with {placeholders}: `args` fill them as they are (names,
    numbers, dates already formatted by the service as ISO), `labels` with messages that are
    translated first. `action` says where the next step is done, `record_id` which record
    (a request, a card, a subscription, a student...) where there is one."""

    kind: ItemKind
    due: date
    urgency: Urgency
    person: str
    text: str
    action: Action
    record_id: int | None = None
    due_at: datetime | None = None  # an instant deadline (UTC), e.g. a breach's 72nd hour
    student_id: int | None = None
    args: Mapping[str, object] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def describe(self, translate=lambda text: text) -> str:
        """The description in the reader's language (`translate` is gettext)."""
        values = dict(self.args)
        values.update({k: translate(v) for k, v in self.labels.items()})
        return translate(self.text).format(**values)


def make_item(
    kind: ItemKind,
    due: date,
    today: date,
    person: str,
    text: str,
    action: Action,
    *,
    passed: bool = False,
    **extra,
) -> DueItem:
    return DueItem(kind, due, urgency(due, today, passed=passed), person, text, action, **extra)


def ordered(items: Iterable[DueItem]) -> list[DueItem]:
    """Most urgent first; within a group by deadline."""
    return sorted(
        items, key=lambda i: (URGENCY_ORDER.index(i.urgency), i.due, _instant(i), i.kind, i.person)
    )


def _instant(item: DueItem) -> float:
    return item.due_at.timestamp() if item.due_at is not None else 0.0


def grouped(items: Iterable[DueItem]) -> list[tuple[Urgency, list[DueItem]]]:
    """The non-empty groups in urgency order, each with its rows in order."""
    rows = ordered(items)
    return [
        (u, [i for i in rows if i.urgency is u])
        for u in URGENCY_ORDER
        if any(i.urgency is u for i in rows)
    ]


def counts(items: Iterable[DueItem]) -> dict[Urgency, int]:
    result = dict.fromkeys(URGENCY_ORDER, 0)
    for item in items:
        result[item.urgency] += 1
    return result


# ---- the age thresholds (R46–R48) ----------------------------------------------------------


class AgeThreshold(NamedTuple):
    """An age from which a student decides something alone, where, and what changes: who may
    then decide, and who becomes the addressee."""

    years: int
    countries: frozenset[str]
    text: str


AGE_THRESHOLDS = (
    AgeThreshold(13, frozenset({"EE"}), N_("Turns 13: may open the e-learning account alone")),
    AgeThreshold(15, frozenset({"SI"}), N_("Turns 15: may order or try the paid tier alone")),
    AgeThreshold(
        18,
        frozenset({"EE", "SI"}),
        N_("Turns 18: decides alone and becomes the addressee of letters"),
    ),
)


def threshold_ages(country: str) -> tuple[int, ...]:
    return tuple(t.years for t in AGE_THRESHOLDS if country in t.countries)


def thresholds_reached(
    birth: date, country: str, today: date, days: int = AGE_WINDOW_DAYS
) -> list[tuple[int, date, str]]:
    """The thresholds (years, the day reached, what changes) this student reaches from today
    up to `days` ahead (R6: a 29 February birthday counts on 1 March)."""
    from desktop.domain.dates import date_of_age

    last = today + timedelta(days=days)
    found = []
    for years, countries, text in AGE_THRESHOLDS:
        if country not in countries:
            continue
        try:
            day = date_of_age(birth, years)
        except ValueError:  # beyond the calendar
            continue
        if today <= day <= last:
            found.append((years, day, text))
    return found


def birth_ranges(country: str, today: date, days: int = AGE_WINDOW_DAYS) -> list[tuple[date, date]]:
    """The birth dates that can reach a threshold in the window, one range per age: a day's
    margin each side (29 February); `thresholds_reached` then decides exactly. Lets the
    service read a few students instead of the whole roster."""
    margin = timedelta(days=1)
    return [
        (
            _years_before(today, years) - margin,
            _years_before(today + timedelta(days=days), years) + margin,
        )
        for years in threshold_ages(country)
    ]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year - years, day=28)


def letter_covers(printed_on: date, reached_on: date) -> bool:
    """A re-consent letter printed within the age window before the day (or later) is the one
    for that threshold: two thresholds of one country are years apart."""
    return printed_on >= reached_on - timedelta(days=AGE_WINDOW_DAYS)
