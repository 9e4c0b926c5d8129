"""One clock: only desktop/domain/clock.py reads the system's calendar clock.

Every "today" and "now" goes through desktop.domain.clock, so tests (and `--today`) can move the
whole app to another day, and the suite passes on any date.
"""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desktop.domain import clock
from desktop.domain.dates import local_today

PACKAGE = Path(__file__).resolve().parent.parent / "desktop"
CLOCK_MODULE = PACKAGE / "domain" / "clock.py"

# (object, attribute) calls that read the system's wall clock or calendar.
SYSTEM_CLOCK_CALLS = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("time", "time"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("QDate", "currentDate"),
    ("QDateTime", "currentDateTime"),
    ("QDateTime", "currentDateTimeUtc"),
    ("QDateTime", "currentSecsSinceEpoch"),
    ("QDateTime", "currentMSecsSinceEpoch"),
}


def system_clock_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute):
            owner = function.value
            # datetime.datetime.now() and datetime.now() alike
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, function.attr) in SYSTEM_CLOCK_CALLS:
                found.append(f"line {node.lineno}: {name}.{function.attr}()")
        elif isinstance(function, ast.Name) and function.id == "utc_now":
            found.append(f"line {node.lineno}: utc_now()")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PACKAGE.rglob("*.py")) if p != CLOCK_MODULE],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_only_the_clock_module_reads_the_system_clock(path):
    assert system_clock_calls(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from datetime import date\nd = date.today()\n", ["line 2: date.today()"]),
        ("import datetime\nx = datetime.datetime.now()\n", ["line 2: datetime.now()"]),
        ("x = datetime.now(UTC)\n", ["line 1: datetime.now()"]),
        ("x = QDate.currentDate()\n", ["line 1: QDate.currentDate()"]),
        ("import time\nt = time.time()\n", ["line 2: time.time()"]),
        ("x = utc_now()\n", ["line 1: utc_now()"]),
        ("import time\nt = time.monotonic()\n", []),  # an interval, not a date
        ("x = clock.now()\n", []),
    ],
)
def test_the_scan_finds_system_clock_calls(source, found):
    assert system_clock_calls(source) == found


def test_the_installed_clock_moves_the_whole_app():
    tallinn = ZoneInfo("Europe/Tallinn")
    previous = clock.install(clock.FixedClock.at_noon(date(2031, 2, 28), tallinn))
    try:
        assert local_today("EE") == date(2031, 2, 28)
        clock.current().advance(timedelta(hours=12))  # midnight in Tallinn is 22:00 UTC
        assert local_today("EE") == date(2031, 3, 1)
    finally:
        clock.install(previous)


def test_a_shifted_clock_keeps_time_moving_from_its_start():
    start = datetime(2030, 9, 1, 6, 0, tzinfo=UTC)
    shifted = clock.ShiftedClock.starting_at(start)
    first = shifted.now()
    assert timedelta(0) <= first - start < timedelta(seconds=5)
    assert shifted.now() >= first


def test_the_test_suite_runs_on_its_own_known_day():
    """conftest installs a clock starting on TEST_START for every test (any system date)."""
    from tests.conftest import TEST_START

    assert clock.now() - TEST_START < timedelta(minutes=30)
