"""How long a card is valid [EE] (R4, R21): 31 Aug, extension to the next one, expiry, and
the plan that extends one student's cards side by side."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from desktop.domain.cards.machines import (
    MACHINES,
    CardKind,
    PhysicalAction,
    PhysicalCardStatus,
    VirtualAction,
    VirtualCardStatus,
)
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import InvalidTransition
from desktop.domain.roster import StudentStatus
from desktop.i18n import N_  # refusals are shown translated by the UI

RENEWAL_OPENS = (6, 1)  # (month, day): from here to 31 Aug, extensions are for the next year


def initial_valid_until(issued_on: date) -> date:
    """R21: a card issued on any day is valid until 31 Aug of that school year (R4)."""
    return SchoolYear.of(issued_on).last_day


def extended_valid_until(valid_until: date, today: date, student: StudentStatus) -> date:
    """R21: extending a still-enrolled student moves validity to the next 31 Aug.

    The next 31 Aug is the end of today's school year (R4), except from 1 June
    (`RENEWAL_OPENS`) to 31 Aug, when the office extends for the school year about to start,
    so cards do not lapse on 1 Sep. Never shortens; repeating an extension changes nothing,
    so a September batch run does not add a second year to cards extended in June.
    """
    if student is not StudentStatus.ENROLLED:
        raise InvalidTransition(
            "card",
            f"held by a {student.value} student",
            "extend",
            N_("only an enrolled student's card is extended"),  # R21
        )
    year = SchoolYear.of(today)
    if (today.month, today.day) >= RENEWAL_OPENS and today.month < 9:
        year = year.next()
    return max(valid_until, year.last_day)


def is_due_to_expire(
    status: PhysicalCardStatus | VirtualCardStatus, valid_until: date, today: date
) -> bool:
    """R21 daily job: an ACTIVE card whose valid_until (31 Aug) has passed expires.

    `today` is the school's local date (R1). With valid_until = 31 Aug this is true from 1 Sep.
    """
    return status == "ACTIVE" and valid_until < today


# ---------------------------------------------------------------------------------------------
# Extension of one student's cards (R21)


@dataclass(frozen=True)
class CardState:
    """One card as the extension plan sees it."""

    card_id: int
    kind: CardKind
    status: PhysicalCardStatus | VirtualCardStatus
    valid_until: date


@dataclass(frozen=True)
class CardChange:
    card_id: int
    kind: CardKind
    old_status: PhysicalCardStatus | VirtualCardStatus
    new_status: PhysicalCardStatus | VirtualCardStatus
    old_valid_until: date
    new_valid_until: date


_EXTEND = {CardKind.PHYSICAL: PhysicalAction.EXTEND, CardKind.VIRTUAL: VirtualAction.EXTEND}


def _extend(card: CardState) -> PhysicalCardStatus | VirtualCardStatus | None:
    """The card's status after EXTEND, or None if this card is not extended (lost, closed…)."""
    machine = MACHINES[card.kind]
    return machine.after(machine.statuses(card.status), _EXTEND[card.kind])


def plan_extension(
    cards: Iterable[CardState], today: date, student: StudentStatus
) -> tuple[date, list[CardChange]]:
    """R21: one validity for the student, copied to every card that can carry it.

    Returns the student's new valid-until and the cards that change. The physical and the
    virtual card are extended side by side, each by its own machine (R20, R22); lost,
    replaced, revoked and closed cards are left alone.
    """
    extendable = [(c, s) for c in cards if (s := _extend(c)) is not None]
    current = max((c.valid_until for c, _ in extendable), default=date.min)
    new_until = extended_valid_until(current, today, student)
    changes = [
        CardChange(c.card_id, c.kind, c.status, s, c.valid_until, new_until)
        for c, s in extendable
        if s != c.status or c.valid_until != new_until
    ]
    return new_until, changes
