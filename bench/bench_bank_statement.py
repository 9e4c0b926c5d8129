"""Payments from a bank statement at school scale: 5,000 entries previewed and confirmed.

    .venv/bin/python bench/bench_bank_statement.py [--entries 5000] [--database URL]
                                                   [--version camt.053.001.02]

A Slovenian demo school gets one unpaid POPOLNI order (an invoice with an SI12 reference) per
child; a generated camt.053 statement (tests/camt_generator.py) pays them the ways parents
do: references with and without spaces, in the text, part payments, over-payments, two
children in one transfer, batch entries, no reference, a refund going out. Targets: preview
(read the file, match every entry) ≤ 2 s and confirm (book it in one transaction) ≤ 2 s, on
SQLite and PostgreSQL. The floor of the preview is reading the XML alone; of the confirm, a
bare executemany of the same number of payment rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import scratch  # noqa: E402


def report(title: str, took: float, target: float, floor: float) -> None:
    verdict = "ok" if took <= target else "MISSED"
    print(
        f"{title:<46} {took:7.3f} s   target ≤ {target:.1f} s   ratio {took / target:4.2f} "
        f"({verdict})   floor {floor:6.3f} s"
    )


def populate(services, count: int) -> list:
    """One unpaid 2026/27 order per child, written with Core (as an import would)."""
    from sqlalchemy import insert, select

    from desktop.db.bulk import allocate_ids, bulk_insert
    from desktop.db.models import (
        Guardian,
        Invoice,
        Student,
        StudentGuardian,
        Subscription,
        SubscriptionProfile,
    )
    from desktop.domain import clock
    from desktop.domain.billing import (
        CommunicationMode,
        InvoiceKind,
        OrderChannel,
        OrderedBy,
        ReferenceScheme,
        SubscriptionState,
        Tier,
        make_payment_reference,
    )
    from desktop.domain.dates import SchoolYear
    from desktop.services.billing import invoice_number
    from tests.billing_fixtures import prepare_billing
    from tests.camt_generator import OpenInvoice

    prepare_billing(services)
    now, actor = clock.now(), services.actor.login
    year = SchoolYear(2026)
    with services.db.write(actor) as session:
        students = session.execute(
            select(Student.id, Student.first_name, Student.last_name, Student.class_name)
            .order_by(Student.id)
            .limit(count)
        ).all()
        payer = {}
        for sid, gid, first, last, phone in session.execute(
            select(
                StudentGuardian.student_id,
                Guardian.id,
                Guardian.first_name,
                Guardian.last_name,
                Guardian.phone,
            )
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(StudentGuardian.primary_contact.is_(True))
        ):
            payer[sid] = (gid, first, last, phone or "041 000 000")
        students = [s for s in students if s.id in payer]
        sub_ids = bulk_insert(
            session,
            Subscription.__table__,
            [
                {
                    "student_id": s.id,
                    "state": SubscriptionState.ORDERED,
                    "tier": Tier.POPOLNI,
                    "ordered_by": OrderedBy.GUARDIAN,
                    "channel": OrderChannel.ELECTRONIC,
                    "communication_mode": CommunicationMode.SMS_AND_EMAIL,
                    "student_statement_15": False,
                    "warranties_given": True,
                    "free_alternative_disclosed": True,
                    "terms_version_id": None,
                    "submitted_at": now,
                    "ordered_on": date(2026, 9, 5),
                    "child_first_name": s.first_name,
                    "child_last_name": s.last_name,
                    "class_name": s.class_name or "",
                    "school_name": "Bench",
                    "activated_on": None,
                    "paid_school_year": None,
                    "ends_on": None,
                    "end_reason": "",
                }
                for s in students
            ],
            audit=False,
        )
        bulk_insert(
            session,
            SubscriptionProfile.__table__,
            [
                {
                    "subscription_id": sub_id,
                    "position": 1,
                    "guardian_id": payer[s.id][0],
                    "first_name": payer[s.id][1],
                    "last_name": payer[s.id][2],
                    "mobile": payer[s.id][3],
                    "email": "",
                    "is_payer": True,
                    "active": True,
                    "unsubscribed_on": None,
                    "end_reason": "",
                }
                for sub_id, s in zip(sub_ids, students, strict=True)
            ],
            audit=False,
        )
        invoice_ids = allocate_ids(session, Invoice.__table__, len(sub_ids))
        rows = [
            {
                "id": invoice_id,
                "subscription_id": sub_id,
                "student_id": s.id,
                "school_year": 2026,
                "kind": InvoiceKind.ANNUAL,
                "issued_on": date(2026, 9, 5),
                "due_on": date(2026, 9, 19),
                "amount_cents": 2000,
                "net_cents": 1639,
                "vat_cents": 361,
                "vat_rate_bp": 2200,
                "cancelled_on": None,
                "number": invoice_number(year, invoice_id),
                "reference": make_payment_reference(ReferenceScheme.SI12, year, invoice_id).replace(
                    " ", ""
                ),
            }
            for invoice_id, sub_id, s in zip(invoice_ids, sub_ids, students, strict=True)
        ]
        session.execute(insert(Invoice.__table__), rows)
    return [
        OpenInvoice(
            r["id"],
            r["reference"],
            2000,
            f"{payer[s.id][1]} {payer[s.id][2]}",
            f"{s.first_name} {s.last_name}",
        )
        for r, s in zip(rows, students, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--version", default="camt.053.001.02")
    parser.add_argument("--database", help="default: a fresh SQLite file under bench/out")
    args = parser.parse_args()
    home = scratch("bank_statement")

    from desktop.db import schema
    from desktop.db.session import Database
    from desktop.domain import clock
    from desktop.domain.roster import Country
    from desktop.integrations.camt import read_statement
    from desktop.services.container import Services
    from desktop.services.demo import DemoService
    from desktop.services.staff import resolve_actor
    from tests.billing_fixtures import si_iban
    from tests.camt_generator import scenario

    clock.install(clock.FixedClock(datetime(2026, 10, 1, 9, 0, tzinfo=UTC)))
    url = args.database or f"sqlite:///{home / 'bench.sqlite3'}"
    db = Database(url)
    schema.upgrade(db.engine)
    actor = resolve_actor(db, "bench")
    started = time.perf_counter()
    # A few more children than entries: two-children transfers pay two invoices at once.
    DemoService(db, actor).fill(
        Country.SI, int(args.entries * 1.15), today=date(2026, 9, 1), billing=False
    )
    services = Services(db, actor)
    invoices = populate(services, int(args.entries * 1.15))
    sc = scenario(invoices, account_iban=si_iban(), version=args.version, seed=2026)
    data = sc.data
    print(
        f"{len(invoices)} open invoices, a {args.version} statement of {len(sc.entries)} "
        f"entries ({len(data) / 1e6:.1f} MB) ready in {time.perf_counter() - started:.1f} s "
        f"({db.dialect})"
    )

    t = time.perf_counter()
    read_statement(data)
    parse_floor = time.perf_counter() - t

    bank = services.bank_statements
    t = time.perf_counter()
    preview = bank.preview(data, "bench.xml")
    took = time.perf_counter() - t
    report(f"preview {len(preview.rows)} entries ({db.dialect})", took, 2.0, parse_floor)
    print(
        f"    {preview.to_book} to book, {preview.count(*_unmatched())} unmatched, "
        f"{preview.count(*_refused())} not payments"
    )

    # the confirm's floor: a bare executemany of as many payment-sized rows, rolled back
    from sqlalchemy import insert

    from desktop.db.models import Payment

    payments = sum(len(r.plan.allocations) for r in preview.rows)
    row = {
        "subscription_id": 1,
        "invoice_id": invoices[0].id,
        "student_id": 1,
        "method": "TRANSFER",
        "amount_cents": 1,
        "value_date": date(2026, 9, 30),
        "reference": "",
        "payer_name": "",
        "payer_address": "",
        "note": "",
        "recorded_at": clock.now(),
        "recorded_by": "bench",
    }
    with db.engine.connect() as connection:
        from sqlalchemy import select

        from desktop.db.models import Subscription

        sub = connection.scalar(select(Subscription.id).limit(1))
        student = connection.scalar(select(Subscription.student_id).limit(1))
        t = time.perf_counter()
        connection.execute(
            insert(Payment.__table__),
            [{**row, "subscription_id": sub, "student_id": student}] * payments,
        )
        insert_floor = time.perf_counter() - t
        connection.rollback()

    t = time.perf_counter()
    result = bank.confirm(preview)
    took = time.perf_counter() - t
    report(f"confirm {result.entries_booked} entries ({db.dialect})", took, 2.0, insert_floor)
    print(
        f"    {result.payments} payments, {result.refund_proposals} refunds proposed, "
        f"{result.activated} subscriptions active"
    )

    t = time.perf_counter()
    again = bank.preview(data, "bench.xml")
    result = bank.confirm(again)
    took = time.perf_counter() - t
    report("the same statement again (preview + confirm)", took, 4.0, parse_floor)
    assert result.entries_booked == 0, result
    db.dispose()


def _unmatched():
    from desktop.domain.bank_matching import Outcome

    return (Outcome.UNMATCHED,)


def _refused():
    from desktop.domain.bank_matching import Outcome

    return (Outcome.REFUSED,)


if __name__ == "__main__":
    main()
