"""Command line: no subcommand starts the GUI; subcommands are headless jobs for IT and schedulers.

Every command prints one line per problem and exits non-zero on failure; a database that
cannot be reached is a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

from desktop import APP_ID, __version__
from desktop.domain.errors import DatabaseError, PermissionDenied, SchoolOfficeError

EXIT_OK, EXIT_PROBLEMS, EXIT_DATABASE, EXIT_PERMISSION = 0, 1, 3, 4


def build_parser() -> argparse.ArgumentParser:
    from desktop.cli import admin, billing, cards, consent, daily, printing, roster

    parser = argparse.ArgumentParser(
        prog=APP_ID,
        description="School Office: roster, cards, consent and billing. "
        "Without a command, the app window opens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///path/file.sqlite3 or postgresql://user@server/db "
        "(default: the settings, else the embedded SQLite file)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="open the app with a demo school if there is no data"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    parser.add_argument(
        "--today",
        dest="clock_day",
        type=school_day,
        metavar="YYYY-MM-DD",
        help="run the app or the command as if today were this day (rehearsals, checks)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="start the app on a temporary database with the demo school, open every tab, "
        "print sample documents, and exit 0 if all works (for installers and CI)",
    )
    parser.add_argument(
        "--smoke-report",
        metavar="FILE",
        help="with --smoke-test: write the result as JSON to FILE, the log and PDFs next to it",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (admin, roster, cards, billing, consent, daily, printing):
        module.register(commands)
    return parser


def database_url(args: argparse.Namespace) -> str:
    if args.database:
        return args.database
    from desktop.settings import load_settings

    return load_settings().effective_database_url


def services_for(args: argparse.Namespace):
    from desktop.services.container import open_services

    return open_services(database_url(args))


def school_day(text: str) -> date:
    """An argparse type: a YYYY-MM-DD day in a range the calendar arithmetic can carry."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-09-01") from None
    if not 1900 <= day.year <= 2199:
        raise argparse.ArgumentTypeError(f"{text}: the year must be between 1900 and 2199")
    return day


def set_clock_day(day: date) -> None:
    """The app's one clock runs on `day` from 10:00 UTC: midday in Tallinn and Ljubljana alike,
    so the school's date is `day` whichever the country, and time still moves on."""
    from desktop.domain import clock

    clock.install(clock.ShiftedClock.starting_at(datetime.combine(day, time(10), UTC)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    day = args.clock_day or getattr(args, "today", None)  # `daily --today` moves the clock too
    if day is not None:
        set_clock_day(day)
    if args.smoke_test:
        if args.command is not None or args.database:
            parser.error("--smoke-test always runs the app alone, on a temporary database")
        from desktop.app import run_smoke_test

        return run_smoke_test(args.smoke_report)
    if args.command is None:
        from desktop.app import run_gui  # Qt is imported only for the GUI

        return run_gui(database_url(args) if args.database else None, demo=args.demo)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except PermissionDenied as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PERMISSION
    except SchoolOfficeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("interrupted; nothing was changed by the unfinished step", file=sys.stderr)
        return 130
