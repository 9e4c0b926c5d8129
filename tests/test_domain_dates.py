from datetime import date

import pytest

from desktop.domain.dates import (
    SchoolYear,
    add_days,
    add_months,
    add_years,
    age_on,
    has_reached_age,
    inclusive_days,
)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # R2: clamped
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 8, 31), 6, date(2025, 2, 28)),  # R17 example
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 1, 15), 12, date(2026, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_add_years_from_29_february():
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)  # R2
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_add_days_does_not_count_the_day_of_x():
    assert add_days(date(2024, 10, 1), 8) == date(2024, 10, 9)  # R51: sent 1 Oct → 9 Oct


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2010, 5, 17), date(2023, 5, 16), 12),
        (date(2010, 5, 17), date(2023, 5, 17), 13),  # R6: on the birthday
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # R6: not yet in a non-leap year
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # R6: reached on 1 Mar
        (date(2008, 2, 29), date(2028, 2, 29), 20),  # leap year: on the day
        (date(2010, 12, 31), date(2025, 12, 31), 15),
    ],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


def test_has_reached_age_29_february():
    birth = date(2011, 2, 28)
    assert has_reached_age(birth, 15, date(2026, 2, 28))
    leap = date(2012, 2, 29)
    assert not has_reached_age(leap, 13, date(2025, 2, 28))
    assert has_reached_age(leap, 13, date(2025, 3, 1))


@pytest.mark.parametrize(
    ("d", "label"),
    [
        (date(2024, 8, 31), "2023/24"),  # R4: 31 Aug belongs to the old year
        (date(2024, 9, 1), "2024/25"),
        (date(2025, 1, 15), "2024/25"),
        (date(2099, 12, 1), "2099/00"),
    ],
)
def test_school_year_of(d, label):
    assert SchoolYear.of(d).label == label


def test_school_year_bounds_and_parse():
    year = SchoolYear.parse("2024/25")
    assert (year.first_day, year.last_day) == (date(2024, 9, 1), date(2025, 8, 31))
    assert date(2025, 8, 31) in year and date(2025, 9, 1) not in year
    assert year.next().label == "2025/26"
    with pytest.raises(ValueError):
        SchoolYear.parse("2024/26")


def test_inclusive_days_matches_r88_example():
    assert inclusive_days(date(2024, 9, 1), date(2025, 8, 31)) == 365
    assert inclusive_days(date(2025, 3, 1), date(2025, 8, 31)) == 184
