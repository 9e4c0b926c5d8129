"""consent: codes, decisions, status, requests, prohibitions; and in the shared `print` group
the data-access export and the notices that contact stops.

    school-office print access-export --student CODE --guardian EMAIL|PHONE --code NNNNNN
                                      --out FILE.pdf [--json FILE.json]
    school-office print restriction-notice --student CODE --guardian EMAIL|PHONE --out F.pdf
    school-office print prohibition-notice --student CODE --out FILE.pdf
    school-office consent code issue --student CODE --guardian EMAIL|PHONE [--kind ...] --out F
    school-office consent record --document KEY --student CODE --decision accepted ...
    school-office consent status --document KEY [--class 7.a] [--on YYYY-MM-DD]
    school-office consent prohibit --student CODE --received YYYY-MM-DD --signed
    school-office consent requests [--open]

A refused code (wrong, with the attempts left; expired; used; locked) is one line on stderr and
a non-zero exit. The code itself is printed only on the slip, never on the terminal.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from desktop.cli.common import fail, school_day, services_for
from desktop.domain.consent.codes import CodeKind
from desktop.domain.consent.common import noon_on
from desktop.domain.consent.terms import AcceptanceDecision, Channel, OnBehalfBasis
from desktop.domain.dates import school_zone
from desktop.i18n import LANGUAGES

# Handlers import the database, services and documents inside the function: each command
# loads only what it uses, and --help or a wrong argument loads none of it.

_DAY = {"type": school_day, "metavar": "YYYY-MM-DD"}


def _out_folder_ok(path: Path) -> str | None:
    folder = path.resolve().parent
    return None if folder.is_dir() else f"{path}: the folder {folder} does not exist"


def _save(data: bytes, path: Path) -> str | None:
    from desktop.documents import save_atomic

    try:
        save_atomic(data, path)
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    return None


def _student_and_guardian(services, code: str, contact: str | None):
    student = services.roster.find_by_code(code)
    guardian = services.access_export.find_guardian(student, contact) if contact else None
    return student, guardian


# ---- print … ---------------------------------------------------------------------------------


def register_print(printing) -> None:
    """`print access-export` and the D7/D8 notices, in the shared print group."""
    export = printing.add_parser(
        "access-export",
        help="a copy of everything the school holds about a child, for a guardian with a code "
        "(D2, R60)",
        description="Checks the 6-digit code the guardian received from the authorised person "
        "(R40); a wrong code counts as an attempt. The PDF carries a JSON copy of the same data.",
    )
    export.add_argument("--student", required=True, metavar="CODE", help="personal code")
    export.add_argument(
        "--guardian", required=True, metavar="EMAIL|PHONE", help="the requesting guardian"
    )
    export.add_argument("--code", required=True, metavar="NNNNNN", help="the 6-digit code")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    export.add_argument(
        "--json", type=Path, metavar="FILE.json", help="also save the JSON copy separately"
    )
    export.set_defaults(handler=print_access_export)

    restriction = printing.add_parser(
        "restriction-notice",
        help="notice D8 to a guardian whose contact an authority restricted (R15, R101)",
    )
    restriction.add_argument("--student", required=True, metavar="CODE")
    restriction.add_argument("--guardian", required=True, metavar="EMAIL|PHONE")
    restriction.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    restriction.set_defaults(handler=print_restriction_notice)

    prohibition = printing.add_parser(
        "prohibition-notice",
        help="notice D7 to every guardian after an adult student's prohibition (R48, R100)",
    )
    prohibition.add_argument("--student", required=True, metavar="CODE")
    prohibition.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    prohibition.set_defaults(handler=print_prohibition_notice)


def print_access_export(args: argparse.Namespace) -> int:
    from desktop.services.access_export import CodeRefused, require_code_text

    if problem := _out_folder_ok(args.out):
        return fail(problem)
    code = require_code_text(args.code)
    with services_for(args) as services:
        student, guardian = _student_and_guardian(services, args.student, args.guardian)
        try:
            result = services.access_export.export(
                student.id, guardian.guardian_id, code, out=args.out
            )
        except CodeRefused as exc:
            return fail(f"code refused: {exc}")
    if args.json:
        from desktop.documents.access_export import export_json_bytes

        if problem := _save(export_json_bytes(result.export), args.json):
            return fail(problem)
    print(
        f"{args.out}: copy of the data about {student.full_name} for {guardian.full_name} "
        f"({result.export.language}), {len(result.export.sections)} sections, recorded as "
        f"{result.document_id}"
    )
    return 0


def print_restriction_notice(args: argparse.Namespace) -> int:
    if problem := _out_folder_ok(args.out):
        return fail(problem)
    with services_for(args) as services:
        student, guardian = _student_and_guardian(services, args.student, args.guardian)
        if guardian.restrictions:
            latest = max(guardian.restrictions, key=lambda r: r.valid_from)
            produced = services.consent.print_restriction_notice(latest.id, out=args.out)
        else:  # R101: the subscriber, when another guardian of the child is restricted
            produced = services.consent.print_subscriber_restriction_notice(
                student.id, guardian.guardian_id, out=args.out
            )
    print(f"{args.out}: notice D8 to {guardian.full_name}, recorded as {produced.document_ids[0]}")
    return 0


def print_prohibition_notice(args: argparse.Namespace) -> int:
    if problem := _out_folder_ok(args.out):
        return fail(problem)
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        prohibitions = services.consent.prohibitions(student.id)
        if not prohibitions:
            return fail(f"no prohibition by {student.full_name} is registered")
        produced = services.consent.print_prohibition_notices(prohibitions[0].id, out=args.out)
    print(
        f"{args.out}: {len(produced.document_ids)} notice(s) D7 about {student.full_name}, "
        f"recorded as {', '.join(produced.document_ids)}"
    )
    return 0


# ---- consent … -------------------------------------------------------------------------------


def register(commands) -> None:
    consent = commands.add_parser(
        "consent", help="terms decisions, verification codes, requests, prohibitions"
    ).add_subparsers(dest="consent_command", metavar="ACTION", required=True)

    code = consent.add_parser("code", help="verification codes (R39, R40)").add_subparsers(
        dest="code_command", metavar="ACTION", required=True
    )
    issue = code.add_parser(
        "issue",
        help="issue a code for a guardian and child and write slip D15 (authorised person only)",
    )
    issue.add_argument("--student", required=True, metavar="CODE")
    issue.add_argument("--guardian", required=True, metavar="EMAIL|PHONE")
    issue.add_argument(
        "--kind",
        choices=[k.value.lower() for k in CodeKind],
        default="export",
        help="export: the 6-digit code for a data copy (R40); security: portal code (R39)",
    )
    issue.add_argument("--out", type=Path, required=True, metavar="SLIP.pdf")
    issue.set_defaults(handler=issue_code)

    record = consent.add_parser("record", help="record a decision on terms (R44–R47, R55)")
    record.add_argument("--document", required=True, metavar="KEY")
    record.add_argument("--student", required=True, metavar="CODE")
    record.add_argument(
        "--guardian", metavar="EMAIL|PHONE", help="the deciding guardian (guardians' terms)"
    )
    record.add_argument(
        "--decision", required=True, choices=[d.value.lower() for d in AcceptanceDecision]
    )
    record.add_argument(
        "--channel",
        default="paper_at_school",
        choices=[c.value.lower() for c in Channel],
    )
    record.add_argument("--language", required=True, choices=LANGUAGES, help="language shown")
    record.add_argument("--version", metavar="LABEL", help="default: the version in force")
    record.add_argument("--on", **_DAY, help="the day of the decision (default: now)")
    record.add_argument(
        "--on-behalf", metavar="EMAIL|PHONE", help="a guardian deciding for the student (R46 c)"
    )
    record.add_argument("--school-document", metavar="REF", help="R46 (b): the document relied on")
    record.add_argument("--warranties", action="store_true", help="R41: the warranties given")
    record.add_argument(
        "--free-alternative-disclosed", action="store_true", help="R55: told it is not needed"
    )
    record.set_defaults(handler=record_decision)

    status = consent.add_parser("status", help="who accepted a terms document, per class")
    status.add_argument("--document", required=True, metavar="KEY")
    status.add_argument("--class", dest="class_name", metavar="CLASS")
    status.add_argument("--on", **_DAY, help="default: today")
    status.add_argument("--list", action="store_true", help="also list every person")
    status.set_defaults(handler=show_status)

    prohibit = consent.add_parser(
        "prohibit", help="register an adult student's signed prohibition letter (R48, R100)"
    )
    prohibit.add_argument("--student", required=True, metavar="CODE")
    prohibit.add_argument("--received", required=True, **_DAY)
    prohibit.add_argument("--signed", action="store_true", help="the letter is signed by hand")
    prohibit.add_argument("--reference", default="", help="the letter's registry number")
    prohibit.set_defaults(handler=register_prohibition)

    requests = consent.add_parser("requests", help="data-subject requests and their due dates")
    requests.add_argument("--open", action="store_true", help="only those not answered")
    requests.set_defaults(handler=list_requests)


def issue_code(args: argparse.Namespace) -> int:
    if problem := _out_folder_ok(args.out):
        return fail(problem)
    with services_for(args) as services:
        student, guardian = _student_and_guardian(services, args.student, args.guardian)
        issued = services.access_export.issue_code(
            student.id, guardian.guardian_id, CodeKind(args.kind.upper()), out=args.out
        )
        zone = school_zone(services.school.require_school().country.value)
        # expires_at is the first instant the code no longer works: show the minute before
        expires = (issued.expires_at - timedelta(minutes=1)).astimezone(zone)
    print(
        f"{args.out}: slip D15 for {guardian.full_name} and {student.full_name}, code no. "
        f"{issued.code_id}, valid until {expires:%Y-%m-%d %H:%M}, recorded as "
        f"{issued.slip.document_ids[0]}"
    )
    return 0


def record_decision(args: argparse.Namespace) -> int:
    from desktop.services.consent.recording import WARRANTIES, AcceptanceInput

    with services_for(args) as services:
        school = services.school.require_school()
        student, guardian = _student_and_guardian(services, args.student, args.guardian)
        on_behalf = (
            services.access_export.find_guardian(student, args.on_behalf)
            if args.on_behalf
            else None
        )
        document = services.consent.document(args.document)
        if args.version:
            version = next((v for v in document.versions if v.label == args.version), None)
            if version is None:
                return fail(f"{document.key} has no published version {args.version!r}")
        else:
            version = document.in_force(args.on or school.today())
            if version is None:
                return fail(f"no version of {document.key} is in force")
        entry = services.consent.record(
            AcceptanceInput(
                version.id,
                student.id,
                AcceptanceDecision(args.decision.upper()),
                Channel(args.channel.upper()),
                args.language,
                guardian_id=guardian.guardian_id if guardian else None,
                decided_at=noon_on(args.on, school.country.value) if args.on else None,
                basis=OnBehalfBasis.LEGAL_REPRESENTATIVE if on_behalf else OnBehalfBasis.SELF,
                on_behalf_guardian_id=on_behalf.guardian_id if on_behalf else None,
                school_document=args.school_document or "",
                warranties=WARRANTIES if args.warranties else (),
                free_alternative_disclosed=args.free_alternative_disclosed,
            )
        )
    print(
        f"recorded: {entry.person_name} {entry.decision.value.lower()} {entry.document_key} "
        f"{entry.version_label} ({entry.decided_at:%Y-%m-%d}), record {entry.id}"
    )
    return 0


def show_status(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        overview = services.consent.overview(args.document, args.on, args.class_name)
    print(
        f"{overview.document_key} on {overview.on.isoformat()}: version in force "
        f"{overview.in_force or '(none)'}; answered by the {overview.audience.value.lower()}s"
    )
    for counts in overview.counts:
        label = counts.label or "all classes"
        parts = [
            f"{status.value.lower().replace('_', ' ')} {n} ({counts.percent(status):.1f}%)"
            for status, n in counts.counts
        ]
        print(f"{label}: {counts.total} — " + ", ".join(parts))
    if args.list:
        for row in overview.rows:
            print(f"  {row.class_name}\t{row.person_name}\t{row.status.value}\t{row.version_label}")
    return 0


def register_prohibition(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        record = services.consent.register_prohibition(
            student.id,
            args.received,
            handwritten_signature=args.signed,
            letter_reference=args.reference,
        )
    print(
        f"registered: from {record.received_on.isoformat()} nothing about {student.full_name} "
        f"goes to a guardian; subscriptions end on {record.subscription_ends_on.isoformat()}. "
        "Print the notices: school-office print prohibition-notice"
    )
    return 0


def list_requests(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        records = services.requests.list_requests(open_only=args.open)
    if not records:
        print("no requests")
    for r in records:
        forward = ""
        if r.forward_due_on and r.forwarded_at is None:
            forward = f", forward by {r.forward_due_on.isoformat()}"
        print(
            f"{r.id}\t{r.kind.value.lower()}\t{r.requester_name}\t{r.subject_name or '-'}\t"
            f"due {r.due_on.isoformat()}{forward}\t{r.status.value.lower()}\t"
            f"{r.deadline.value.lower()}"
        )
    return 0
