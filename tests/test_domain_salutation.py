"""Grammatical gender from a personal code, and the greeting of a letter (issue 12, item 4)."""

from __future__ import annotations

import pytest

from desktop.domain.salutation import (
    Gender,
    after_salutation,
    child_label,
    gender_from_code,
    salutation,
)
from desktop.i18n import translator


@pytest.mark.parametrize(
    ("code", "country", "gender"),
    [
        # Slovenian EMŠO DDMMYYYRRBBBK: digits 10-12 (BBB), 000-499 male, 500-999 female
        ("1705012500030", "SI", Gender.MALE),  # RULES.md R37 test vector: BBB 003
        ("0101006504990", "SI", Gender.MALE),  # 499: the last male number
        ("0101006505008", "SI", Gender.FEMALE),  # 500: the first female number
        ("0101006509992", "SI", Gender.FEMALE),  # 999
        ("0101 006 50 500 8", "SI", Gender.FEMALE),  # printed with spaces
        # Estonian isikukood: the first digit, odd male, even female
        ("37605030299", "EE", Gender.MALE),
        ("49403136526", "EE", Gender.FEMALE),
        ("50001010006", "EE", Gender.MALE),
        ("60001010007", "EE", Gender.FEMALE),
        ("10001010003", "EE", Gender.MALE),  # 19th century
        ("20001010004", "EE", Gender.FEMALE),
        # unknown
        ("", "SI", Gender.UNKNOWN),
        (None, "EE", Gender.UNKNOWN),
        ("123", "SI", Gender.UNKNOWN),
        ("70001010000", "EE", Gender.UNKNOWN),  # no such century digit
        ("1705012500030", "EE", Gender.UNKNOWN),  # an EMŠO is no isikukood
    ],
)
def test_gender_from_code(code, country, gender):
    assert gender_from_code(code, country) is gender


def test_stdnum_agrees_on_valid_codes():
    from stdnum.ee import ik
    from stdnum.si import emso

    for code in ("37605030299", "49403136526"):
        assert gender_from_code(code, "EE").value == ik.get_gender(code)
    for code in ("1705012500030", "0101006505008", "0101006504990"):
        assert gender_from_code(code, "SI").value == emso.get_gender(code)


@pytest.mark.parametrize(
    ("language", "name", "gender", "expected"),
    [
        ("sl", "Katja Kovačič", Gender.FEMALE, "Spoštovana Katja Kovačič,"),
        ("sl", "Marko Novak", Gender.MALE, "Spoštovani Marko Novak,"),
        ("sl", "Katja Kovačič", Gender.UNKNOWN, "Pozdravljeni,"),  # never a guessed gender
        ("sl", "", Gender.UNKNOWN, "Pozdravljeni,"),
        ("et", "Katja Kovačič", Gender.FEMALE, "Lugupeetud Katja Kovačič!"),
        ("et", "Katja Kovačič", Gender.UNKNOWN, "Lugupeetud Katja Kovačič!"),
        ("et", "", Gender.UNKNOWN, "Tere!"),
        ("en", "Katja Kovačič", Gender.FEMALE, "Dear Katja Kovačič,"),
        ("en", "", Gender.UNKNOWN, "Dear parent or guardian,"),
    ],
)
def test_salutation(language, name, gender, expected):
    assert salutation(translator(language), name, gender) == expected


def test_slovenian_goes_on_in_small_letters_after_the_comma():
    assert after_salutation("sl", "Obveščamo vas, da …") == "obveščamo vas, da …"
    assert after_salutation("sl", "%(child)s je polnoleten.") == "%(child)s je polnoleten."
    assert after_salutation("et", "Teatame, et …") == "Teatame, et …"
    assert after_salutation("en", "We inform you …") == "We inform you …"


@pytest.mark.parametrize(
    ("language", "gender", "adult", "expected"),
    [
        ("sl", Gender.FEMALE, False, "Učenka"),
        ("sl", Gender.MALE, False, "Učenec"),
        ("sl", Gender.FEMALE, True, "Dijakinja"),
        ("sl", Gender.MALE, True, "Dijak"),
        ("et", Gender.FEMALE, False, "Õpilane"),
        ("en", Gender.MALE, True, "Student"),
    ],
)
def test_child_label(language, gender, adult, expected):
    assert child_label(translator(language), gender, adult) == expected
