"""What the consent rules share: person ids, the checks on instants and countries, the school's
local day (R1), and the strict reading of the rules a school tunes in its settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from desktop.domain.dates import SCHOOL_ZONES, school_zone
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI

Id = int | str  # database ids of persons; the domain only compares them


def require_aware(name: str, value: datetime) -> datetime:
    # R1: instants are UTC. A naive datetime here is a programming error, not user input.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def require_country(country: str) -> str:
    if country not in SCHOOL_ZONES:
        raise ValidationError(
            "country", country, N_("use one of {choices}", choices=", ".join(SCHOOL_ZONES))
        )
    return country


def local_day_end(day: date, country: str) -> datetime:
    """R1: 'until day D' means until 23:59:59 local time; returns the first instant after D (UTC).

    A validity check is `now < local_day_end(D, country)`.
    """
    zone = school_zone(require_country(country))
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def noon_on(day: date, country: str) -> datetime:
    """A decision typed as a date is taken at noon school time: the same day in any zone (R1)."""
    return datetime.combine(day, time(12), tzinfo=school_zone(require_country(country)))


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def settings_dict(rule: Any) -> dict[str, Any]:
    """A rule (a dataclass) as the JSON a school's settings store: enums as text, tuples as
    lists, in field order."""
    return {f.name: _json_value(getattr(rule, f.name)) for f in dataclasses.fields(rule)}


def _json_value(value: object) -> object:
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    return str(value) if isinstance(value, StrEnum) else value


def check_setting_keys(rule_type: type, name: str, data: Mapping[str, Any]) -> None:
    """Strict: a school's JSON with a typo ('min-age') is refused, not silently ignored."""
    unknown = set(data) - {f.name for f in dataclasses.fields(rule_type)}
    if unknown:
        raise ValidationError(name, sorted(unknown), N_("unknown settings"))
