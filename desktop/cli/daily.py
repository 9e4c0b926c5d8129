"""daily: every date-driven job, once per school day."""

from __future__ import annotations

import argparse

from desktop.cli.common import school_day, services_for


def register(commands) -> None:
    daily = commands.add_parser(
        "daily", help="run every date-driven job once for a day (safe to run again)"
    )
    daily.add_argument(
        "--today",
        type=school_day,
        metavar="YYYY-MM-DD",
        help="the school day to run for (default: today in the school's time zone)",
    )
    daily.set_defaults(handler=run_daily)


def run_daily(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        results = services.daily.run(args.today)
    if not results:
        print("no date-driven jobs are configured")
    for result in results:
        print(result)
    return 0
