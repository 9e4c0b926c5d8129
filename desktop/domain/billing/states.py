"""Tiers and the subscription state machine (R72, R76): the states, the legal moves between
them, what each ending means for money already paid (R83–R87), and when a payment settles an
order in full (R79)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from desktop.domain.billing.vat import require_cents
from desktop.domain.errors import InvalidTransition
from desktop.i18n import N_  # letter states and amount errors are shown translated by the UI


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
    require_cents("price_cents", price_cents)
    require_cents("paid_cents", paid_cents)
    return PaymentSettlement(
        paid_cents >= price_cents,
        max(0, price_cents - paid_cents),
        max(0, paid_cents - price_cents),
    )
