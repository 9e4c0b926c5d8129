"""Billing at school scale: `daily` over 5,000 subscriptions, and 1,000 reminder letters.

    .venv/bin/python bench/bench_billing.py [--subscriptions 5000] [--letters 1000]
                                            [--database URL]

A Slovenian demo school gets 5,000 children; each gets a paid POPOLNI subscription for 2025/26
(written with Core, as an import would). Then `daily` runs for the days of the renewal
calendar (R81): 1 Sep 2026 is the heavy day (5,000 invitations, each with an invoice and a
state change), 8 Oct the first reminders, an ordinary day in between, and a second run of a
day that already ran. Targets: `daily` ≤ 2 s; 1,000 reminder letters ≤ 5 s (through the
DocumentService: recipient checks, numbering, recording). The floors are the bare SELECT of
the facts and the bare PDF build of the same letters.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import report, scratch  # noqa: E402


def populate(services, count: int) -> None:
    from sqlalchemy import insert, select

    from desktop.db.bulk import allocate_ids, bulk_insert
    from desktop.db.models import (
        Guardian,
        Invoice,
        Payment,
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
        PaymentMethod,
        ReferenceScheme,
        SubscriptionState,
        Tier,
        make_payment_reference,
    )
    from desktop.domain.dates import SchoolYear
    from desktop.services.billing import invoice_number
    from tests.billing_fixtures import prepare_billing

    prepare_billing(services)
    now, actor = clock.now(), services.actor.login
    stamp = {
        "version": 1,
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
        "updated_by": actor,
    }
    year = SchoolYear(2025)
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
        sub_ids = bulk_insert(
            session,
            Subscription.__table__,
            [
                {
                    "student_id": s.id,
                    "state": SubscriptionState.ACTIVE,
                    "tier": Tier.POPOLNI,
                    "ordered_by": OrderedBy.GUARDIAN,
                    "channel": OrderChannel.ELECTRONIC,
                    "communication_mode": CommunicationMode.SMS_AND_EMAIL,
                    "student_statement_15": False,
                    "warranties_given": True,
                    "free_alternative_disclosed": True,
                    "terms_version_id": None,
                    "submitted_at": now,
                    "ordered_on": date(2025, 10, 1),
                    "child_first_name": s.first_name,
                    "child_last_name": s.last_name,
                    "class_name": s.class_name or "",
                    "school_name": "Bench",
                    "activated_on": date(2025, 10, 2),
                    "paid_school_year": 2025,
                    "ends_on": None,
                    "end_reason": "",
                    **stamp,
                }
                for s in students
            ],
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
                    **stamp,
                }
                for sub_id, s in zip(sub_ids, students, strict=True)
            ],
        )
        invoice_ids = allocate_ids(session, Invoice.__table__, len(sub_ids))
        invoice_rows = [
            {
                "id": invoice_id,
                "subscription_id": sub_id,
                "student_id": s.id,
                "school_year": 2025,
                "kind": InvoiceKind.ANNUAL,
                "issued_on": date(2025, 10, 1),
                "due_on": date(2025, 10, 15),
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
        session.execute(insert(Invoice.__table__), invoice_rows)
        bulk_insert(
            session,
            Payment.__table__,
            [
                {
                    "subscription_id": sub_id,
                    "invoice_id": inv_id,
                    "student_id": s.id,
                    "method": PaymentMethod.TRANSFER,
                    "amount_cents": 2000,
                    "value_date": date(2025, 10, 2),
                    "reference": "",
                    "processor_txn_id": None,
                    "card_last_four": None,
                    "payer_name": "",
                    "payer_address": "",
                    "note": "",
                    "recorded_at": now,
                    "recorded_by": actor,
                }
                for sub_id, inv_id, s in zip(sub_ids, invoice_ids, students, strict=True)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=5000)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--database", help="default: a fresh SQLite file under bench/out")
    args = parser.parse_args()
    home = scratch("billing")

    from desktop.db import schema
    from desktop.db.session import Database
    from desktop.domain.roster import Country
    from desktop.services.container import Services
    from desktop.services.demo import DemoService
    from desktop.services.staff import resolve_actor

    url = args.database or f"sqlite:///{home / 'bench.sqlite3'}"
    db = Database(url)
    schema.upgrade(db.engine)
    actor = resolve_actor(db, "bench")
    started = time.perf_counter()
    DemoService(db, actor).fill(
        Country.SI, args.subscriptions, today=date(2025, 9, 10), billing=False
    )
    services = Services(db, actor)
    populate(services, args.subscriptions)
    print(
        f"school of {args.subscriptions} subscriptions ready in "
        f"{time.perf_counter() - started:.1f} s ({db.dialect})"
    )

    from sqlalchemy import select

    from desktop.db.models import BillingNotice, Subscription

    t = time.perf_counter()
    with db.read() as session:
        session.execute(
            select(
                Subscription.id,
                Subscription.state,
                Subscription.ordered_on,
                Subscription.paid_school_year,
            )
        ).all()
        session.execute(select(BillingNotice.subscription_id, BillingNotice.kind)).all()
    floor = time.perf_counter() - t

    for day, what in (
        (date(2026, 8, 20), "an ordinary day"),
        (date(2026, 9, 1), "1 Sep: 5,000 invitations + invoices"),
        (date(2026, 9, 1), "1 Sep again (already ran)"),
        (date(2026, 10, 8), "8 Oct: first reminders"),
    ):
        t = time.perf_counter()
        results = services.daily.run(day)
        took = time.perf_counter() - t
        report(f"daily {day} – {what}", took, floor, 1.5)
        for result in results:
            if result.job in ("billing-reminders",) and not result.already_ran:
                print(f"    {result}")

    from desktop.documents import build_letters
    from desktop.documents.model import DocumentInfo
    from desktop.services.billing_letters import BillingLetterService

    letters: BillingLetterService = services.billing_letters
    with db.read() as session:
        ids = session.scalars(
            select(BillingNotice.id)
            .where(BillingNotice.due_on == date(2026, 10, 8))
            .order_by(BillingNotice.id)
            .limit(args.letters)
        ).all()
    items, _requests, _notice_of, _skipped = letters._prepare_notices(ids, date(2026, 10, 8))
    t = time.perf_counter()
    now = datetime.now(UTC)
    infos = [DocumentInfo(f"DOC-2026-{i + 1:06d}", now, "bench") for i in range(len(items))]
    specs = [make(data, info) for (make, data), info in zip(items, infos, strict=True)]
    build_letters(specs)
    floor = time.perf_counter() - t

    t = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        batch = profile.runcall(letters.print_notices, ids, today=date(2026, 10, 8))
        pstats.Stats(profile).sort_stats("cumtime").print_stats(25)
    else:
        batch = letters.print_notices(ids, today=date(2026, 10, 8))
    took = time.perf_counter() - t
    out = REPO / "bench" / "out" / "billing-reminders.pdf"
    out.write_bytes(batch.produced.pdf)
    report(f"{batch.printed} reminder letters (print_notices)", took, floor, 5.0)
    print(f"    {len(batch.produced.pdf) / 1e6:.1f} MB, written to {out}")
    services.close()


if __name__ == "__main__":
    main()
