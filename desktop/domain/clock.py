"""The one clock: every "now" and "today" in the app comes from here.

A process has one current clock. The composition root installs it (Services, the GUI, the CLI's
`--today`); tests install one that starts on a known day, so they pass whatever the system date.
This is the only module that reads the system's calendar clock (a test enforces it), so moving
the app to another day is one call and nothing can disagree about what day it is.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """The system's clock: aware UTC instants."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock(Clock):
    """The system's clock moved by a fixed offset: time passes as usual from another start.

    `--today 2027-09-01` runs the app on that day with the time of day still moving, and tests
    start on a known instant without freezing time (timestamps stay ordered)."""

    def __init__(self, offset: timedelta):
        self.offset = offset

    @classmethod
    def starting_at(cls, instant: datetime) -> ShiftedClock:
        if instant.tzinfo is None:
            raise ValueError("the start instant must carry its time zone")
        return cls(instant - datetime.now(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class FixedClock(Clock):
    """A clock that only moves when told to (tests of deadlines to the second)."""

    def __init__(self, instant: datetime):
        if instant.tzinfo is None:
            raise ValueError("a fixed instant must carry its time zone")
        self.instant = instant.astimezone(UTC)

    @classmethod
    def at_noon(cls, day: date, zone: ZoneInfo) -> FixedClock:
        return cls(datetime.combine(day, time(12), zone))

    def advance(self, delta: timedelta) -> None:
        self.instant += delta

    def now(self) -> datetime:
        return self.instant


_lock = threading.Lock()
_current: Clock = Clock()


def current() -> Clock:
    return _current


def install(clock: Clock) -> Clock:
    """Make `clock` the app's clock; returns the one it replaces (tests put it back)."""
    global _current
    with _lock:
        previous, _current = _current, clock
    return previous


def now() -> datetime:
    """This instant, aware, in UTC."""
    return _current.now()
