"""What a school may tune about billing, one school year at a time (R80, R81, R91).

Dates and amounts the documents leave open (reminder days, the renewal calendar, the reminder fee)
are RULES.md *proposals*; they live in `BillingPolicy` / `RenewalCalendar`, one per school year, so
the product owner can change them per year without a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from desktop.domain.billing.vat import require_cents
from desktop.domain.dates import SchoolYear


@dataclass(frozen=True)
class RenewalCalendar:
    """R81: the renewal letters and the termination date for one school year."""

    school_year: SchoolYear
    invitation_on: date
    invitation_due: date
    reminder1_on: date
    reminder1_due: date
    reminder2_on: date
    reminder2_due: date
    termination_effective: date

    def __post_init__(self) -> None:
        # Each letter's due date may be its sending day, but must come before the next step.
        ordered = (
            self.invitation_on
            <= self.invitation_due
            < self.reminder1_on
            <= self.reminder1_due
            < self.reminder2_on
            <= self.reminder2_due
            < self.termination_effective
        )
        if not ordered:
            raise ValueError(f"renewal dates for {self.school_year} are out of order")
        if not (
            self.invitation_on in self.school_year
            and self.termination_effective in self.school_year
        ):
            raise ValueError(f"renewal dates must fall within {self.school_year}")

    @classmethod
    def proposed(cls, school_year: SchoolYear) -> RenewalCalendar:
        """RULES.md R81 proposal: 1 Sep (due 30 Sep), 8 Oct (due 15 Oct), 16 Oct (due 23 Oct),
        termination effective 24 Oct."""
        y = school_year.start_year
        return cls(
            school_year,
            invitation_on=date(y, 9, 1),
            invitation_due=date(y, 9, 30),
            reminder1_on=date(y, 10, 8),
            reminder1_due=date(y, 10, 15),
            reminder2_on=date(y, 10, 16),
            reminder2_due=date(y, 10, 23),
            termination_effective=date(y, 10, 24),
        )


@dataclass(frozen=True)
class BillingPolicy:
    """Everything configurable about billing in one school year; defaults are RULES.md proposals.

    First orders use the policy of the order's school year, renewals that of the year being
    renewed, trials that of the trial's start.
    """

    school_year: SchoolYear
    renewal: RenewalCalendar
    # R80: reminders and lapse of an unpaid first order, in days after the order date.
    first_reminder1_after_days: int = 15
    first_reminder2_after_days: int = 30
    first_lapse_after_days: int = 45
    # R81: optional reminder fee, gross; not charged unless the office decides so per case.
    reminder_fee_gross_cents: int = 500
    charge_reminder_fee_by_default: bool = False
    # R91: second trial invitation this many days before the trial's last day.
    trial_invitation_days_before_end: int = 2

    def __post_init__(self) -> None:
        if self.renewal.school_year != self.school_year:
            raise ValueError("the renewal calendar belongs to another school year")
        if not (
            0
            < self.first_reminder1_after_days
            < self.first_reminder2_after_days
            < self.first_lapse_after_days
        ):
            raise ValueError("reminder days must increase: reminder 1 < reminder 2 < lapse")  # R80
        require_cents("reminder_fee_gross_cents", self.reminder_fee_gross_cents)

    @classmethod
    def proposed(cls, school_year: SchoolYear) -> BillingPolicy:
        return cls(school_year, RenewalCalendar.proposed(school_year))


def policy_for(
    school_year: SchoolYear, configured: Mapping[SchoolYear, BillingPolicy] | None = None
) -> BillingPolicy:
    """The configured policy for a school year, or the RULES.md proposals when none is set."""
    if configured and school_year in configured:
        return configured[school_year]
    return BillingPolicy.proposed(school_year)
