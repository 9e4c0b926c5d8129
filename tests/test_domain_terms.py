"""Terms rules: when a version takes effect (R50, R52), tacit acceptance (R51), hash, language."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.terms import (
    AmendmentRule,
    VersionStatus,
    check_key,
    choose_language,
    clean_texts,
    content_hash,
    effective_from,
    next_numbers,
    tacit_acceptance,
    version_status,
)

PLUS_15, STATED = AmendmentRule.PUBLISHED_PLUS_15, AmendmentRule.STATED_DATE


@pytest.mark.parametrize(
    ("rule", "published", "stated", "amendment", "expected"),
    [
        # R50 worked example: published 1 Oct → in force from 16 Oct.
        (PLUS_15, date(2026, 10, 1), None, True, date(2026, 10, 16)),
        (PLUS_15, date(2026, 10, 1), date(2026, 10, 16), True, date(2026, 10, 16)),
        (PLUS_15, date(2026, 12, 20), None, True, date(2027, 1, 4)),  # across the year end
        (PLUS_15, date(2024, 8, 7), None, False, date(2024, 8, 7)),  # a first version
        (PLUS_15, date(2024, 8, 7), date(2024, 8, 22), False, date(2024, 8, 22)),
        # R52: Harno states the date; a first version defaults to publication.
        (STATED, date(2026, 3, 2), date(2026, 4, 1), True, date(2026, 4, 1)),
        (STATED, date(2026, 3, 2), date(2026, 3, 2), True, date(2026, 3, 2)),
        (STATED, date(2026, 3, 2), None, False, date(2026, 3, 2)),
    ],
)
def test_effective_from(rule, published, stated, amendment, expected):
    assert effective_from(rule, published, stated, amendment=amendment) == expected


@pytest.mark.parametrize(
    ("rule", "published", "stated", "amendment", "reason"),
    [
        (PLUS_15, date(2026, 10, 1), date(2026, 10, 2), True, "15th day after publication"),
        (STATED, date(2026, 3, 2), None, True, "the date the provider states"),  # R52
        (STATED, date(2026, 3, 2), date(2026, 3, 1), True, "before the publication date"),
        (PLUS_15, date(2026, 3, 2), date(2026, 3, 1), False, "before the publication date"),
    ],
)
def test_effective_from_refused(rule, published, stated, amendment, reason):
    with pytest.raises(ValidationError) as info:
        effective_from(rule, published, stated, amendment=amendment)
    assert info.value.field == "effective_from" and reason in info.value.reason


@pytest.mark.parametrize(
    ("rule", "amendment", "expected"),
    [(PLUS_15, True, True), (PLUS_15, False, False), (STATED, True, False)],
)
def test_only_si_amendments_are_deemed_accepted(rule, amendment, expected):
    assert tacit_acceptance(rule, amendment=amendment) is expected  # R51


def test_content_hash_depends_on_the_texts_only():
    a = content_hash({"sl": "1. Splošno", "en": "1. General"})
    assert a == content_hash({"en": "1. General", "sl": "1. Splošno"})
    assert a != content_hash({"sl": "1. Splošno.", "en": "1. General"})
    assert len(a) == 64


def test_clean_texts_keeps_known_languages_in_order():
    assert clean_texts({"EN": " b\r\n", "sl": "a", "et": "  "}) == {"sl": "a", "en": "b"}
    with pytest.raises(ValidationError):
        clean_texts({"de": "x"})


@pytest.mark.parametrize(
    ("available", "requested", "fallback", "expected"),
    [
        (("sl", "en"), "en", "sl", "en"),
        (("sl", "en"), "et", "sl", "sl"),  # the school's language
        (("et",), "sl", "sl", "et"),  # whatever there is
        (("en", "sl"), "et", "et", "sl"),  # et, sl, en order
    ],
)
def test_choose_language(available, requested, fallback, expected):
    assert choose_language(available, requested, fallback) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 10, 15), VersionStatus.ANNOUNCED),
        (date(2026, 10, 16), VersionStatus.IN_FORCE),
        (date(2027, 3, 31), VersionStatus.IN_FORCE),
        (date(2027, 4, 1), VersionStatus.SUPERSEDED),
    ],
)
def test_version_status(on, expected):
    assert version_status(date(2026, 10, 1), date(2026, 10, 16), date(2027, 3, 31), on) == expected
    assert version_status(None, None, None, on) is VersionStatus.DRAFT


def test_numbers_and_keys():
    assert next_numbers(None, major=False) == (1, 0)
    assert next_numbers((1, 3), major=False) == (1, 4)
    assert next_numbers((1, 3), major=True) == (2, 0)
    assert check_key(" si-popolni-terms ") == "SI-POPOLNI-TERMS"
    with pytest.raises(ValidationError):
        check_key("popolni terms")
