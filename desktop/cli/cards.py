"""cards: issue, lost, extend, sync and list student cards without the window (R20–R31)."""

from __future__ import annotations

import argparse
import sys

from desktop.cli.common import EXIT_PROBLEMS, services_for


def register(commands) -> None:
    cards = commands.add_parser("cards", help="student cards and the card provider").add_subparsers(
        dest="cards_command", metavar="ACTION", required=True
    )
    issue = cards.add_parser("issue", help="issue a physical card to an enrolled student")
    issue.add_argument("--student", required=True, metavar="CODE", help="the personal code")
    issue.set_defaults(handler=cards_issue)

    lost = cards.add_parser("lost", help="block a lost card and issue its replacement (R23)")
    lost.add_argument("--card", required=True, metavar="NUMBER", help="e.g. TK-00001234-5")
    lost.set_defaults(handler=cards_lost)

    extend = cards.add_parser("extend", help="extend validity to the next 31 August (R21)")
    who = extend.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", metavar="CODE", help="one student, by personal code")
    who.add_argument("--all-enrolled", action="store_true", help="every enrolled student")
    extend.add_argument(
        "--dry-run", action="store_true", help="with --all-enrolled: show what would change"
    )
    extend.set_defaults(handler=cards_extend)

    sync = cards.add_parser("sync", help="send pending changes to the card provider")
    sync.set_defaults(handler=cards_sync)

    listing = cards.add_parser("list", help="one line per card: number, kind, status, valid-until")
    listing.add_argument("--student", metavar="CODE", help="only this student's cards")
    listing.set_defaults(handler=cards_list)


def _student_id(services, code: str) -> int:
    return services.roster.find_by_code(code).id


def cards_issue(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        card = services.cards.issue_physical(_student_id(services, args.student))
    print(f"issued {card.card_number}, valid until {card.valid_until.isoformat()}")
    return 0


def cards_lost(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        old = services.cards.find_by_number(args.card)
        new = services.cards.report_lost_and_replace(old.id, old.version)
    print(f"{old.card_number} blocked as lost; replaced by {new.card_number}")
    return 0


def cards_extend(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        if args.student:
            item = services.cards.extend(_student_id(services, args.student))
            if item.empty:
                print(f"nothing to change: valid until {item.new_valid_until.isoformat()}")
            else:
                print(f"extended {len(item.changes)} card(s) to {item.new_valid_until.isoformat()}")
            return 0
        plan = services.cards.preview_extend_all()
        for item in plan.items:
            print(
                f"{item.student_name} ({item.class_name or '-'}): {len(item.changes)} card(s) "
                f"→ {item.new_valid_until.isoformat()}"
                + ("; provider notified" if item.publishes else "")
            )
        if args.dry_run:
            print(f"would extend {plan.card_count} card(s) of {len(plan.items)} student(s)")
            return 0
        services.cards.apply_extension(plan)
    print(
        f"extended {plan.card_count} card(s) of {len(plan.items)} student(s); "
        f"{plan.event_count} provider event(s) queued"
    )
    return 0


def cards_sync(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        report = services.card_sync.run()
        status = services.card_sync.status()
    print(f"{report}; {status.pending} pending, {status.needs_attention} need attention")
    if report.stopped:
        print(f"error: card provider: {report.error}", file=sys.stderr)
        return EXIT_PROBLEMS
    return 0


def cards_list(args: argparse.Namespace) -> int:
    from desktop.services.cards.read_models import CardFilter  # lazy: only this command needs it

    with services_for(args) as services:
        where = CardFilter(student_id=_student_id(services, args.student) if args.student else None)
        rows = services.cards.rows(where)
    for row in rows:
        name = "" if args.student else f"\t{row.first_name} {row.last_name}"
        print(
            f"{row.card_number or '-'}\t{row.kind}\t{row.status}\t"
            f"{row.valid_until.isoformat()}{name}"
        )
    if not rows:
        print("no cards", file=sys.stderr)
    return 0
