from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from desktop.domain.errors import ValidationError
from desktop.domain.payment_refs import (
    ee_check_digit,
    format_ee_reference,
    format_rf,
    is_valid_ee_reference,
    is_valid_rf,
    is_valid_si12,
    make_ee_reference,
    make_rf,
    make_si12,
    si12_check_digit,
    validate_ee_reference,
    validate_iban,
    validate_purpose_code,
    validate_registry_code,
    validate_rf,
    validate_si12,
    validate_vat_id,
)

# --- RF (ISO 11649) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        ("539007547034", "RF18539007547034"),  # ISO 11649 / python-stdnum example
        ("5390 0754 70Y", "RF185390075470Y"),  # python-stdnum example, letters allowed
        ("SBO2010", "RF45SBO2010"),
        ("352ADD05899", "RF81352ADD05899"),  # ZBS UPN QR example G (payer reference)
    ],
)
def test_make_rf_matches_published_examples(base, reference):
    assert make_rf(base) == reference
    assert validate_rf(reference) == reference
    assert is_valid_rf(reference)


def test_format_rf():
    assert format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    assert validate_rf("rf18 5390 0754 7034") == "RF18539007547034"


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("RF17539007547034", "check digits"),
        ("XX18539007547034", "starts with RF"),
        ("RF1", "5–25 characters"),
        ("RF18" + "1" * 22, "5–25 characters"),
    ],
)
def test_validate_rf_names_the_problem(reference, reason):
    with pytest.raises(ValidationError) as info:
        validate_rf(reference, "recipient_reference")
    assert reason in info.value.reason
    assert info.value.field == "recipient_reference"
    assert not is_valid_rf(reference)


@pytest.mark.parametrize("base", ["", "ABC_1", "1" * 22, "Ž1"])
def test_make_rf_refuses_bad_bases(base):
    with pytest.raises(ValidationError, match="1–21"):
        make_rf(base)


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21))
def test_rf_references_always_validate(base):
    reference = make_rf(base)
    assert iso11649.is_valid(reference)  # the library, not our own code, is the judge
    assert reference[4:] == base


# --- SI12 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        ("103384257453", "SI12 1033842574531"),  # ZBS UPN QR standard, cover example
        ("1234567890", "SI12 0012345678909"),  # franga2000/upnqr README: SI1212345678909
        ("2026104", "SI12 0000020261047"),
        (123456789012, "SI12 1234567890120"),  # sum ≡ 0 (mod 11) → K = 11 → 0
        ("0", "SI12 0000000000000"),
    ],
)
def test_make_si12(base, reference):
    assert make_si12(base) == reference
    assert validate_si12(reference) == reference
    assert validate_si12(reference.replace(" ", "")) == reference


@pytest.mark.parametrize(
    ("base", "check"),
    [
        ("103384257453", "1"),  # ZBS example
        ("1234567890", "9"),
        ("1", "9"),  # 1×2 = 2 → 11 − 2 = 9
        ("4", "3"),  # 4×2 = 8 → 11 − 8 = 3
        ("5", "1"),  # 5×2 = 10 → 11 − 10 = 1
        ("6", "0"),  # 6×2 = 12 ≡ 1 → 11 − 1 = 10 → 0 (ZBS: 10 and 11 give 0)
        ("123456789012", "0"),  # sum ≡ 0 → 11 → 0
        ("21", "3"),  # weights from the right: 1×2 + 2×3 = 8 → 11 − 8 = 3
    ],
)
def test_si12_check_digit_rule(base, check):
    assert si12_check_digit(base) == check


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("SI12 1033842574532", "check digit"),
        ("SI11 1033842574531", "starts with SI12"),
        ("SI12 10338425745311", "2–13 digits"),
        ("SI12 1", "2–13 digits"),
        ("SI12 10338A2574531", "digits only"),
        ("RF18539007547034", "starts with SI12"),
    ],
)
def test_validate_si12_names_the_problem(reference, reason):
    with pytest.raises(ValidationError) as info:
        validate_si12(reference)
    assert reason in info.value.reason
    assert not is_valid_si12(reference)


@pytest.mark.parametrize("base", ["", "1234567890123", "12a"])
def test_make_si12_refuses_bad_bases(base):
    with pytest.raises(ValidationError, match="1–12 digits"):
        make_si12(base)


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_si12_references_always_validate(n):
    reference = make_si12(n)
    assert is_valid_si12(reference)
    assert len(reference) == len("SI12 ") + 13


def test_si12_known_blind_spots_of_the_zbs_rule():
    # Weight 11 ≡ 0: with a 12-digit P1 the third digit from the left is not protected.
    assert is_valid_si12("SI12 0000000000981") and is_valid_si12("SI12 0010000000981")
    # Remainders 0 and 1 both give K = 0.
    assert si12_check_digit("123456789012") == si12_check_digit("6") == "0"


# --- Estonian 7-3-1 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        ("12131295", "121312952"),  # Eesti Pangaliit standard's worked example
        ("123456", "1234561"),  # the common 7-3-1 textbook example (also the Finnish one)
        ("1", "13"),
        ("0", "00"),
        (1234567890123456789, "12345678901234567894"),
    ],
)
def test_make_ee_reference(base, reference):
    assert make_ee_reference(base) == reference
    assert validate_ee_reference(reference) == reference
    assert is_valid_ee_reference(reference)


def test_ee_check_digit_is_distance_to_next_ten():
    # 1×7 + 2×1 + ... Pangaliit: 12131295 → 98 → 100 − 98 = 2
    assert ee_check_digit("12131295") == "2"
    assert ee_check_digit("") == "0"


def test_ee_reference_printed_in_groups_of_four():
    assert format_ee_reference("121312952") == "1213 1295 2"
    assert validate_ee_reference("1213 1295 2") == "121312952"


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("121312953", "check digit"),
        ("1", "2–20 digits"),
        ("1" * 21, "2–20 digits"),
        ("12A3", "digits only"),
    ],
)
def test_validate_ee_reference_names_the_problem(reference, reason):
    with pytest.raises(ValidationError) as info:
        validate_ee_reference(reference)
    assert reason in info.value.reason
    assert not is_valid_ee_reference(reference)


@given(st.text(alphabet="0123456789", min_size=1, max_size=19))
def test_ee_references_always_validate(base):
    reference = make_ee_reference(base)
    assert is_valid_ee_reference(reference)
    assert reference[:-1] == base


# ---- the parties on an invoice (issue: payer and payee data) --------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("SI56 1910 0000 0123 438", True),
        ("SI56020100012345641", True),  # the demo account
        ("SI27 0201 0001 2345 678", False),  # mod-97 passes; the national check digits do not
        ("EE382200221020145685", True),
        ("EE38 2200 2210 2014 5686", False),
    ],
)
def test_iban_national_check_digits(value, valid):
    if valid:
        assert validate_iban(value) == value.replace(" ", "")
    else:
        with pytest.raises(ValidationError, match="IBAN"):
            validate_iban(value)


@pytest.mark.parametrize(
    ("function", "value", "country", "expected"),
    [
        (validate_vat_id, "SI 1234 5679", "SI", "SI12345679"),
        (validate_vat_id, "SI12345678", "SI", None),
        (validate_vat_id, "EE100931558", "EE", "EE100931558"),
        (validate_vat_id, "EE100931559", "EE", None),
        (validate_registry_code, "1234579000", "SI", "1234579"),
        (validate_registry_code, "1234578", "SI", None),
        (validate_registry_code, "10137319", "EE", "10137319"),
        (validate_registry_code, "10137318", "EE", None),
    ],
)
def test_vat_and_registry_numbers(function, value, country, expected):
    if expected is None:
        with pytest.raises(ValidationError):
            function(value, country)
    else:
        assert function(value, country) == expected


@pytest.mark.parametrize(("code", "ok"), [("SCVE", True), ("othr", True), ("ŠOLA", False)])
def test_one_rule_for_the_purpose_code(code, ok):
    if ok:
        assert validate_purpose_code(code) == code.upper()
    else:
        with pytest.raises(ValidationError, match="A–Z"):
            validate_purpose_code(code)
