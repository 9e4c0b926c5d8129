"""The adult student's prohibition (R48, R100): a handwritten letter that forbids data to the
parents and ends the subscription. Whether an authority's measure (R15) is in force is
desktop.domain.roster.Restriction.active_on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.domain.consent.ages import (
    SI_FULL_CAPACITY,
    AgeBasis,
    AgeRule,
    default_age_rule,
    evaluate_age_rule,
)
from desktop.domain.dates import add_days
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI


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
