"""What every command shares: exit codes, the argument parser and types, one-line errors, and
opening the database and the services.

Subcommand modules import from here, never from `desktop.cli`, which imports them.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, date, datetime, time

from desktop.domain import clock
from desktop.domain.errors import AccessRevoked

EXIT_OK, EXIT_PROBLEMS, EXIT_DATABASE, EXIT_PERMISSION = 0, 1, 3, 4
EXIT_USAGE, EXIT_BROKEN_PIPE = 2, 141  # 141: as a shell reports a reader that went away


class Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument reported in one line (and where to read more)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def fail(message: str) -> int:
    """Report one problem on stderr; the command's exit code."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_PROBLEMS


def os_problem(exc: OSError) -> str:
    """'FILE: reason' in one line, for an OSError from reading or writing a file."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason


def school_day(text: str) -> date:
    """An argparse type: a YYYY-MM-DD day in a range the calendar arithmetic can carry.

    Only that form (Python also reads 20260901 and 2026-W36-2, which nobody means here)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-09-01") from None
    if not 1900 <= day.year <= 2199:
        raise argparse.ArgumentTypeError(f"{text}: the year must be between 1900 and 2199")
    return day


def set_clock_day(day: date) -> None:
    """The app's one clock runs on `day` from 10:00 UTC: midday in Tallinn and Ljubljana alike,
    so the school's date is `day` whichever the country, and time still moves on."""
    clock.install(clock.ShiftedClock.starting_at(datetime.combine(day, time(10), UTC)))


def database_url(args: argparse.Namespace) -> str:
    if args.database:
        return args.database
    from desktop.settings import load_settings  # lazy: --help and --version read no settings

    return load_settings().effective_database_url


def services_for(args: argparse.Namespace):
    """The services for this command's staff member; the start is in the login audit (R116).

    A one-time initial password must be changed first (`school-office staff password`)."""
    # Lazy: SQLAlchemy and the services load only when a command runs, not for --help or
    # a wrong argument.
    from desktop.services.container import open_services
    from desktop.services.login_audit import record_start, remember_failed_login
    from desktop.services.staff import NotStaff, must_change_password_first

    url = database_url(args)
    try:
        services = open_services(url)
    except (AccessRevoked, NotStaff) as exc:
        remember_failed_login(url, str(exc), "cli")
        raise
    record_start(services.db, services.actor.login, "cli")
    if services.actor.must_change_password:
        services.close()
        raise must_change_password_first(services.actor.login)
    return services
