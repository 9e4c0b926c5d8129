"""Refunds (R83, R84, R85, R88): outages, the paid period and the proportional refund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from desktop.domain.billing.vat import require_cents, round_half_up_div
from desktop.domain.dates import SchoolYear, add_days, inclusive_days

OUTAGE_MIN_DAYS = 31  # R83(c): "more than 30 consecutive days"; exactly 30 gives nothing


class OutageCause(StrEnum):
    PROVIDER = "PROVIDER"  # R83(b): eŠola's omission or conduct — the only refundable cause
    FORCE_MAJEURE = "FORCE_MAJEURE"
    OPERATOR = "OPERATOR"
    USER = "USER"


@dataclass(frozen=True)
class Outage:
    first_day: date
    last_day: date
    cause: OutageCause
    events_missed: bool  # R83(d): the school recorded events the user should have heard of

    def __post_init__(self) -> None:
        if self.first_day > self.last_day:
            raise ValueError("an outage cannot end before it starts")

    @property
    def days(self) -> int:
        return inclusive_days(self.first_day, self.last_day)

    @property
    def qualifies(self) -> bool:
        """R83 (a)–(d) all hold. Length counts the whole outage, across school years."""
        return (
            self.cause is OutageCause.PROVIDER
            and self.events_missed
            and self.days >= OUTAGE_MIN_DAYS
        )


@dataclass(frozen=True)
class RefundCalculation:
    period_first: date
    period_last: date
    period_days: int  # D_P
    lost_days: int  # L
    paid_cents: int
    already_refunded_cents: int
    refund_cents: int
    capped: bool  # the formula gave more than paid − already refunded


def paid_period(school_year: SchoolYear, activated_on: date) -> tuple[date, date]:
    """R88: P = [max(1 Sep of the paid year, final-activation date), 31 Aug]."""
    if activated_on > school_year.last_day:
        raise ValueError(f"activation on {activated_on} is after the paid year {school_year}")
    return max(school_year.first_day, activated_on), school_year.last_day


def proportional_refund(
    paid_cents: int,
    school_year: SchoolYear,
    activated_on: date,
    lost_days: int,
    already_refunded_cents: int = 0,
) -> RefundCalculation:
    """R88: round_half_up(paid × L / D_P), never more than paid − already refunded.

    `paid_cents` is the annual price paid for `school_year` only: the R81 fee is never refunded.
    """
    require_cents("paid_cents", paid_cents)
    require_cents("already_refunded_cents", already_refunded_cents)
    if paid_cents < 0 or already_refunded_cents < 0:
        raise ValueError("amounts must not be negative")
    first, last = paid_period(school_year, activated_on)
    period_days = inclusive_days(first, last)
    if not 0 <= lost_days <= period_days:
        raise ValueError(f"lost days {lost_days} outside 0..{period_days}")
    formula = round_half_up_div(paid_cents * lost_days, period_days)
    room = max(0, paid_cents - already_refunded_cents)
    refund = min(formula, room)
    return RefundCalculation(
        first,
        last,
        period_days,
        lost_days,
        paid_cents,
        already_refunded_cents,
        refund,
        capped=formula > room,
    )


def switch_off_date(received_on: date) -> date:
    """R88/R51: notifications stop the day after the withdrawal is received (as R98)."""
    return add_days(received_on, 1)


def refund_after_switch_off(
    paid_cents: int,
    school_year: SchoolYear,
    activated_on: date,
    switched_off_on: date,
    already_refunded_cents: int = 0,
) -> RefundCalculation:
    """R84/R85 via R88: L = switch-off day through 31 Aug, inclusive, within P.

    Worked example: 2000 paid, activated 1 Sep 2024, switch-off 1 Mar 2025 → 184/365 → 1008.
    """
    first, last = paid_period(school_year, activated_on)
    lost = inclusive_days(max(first, switched_off_on), last) if switched_off_on <= last else 0
    return proportional_refund(paid_cents, school_year, activated_on, lost, already_refunded_cents)


def refund_for_outage(
    paid_cents: int,
    school_year: SchoolYear,
    activated_on: date,
    outage: Outage,
    already_refunded_cents: int = 0,
) -> RefundCalculation:
    """R83 via R88: all inclusive days of a qualifying outage that fall within P (0 if it
    does not qualify)."""
    first, last = paid_period(school_year, activated_on)
    lo, hi = max(first, outage.first_day), min(last, outage.last_day)
    lost = inclusive_days(lo, hi) if outage.qualifies and lo <= hi else 0
    return proportional_refund(paid_cents, school_year, activated_on, lost, already_refunded_cents)
