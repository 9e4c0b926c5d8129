"""roster import / export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.common import EXIT_PROBLEMS, services_for


def register(commands) -> None:
    roster = commands.add_parser("roster", help="import or export the roster").add_subparsers(
        dest="roster_command", metavar="ACTION", required=True
    )
    imp = roster.add_parser("import", help="import students from CSV or XLSX (all or nothing)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and report; store nothing")
    imp.add_argument(
        "--sheet", metavar="NAME", help="the sheet to import, when a workbook has several"
    )
    imp.set_defaults(handler=roster_import)
    exp = roster.add_parser("export", help="export the roster as CSV")
    exp.add_argument("file", type=Path)
    exp.set_defaults(handler=roster_export)


def roster_import(args: argparse.Namespace) -> int:
    if not args.file.exists():
        print(f"error: file: {args.file}: does not exist", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.file.is_dir():
        print(f"error: file: {args.file}: is a folder, not a file", file=sys.stderr)
        return EXIT_PROBLEMS
    with services_for(args) as services:
        return _import(services, args)


def _import(services, args: argparse.Namespace) -> int:
    plan = services.roster_io.plan(args.file, sheet=args.sheet)
    if not plan.ok:
        for problem in plan.problems:
            print(problem)
        print(f"nothing imported: {len(plan.problems)} problem(s) in {args.file.name}")
        return EXIT_PROBLEMS
    if args.dry_run:
        print(plan.summary(done=False))
    else:
        services.roster_io.commit(plan)
        print(plan.summary())
    for warning in plan.parsed.warnings:  # accepted, but worth a look (R37)
        print(f"row {warning.row}: {warning.column}: {warning.value}: warning: {warning.reason}")
    return 0


def roster_export(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        count = services.roster_io.export(args.file)
    print(f"exported {count} students to {args.file}")
    return 0
