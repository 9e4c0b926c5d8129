"""Billing rules for the Slovenian POPOLNI subscription (RULES.md §0, §6, §7: R5, R47, R72–R103).

Pure functions over dates and integer cents: no Qt, no SQL, no I/O. Services feed in the facts
they read from the database and act on what comes back.

Dates and amounts the documents leave open (reminder days, the renewal calendar, the reminder fee)
are RULES.md *proposals*; they live in `BillingPolicy` / `RenewalCalendar`, one per school year, so
the product owner can change them per year without a code change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from desktop.domain.dates import SchoolYear, add_days, has_reached_age, inclusive_days
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.money import parse_cents  # noqa: F401  (amounts are read one way: R5)
from desktop.domain.roster import fold
from desktop.i18n import N_  # letter states and amount errors are shown translated by the UI

# ---------------------------------------------------------------------------------------------
# Money (R5): integer cents, gross amounts, half-up rounding at the last step only.
# ---------------------------------------------------------------------------------------------


def _require_cents(name: str, value: object) -> int:
    # bool is an int subclass; a float here is always a bug (R5: never floating point).
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be integer cents, not {type(value).__name__}")
    return value


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integer arithmetic (R5, R88)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


@dataclass(frozen=True)
class VatRate:
    """A VAT rate in basis points (2200 = 22 %) valid from a date until the next entry (R5)."""

    valid_from: date
    basis_points: int


# R5: SI standard rate; 20 % until 30 Jun 2013, 22 % since 1 Jul 2013. Configurable by date.
SI_VAT_RATES: tuple[VatRate, ...] = (
    VatRate(date(1999, 7, 1), 2000),
    VatRate(date(2013, 7, 1), 2200),
)


def vat_rate_on(day: date, rates: Sequence[VatRate] = SI_VAT_RATES) -> int:
    """The rate (basis points) in force on `day`: the latest entry with valid_from ≤ day."""
    in_force = [r for r in rates if r.valid_from <= day]
    if not in_force:
        raise ValueError(f"no VAT rate configured for {day}")
    return max(in_force, key=lambda r: r.valid_from).basis_points


@dataclass(frozen=True)
class VatSplit:
    gross_cents: int
    net_cents: int
    vat_cents: int
    rate_basis_points: int


def split_vat(gross_cents: int, rate_basis_points: int) -> VatSplit:
    """R5: net = gross / (1 + rate) rounded half-up to the cent; VAT = gross − net.

    500 cents at 22 % → 410 net + 90 VAT.
    """
    _require_cents("gross_cents", gross_cents)
    net = round_half_up_div(gross_cents * 10_000, 10_000 + rate_basis_points)
    return VatSplit(gross_cents, net, gross_cents - net, rate_basis_points)


# ---------------------------------------------------------------------------------------------
# Tiers and the subscription state machine (R72, R76)
# ---------------------------------------------------------------------------------------------


class Tier(StrEnum):
    """R72: MINIMALNI is the school's free service (the default); POPOLNI is paid yearly."""

    MINIMALNI = "MINIMALNI"
    POPOLNI = "POPOLNI"


class SubscriptionState(StrEnum):
    """R76 states. The ENDED_*/terminal states are listed in END_STATES."""

    TRIAL = "TRIAL"
    ORDERED = "ORDERED"
    ACTIVE = "ACTIVE"
    RENEWAL_DUE = "RENEWAL_DUE"
    MINIMALNI = "MINIMALNI"
    CANCELLED = "CANCELLED"
    ENDED_LEFT_SCHOOL = "ENDED_LEFT_SCHOOL"
    ENDED_ADULT_PROHIBITION = "ENDED_ADULT_PROHIBITION"
    ENDED_AUTHORITY_RESTRICTION = "ENDED_AUTHORITY_RESTRICTION"
    ENDED_SCHOOL_WITHDREW = "ENDED_SCHOOL_WITHDREW"
    WITHDRAWN_TERMS_CHANGE = "WITHDRAWN_TERMS_CHANGE"
    TERMINATED_NONPAYMENT = "TERMINATED_NONPAYMENT"
    LAPSED_UNPAID = "LAPSED_UNPAID"
    DISABLED_BREACH = "DISABLED_BREACH"


_S = SubscriptionState

# POPOLNI is (or may become) in force: the states every ending applies to.
LIVE_STATES = frozenset({_S.TRIAL, _S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE})
END_STATES = frozenset(
    {
        _S.CANCELLED,
        _S.ENDED_LEFT_SCHOOL,
        _S.ENDED_ADULT_PROHIBITION,
        _S.ENDED_AUTHORITY_RESTRICTION,
        _S.ENDED_SCHOOL_WITHDREW,
        _S.WITHDRAWN_TERMS_CHANGE,
        _S.TERMINATED_NONPAYMENT,
        _S.LAPSED_UNPAID,
        _S.DISABLED_BREACH,
    }
)


class SubscriptionEvent(StrEnum):
    ORDER_SUBMITTED = "ORDER_SUBMITTED"  # R75; also from MINIMALNI after a trial (B.VI(5))
    PAID_IN_FULL = "PAID_IN_FULL"  # R79 final activation; R81 renewal paid
    TRIAL_EXPIRED = "TRIAL_EXPIRED"  # R91
    RENEWAL_INVITED = "RENEWAL_INVITED"  # R81 invitation for the next school year
    RENEWAL_UNPAID = "RENEWAL_UNPAID"  # R81 unpaid after the second reminder
    FIRST_ORDER_UNPAID = "FIRST_ORDER_UNPAID"  # R80
    SUBSCRIBER_CANCELLED = "SUBSCRIBER_CANCELLED"  # R98
    LEFT_SCHOOL = "LEFT_SCHOOL"  # R13
    ADULT_PROHIBITION = "ADULT_PROHIBITION"  # R48
    AUTHORITY_RESTRICTION = "AUTHORITY_RESTRICTION"  # R15
    SCHOOL_WITHDREW = "SCHOOL_WITHDREW"  # R84
    TERMS_WITHDRAWAL = "TERMS_WITHDRAWAL"  # R51, R102
    BREACH = "BREACH"  # R92


_ENDABLE = (_S.TRIAL, _S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE)
_PAYING = (_S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE)

# R76 transition table: (state, event) → next state. Anything absent is an illegal move.
TRANSITIONS: Mapping[tuple[SubscriptionState, SubscriptionEvent], SubscriptionState] = {
    (_S.TRIAL, SubscriptionEvent.ORDER_SUBMITTED): _S.ORDERED,
    (_S.MINIMALNI, SubscriptionEvent.ORDER_SUBMITTED): _S.ORDERED,
    (_S.TRIAL, SubscriptionEvent.TRIAL_EXPIRED): _S.MINIMALNI,
    (_S.ORDERED, SubscriptionEvent.PAID_IN_FULL): _S.ACTIVE,
    (_S.ORDERED, SubscriptionEvent.FIRST_ORDER_UNPAID): _S.LAPSED_UNPAID,
    (_S.ACTIVE, SubscriptionEvent.RENEWAL_INVITED): _S.RENEWAL_DUE,
    (_S.RENEWAL_DUE, SubscriptionEvent.PAID_IN_FULL): _S.ACTIVE,
    (_S.RENEWAL_DUE, SubscriptionEvent.RENEWAL_UNPAID): _S.TERMINATED_NONPAYMENT,
    # Endings that can hit any live subscription, trials included.
    **{(s, SubscriptionEvent.SUBSCRIBER_CANCELLED): _S.CANCELLED for s in _ENDABLE},
    **{(s, SubscriptionEvent.LEFT_SCHOOL): _S.ENDED_LEFT_SCHOOL for s in _ENDABLE},
    **{(s, SubscriptionEvent.ADULT_PROHIBITION): _S.ENDED_ADULT_PROHIBITION for s in _ENDABLE},
    **{
        (s, SubscriptionEvent.AUTHORITY_RESTRICTION): _S.ENDED_AUTHORITY_RESTRICTION
        for s in _ENDABLE
    },
    **{(s, SubscriptionEvent.SCHOOL_WITHDREW): _S.ENDED_SCHOOL_WITHDREW for s in _ENDABLE},
    **{(s, SubscriptionEvent.BREACH): _S.DISABLED_BREACH for s in _ENDABLE},
    # R51: only a subscriber (an order, paid or not) can withdraw over a terms change.
    **{(s, SubscriptionEvent.TERMS_WITHDRAWAL): _S.WITHDRAWN_TERMS_CHANGE for s in _PAYING},
}

_EVENT_ACTIONS = {
    SubscriptionEvent.ORDER_SUBMITTED: "submit an order for",
    SubscriptionEvent.PAID_IN_FULL: "record full payment for",
    SubscriptionEvent.TRIAL_EXPIRED: "expire the trial of",
    SubscriptionEvent.RENEWAL_INVITED: "send a renewal invitation for",
    SubscriptionEvent.RENEWAL_UNPAID: "terminate for non-payment",
    SubscriptionEvent.FIRST_ORDER_UNPAID: "lapse as unpaid",
    SubscriptionEvent.SUBSCRIBER_CANCELLED: "cancel",
    SubscriptionEvent.LEFT_SCHOOL: "end (child left school)",
    SubscriptionEvent.ADULT_PROHIBITION: "end (adult student's prohibition)",
    SubscriptionEvent.AUTHORITY_RESTRICTION: "end (authority restriction)",
    SubscriptionEvent.SCHOOL_WITHDREW: "end (school withdrew from POPOLNI)",
    SubscriptionEvent.TERMS_WITHDRAWAL: "withdraw (change of terms)",
    SubscriptionEvent.BREACH: "disable (breach of terms)",
}


def allowed_events(state: SubscriptionState) -> frozenset[SubscriptionEvent]:
    return frozenset(e for (s, e) in TRANSITIONS if s == state)


def apply_event(state: SubscriptionState, event: SubscriptionEvent) -> SubscriptionState:
    """The next state (R76), or InvalidTransition naming why the move is illegal."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        pass
    if state in END_STATES:
        reason = N_("the subscription has already ended; a new order starts a new subscription")
    else:
        reason = N_("this is not possible in the subscription's present state")
    raise InvalidTransition("subscription", str(state), _EVENT_ACTIONS[event], reason)


class RefundPolicy(StrEnum):
    """What an ending means for money already paid (R83–R87)."""

    PROPORTIONAL = "PROPORTIONAL"  # R84, R85: computed with R88
    NONE = "NONE"  # R86: the subscriber cancelled
    DISCRETIONARY = "DISCRETIONARY"  # R87: only a recorded, approved office decision


_REFUND_POLICIES = {
    _S.ENDED_SCHOOL_WITHDREW: RefundPolicy.PROPORTIONAL,  # R84
    _S.WITHDRAWN_TERMS_CHANGE: RefundPolicy.PROPORTIONAL,  # R85
    _S.CANCELLED: RefundPolicy.NONE,  # R86
    # R87: the documents are silent; no automatic refund.
    _S.ENDED_LEFT_SCHOOL: RefundPolicy.DISCRETIONARY,
    _S.ENDED_ADULT_PROHIBITION: RefundPolicy.DISCRETIONARY,
    _S.ENDED_AUTHORITY_RESTRICTION: RefundPolicy.DISCRETIONARY,
    _S.TERMINATED_NONPAYMENT: RefundPolicy.DISCRETIONARY,
    _S.DISABLED_BREACH: RefundPolicy.DISCRETIONARY,
    _S.LAPSED_UNPAID: RefundPolicy.DISCRETIONARY,  # a partial payment left on a lapsed order
    _S.MINIMALNI: RefundPolicy.DISCRETIONARY,  # a trial ended; nothing was charged (R91)
}


def refund_policy(ending: SubscriptionState) -> RefundPolicy:
    """How an ending treats money paid (R84–R87). Outage refunds (R83) are not endings."""
    try:
        return _REFUND_POLICIES[ending]
    except KeyError:
        raise ValueError(f"{ending} is not an ending") from None


@dataclass(frozen=True)
class PaymentSettlement:
    paid_in_full: bool
    outstanding_cents: int
    overpaid_cents: int  # R79: refunded or credited


def settle_payment(price_cents: int, paid_cents: int) -> PaymentSettlement:
    """R79: final activation only once the annual price is paid in full; a partial payment
    leaves the order ORDERED."""
    _require_cents("price_cents", price_cents)
    _require_cents("paid_cents", paid_cents)
    return PaymentSettlement(
        paid_cents >= price_cents,
        max(0, price_cents - paid_cents),
        max(0, paid_cents - price_cents),
    )


# ---------------------------------------------------------------------------------------------
# Configurable calendar and policy (R80, R81, R91 proposals)
# ---------------------------------------------------------------------------------------------


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
        _require_cents("reminder_fee_gross_cents", self.reminder_fee_gross_cents)

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


# ---------------------------------------------------------------------------------------------
# Prices (R78)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    """R78 price table row: the lump sum for a school year and tier, from a date on."""

    school_year: SchoolYear
    tier: Tier
    gross_cents: int
    valid_from: date

    def __post_init__(self) -> None:
        _require_cents("gross_cents", self.gross_cents)


def annual_price(prices: Iterable[Price], school_year: SchoolYear, tier: Tier, on: date) -> int:
    """R78: the offer valid on `on` for that year and tier; the full sum, never pro-rated."""
    if tier is Tier.MINIMALNI:
        return 0  # R72: the school's free service
    candidates = [
        p for p in prices if p.school_year == school_year and p.tier == tier and p.valid_from <= on
    ]
    if not candidates:
        raise NotFound("price", f"{tier} {school_year} valid on {on.isoformat()}")
    return max(candidates, key=lambda p: p.valid_from).gross_cents


# ---------------------------------------------------------------------------------------------
# Age (R47, R90)
# ---------------------------------------------------------------------------------------------

STUDENT_SELF_SERVICE_AGE = 15  # R47: 004 B.II.1(2) item 5, B.VI(3)


def student_may_act_alone(birth_date: date, act_date: date) -> bool:
    """R47/R90: a student may order or start a trial alone from the 15th birthday (R6)."""
    return has_reached_age(birth_date, STUDENT_SELF_SERVICE_AGE, act_date)


def require_student_may_act_alone(
    birth_date: date, act_date: date, field_name: str = "birth_date"
) -> None:
    if not student_may_act_alone(birth_date, act_date):
        raise ValidationError(
            field_name,
            birth_date,
            # R47
            N_(
                "the student is under {age} on {date}; only a guardian can order for them",
                age=STUDENT_SELF_SERVICE_AGE,
                date=act_date,
            ),
        )


# ---------------------------------------------------------------------------------------------
# Trials (R89–R91)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# What is due today (R80, R81, R91)
# ---------------------------------------------------------------------------------------------


class BillingAction(StrEnum):
    SEND_TRIAL_INVITATION_1 = "SEND_TRIAL_INVITATION_1"  # R91
    SEND_TRIAL_INVITATION_2 = "SEND_TRIAL_INVITATION_2"  # R91
    SEND_TRIAL_END_NOTICE = "SEND_TRIAL_END_NOTICE"  # R91, D14
    SWITCH_TRIAL_TO_MINIMALNI = "SWITCH_TRIAL_TO_MINIMALNI"  # R91
    SEND_ORDER_REMINDER_1 = "SEND_ORDER_REMINDER_1"  # R80
    SEND_ORDER_REMINDER_2 = "SEND_ORDER_REMINDER_2"  # R80
    LAPSE_UNPAID_ORDER = "LAPSE_UNPAID_ORDER"  # R80, no fee
    SEND_RENEWAL_INVITATION = "SEND_RENEWAL_INVITATION"  # R81
    SEND_RENEWAL_REMINDER_1 = "SEND_RENEWAL_REMINDER_1"  # R81
    SEND_RENEWAL_REMINDER_2 = "SEND_RENEWAL_REMINDER_2"  # R81
    TERMINATE_FOR_NONPAYMENT = "TERMINATE_FOR_NONPAYMENT"  # R81, D12


_A = BillingAction


@dataclass(frozen=True)
class SubscriptionFacts:
    """What the billing job needs to know about one subscription.

    `done` maps each action already taken in the *current* cycle (this trial, this first
    order, this renewal year) to the day it was taken.
    """

    state: SubscriptionState
    ordered_on: date | None = None
    trial_started_on: date | None = None
    trial_ends_on: date | None = None
    paid_school_year: SchoolYear | None = None  # latest school year paid in full
    done: Mapping[BillingAction, date] = field(default_factory=dict)


@dataclass(frozen=True)
class DueAction:
    action: BillingAction
    scheduled_on: date  # the day it became due
    reply_by: date | None = None  # letters: the payment deadline to print
    effective_on: date | None = None  # state changes: when they take effect
    rule: str = ""


def _reply_by(sent_on: date, planned_on: date, planned_due: date) -> date:
    # A letter sent late keeps its full answer window (R2: the day of sending not counted).
    return max(planned_due, add_days(sent_on, (planned_due - planned_on).days))


def due_actions(
    facts: SubscriptionFacts,
    today: date,
    policies: Mapping[SchoolYear, BillingPolicy] | None = None,
) -> list[DueAction]:
    """The billing steps due on `today` for one subscription.

    Steps run in order: a reminder is due on its calendar day but never before the previous
    letter's reply-by date has passed, and termination/lapse only once the second reminder has
    gone out (004 B.IV(1): "after the second reminder"). A job that missed days catches up.
    """
    if facts.state is _S.TRIAL:
        return _trial_due(facts, today, policies)
    if facts.state is _S.ORDERED:
        return _first_order_due(facts, today, policies)
    if facts.state in (_S.ACTIVE, _S.RENEWAL_DUE):
        return _renewal_due(facts, today, policies)
    return []


def _trial_due(
    facts: SubscriptionFacts, today: date, policies: Mapping[SchoolYear, BillingPolicy] | None
) -> list[DueAction]:
    start, end = facts.trial_started_on, facts.trial_ends_on
    if start is None or end is None:
        raise ValueError("a TRIAL needs trial_started_on and trial_ends_on")
    policy = policy_for(SchoolYear.of(start), policies)
    second = add_days(end, -policy.trial_invitation_days_before_end)
    if second <= start:
        second = None  # too short a trial for a second invitation
    due: list[DueAction] = []
    if today > end:
        after = add_days(end, 1)
        due.append(
            DueAction(
                _A.SWITCH_TRIAL_TO_MINIMALNI, after, effective_on=max(after, today), rule="R91"
            )
        )
        if _A.SEND_TRIAL_END_NOTICE not in facts.done:
            due.append(DueAction(_A.SEND_TRIAL_END_NOTICE, after, rule="R91"))
        return due
    if second is not None and today >= second:
        if _A.SEND_TRIAL_INVITATION_2 not in facts.done:
            due.append(DueAction(_A.SEND_TRIAL_INVITATION_2, second, reply_by=end, rule="R91"))
    elif today >= start and _A.SEND_TRIAL_INVITATION_1 not in facts.done:
        due.append(DueAction(_A.SEND_TRIAL_INVITATION_1, start, reply_by=end, rule="R91"))
    return due


def _first_order_due(
    facts: SubscriptionFacts, today: date, policies: Mapping[SchoolYear, BillingPolicy] | None
) -> list[DueAction]:
    ordered = facts.ordered_on
    if ordered is None:
        raise ValueError("an ORDERED subscription needs ordered_on")
    p = policy_for(SchoolYear.of(ordered), policies)
    r1_on = add_days(ordered, p.first_reminder1_after_days)
    r2_on = add_days(ordered, p.first_reminder2_after_days)
    lapse_on = add_days(ordered, p.first_lapse_after_days)
    # R80 gives no reply window: each reminder runs until the day before the next step.
    r1_due, r2_due = add_days(r2_on, -1), add_days(lapse_on, -1)

    sent1 = facts.done.get(_A.SEND_ORDER_REMINDER_1)
    if sent1 is None:
        if today < r1_on:
            return []
        reply = _reply_by(today, r1_on, r1_due)
        return [DueAction(_A.SEND_ORDER_REMINDER_1, r1_on, reply_by=reply, rule="R80")]
    reply1 = _reply_by(sent1, r1_on, r1_due)
    step2 = max(r2_on, add_days(reply1, 1))
    sent2 = facts.done.get(_A.SEND_ORDER_REMINDER_2)
    if sent2 is None:
        if today < step2:
            return []
        reply = _reply_by(today, r2_on, r2_due)
        return [DueAction(_A.SEND_ORDER_REMINDER_2, step2, reply_by=reply, rule="R80")]
    step3 = max(lapse_on, add_days(_reply_by(sent2, r2_on, r2_due), 1))
    if today < step3:
        return []
    return [DueAction(_A.LAPSE_UNPAID_ORDER, step3, effective_on=max(step3, today), rule="R80")]


def _renewal_due(
    facts: SubscriptionFacts, today: date, policies: Mapping[SchoolYear, BillingPolicy] | None
) -> list[DueAction]:
    if facts.paid_school_year is None:
        raise ValueError("an ACTIVE or RENEWAL_DUE subscription needs paid_school_year")
    year = renewal_school_year(facts.paid_school_year, today)
    cal = policy_for(year, policies).renewal

    if facts.state is _S.ACTIVE:
        if today < cal.invitation_on:
            return []
        reply = _reply_by(today, cal.invitation_on, cal.invitation_due)
        return [
            DueAction(_A.SEND_RENEWAL_INVITATION, cal.invitation_on, reply_by=reply, rule="R81")
        ]

    # RENEWAL_DUE is entered by sending the invitation; without a record assume it went on time.
    invited = facts.done.get(_A.SEND_RENEWAL_INVITATION, cal.invitation_on)

    step = max(
        cal.reminder1_on, add_days(_reply_by(invited, cal.invitation_on, cal.invitation_due), 1)
    )
    sent1 = facts.done.get(_A.SEND_RENEWAL_REMINDER_1)
    if sent1 is None:
        if today < step:
            return []
        reply = _reply_by(today, cal.reminder1_on, cal.reminder1_due)
        return [DueAction(_A.SEND_RENEWAL_REMINDER_1, step, reply_by=reply, rule="R81")]

    step = max(cal.reminder2_on, add_days(_reply_by(sent1, cal.reminder1_on, cal.reminder1_due), 1))
    sent2 = facts.done.get(_A.SEND_RENEWAL_REMINDER_2)
    if sent2 is None:
        if today < step:
            return []
        reply = _reply_by(today, cal.reminder2_on, cal.reminder2_due)
        return [DueAction(_A.SEND_RENEWAL_REMINDER_2, step, reply_by=reply, rule="R81")]

    reply2 = _reply_by(sent2, cal.reminder2_on, cal.reminder2_due)
    step = max(cal.termination_effective, add_days(reply2, 1))
    if today < step:
        return []
    return [DueAction(_A.TERMINATE_FOR_NONPAYMENT, step, effective_on=max(step, today), rule="R81")]


def reminder_fee(
    ending: SubscriptionState,
    charged_on: date,
    fees_already_charged_this_school_year: int,
    policy: BillingPolicy | None = None,
    vat_rates: Sequence[VatRate] = SI_VAT_RATES,
) -> VatSplit:
    """R81: the optional EUR 5 fee for unanswered renewal reminders, split for the invoice.

    Only after a termination for non-payment (never on first orders, R80), at most once per
    subscription per school year, and never part of the annual price or of an R88 refund.
    """
    policy = policy or BillingPolicy.proposed(SchoolYear.of(charged_on))
    if ending is not _S.TERMINATED_NONPAYMENT:
        raise InvalidTransition(
            "subscription",
            str(ending),
            "charge the reminder fee for",
            N_("the reminder fee applies only after termination for non-payment"),  # R81
        )
    if fees_already_charged_this_school_year:
        raise ValidationError(
            "reminder_fee",
            policy.reminder_fee_gross_cents,
            # R81: at most once a school year
            N_(
                "the reminder fee was already charged in the school year {year}",
                year=str(SchoolYear.of(charged_on)),
            ),
        )
    return split_vat(policy.reminder_fee_gross_cents, vat_rate_on(charged_on, vat_rates))


# ---------------------------------------------------------------------------------------------
# Refunds (R83, R84, R85, R88)
# ---------------------------------------------------------------------------------------------

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
    _require_cents("paid_cents", paid_cents)
    _require_cents("already_refunded_cents", already_refunded_cents)
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


# ---------------------------------------------------------------------------------------------
# Cancellation and withdrawal letters (R51, R96, R98, R102)
# ---------------------------------------------------------------------------------------------

TERMS_WITHDRAWAL_DAYS = 8  # 004 B.VII(1): "within 8 days of the notification being sent"


def cancellation_effective_date(received_on: date) -> date:
    """R98: the day after the written notice is received, weekends and holidays included."""
    return add_days(received_on, 1)


def terms_withdrawal_deadline(notice_sent_on: date) -> date:
    """R51: sent_on + 8 days, end of that day (sent 1 Oct → until 9 Oct)."""
    return add_days(notice_sent_on, TERMS_WITHDRAWAL_DAYS)


def require_terms_withdrawal_in_time(notice_sent_on: date, received_on: date) -> None:
    """R51/R102: refuse a withdrawal received after the 8-day window (or before the notice)."""
    if received_on < notice_sent_on:
        raise ValidationError(
            "received_on",
            received_on,
            N_("is before the terms notice was sent ({date})", date=notice_sent_on),
        )
    deadline = terms_withdrawal_deadline(notice_sent_on)
    if received_on > deadline:
        raise ValidationError(
            "received_on",
            received_on,
            # R51
            N_(
                "the time to withdraw ended on {deadline} (notice sent {date}); "
                "the new terms are accepted",
                deadline=deadline,
                date=notice_sent_on,
            ),
        )


@dataclass(frozen=True)
class GuardianContact:
    first_name: str
    last_name: str
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class SubscriberData:
    """The R96 items, as given with the order or as written in a received letter."""

    child_first_name: str
    child_last_name: str
    school_name: str
    guardians: tuple[GuardianContact, ...]


class LetterStatus(StrEnum):
    READY = N_("ready to process")
    DATA_MISSING = N_("cannot be processed – data missing")  # R96


@dataclass(frozen=True)
class LetterIssue:
    item: str  # e.g. "child first name", "guardian 2 (Ana Novak): mobile or e-mail"
    problem: str  # "missing" or "does not match the order"


@dataclass(frozen=True)
class LetterCheck:
    issues: tuple[LetterIssue, ...]

    @property
    def status(self) -> LetterStatus:
        return LetterStatus.DATA_MISSING if self.issues else LetterStatus.READY


MISSING = "missing"
MISMATCH = "does not match the order"


def normalise_phone(text: str, calling_code: str = "386") -> str:
    """'041 123 456', '+386 41 123 456' and '00386-41-123-456' are the same number."""
    digits = re.sub(r"\D", "", text)
    if text.strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return calling_code + digits[1:]
    return digits


def _compare(item: str, expected: str, found: str, issues: list[LetterIssue]) -> None:
    if not found.strip():
        issues.append(LetterIssue(item, MISSING))
    elif fold(found) != fold(expected):
        issues.append(LetterIssue(item, MISMATCH))


def check_letter_data(
    order: SubscriberData, letter: SubscriberData, calling_code: str = "386"
) -> LetterCheck:
    """R96: list what a received letter lacks or gets wrong compared with the order data.

    Each guardian on the order must appear by name with a mobile and/or e-mail; every contact
    the letter gives must match the one on the order.
    """
    issues: list[LetterIssue] = []
    _compare("child first name", order.child_first_name, letter.child_first_name, issues)
    _compare("child last name", order.child_last_name, letter.child_last_name, issues)
    _compare("school", order.school_name, letter.school_name, issues)

    def key(g: GuardianContact) -> tuple[str, str]:
        return fold(g.first_name), fold(g.last_name)

    in_letter = {key(g): g for g in letter.guardians}
    order_keys = {key(g) for g in order.guardians}
    for n, wanted in enumerate(order.guardians, start=1):
        label = f"guardian {n} ({wanted.first_name} {wanted.last_name})"
        given = in_letter.get(key(wanted))
        if given is None:
            issues.append(LetterIssue(f"{label}: name", MISSING))
            continue
        mobile, email = given.mobile.strip(), given.email.strip()
        if not mobile and not email:
            issues.append(LetterIssue(f"{label}: mobile or e-mail", MISSING))
        if mobile and normalise_phone(mobile, calling_code) != normalise_phone(
            wanted.mobile, calling_code
        ):
            issues.append(LetterIssue(f"{label}: mobile", MISMATCH))
        if email and email.casefold() != wanted.email.strip().casefold():
            issues.append(LetterIssue(f"{label}: e-mail", MISMATCH))
    for g in letter.guardians:
        if key(g) not in order_keys:
            issues.append(LetterIssue(f"guardian {g.first_name} {g.last_name}", MISMATCH))
    return LetterCheck(tuple(issues))


# ---------------------------------------------------------------------------------------------
# Records the billing service keeps: kinds, methods, channels (R75, R77, R95, R67)
# ---------------------------------------------------------------------------------------------


class PaymentMethod(StrEnum):
    """R77: bank transfer to the billing entity's account, card or Flik (both via Bankart)."""

    TRANSFER = "TRANSFER"
    CARD = "CARD"
    FLIK = "FLIK"


class OrderedBy(StrEnum):
    GUARDIAN = "GUARDIAN"
    STUDENT = "STUDENT"  # R47/R90: only from the 15th birthday, with the 15+ statement


class OrderChannel(StrEnum):
    """R44/R74: how the order (or trial) reached eŠola."""

    ELECTRONIC = "ELECTRONIC"  # electronic registration (the normal way, R74)
    PORTAL = "PORTAL"
    AT_SCHOOL = "AT_SCHOOL"
    LETTER = "LETTER"


class CommunicationMode(StrEnum):
    """R75: the communication mode chosen with the order (B.II.2(1))."""

    SMS = "SMS"
    EMAIL = "EMAIL"
    SMS_AND_EMAIL = "SMS_AND_EMAIL"


class InvoiceKind(StrEnum):
    ANNUAL = "ANNUAL"  # R78: the lump sum for one school year
    FEE = "FEE"  # R81: the reminder fee, a separate receivable


class ProposalKind(StrEnum):
    """R67: changes with legal or financial effect that the app proposes and a person confirms."""

    TERMINATE_NONPAYMENT = "TERMINATE_NONPAYMENT"  # R81
    LAPSE_UNPAID = "LAPSE_UNPAID"  # R80
    CHARGE_FEE = "CHARGE_FEE"  # R81
    REFUND = "REFUND"  # R79 overpayment, R88
    TRIAL_TO_MINIMALNI = "TRIAL_TO_MINIMALNI"  # R91


class ProposalStatus(StrEnum):
    OPEN = "OPEN"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    OBSOLETE = "OBSOLETE"  # overtaken (paid meanwhile, ended otherwise)


class RefundBasis(StrEnum):
    OUTAGE = "OUTAGE"  # R83
    SCHOOL_WITHDREW = "SCHOOL_WITHDREW"  # R84
    TERMS_WITHDRAWAL = "TERMS_WITHDRAWAL"  # R85
    DISCRETIONARY = "DISCRETIONARY"  # R87
    OVERPAYMENT = "OVERPAYMENT"  # R79


class LetterKind(StrEnum):
    CANCEL_ALL = "CANCEL_ALL"  # R95, R96, R98 (D3 → D5)
    UNSUBSCRIBE_ONE = "UNSUBSCRIBE_ONE"  # R97 (D4 → D5)
    TERMS_WITHDRAWAL = "TERMS_WITHDRAWAL"  # R51, R102 (→ D10)


class LetterChannel(StrEnum):
    """R95: the ways a cancellation can arrive (the office keeps the evidence)."""

    LETTER_TO_SCHOOL = "LETTER_TO_SCHOOL"  # handwritten signature, school's address
    LETTER_TO_PROVIDER = "LETTER_TO_PROVIDER"  # handwritten signature, eŠola's address
    SCANNED_EMAIL = "SCANNED_EMAIL"  # scanned signed letter to starsi@easistent.com
    SIGNED_EMAIL = "SIGNED_EMAIL"  # digitally signed e-mail
    PORTAL_OR_SCHOOL = "PORTAL_OR_SCHOOL"  # R95(a)


class ReferenceScheme(StrEnum):
    """R77: the payment reference printed on invoices (configurable)."""

    RF = "RF"  # ISO 11649 creditor reference
    SI12 = "SI12"  # Slovenian model 12
    EE = "EE"  # Estonian 7-3-1 reference number (viitenumber)


class NoticeKind(StrEnum):
    """Letters that go out on the billing calendar (R80, R81, R91, R103): the record of what
    was sent, and of what still waits to be printed."""

    TRIAL_INVITATION_1 = "TRIAL_INVITATION_1"  # R91
    TRIAL_INVITATION_2 = "TRIAL_INVITATION_2"  # R91
    TRIAL_END_NOTICE = "TRIAL_END_NOTICE"  # R91, D14
    ORDER_REMINDER_1 = "ORDER_REMINDER_1"  # R80, D11
    ORDER_REMINDER_2 = "ORDER_REMINDER_2"  # R80, D11
    RENEWAL_INVITATION = "RENEWAL_INVITATION"  # R81, D11 (with the invoice)
    RENEWAL_REMINDER_1 = "RENEWAL_REMINDER_1"  # R81, D11
    RENEWAL_REMINDER_2 = "RENEWAL_REMINDER_2"  # R81, D11
    TERMINATION_NOTICE = "TERMINATION_NOTICE"  # R103, D12 (after a person confirmed)


# The calendar's letter actions and the notices that record them.
NOTICE_FOR_ACTION: Mapping[BillingAction, NoticeKind] = {
    BillingAction.SEND_TRIAL_INVITATION_1: NoticeKind.TRIAL_INVITATION_1,
    BillingAction.SEND_TRIAL_INVITATION_2: NoticeKind.TRIAL_INVITATION_2,
    BillingAction.SEND_TRIAL_END_NOTICE: NoticeKind.TRIAL_END_NOTICE,
    BillingAction.SEND_ORDER_REMINDER_1: NoticeKind.ORDER_REMINDER_1,
    BillingAction.SEND_ORDER_REMINDER_2: NoticeKind.ORDER_REMINDER_2,
    BillingAction.SEND_RENEWAL_INVITATION: NoticeKind.RENEWAL_INVITATION,
    BillingAction.SEND_RENEWAL_REMINDER_1: NoticeKind.RENEWAL_REMINDER_1,
    BillingAction.SEND_RENEWAL_REMINDER_2: NoticeKind.RENEWAL_REMINDER_2,
}
ACTION_FOR_NOTICE: Mapping[NoticeKind, BillingAction] = {
    notice: action for action, notice in NOTICE_FOR_ACTION.items()
}


def make_payment_reference(scheme: ReferenceScheme, school_year: SchoolYear, number: int) -> str:
    """A bank-valid reference for invoice `number` of `school_year` (unique per invoice, R122).

    The base is the year's last two digits and the invoice number in 7 digits: 9 digits in
    all, so the SI12 check digit catches every single-digit typo (see payment_refs).
    """
    from desktop.domain.payment_refs import make_ee_reference, make_rf, make_si12

    if not 1 <= number <= 9_999_999:
        raise ValueError(f"invoice number {number} out of range")
    base = f"{school_year.start_year % 100:02d}{number:07d}"
    if scheme is ReferenceScheme.RF:
        return make_rf(base)
    if scheme is ReferenceScheme.SI12:
        return make_si12(base)
    return make_ee_reference(base)


def renewal_school_year(paid_school_year: SchoolYear, today: date) -> SchoolYear:
    """The year an ACTIVE/RENEWAL_DUE subscription is being renewed for (R81): the one after
    the last paid year, or today's if that is later. Also the cycle of its renewal letters."""
    return max(paid_school_year.next(), SchoolYear.of(today))


# ---------------------------------------------------------------------------------------------
# Card data (R65): the app never stores a card number or a CVV
# ---------------------------------------------------------------------------------------------

# 13–19 digits, possibly grouped by spaces or hyphens, as card numbers are written.
_PAN_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ \-]?){12,18}\d(?!\d)")


def looks_like_card_number(text: str) -> bool:
    """True when `text` contains 13–19 digits (grouped or not) that start like a payment card
    (2–6: Mastercard, Amex, Visa, Maestro, Discover…) and pass the Luhn check.

    Used to refuse card numbers typed into any free-text payment field (R65). A false alarm on
    an innocent long number is acceptable; storing a card number is not.
    """
    from stdnum import luhn

    for match in _PAN_CANDIDATE.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn.is_valid(digits):
            return True
    return False


def check_no_card_data(field_name: str, value: str) -> str:
    """R65: refuse a value that carries a full card number; returns the value trimmed."""
    value = (value or "").strip()
    if looks_like_card_number(value):
        raise ValidationError(
            field_name,
            "•••• (not shown)",
            N_(  # R65
                "looks like a full card number; School Office never stores card numbers or CVV "
                "codes. Enter only the processor's transaction id and the last four digits"
            ),
        )
    return value


def check_card_last_four(method: PaymentMethod, last_four: str | None) -> str | None:
    """R65: only a card payment has a masked card number, and only its last four digits."""
    text = (last_four or "").strip()
    if not text:
        return None
    if method is not PaymentMethod.CARD:
        raise ValidationError("card_last_four", text, N_("only a card payment has card digits"))
    if not re.fullmatch(r"\d{4}", text):
        reason = (
            # R65: never the card number or CVV
            N_("enter only the last four digits of the card, never the card number or CVV")
            if len(re.sub(r"\D", "", text)) > 4
            else N_("the last four digits of the card, e.g. 4242")
        )
        raise ValidationError(
            "card_last_four", "•••• (not shown)" if len(text) > 4 else text, reason
        )
    return text
