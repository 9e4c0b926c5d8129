"""Command line: no subcommand starts the GUI; subcommands are headless jobs for IT and schedulers.

Every command prints one line per problem and exits non-zero on failure; a database that
cannot be reached is a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from desktop import APP_ID, __version__
from desktop.cli.common import (
    EXIT_BROKEN_PIPE,
    EXIT_DATABASE,
    EXIT_PERMISSION,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Parser,
    database_url,
    os_problem,
    school_day,
    set_clock_day,
)
from desktop.domain.errors import DatabaseError, PermissionDenied, SchoolOfficeError
from desktop.startup import pause_collector

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
        from desktop.app import run_smoke_test  # lazy: Qt is imported only for the GUI

        return run_smoke_test(args.smoke_report)
    if args.command is None:
        pause_collector()  # until the window is ready (desktop.app.run_gui)
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
        print(f"error: {os_problem(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as exc:
        from sqlalchemy.orm.exc import StaleDataError  # lazy: --help loads no SQLAlchemy

        if not isinstance(exc, StaleDataError):
            raise
        print(
            "error: someone else changed the same records at the same time; the unfinished "
            "step was undone: run the command again",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
