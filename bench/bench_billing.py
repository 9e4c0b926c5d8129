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

from bench.billing_school import subscribe_children  # noqa: E402
from bench.common import report, scratch  # noqa: E402


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
    # Each paid for 2025/26 (as an import would write them).
    subscribe_children(
        services, args.subscriptions, ordered_on=date(2025, 10, 1), paid=True, audit=True
    )
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
    items = letters._prepare_notices(ids, date(2026, 10, 8)).letters
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
