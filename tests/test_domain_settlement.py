"""What one payment does (R79, R88): the rule shared by typed payments and bank statements."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.billing.records import InvoiceKind
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.settlement import (
    PaymentSplit,
    Standing,
    activation,
    may_settle,
    split_payment,
)

S = SubscriptionState
ORDERED = Standing(S.ORDERED, None, None)


@pytest.mark.parametrize(
    ("paid_before", "amount", "split"),
    [
        (0, 500, PaymentSplit(1500, 0)),  # a part payment
        (1500, 500, PaymentSplit(0, 0)),  # the rest
        (1500, 800, PaymentSplit(0, 300)),  # the rest and more
        (2000, 700, PaymentSplit(0, 700)),  # already paid: all surplus
        (2500, 100, PaymentSplit(0, 100)),
    ],
)
def test_split_payment_r79(paid_before, amount, split):
    assert split_payment(2000, paid_before, amount, settleable=True) == split


def test_money_that_cannot_settle_is_all_surplus():
    assert not may_settle(True, S.ORDERED)
    assert not may_settle(False, S.CANCELLED)
    assert may_settle(False, S.RENEWAL_DUE)
    assert split_payment(2000, 0, 2000, settleable=False) == PaymentSplit(0, 2000)


def _activate(before=ORDERED, *, kind=InvoiceKind.ANNUAL, year=2026, left=0, paid_on=None):
    return activation(
        before,
        kind=kind,
        school_year=year,
        left_cents=left,
        settleable=True,
        ordered_on=date(2026, 9, 10),
        paid_on=paid_on,
    )


def test_an_annual_invoice_paid_in_full_activates_from_the_payment_day_r88():
    assert _activate(paid_on=date(2026, 9, 15)) == Standing(S.ACTIVE, 2026, date(2026, 9, 15))
    # Money that arrived before the order counts from the order.
    assert _activate(paid_on=date(2026, 9, 1)).activated_on == date(2026, 9, 10)
    assert _activate(paid_on=None).activated_on == date(2026, 9, 10)


def test_a_renewal_keeps_the_first_activation_day():
    renewal = Standing(S.RENEWAL_DUE, 2026, date(2026, 9, 15))
    assert _activate(renewal, year=2027, paid_on=date(2027, 9, 3)) == Standing(
        S.ACTIVE, 2027, date(2026, 9, 15)
    )


@pytest.mark.parametrize(
    "change",
    [
        {"left": 1},  # not paid in full
        {"kind": InvoiceKind.FEE},  # a fee activates nothing
        {"before": Standing(S.ACTIVE, 2026, date(2026, 9, 15))},  # already running
        {"before": Standing(S.RENEWAL_DUE, 2026, date(2026, 9, 15))},  # that year is paid
    ],
)
def test_nothing_else_activates(change):
    assert _activate(**change) is None
