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

from desktop.i18n import N_  # descriptions are shown translated by the UI and the CLI

WINDOW_DAYS = 14  # "today and the next 14 days"
AGE_WINDOW_DAYS = 60  # students reaching 13, 15 or 18 in the next 60 days
WEEK_DAYS = 7  # "this week": tomorrow up to a week ahead


class Urgency(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this_week"
    LATER = "later"


URGENCY_ORDER = (Urgency.OVERDUE, Urgency.TODAY, Urgency.THIS_WEEK, Urgency.LATER)

URGENCY_LABELS = {
    Urgency.OVERDUE: N_("Overdue"),
    Urgency.TODAY: N_("Today"),
    Urgency.THIS_WEEK: N_("This week"),
    Urgency.LATER: N_("Later"),
}


class ItemKind(StrEnum):
    REQUEST = "request"
    DELETION = "deletion"
    BREACH = "breach"
    BILLING_LETTER = "billing_letter"
    BILLING_PROPOSAL = "billing_proposal"
    RETENTION_PROPOSAL = "retention_proposal"
    CARD_EXPIRING = "card_expiring"
    CARD_PROVIDER = "card_provider"
    ACCESS_CODE = "access_code"
    AGE_THRESHOLD = "age_threshold"
    TERMS_VERSION = "terms_version"


KIND_LABELS = {
    ItemKind.REQUEST: N_("Request"),
    ItemKind.DELETION: N_("Deletion request"),
    ItemKind.BREACH: N_("Data breach"),
    ItemKind.BILLING_LETTER: N_("Letter to print"),
    ItemKind.BILLING_PROPOSAL: N_("Billing proposal"),
    ItemKind.RETENTION_PROPOSAL: N_("Retention proposal"),
    ItemKind.CARD_EXPIRING: N_("Card expiring"),
    ItemKind.CARD_PROVIDER: N_("Card provider"),
    ItemKind.ACCESS_CODE: N_("Verification code"),
    ItemKind.AGE_THRESHOLD: N_("Birthday"),
    ItemKind.TERMS_VERSION: N_("Terms"),
}


class Action(StrEnum):
    """Where the next step is done: the UI maps each to a tab (and a record where it can)."""

    CONSENT_REQUESTS = "consent.requests"
    CONSENT_BREACHES = "consent.breaches"
    CONSENT_RETENTION = "consent.retention"
    CONSENT_CODES = "consent.codes"
    CONSENT_TERMS = "consent.terms"
    BILLING_DUE = "billing.due"
    BILLING_SUBSCRIPTION = "billing.subscription"
    CARDS_CARD = "cards.card"
    CARDS_ATTENTION = "cards.attention"
    ROSTER_STUDENT = "roster.student"


ACTION_LABELS = {
    Action.CONSENT_REQUESTS: N_("Open the request"),
    Action.CONSENT_BREACHES: N_("Open the breach"),
    Action.CONSENT_RETENTION: N_("Decide"),
    Action.CONSENT_CODES: N_("Open the codes"),
    Action.CONSENT_TERMS: N_("Open the terms"),
    Action.BILLING_DUE: N_("Print or decide"),
    Action.BILLING_SUBSCRIPTION: N_("Open the subscription"),
    Action.CARDS_CARD: N_("Open the card"),
    Action.CARDS_ATTENTION: N_("Look at the events"),
    Action.ROSTER_STUDENT: N_("Open the student"),
}


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

# (years, countries, what changes): who may then decide, and who becomes the addressee.
AGE_THRESHOLDS: tuple[tuple[int, frozenset[str], str], ...] = (
    (13, frozenset({"EE"}), N_("Turns 13: may open the e-learning account alone")),
    (15, frozenset({"SI"}), N_("Turns 15: may order or try the paid tier alone")),
    (
        18,
        frozenset({"EE", "SI"}),
        N_("Turns 18: decides alone and becomes the addressee of letters"),
    ),
)


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
