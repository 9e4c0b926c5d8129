"""Working days (R3, R35): Estonian public holidays as data, and 'within N working days'."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from desktop.domain.consent.common import is_weekend
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian computus, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@dataclass(frozen=True)
class Holiday:
    """A public holiday: a fixed day (month, day) or a day relative to Easter Sunday."""

    name: str
    month: int = 0
    day: int = 0
    easter_offset: int | None = None

    def in_year(self, year: int) -> date:
        if self.easter_offset is not None:
            return easter_sunday(year) + timedelta(days=self.easter_offset)
        return date(year, self.month, self.day)

    def to_dict(self) -> dict[str, Any]:
        if self.easter_offset is not None:
            return {"name": self.name, "easter_offset": self.easter_offset}
        return {"name": self.name, "month": self.month, "day": self.day}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Holiday:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("name", name, N_("is required"))
        if "easter_offset" in data:
            offset = data["easter_offset"]
            if not isinstance(offset, int) or isinstance(offset, bool) or abs(offset) > 100:
                raise ValidationError("easter_offset", offset, N_("must be days from Easter, ±100"))
            return cls(name, easter_offset=offset)
        month, day = data.get("month"), data.get("day")
        try:
            date(2023, int(month), int(day))  # a non-leap year: no 29 Feb holidays
        except (TypeError, ValueError):
            raise ValidationError(
                "day", f"{month}-{day}", N_("is not a day of every year")
            ) from None
        return cls(name, int(month), int(day))


# R3 proposal: Estonian public holidays. Kept as data so an added holiday is a settings change.
ESTONIAN_HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("New Year's Day", 1, 1),
    Holiday("Independence Day", 2, 24),
    Holiday("Good Friday", easter_offset=-2),
    Holiday("Easter Sunday", easter_offset=0),
    Holiday("Spring Day", 5, 1),
    Holiday("Whit Sunday", easter_offset=49),
    Holiday("Victory Day", 6, 23),
    Holiday("Midsummer Day", 6, 24),
    Holiday("Day of Restoration of Independence", 8, 20),
    Holiday("Christmas Eve", 12, 24),
    Holiday("Christmas Day", 12, 25),
    Holiday("Boxing Day", 12, 26),
)


def holidays_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[Holiday, ...]:
    return tuple(Holiday.from_dict(item) for item in items)


def holidays_to_dicts(holidays: Iterable[Holiday]) -> list[dict[str, Any]]:
    return [h.to_dict() for h in holidays]


@functools.lru_cache(maxsize=256)
def _holidays_in(year: int, table: tuple[Holiday, ...]) -> dict[date, str]:
    return {h.in_year(year): h.name for h in table}


def holidays_in(year: int, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS) -> dict[date, str]:
    """R3: the holidays of one year, computed (Easter-dependent days move every year)."""
    return dict(_holidays_in(year, tuple(table)))


def is_working_day(day: date, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS) -> bool:
    """R3: Monday–Friday and not a public holiday."""
    return not is_weekend(day) and day not in _holidays_in(day.year, tuple(table))


def within_working_days(
    submitted_on: date, days: int = 1, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS
) -> date:
    """R3: 'within N working days' ends with the Nth working day after the day of submission.

    Fri 21 Jun 2024 → Tue 25 Jun 2024 (Sun 23 and Mon 24 Jun are holidays).
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    frozen = tuple(table)
    day, counted = submitted_on, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, frozen):
            counted += 1
    return day


def exception_decision_due(
    requested_on: date, table: Iterable[Holiday] = ESTONIAN_HOLIDAYS
) -> date:
    """R35/R3: Moodle support decides a personal-code exception within 1 working day."""
    return within_working_days(requested_on, 1, table)
