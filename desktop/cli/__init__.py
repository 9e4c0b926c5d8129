"""Command line: no subcommand starts the GUI; subcommands are headless jobs for IT and schedulers.

Every command prints one line per problem and exits non-zero on failure; a database that
cannot be reached is a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

from desktop import APP_ID, __version__
from desktop.domain.errors import DatabaseError, PermissionDenied, SchoolOfficeError

EXIT_OK, EXIT_PROBLEMS, EXIT_DATABASE, EXIT_PERMISSION = 0, 1, 3, 4
EXIT_USAGE, EXIT_BROKEN_PIPE = 2, 141  # 141: as a shell reports a reader that went away


class Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument reported in one line (and where to read more)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# Each command's module, imported only when that command runs (or for its own --help): a command
# loads its own area and nothing else; `school-office --help` lists them all from this table.
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("admin", "database maintenance"),
    "school": ("admin", "the school profile"),
    "staff": ("admin", "staff accounts and roles"),
    "demo": ("admin", "fill an empty database with a demo school"),
    "roster": ("roster", "import or export the roster"),
    "cards": ("cards", "student cards and the card provider"),
    "billing": (
        "billing",
        "POPOLNI subscriptions: orders, payments, cancellations (billing role)",
    ),
    "consent": ("consent", "terms decisions, verification codes, requests, prohibitions"),
    "letters": ("letters", "records behind letters: prohibition withdrawn, contact reports"),
    "daily": ("daily", "run every date-driven job once for a day (safe to run again)"),
    "today": ("today", "what is due or waiting, by urgency (--json for monitoring)"),
    "print": ("printing", "print documents to PDF files"),
}
_GLOBAL_WITH_VALUE = ("--database", "--today", "--smoke-report")


def command_in(argv: Sequence[str]) -> str | None:
    """The command named in argv (None: the app, or a top-level --help / --version)."""
    words = iter(argv)
    for word in words:
        if word in _GLOBAL_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the command in `argv` registered in full; every other command is only
    listed (by `COMMANDS`), so its module and its area are not imported. argv None: all."""
    import importlib

    parser = Parser(
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
    wanted = command_in(argv) if argv is not None else None
    modules = dict.fromkeys(module for module, _help in COMMANDS.values())
    if argv is not None:
        modules = {COMMANDS[wanted][0]: None} if wanted in COMMANDS else {}
    for module in modules:
        importlib.import_module(f"desktop.cli.{module}").register(commands)
    for name, (_module, help_text) in COMMANDS.items():
        if name not in commands.choices:
            commands.add_parser(name, help=help_text)  # listed in --help, never parsed here
    if argv is not None:  # the listing in the order of COMMANDS, whatever was registered first
        commands._choices_actions.sort(key=lambda action: list(COMMANDS).index(action.dest))
    return parser


def database_url(args: argparse.Namespace) -> str:
    if args.database:
        return args.database
    from desktop.settings import load_settings

    return load_settings().effective_database_url


def services_for(args: argparse.Namespace):
    """The services for this command's staff member; the start is in the login audit (R116).

    A one-time initial password must be changed first (`school-office staff password`)."""
    from desktop.domain.errors import AccessRevoked
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
    from desktop.domain import clock

    clock.install(clock.ShiftedClock.starting_at(datetime.combine(day, time(10), UTC)))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `school-office billing list | head`: the reader has all it wants. Quietly, as CLI tools
        # do; stdout goes to devnull so the interpreter's final flush does not complain either.
        with contextlib.suppress(OSError, ValueError, AttributeError):  # no real stdout
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a wrong argument (one line printed)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
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
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
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
    except BrokenPipeError:
        raise
    except OSError as exc:  # a file the command reads or writes (--out in a missing folder...)
        print(f"error: {_os_problem(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as exc:
        from sqlalchemy.orm.exc import StaleDataError

        if not isinstance(exc, StaleDataError):
            raise
        print(
            "error: someone else changed the same records at the same time; the unfinished "
            "step was undone: run the command again",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS


def _os_problem(exc: OSError) -> str:
    """'FILE: reason' in one line, for an OSError from reading or writing a file."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason
