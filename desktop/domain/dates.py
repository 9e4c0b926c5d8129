"""Calendar arithmetic shared by every rule: periods, ages, school years, local days, and the
reading of a date typed in a form or found in a spreadsheet cell.

R1: instants are stored in UTC; every date rule is evaluated in the school's zone.
R2: calendar months are added with clamping to the month's last day.
R4: the school year runs 1 Sep – 31 Aug.
R6: a person born on 29 Feb reaches an age on 1 Mar in non-leap years.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from desktop.domain import clock
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # reasons are shown translated by the UI

SCHOOL_ZONES = {"EE": "Europe/Tallinn", "SI": "Europe/Ljubljana"}  # R1


def school_zone(country: str) -> ZoneInfo:
    return ZoneInfo(SCHOOL_ZONES[country])


def local_date(instant: datetime, country: str) -> date:
    """The calendar day an instant falls on at the school (R1)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(school_zone(country)).date()


def local_today(country: str) -> date:
    """Today at the school, by the app's one clock."""
    return local_date(clock.now(), country)


def add_months(d: date, months: int) -> date:
    """R2: 31 Jan + 1 month = 28/29 Feb; the day is clamped to the target month's end."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last))


def add_years(d: date, years: int) -> date:
    """R2: 29 Feb + 5 years = 28 Feb."""
    return add_months(d, 12 * years)


def add_days(d: date, days: int) -> date:
    """R2: the day of X is not counted, so 'within N days of X' ends on X + N."""
    return d + timedelta(days=days)


def birthday_in(birth: date, year: int) -> date:
    """The day in `year` on which a birthday counts as reached (R6: 29 Feb → 1 Mar)."""
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)


def age_on(birth: date, on: date) -> int:
    """Completed years on `on` (R6). Negative dates (before birth) are a caller error."""
    if on < birth:
        raise ValueError(f"{on} is before the birth date {birth}")
    years = on.year - birth.year
    if on < birthday_in(birth, on.year):
        years -= 1
    return years


def has_reached_age(birth: date, years: int, on: date) -> bool:
    """'Has reached / at least N years' means on or after the Nth birthday (R6)."""
    return on >= birthday_in(birth, birth.year + years)


def date_of_age(birth: date, years: int) -> date:
    """The first day on which the person is `years` old (R6)."""
    return birthday_in(birth, birth.year + years)


@dataclass(frozen=True, order=True)
class SchoolYear:
    """R4: the school year starting 1 Sep of `start_year`, labelled '2024/25'."""

    start_year: int

    @classmethod
    def of(cls, d: date) -> SchoolYear:
        return cls(d.year if d.month >= 9 else d.year - 1)

    @classmethod
    def parse(cls, label: str) -> SchoolYear:
        head, _, tail = label.partition("/")
        year = cls(int(head))
        if tail and int(tail) != (year.start_year + 1) % 100:
            raise ValueError(f"{label!r} is not a school year label like 2024/25")
        return year

    @property
    def first_day(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 8, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def next(self) -> SchoolYear:
        return SchoolYear(self.start_year + 1)

    def __contains__(self, d: date) -> bool:
        return self.first_day <= d <= self.last_day

    def __str__(self) -> str:
        return self.label


def inclusive_days(first: date, last: date) -> int:
    """Number of calendar days in [first, last], both counted (R83, R88)."""
    return (last - first).days + 1


_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})\.\s*(?P<m>\d{1,2})\.\s*(?P<y>\d{4})\.?$"),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
)


def parse_date_cell(value: object, column: str) -> date | None:
    """ISO, Estonian (17.05.2012) and Slovenian (17. 5. 2012) dates, or a spreadsheet date cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = " ".join(str(value).split())  # " 17. 5.  2012" reads as "17. 5. 2012"
    if not text:
        return None
    if " " in text and text[:10].count("-") == 2:
        text = text[:10]  # '2012-05-17 00:00:00' from a spreadsheet
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            try:
                return date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                raise ValidationError(column, value, N_("is not a real date")) from None
    raise ValidationError(column, value, N_("is not a date (use 2012-05-17 or 17.05.2012)"))
