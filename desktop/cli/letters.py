"""letters: the records behind the issue-15 letters, and their `print` commands.

    school-office letters withdraw-prohibition --student CODE --on YYYY-MM-DD [--out F.pdf]
    school-office letters contact-report --student CODE --guardian EMAIL|PHONE
                  --received "YYYY-MM-DD HH:MM" --channel TEXT [--lost] [--new-phone P]
                  [--new-email E] [--out F.pdf]
    school-office letters terms-notice-sent --student CODE --version LABEL --sent YYYY-MM-DD
    school-office letters dpo --name NAME [--email E] [--phone P] [--address A]

    school-office print terms-change-notice --version LABEL [--sent YYYY-MM-DD] --out F.pdf
    school-office print prohibition-form --student CODE --out F.pdf
    school-office print request-letter --request ID --which acknowledgement|forwarded|response
    school-office print breach-notice --incident ID --which home-page|letters|report
    school-office print contact-report --student CODE --guardian EMAIL|PHONE [--report ID]
    school-office print offer-notice --year 2027/28 [--class 7.a]
    school-office print usage-instructions --student CODE
    school-office print moodle-application --admin-name N --admin-username U --admin-email E
    school-office print moodle-deletion --student CODE [--username U] [--email E]
    school-office print moodle-code-exception --student CODE [--username U] [--email E]
    school-office print moodle-retention --student CODE ... --course C --ended D --until D
                  --reason TEXT

Every print writes the file first and then records it, like a print from the app.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from desktop.cli.common import fail, school_day, services_for
from desktop.domain.dates import SchoolYear, school_zone

# Handlers import the database, services and documents inside the function: each command
# loads only what it uses, and --help or a wrong argument loads none of it.

_DAY = {"type": school_day, "metavar": "YYYY-MM-DD"}
_OUT = {"type": Path, "required": True, "metavar": "FILE.pdf"}


def _done(out, produced, what: str) -> int:
    print(f"{out}: {what}, recorded as {', '.join(produced.document_ids)}")
    return 0


def register(commands) -> None:
    letters = commands.add_parser(
        "letters", help="records behind letters: prohibition withdrawn, contact reports, ..."
    ).add_subparsers(dest="letters_command", metavar="ACTION", required=True)
    w = letters.add_parser(
        "withdraw-prohibition",
        help="the adult student allows data to the parents again (R48); prints the confirmation",
    )
    w.add_argument("--student", required=True, metavar="CODE")
    w.add_argument("--on", required=True, **_DAY)
    w.add_argument("--out", type=Path, metavar="FILE.pdf", help="also print the confirmation")
    w.set_defaults(handler=withdraw_prohibition)

    c = letters.add_parser(
        "contact-report",
        help="a lost phone or changed contact data, with the day and hour received (R43)",
    )
    c.add_argument("--student", required=True, metavar="CODE")
    c.add_argument("--guardian", required=True, metavar="EMAIL|PHONE")
    c.add_argument("--received", required=True, metavar='"YYYY-MM-DD HH:MM"', help="local time")
    c.add_argument("--channel", required=True, help="e.g. e-mail to the school")
    c.add_argument("--lost", action="store_true", help="a lost phone or sign-in data")
    c.add_argument("--new-phone", default="")
    c.add_argument("--new-email", default="")
    c.add_argument("--note", default="")
    c.add_argument("--out", type=Path, metavar="FILE.pdf", help="also print the report")
    c.set_defaults(handler=contact_report)

    t = letters.add_parser(
        "terms-notice-sent",
        help="record that a terms-change notice went to a subscriber another way (R51)",
    )
    t.add_argument("--student", required=True, metavar="CODE")
    t.add_argument("--version", required=True, metavar="LABEL")
    t.add_argument("--document", default="SI-POPOLNI-TERMS", metavar="KEY")
    t.add_argument("--sent", required=True, **_DAY)
    t.add_argument("--channel", default="e-mail")
    t.set_defaults(handler=terms_notice_sent)

    d = letters.add_parser("dpo", help="the data protection officer named on request letters")
    d.add_argument("--name", required=True)
    d.add_argument("--email", default="")
    d.add_argument("--phone", default="")
    d.add_argument("--address", default="")
    d.set_defaults(handler=set_dpo)


def register_print(printing) -> None:
    p = printing.add_parser("terms-change-notice", help="D9 to every subscriber (R50, R51)")
    p.add_argument("--version", required=True, metavar="LABEL")
    p.add_argument("--document", default="SI-POPOLNI-TERMS", metavar="KEY")
    p.add_argument("--sent", help="the day the notices are sent (default today)", **_DAY)
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_terms_change)

    p = printing.add_parser("prohibition-form", help="D6 for an adult student to sign (R100)")
    p.add_argument("--student", required=True, metavar="CODE")
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_prohibition_form)

    p = printing.add_parser("request-letter", help="D16 about a data-subject request (R57–R59)")
    p.add_argument("--request", required=True, type=int, metavar="ID")
    p.add_argument("--which", required=True, choices=("acknowledgement", "forwarded", "response"))
    p.add_argument("--answer", default="", help="the response's text")
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_request_letter)

    p = printing.add_parser("breach-notice", help="D17 after a data breach (R69, R70)")
    p.add_argument("--incident", required=True, type=int, metavar="ID")
    p.add_argument("--which", required=True, choices=("home-page", "letters", "report"))
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_breach_notice)

    p = printing.add_parser("contact-report", help="D20: the form, or a recorded report (R43)")
    p.add_argument("--student", required=True, metavar="CODE")
    p.add_argument("--guardian", required=True, metavar="EMAIL|PHONE")
    p.add_argument("--report", type=int, metavar="ID", help="a recorded report")
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_contact_report)

    p = printing.add_parser("offer-notice", help="D11 offer before the school year (R73)")
    p.add_argument("--year", required=True, metavar="2027/28")
    p.add_argument("--class", dest="class_name", metavar="7.a")
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_offer)

    p = printing.add_parser("usage-instructions", help="D19 after an order (R113, R117)")
    p.add_argument("--student", required=True, metavar="CODE")
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_usage)

    p = printing.add_parser("moodle-application", help="D18 institution application (R18)")
    p.add_argument("--admin-name", required=True)
    p.add_argument("--admin-username", required=True)
    p.add_argument("--admin-email", required=True)
    p.add_argument("--signatory", default="")
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_moodle_application)

    for name, help_text, handler in (
        ("moodle-deletion", "D18 account deletion request (R61)", print_moodle_deletion),
        ("moodle-code-exception", "D18 personal-code exception (R34)", print_moodle_exception),
    ):
        p = printing.add_parser(name, help=help_text)
        p.add_argument("--student", required=True, metavar="CODE")
        p.add_argument("--username", default="")
        p.add_argument("--email", default="")
        p.add_argument("--out", **_OUT)
        p.set_defaults(handler=handler)

    p = printing.add_parser("moodle-retention", help="D18 longer stay on a course (R17, R104)")
    p.add_argument("--student", required=True, action="append", metavar="CODE")
    p.add_argument("--course", required=True)
    p.add_argument("--ended", required=True, **_DAY)
    p.add_argument("--until", required=True, **_DAY)
    p.add_argument("--reason", required=True)
    p.add_argument("--out", **_OUT)
    p.set_defaults(handler=print_moodle_retention)


# ---- records ----------------------------------------------------------------------------


def withdraw_prohibition(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        active = [p for p in services.consent.prohibitions(student.id) if p.withdrawn_on is None]
        if not active:
            return fail(f"{student.full_name} has no prohibition in force")
        record = services.consent.withdraw_prohibition(active[0].id, active[0].version, args.on)
        print(f"{student.full_name}: prohibition withdrawn from {record.withdrawn_on}")
        if args.out:
            produced = services.letters.print_prohibition_withdrawal(record.id, out=args.out)
            return _done(args.out, produced, "confirmation D6")
    return 0


def contact_report(args: argparse.Namespace) -> int:
    try:
        local = datetime.strptime(args.received, "%Y-%m-%d %H:%M")
    except ValueError:
        return fail('--received: give "YYYY-MM-DD HH:MM"')
    with services_for(args) as services:
        country = services.school.require_school().country.value
        student = services.roster.find_by_code(args.student)
        guardian = services.access_export.find_guardian(student, args.guardian)
        report = services.letters.record_contact_report(
            guardian.guardian_id,
            local.replace(tzinfo=school_zone(country)),
            args.channel,
            kind="LOST_DEVICE" if args.lost else "CONTACT_CHANGE",
            new_phone=args.new_phone,
            new_email=args.new_email,
            student_id=student.id,
            note=args.note,
        )
        print(f"report {report.id}: {guardian.full_name}, received {args.received}")
        if args.out:
            produced = services.letters.print_contact_report(
                guardian.guardian_id, report_id=report.id, out=args.out
            )
            return _done(args.out, produced, "report D20")
    return 0


def terms_notice_sent(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        version = services.terms.version_by_label(args.document, args.version)
        sub = services.billing.current_for_student(student.id)
        if sub is None:
            return fail(f"{student.full_name} has no subscription")
        notice = services.letters.record_terms_notice_sent(
            version.id, sub.id, args.sent, channel=args.channel
        )
    print(f"{student.full_name}: notice sent {notice.sent_on}, withdrawal until {notice.deadline}")
    return 0


def set_dpo(args: argparse.Namespace) -> int:
    from desktop.services.letters import Dpo

    with services_for(args) as services:
        dpo = services.letters.set_dpo(Dpo(args.name, args.email, args.phone, args.address))
    print("data protection officer: " + ", ".join(dpo.lines))
    return 0


# ---- print ------------------------------------------------------------------------------


def print_terms_change(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        version = services.terms.version_by_label(args.document, args.version)
        produced, refused = services.letters.print_terms_change_notices(
            version.id, sent_on=args.sent, out=args.out
        )
    for request, reason in refused:
        print(f"not sent: {request.title}: {reason}", file=sys.stderr)
    return _done(args.out, produced, f"{len(produced.document_ids)} notice(s) D9")


def print_prohibition_form(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        produced = services.letters.print_prohibition_form(student.id, out=args.out)
    return _done(args.out, produced, f"prohibition form D6 for {student.full_name}")


def print_request_letter(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        produced = services.letters.print_request_letter(
            args.request, args.which, answer=args.answer, out=args.out
        )
    return _done(args.out, produced, f"{args.which} D16")


def print_breach_notice(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        produced = services.letters.print_breach_notice(args.incident, args.which, out=args.out)
    return _done(args.out, produced, f"breach {args.which} D17")


def print_contact_report(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        guardian = services.access_export.find_guardian(student, args.guardian)
        produced = services.letters.print_contact_report(
            guardian.guardian_id, report_id=args.report, student_id=student.id, out=args.out
        )
    return _done(args.out, produced, "contact report D20")


def print_offer(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        produced, refused = services.letters.print_offer_notices(
            SchoolYear.parse(args.year), class_name=args.class_name, out=args.out
        )
    for request, reason in refused:
        print(f"not sent: {request.title}: {reason}", file=sys.stderr)
    return _done(args.out, produced, f"{len(produced.document_ids)} offer notice(s) D11")


def print_usage(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        sub = services.billing.current_for_student(student.id)
        if sub is None:
            return fail(f"{student.full_name} has no subscription")
        produced = services.letters.print_usage_instructions(sub.id, out=args.out)
    return _done(args.out, produced, "usage instructions D19")


def print_moodle_application(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        produced = services.letters.print_moodle_application(
            args.admin_name,
            args.admin_username,
            args.admin_email,
            signatory=args.signatory,
            out=args.out,
        )
    return _done(args.out, produced, "Harno Moodle application D18")


def print_moodle_deletion(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        produced = services.letters.print_moodle_deletion(
            student.id, username=args.username, email=args.email, out=args.out
        )
    return _done(args.out, produced, "Harno Moodle deletion request D18")


def print_moodle_exception(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = services.roster.find_by_code(args.student)
        produced = services.letters.print_moodle_code_exception(
            student.id, username=args.username, email=args.email, out=args.out
        )
    return _done(args.out, produced, "Harno Moodle personal-code exception D18")


def print_moodle_retention(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        ids = [services.roster.find_by_code(code).id for code in args.student]
        produced = services.letters.print_moodle_longer_retention(
            ids, args.course, args.ended, args.until, args.reason, out=args.out
        )
    return _done(args.out, produced, f"{len(produced.document_ids)} notice(s) D18")
