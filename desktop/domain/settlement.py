"""What one payment does to its invoice and subscription (R79, R88). Pure: facts in, effect out.

One rule for both ways money arrives: a payment typed in by hand (services.billing.payments)
and an entry of a bank statement (domain.bank_matching).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from desktop.domain.billing.records import InvoiceKind
from desktop.domain.billing.states import (
    END_STATES,
    SubscriptionEvent,
    SubscriptionState,
    apply_event,
    settle_payment,
)

# Only these wait for their annual invoice: a first order, or a renewal.
_AWAITING_PAYMENT = frozenset({SubscriptionState.ORDERED, SubscriptionState.RENEWAL_DUE})


class Standing(NamedTuple):
    """The part of a subscription that a payment can change."""

    state: SubscriptionState
    paid_school_year: int | None
    activated_on: date | None


class PaymentSplit(NamedTuple):
    left_cents: int  # still owed on the invoice afterwards
    surplus_cents: int  # of the payment: more than was owed, proposed as a refund (R79, R67)


def may_settle(cancelled: bool, state: SubscriptionState) -> bool:
    """Money for a cancelled invoice, or for an ended subscription, settles nothing: all of it
    is surplus."""
    return not cancelled and state not in END_STATES


def split_payment(
    price_cents: int, paid_before_cents: int, amount_cents: int, settleable: bool
) -> PaymentSplit:
    """R79: what a payment of `amount_cents` leaves owed on its invoice, and its surplus."""
    if not settleable:
        return PaymentSplit(0, amount_cents)
    settlement = settle_payment(price_cents, paid_before_cents + amount_cents)
    return PaymentSplit(settlement.outstanding_cents, min(settlement.overpaid_cents, amount_cents))


def activation(
    before: Standing,
    *,
    kind: InvoiceKind,
    school_year: int,
    left_cents: int,
    settleable: bool,
    ordered_on: date | None,
    paid_on: date | None,
) -> Standing | None:
    """R79: an annual invoice paid in full finally activates an ORDERED subscription, or renews
    a RENEWAL_DUE one, for a year not paid before; None when the payment activates nothing.

    R88: the paid period starts at the first activation, the day the money arrived but never
    before the order."""
    if not (
        settleable
        and kind is InvoiceKind.ANNUAL
        and left_cents == 0
        and before.state in _AWAITING_PAYMENT
        and (before.paid_school_year is None or school_year > before.paid_school_year)
    ):
        return None
    first = max(paid_on, ordered_on or paid_on) if paid_on else ordered_on
    return Standing(
        apply_event(before.state, SubscriptionEvent.PAID_IN_FULL),
        school_year,
        before.activated_on or first,
    )
