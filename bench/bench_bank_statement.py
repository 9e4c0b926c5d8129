"""Payments from a bank statement at school scale: 5,000 entries previewed and confirmed.

    .venv/bin/python bench/bench_bank_statement.py [--entries 5000] [--database URL]
                                                   [--version camt.053.001.02]

A Slovenian demo school gets one unpaid POPOLNI order (an invoice with an SI12 reference) per
child; a generated camt.053 statement (tests/camt_generator.py) pays them the ways parents
do: references with and without spaces, in the text, part payments, over-payments, two
children in one transfer, batch entries, no reference, a refund going out. Targets: preview
(read the file, match every entry) ≤ 2 s and confirm (book it in one transaction) ≤ 2 s, on
SQLite and PostgreSQL. The floor of the preview is reading the XML alone; of the confirm,
inserting the same number of payment rows alone (no audit, no checks, no bank entries).
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

from bench.billing_school import PRICE_CENTS, subscribe_children  # noqa: E402
from bench.common import scratch  # noqa: E402


def report(title: str, took: float, target: float, floor: float) -> None:
    verdict = "ok" if took <= target else "MISSED"
    print(
        f"{title:<46} {took:7.3f} s   target ≤ {target:.1f} s   ratio {took / target:4.2f} "
        f"({verdict})   floor {floor:6.3f} s"
    )


def populate(services, count: int) -> list:
    """One unpaid 2026/27 order per child, as the statement's generator sees it."""
    from tests.camt_generator import OpenInvoice

    return [
        OpenInvoice(s.invoice_id, s.reference, PRICE_CENTS, s.payer_name, s.child_name)
        for s in subscribe_children(
            services, count, ordered_on=date(2026, 9, 5), paid=False, audit=False
        )
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

    # On a shared machine the figures below grow with the load: say what it was.
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
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

    # the confirm's floor: the payments alone, as many rows inserted the way the booking
    # inserts them (desktop.db.insert_many), rolled back
    from desktop.db.insert_many import insert_many
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
        insert_many(
            connection,
            Payment.__table__,
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
