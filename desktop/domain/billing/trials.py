"""Trials (R89–R91): how long a free trial lasts, special offers, one trial per child per
school year, and the dates of the trial's invitations and end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from desktop.domain.billing.age import require_student_may_act_alone
from desktop.domain.billing.policy import BillingPolicy
from desktop.domain.dates import SchoolYear, add_days
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # letter states and amount errors are shown translated by the UI


@dataclass(frozen=True)
class SpecialOffer:
    """R89(d): a school's own trial window and length for one school year."""

    school_year: SchoolYear
    first_day: date
    last_day: date
    length_days: int

    def __post_init__(self) -> None:
        if self.first_day > self.last_day:
            raise ValueError("a special offer's window ends before it starts")
        if self.length_days < 1:
            raise ValueError("a special offer's trial lasts at least one day")

    def covers(self, day: date) -> bool:
        return SchoolYear.of(day) == self.school_year and self.first_day <= day <= self.last_day


def trial_length(start: date, offers: Iterable[SpecialOffer] = ()) -> int:
    """Days of trial for a trial starting on `start`; 0 means no trial (R89).

    A covering special offer wins (the first one given). Otherwise, by start date:
    1 Oct–31 Dec → 30, 1 Jan–31 Mar → 7, from 1 Apr and all of September → none (R89(a)).
    """
    for offer in offers:
        if offer.covers(start):
            return offer.length_days
    if start.month >= 10:
        return 30
    if start.month <= 3:
        return 7
    return 0


def trial_end(start: date, length_days: int) -> date:
    """R89(b): the start day is day 1 (30 days from 31 Dec → 29 Jan; 7 from 31 Mar → 6 Apr)."""
    if length_days < 1:
        raise ValueError("a trial lasts at least one day")
    return add_days(start, length_days - 1)


@dataclass(frozen=True)
class TrialPlan:
    starts_on: date
    ends_on: date
    length_days: int
    invitations_on: tuple[date, ...]  # R91: day 1 and N days before the end
    end_notice_on: date  # R91: D14, the day after the end
    switch_to_minimalni_on: date  # R91: the day after the end


def plan_trial(
    start: date,
    *,
    earlier_trial_starts: Iterable[date] = (),
    offers: Iterable[SpecialOffer] = (),
    student_birth_date: date | None = None,
    policy: BillingPolicy | None = None,
) -> TrialPlan:
    """Check that a trial may start on `start` and lay out its dates (R89–R91).

    `earlier_trial_starts`: every earlier trial of this child, from any guardian (R89(c)).
    `student_birth_date`: set when the student starts the trial alone (R90 → R47).
    """
    year = SchoolYear.of(start)
    policy = policy or BillingPolicy.proposed(year)
    if student_birth_date is not None:
        require_student_may_act_alone(student_birth_date, start)
    for earlier in earlier_trial_starts:
        if SchoolYear.of(earlier) == year:
            raise ValidationError(
                "trial_start",
                start,
                # R89
                N_(
                    "this child already had a trial in the school year {year} (started {date}); "
                    "there is one trial per child per school year",
                    year=str(year),
                    date=earlier,
                ),
            )
    length = trial_length(start, offers)
    if length == 0:
        raise ValidationError(
            "trial_start",
            start,
            N_(  # R89
                "no free trial can start on this day: trials start from 1 October to 31 March "
                "unless a special offer says otherwise"
            ),
        )
    end = trial_end(start, length)
    second = add_days(end, -policy.trial_invitation_days_before_end)
    invitations = (start, second) if second > start else (start,)
    after = add_days(end, 1)
    return TrialPlan(start, end, length, invitations, after, after)
