"""billing: POPOLNI orders, payments, cancellations and the list, without the window.

    school-office billing setup [--popolni on|off] [--iban IBAN] [--price 2026/27=20.00] …
    school-office billing order --student CODE --guardian NAME [--guardian NAME] …
    school-office billing trial --student CODE (--guardian NAME | --by-student)
    school-office billing pay --reference REF --amount 20.00 --method transfer|card|flik
    school-office billing cancel --student CODE --received YYYY-MM-DD [--only NAME]
    school-office billing withdraw --student CODE --received DATE --notice-sent DATE
    school-office billing list [--state STATE] [--class 7.a] [--due]
    school-office billing proposals | confirm ID | reject ID --note TEXT
    school-office billing notices --out FILE.pdf        (print the letters that are due)
    school-office billing import-statement FILE [--dry-run]   (camt.053 / camt.054 payments)

and, in the shared `print` group: `print cancellation-letter` and `print invoice`.
Every command needs the billing role (R121) and prints one line per result.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from pathlib import Path

from desktop.cli.bank_statement import import_statement
from desktop.cli.common import fail, school_day, services_for
from desktop.domain.billing.letters import GuardianContact
from desktop.domain.billing.records import (
    CommunicationMode,
    LetterChannel,
    LetterKind,
    OrderChannel,
    OrderedBy,
    PaymentMethod,
    ProposalStatus,
    ReferenceScheme,
)
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.money import parse_cents
from desktop.domain.roster import fold

# Handlers import the database, services and documents inside the function: each command
# loads only what it uses, and --help or a wrong argument loads none of it.

_DAY = {"type": school_day, "metavar": "YYYY-MM-DD"}


def euros(text: str) -> int:
    """'20', '20.00' or '20,00' → 2000 cents (R5: never a float)."""
    try:
        return parse_cents(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.reason}") from None


def price_item(text: str):
    """'2026/27=20.00' → (SchoolYear(2026), 2000); checked before anything is stored."""

    label, _, amount = text.partition("=")
    match = re.fullmatch(r"\s*(\d{4})/(\d{2})\s*", label, re.ASCII)
    if not match or not 1900 <= int(match[1]) <= 2198 or not amount:
        raise argparse.ArgumentTypeError(f"{text!r}: write it as 2026/27=20.00")
    try:
        year = SchoolYear.parse(f"{match[1]}/{match[2]}")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: 2026/27 is a school year's label") from None
    try:
        return year, parse_cents(amount, "price")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.reason}") from None


def _choice(enum):
    return lambda text: enum(text.upper().replace("-", "_"))


def register(commands) -> None:
    billing = commands.add_parser(
        "billing", help="POPOLNI subscriptions: orders, payments, cancellations (billing role)"
    ).add_subparsers(dest="billing_command", metavar="ACTION", required=True)

    setup = billing.add_parser("setup", help="POPOLNI on/off, the billing entity's account, prices")
    setup.add_argument("--popolni", choices=("on", "off"), help="R74: the school offers POPOLNI")
    setup.add_argument("--iban")
    setup.add_argument("--bic")
    setup.add_argument("--bank", help="the bank's name")
    setup.add_argument("--entity-name", help="R73: who bills (default eŠola d.o.o.)")
    setup.add_argument("--reference", choices=("RF", "SI12", "EE"), help="R77 reference model")
    setup.add_argument(
        "--price",
        action="append",
        default=[],
        type=price_item,
        metavar="2026/27=20.00",
        help="R78: the annual price of a school year (repeatable)",
    )
    setup.set_defaults(handler=billing_setup)

    order = billing.add_parser("order", help="record a POPOLNI order (R75)")
    order.add_argument("--student", required=True, metavar="CODE")
    who = order.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--guardian",
        action="append",
        metavar="NAME",
        help="the ordering guardian (repeat for a second profile, R14): full name as in the roster",
    )
    who.add_argument("--by-student", action="store_true", help="the student (15+) orders, R47")
    order.add_argument("--mobile", default="", help="the student's own mobile (with --by-student)")
    order.add_argument("--email", default="", help="the student's own e-mail (with --by-student)")
    order.add_argument(
        "--terms", metavar="LABEL", help="accepted terms version (default: in force)"
    )
    order.add_argument("--channel", type=_choice(OrderChannel), default=OrderChannel.ELECTRONIC)
    order.add_argument(
        "--mode", type=_choice(CommunicationMode), default=CommunicationMode.SMS_AND_EMAIL
    )
    order.add_argument("--warranties", action="store_true", help="R41 confirmations were given")
    order.add_argument("--free-alternative-disclosed", action="store_true", help="R55")
    order.add_argument("--on", **_DAY, help="the order date (default: today)")
    order.set_defaults(handler=billing_order)

    trial = billing.add_parser("trial", help="start a free trial (R89)")
    trial.add_argument("--student", required=True, metavar="CODE")
    starter = trial.add_mutually_exclusive_group(required=True)
    starter.add_argument("--guardian", metavar="NAME")
    starter.add_argument("--by-student", action="store_true")
    trial.add_argument("--on", **_DAY)
    trial.set_defaults(handler=billing_trial)

    pay = billing.add_parser("pay", help="record a payment (R77, R79)")
    target = pay.add_mutually_exclusive_group(required=True)
    target.add_argument("--reference", help="the payment reference on the bank statement")
    target.add_argument("--student", metavar="CODE", help="the oldest unpaid invoice")
    pay.add_argument("--amount", type=euros, required=True, metavar="20.00")
    pay.add_argument("--method", type=_choice(PaymentMethod), default=PaymentMethod.TRANSFER)
    pay.add_argument("--value-date", **_DAY, help="default: today")
    pay.add_argument("--txn", default="", help="processor or bank transaction id")
    pay.add_argument("--last4", default="", help="R65: only the card's last four digits")
    pay.add_argument("--payer", default="", help="payer's name")
    pay.set_defaults(handler=billing_pay)

    cancel = billing.add_parser(
        "cancel", help="register a received cancellation letter (R96, R98) and print D5"
    )
    cancel.add_argument("--student", required=True, metavar="CODE")
    cancel.add_argument("--received", **_DAY, required=True)
    cancel.add_argument(
        "--channel", type=_choice(LetterChannel), default=LetterChannel.LETTER_TO_SCHOOL
    )
    cancel.add_argument("--only", metavar="NAME", help="R97: unsubscribe only this user")
    cancel.add_argument("--evidence", default="", help="where the scan or e-mail is kept")
    cancel.add_argument("--confirmation", type=Path, metavar="FILE.pdf", help="write D5 here")
    cancel.set_defaults(handler=billing_cancel)

    withdraw = billing.add_parser(
        "withdraw", help="register a withdrawal after a terms change (R51, R102) and print D10"
    )
    withdraw.add_argument("--student", required=True, metavar="CODE")
    withdraw.add_argument("--received", **_DAY, required=True)
    withdraw.add_argument("--notice-sent", **_DAY, required=True)
    withdraw.add_argument(
        "--channel", type=_choice(LetterChannel), default=LetterChannel.LETTER_TO_SCHOOL
    )
    withdraw.add_argument("--confirmation", type=Path, metavar="FILE.pdf")
    withdraw.set_defaults(handler=billing_withdraw)

    listing = billing.add_parser("list", help="subscriptions, with filters")
    listing.add_argument("--state", type=_choice(SubscriptionState))
    listing.add_argument("--class", dest="klass", metavar="CLASS")
    listing.add_argument("--due", action="store_true", help="only those needing attention")
    listing.add_argument("--on", **_DAY, help="the day 'due' refers to (default: today)")
    listing.set_defaults(handler=billing_list)

    proposals = billing.add_parser("proposals", help="what waits for a person's decision (R67)")
    proposals.add_argument("--all", action="store_true", help="decided ones too")
    proposals.set_defaults(handler=billing_proposals)
    confirm = billing.add_parser("confirm", help="confirm a proposal (you are recorded, R67)")
    confirm.add_argument("id", type=int)
    confirm.add_argument("--note", default="")
    confirm.add_argument("--on", **_DAY, help="the day of the decision (default: today)")
    confirm.set_defaults(handler=billing_confirm)
    reject = billing.add_parser("reject", help="reject a proposal, saying why")
    reject.add_argument("id", type=int)
    reject.add_argument("--note", required=True)
    reject.set_defaults(handler=billing_reject)

    statement = billing.add_parser(
        "import-statement",
        help="book the payments in a bank statement (camt.053 / camt.054 XML) by reference",
    )
    statement.add_argument("file", type=Path, metavar="FILE")
    statement.add_argument("--dry-run", action="store_true", help="show what it would book")
    statement.add_argument(
        "--accept-suggestions",
        action="store_true",
        help="also book entries without a reference on the invoice their payer suggests (R67)",
    )
    statement.set_defaults(handler=billing_import_statement)

    notices = billing.add_parser("notices", help="print the billing letters that are due")
    notices.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    notices.add_argument("--on", **_DAY, help="print what is due by this day (default: today)")
    notices.set_defaults(handler=billing_notices)


def register_print(printing) -> None:
    """`print cancellation-letter` and `print invoice`, in the shared print group."""
    letter = printing.add_parser(
        "cancellation-letter",
        help="the pre-filled cancellation letter to sign (D3), or with --only the letter that "
        "unsubscribes one user (D4)",
    )
    letter.add_argument("--student", required=True, metavar="CODE")
    letter.add_argument("--only", metavar="NAME", help="unsubscribe only this user (R97)")
    letter.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    letter.set_defaults(handler=print_cancellation_letter)
    invoice = printing.add_parser(
        "invoice", help="the student's open invoice (else the latest), with UPN QR in Slovenia"
    )
    invoice.add_argument("--student", required=True, metavar="CODE")
    invoice.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    invoice.set_defaults(handler=print_invoice)


# ---- handlers ------------------------------------------------------------------------------


def _student(services, code: str):
    return services.roster.find_by_code(code)


def _guardian_id(student, name: str) -> int:
    wanted = fold(name)
    found = [g for g in student.guardians if fold(g.full_name) == wanted]
    if len(found) != 1:
        known = ", ".join(g.full_name for g in student.guardians) or "none"
        raise ValidationError(
            "guardian", name, f"not a guardian of {student.full_name} (guardians: {known})"
        )
    return found[0].guardian_id


def _active_user(services, student, name: str):
    """--only NAME: that active user of the child's subscription, None if there is none."""
    current = services.billing.current_for_student(student.id)
    profiles = current.active_profiles if current else ()
    return next((p for p in profiles if fold(p.full_name) == fold(name)), None)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d} €"


def billing_setup(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        settings = services.billing.settings()
        changes = {}
        if args.popolni:
            changes["popolni_enabled"] = args.popolni == "on"
        for option, name in (
            ("iban", "iban"),
            ("bic", "bic"),
            ("bank", "bank_name"),
            ("entity_name", "entity_name"),
        ):
            if getattr(args, option):
                changes[name] = getattr(args, option)
        if args.reference:
            changes["reference_scheme"] = ReferenceScheme(args.reference)
        if changes or not settings.version:
            settings = services.billing.update_settings(replace(settings, **changes))
        for year, cents in args.price:  # checked by price_item before anything was stored
            services.billing.set_price(year, cents)
        print(
            f"POPOLNI {'enabled' if settings.popolni_enabled else 'disabled'}; billing entity "
            f"{settings.entity_name}; IBAN {settings.iban or '(none)'}; reference "
            f"{settings.reference_scheme.value}"
        )
        for price in services.billing.prices():
            print(
                f"price {price.school_year}: {_money(price.gross_cents)} from "
                f"{price.valid_from.isoformat()}"
            )
    return 0


def billing_order(args: argparse.Namespace) -> int:
    from desktop.services.billing import OrderInput

    with services_for(args) as services:
        student = _student(services, args.student)
        on = args.on or services.school.require_school().today()
        if args.terms:
            key = services.terms.default_document_key()
            terms = services.terms.version_by_label(key, args.terms)
        else:
            terms = services.terms.require_in_force(services.terms.default_document_key(), on)
        sub = services.billing.order(
            OrderInput(
                student_id=student.id,
                ordered_by=OrderedBy.STUDENT if args.by_student else OrderedBy.GUARDIAN,
                channel=args.channel,
                communication_mode=args.mode,
                guardian_ids=tuple(_guardian_id(student, g) for g in args.guardian or ()),
                terms_version_id=terms.id,
                warranties_given=args.warranties,
                free_alternative_disclosed=args.free_alternative_disclosed,
                student_statement_15=args.by_student,
                student_mobile=args.mobile,
                student_email=args.email,
                ordered_on=on,
            )
        )
        [invoice] = services.billing.open_invoices(sub.id)
    print(
        f"order for {sub.child_name} recorded ({sub.state.value}); invoice {invoice.number}, "
        f"{_money(invoice.amount_cents)}, reference {invoice.reference}"
    )
    return 0


def billing_trial(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = _student(services, args.student)
        sub = services.billing.start_trial(
            student.id,
            OrderedBy.STUDENT if args.by_student else OrderedBy.GUARDIAN,
            guardian_id=None if args.by_student else _guardian_id(student, args.guardian),
            on=args.on,
        )
    print(
        f"trial for {sub.child_name}: {sub.trial.starts_on.isoformat()} – "
        f"{sub.trial.ends_on.isoformat()} ({sub.trial.length_days} days)"
    )
    return 0


def billing_pay(args: argparse.Namespace) -> int:
    from desktop.services.billing import PaymentInput

    with services_for(args) as services:
        value_date = args.value_date or services.school.require_school().today()
        subscription_id = None
        if args.student:
            current = services.billing.current_for_student(_student(services, args.student).id)
            if current is None:
                return fail(f"{args.student}: no subscription")
            subscription_id = current.id
        result = services.billing.record_payment(
            PaymentInput(
                args.amount,
                args.method,
                value_date,
                reference=args.reference or "",
                processor_txn_id=args.txn,
                card_last_four=args.last4,
                payer_name=args.payer,
            ),
            subscription_id,
        )
    text = f"payment recorded on invoice {result.invoice_number}; "
    if result.activated:
        text += "paid in full: subscription ACTIVE"
    elif result.outstanding_cents:
        text += f"{_money(result.outstanding_cents)} still due ({result.state.value})"
    else:
        text += f"state {result.state.value}"
    if result.overpaid_cents:
        text += (
            f"; overpaid {_money(result.overpaid_cents)}: refund proposed "
            f"(#{result.refund_proposal_id})"
        )
    print(text)
    return 0


def billing_import_statement(args: argparse.Namespace) -> int:
    return import_statement(args, services_for(args))


def _register(args, kind: LetterKind, **extra) -> int:
    from desktop.services.billing_letters import ReceivedLetter
    from desktop.services.documents import check_output

    if args.confirmation:
        check_output(args.confirmation)  # before the letter is registered
    with services_for(args) as services:
        student = _student(services, args.student)
        only = None
        if getattr(args, "only", None):
            p = _active_user(services, student, args.only)
            if p is None:
                return fail(f"--only {args.only!r}: no active user of that name")
            only = GuardianContact(p.first_name, p.last_name, p.mobile, p.email)
            kind = LetterKind.UNSUBSCRIBE_ONE
        result = services.billing_letters.register_letter(
            student.id,
            ReceivedLetter(kind, args.received, args.channel, only=only, **extra),
        )
        if not result.processed:
            for issue in result.issues:
                print(f"{issue.item}: {issue.problem}")
            print(f"letter registered as '{result.status.value}': nothing was changed (R96)")
            return 1
        if args.confirmation:
            services.billing_letters.print_confirmation(result.letter_id, out=args.confirmation)
    text = (
        f"{kind.value.lower().replace('_', ' ')} received {result.received_on.isoformat()}, "
        f"effective {result.effective_on.isoformat()}"
    )
    if result.refund_cents:
        text += f"; refund {_money(result.refund_cents)}"
    if args.confirmation:
        text += f"; confirmation written to {args.confirmation}"
    print(text)
    return 0


def billing_cancel(args: argparse.Namespace) -> int:
    return _register(args, LetterKind.CANCEL_ALL, evidence=args.evidence)


def billing_withdraw(args: argparse.Namespace) -> int:
    return _register(args, LetterKind.TERMS_WITHDRAWAL, notice_sent_on=args.notice_sent)


def billing_list(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        rows = services.billing.table_rows(args.on)
    shown = 0
    for row in rows:
        if args.state and row.state is not args.state:
            continue
        if args.klass and row.class_name != args.klass:
            continue
        if args.due and not row.due:
            continue
        shown += 1
        when = row.next_date.isoformat() if row.next_date else ""
        print(
            f"{row.id:>6}  {row.last_name} {row.first_name:<20} {row.class_name:<6} "
            f"{row.state.value:<26} {row.tier.value:<9} {row.payer:<24} "
            f"owed {_money(row.owed_cents):>9}  {when:<10}{'  DUE' if row.due else ''}"
        )
    print(f"{shown} subscription(s)")
    return 0


def billing_proposals(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        proposals = services.billing.proposals(None if args.all else ProposalStatus.OPEN)
    for p in proposals:
        amount = f" {_money(p.amount_cents)}" if p.amount_cents else ""
        when = f" effective {p.effective_on.isoformat()}" if p.effective_on else ""
        decided = f" by {p.decided_by}" if p.decided_by else ""
        print(
            f"#{p.id} v{p.version} {p.kind.value}{amount} {p.child_name} ({p.class_name}) "
            f"proposed {p.proposed_on.isoformat()}{when} [{p.status.value}{decided}]: {p.reason}"
        )
    print(f"{len(proposals)} proposal(s)")
    return 0


def _proposal_version(services, proposal_id: int) -> int:
    for p in services.billing.proposals(None):
        if p.id == proposal_id:
            return p.version
    raise NotFound("proposal", proposal_id)


def billing_confirm(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        version = _proposal_version(services, args.id)
        p = services.billing.confirm(args.id, version, args.note, on=args.on)
    print(f"#{p.id} {p.kind.value} for {p.child_name} confirmed by {p.decided_by}")
    return 0


def billing_reject(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        version = _proposal_version(services, args.id)
        p = services.billing.reject(args.id, version, args.note)
    print(f"#{p.id} {p.kind.value} for {p.child_name} rejected by {p.decided_by}")
    return 0


def billing_notices(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        # Written before recorded: a missing folder or a full disk marks nothing printed.
        batch = services.billing_letters.print_notices(today=args.on, out=args.out)
    for child, reason in batch.refused:
        print(f"not printed: {child}: {reason}")
    if batch.produced is None:
        print(f"nothing to print ({batch.skipped} overtaken)")
        return 0
    print(f"{batch.printed} letter(s) written to {args.out}; {batch.skipped} overtaken")
    return 0


def print_cancellation_letter(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = _student(services, args.student)
        only_id = None
        if args.only:
            p = _active_user(services, student, args.only)
            if p is None:
                return fail(f"--only {args.only!r}: no active user of that name")
            only_id = p.id
        produced = services.billing_letters.print_cancellation_form(
            student.id, only_id, out=args.out
        )
    print(
        f"{args.out}: {'D4' if only_id else 'D3'} for {student.full_name}, recorded as "
        f"{produced.document_ids[0]}"
    )
    return 0


def print_invoice(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        student = _student(services, args.student)
        invoice_id = services.billing_letters.latest_invoice_id(student.id)
        produced = services.billing_letters.print_invoice(invoice_id, out=args.out)
    print(f"{args.out}: invoice for {student.full_name}, recorded as {produced.document_ids[0]}")
    return 0
