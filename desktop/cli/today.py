"""today: the Today list headless, for an IT person's monitoring (issue 19)."""

from __future__ import annotations

import argparse
import json

from desktop.cli.common import school_day, services_for
from desktop.domain.today import URGENCY_ORDER, counts, grouped


def register(commands) -> None:
    today = commands.add_parser(
        "today",
        help="what is due or waiting: overdue, today, this week, later (as the Today tab)",
    )
    today.add_argument(
        "--today",
        type=school_day,
        metavar="YYYY-MM-DD",
        help="the school day to list for (default: today in the school's time zone)",
    )
    today.add_argument("--json", action="store_true", help="one JSON document on stdout")
    today.set_defaults(handler=run_today)


def run_today(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        listing = services.today.gather(args.today)
    if args.json:
        tally = counts(listing.items)
        document = {
            "today": listing.today.isoformat(),
            "counts": {str(u): tally[u] for u in URGENCY_ORDER},
            "not_shown": list(listing.skipped),  # areas the staff member's roles do not allow
            "items": [
                {
                    "kind": str(i.kind),
                    "urgency": str(i.urgency),
                    "due": i.due.isoformat(),
                    "due_at": i.due_at.isoformat() if i.due_at else None,
                    "person": i.person,
                    "text": i.describe(),
                    "action": str(i.action),
                    "next_step": i.action.label,  # the row's button, e.g. print the letter
                    "record_id": i.record_id,
                    "student_id": i.student_id,
                }
                for i in listing.items
            ],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    if not listing.items:
        print(f"{listing.today}: nothing is due")
    for urgency, items in grouped(listing.items):
        print(f"{urgency.label} ({len(items)})")
        for i in items:
            when = i.due_at.isoformat(timespec="minutes") if i.due_at else i.due.isoformat()
            person = f"{i.person}: " if i.person else ""
            print(f"  {when}  {i.kind.label}  {person}{i.describe()}  ({i.action.label})")
    if listing.skipped:
        print(f"not shown (roles): {', '.join(listing.skipped)}")
    return 0
