"""print terms: a terms PDF for a date, or the version a student's guardian accepted (D1, R49).

    school-office print terms --document KEY [--on YYYY-MM-DD] [--language et|sl|en] --out F.pdf
    school-office print terms --student CODE [--document KEY] [--language ...] --out F.pdf

The file is written atomically: it is either the whole PDF or not there. Every print is recorded
in the document history like a print from the app.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli import billing, consent, letters
from desktop.cli.common import fail, school_day, services_for
from desktop.domain.errors import NotFound
from desktop.i18n import LANGUAGES


def register(commands) -> None:
    printing = commands.add_parser("print", help="print documents to PDF files").add_subparsers(
        dest="print_command", metavar="DOCUMENT", required=True
    )
    terms = printing.add_parser(
        "terms",
        help="a terms document: the version in force on a date, or the one a student's "
        "guardian accepted",
        description="Without --student: the version of --document in force on --on (default "
        "today). With --student: the version the student's guardian (or the student) accepted, "
        "else the one in force today.",
    )
    terms.add_argument("--document", metavar="KEY", help="e.g. SI-POPOLNI-TERMS, EE-MOODLE-TERMS")
    terms.add_argument("--student", metavar="CODE", help="the student's personal code")
    terms.add_argument(
        "--on",
        type=school_day,
        metavar="YYYY-MM-DD",
        help="print the version in force on this day (default: today)",
    )
    terms.add_argument(
        "--language",
        choices=LANGUAGES,
        help="default: the guardian's language with --student, else the school's",
    )
    terms.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    terms.set_defaults(handler=print_terms)
    billing.register_print(printing)  # cancellation-letter, invoice
    consent.register_print(printing)  # access-export, restriction-notice, prohibition-notice
    letters.register_print(printing)  # D6, D9, D11, D16–D20 (issue 15)


def print_terms(args: argparse.Namespace) -> int:
    if not args.document and not args.student:
        return fail("say which terms: --document KEY, or --student CODE")
    if args.student and args.on:
        return fail("--on goes with --document; --student prints the version accepted")
    folder = args.out.resolve().parent
    if not folder.is_dir():
        return fail(f"--out: the folder {folder} does not exist")
    with services_for(args) as services:
        if args.student:
            try:
                student = services.roster.find_by_code(args.student)
            except NotFound:
                return fail(f"unknown student {args.student!r}: no student has this personal code")
            printed = services.terms.print_for_student(
                student.id, args.document, args.language, out=args.out
            )
            about = f" for {student.full_name}"
        else:
            printed = services.terms.print_in_force(
                args.document, args.on, args.language, out=args.out
            )
            about = f" in force on {args.on.isoformat()}" if args.on else ""
    version = printed.version
    print(
        f"{args.out}: {version.document_key} {version.label}{about} ({printed.language}), "
        f"recorded as {printed.document_id}"
    )
    return 0
