"""Pure billing additions: card-data guard (R65), payment references per invoice (R77, R122),
the renewal cycle (R81) and the notice ↔ action mapping."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.billing.cards import (
    check_card_last_four,
    check_no_card_data,
    looks_like_card_number,
)
from desktop.domain.billing.due import BillingAction, renewal_school_year
from desktop.domain.billing.records import (
    ACTION_FOR_NOTICE,
    NOTICE_FOR_ACTION,
    PaymentMethod,
    ReferenceScheme,
    make_payment_reference,
)
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.domain.payment_refs import is_valid_ee_reference, is_valid_rf, is_valid_si12


@pytest.mark.parametrize(
    "text, card",
    [
        ("4111111111111111", True),  # Visa test number
        ("4111 1111 1111 1111", True),
        ("5555-5555-5555-4444", True),  # Mastercard
        ("378282246310005", True),  # Amex, 15 digits
        ("paid with 4012888888881881 yesterday", True),
        ("4111111111111112", False),  # Luhn fails
        ("411111111111", False),  # 12 digits
        ("9111111111111111110", False),  # no card starts with 9
        ("BANKART-20261023-000123", False),
        ("SI12 0002600000011", False),
        ("", False),
    ],
)
def test_looks_like_card_number(text, card):
    assert looks_like_card_number(text) is card


def test_card_data_is_refused_without_echoing_it():
    with pytest.raises(ValidationError) as err:
        check_no_card_data("note", "card 4111 1111 1111 1111 cvv 123")
    assert "4111" not in str(err.value) and "never stores card numbers" in err.value.reason
    assert check_no_card_data("note", "  paid at the counter ") == "paid at the counter"


@pytest.mark.parametrize(
    "method, digits, ok",
    [
        (PaymentMethod.CARD, "4242", True),
        (PaymentMethod.CARD, "", True),  # not known: nothing stored
        (PaymentMethod.CARD, "424", False),
        (PaymentMethod.CARD, "4111111111111111", False),
        (PaymentMethod.CARD, "42a2", False),
        (PaymentMethod.FLIK, "4242", False),  # only a card payment has card digits
    ],
)
def test_card_last_four(method, digits, ok):
    if ok:
        assert check_card_last_four(method, digits) == (digits or None)
    else:
        with pytest.raises(ValidationError) as err:
            check_card_last_four(method, digits)
        assert "4111111111111111" not in str(err.value)


@pytest.mark.parametrize(
    "scheme, valid",
    [
        (ReferenceScheme.SI12, is_valid_si12),
        (ReferenceScheme.RF, is_valid_rf),
        (ReferenceScheme.EE, is_valid_ee_reference),
    ],
)
@given(number=st.integers(min_value=1, max_value=9_999_999), year=st.integers(2000, 2099))
def test_every_invoice_reference_is_bank_valid_and_distinct(scheme, valid, number, year):
    reference = make_payment_reference(scheme, SchoolYear(year), number)
    assert valid(reference)
    other = make_payment_reference(scheme, SchoolYear(year), number % 9_999_999 + 1)
    assert other != reference


def test_reference_examples():
    assert make_payment_reference(ReferenceScheme.SI12, SchoolYear(2026), 1) == "SI12 0002600000011"
    assert make_payment_reference(ReferenceScheme.EE, SchoolYear(2026), 1) == "2600000013"
    assert make_payment_reference(ReferenceScheme.RF, SchoolYear(2026), 1).startswith("RF")
    with pytest.raises(ValueError):
        make_payment_reference(ReferenceScheme.EE, SchoolYear(2026), 0)


@pytest.mark.parametrize(
    "paid, today, year",
    [
        (2025, date(2026, 9, 1), 2026),
        (2025, date(2026, 8, 31), 2026),  # invitation for the next year before it starts
        (2024, date(2026, 10, 1), 2026),  # a year skipped: the current one, not 2025
    ],
)
def test_renewal_school_year(paid, today, year):
    assert renewal_school_year(SchoolYear(paid), today) == SchoolYear(year)


def test_every_letter_action_has_one_notice():
    letters = {a for a in BillingAction if a.value.startswith("SEND_")}
    assert set(NOTICE_FOR_ACTION) == letters
    assert {ACTION_FOR_NOTICE[n]: n for n in ACTION_FOR_NOTICE} == dict(NOTICE_FOR_ACTION)
