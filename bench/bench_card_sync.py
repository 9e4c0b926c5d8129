"""Deliver 1,000 queued outbox events through CardSyncService to the fake provider on 127.0.0.1.

    .venv/bin/python bench/bench_card_sync.py [N] [--pg-admin postgresql://postgres@host/postgres]

The events are queued the way the office queues them: a demo school of N students, then
"Extend all enrolled" (one entitlement event per student, in one transaction). Timed: one
`CardSyncService.run()`: reading the outbox, one kept-alive HTTP client, recording every
outcome in the database. The floor is a bare http.client loop sending the same number of
PUTs to the same server. Target: 1,000 events in ≤ 3 s. Default database: a SQLite file in
bench/out/card_sync; --pg-admin times PostgreSQL in a throwaway database it creates and drops.

Runs from a plain install (no pytest needed): tests/fake_card_provider.py imports pytest only
for its fixture, when pytest is there. psycopg is needed for --pg-admin only.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from bench_provider_http import events, run_floor
from common import scratch
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from desktop.db.models import ProviderOutbox, Student
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.roster import Country, StudentStatus
from desktop.integrations.card_provider import CardProviderClient
from desktop.services.card_sync import CardSyncService
from desktop.services.container import open_services
from desktop.services.demo import DemoService
from tests.fake_card_provider import FakeCardProvider


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--pg-admin", default="", metavar="URL")
    args = parser.parse_args()
    home = scratch("card_sync")
    if not args.pg_admin:
        bench(f"sqlite:///{home / 'school.sqlite3'}", args.n)
        return
    admin_url = make_url(args.pg_admin).set(drivername="postgresql+psycopg")
    name = f"bench_card_sync_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        bench(admin_url.set(database=name).render_as_string(hide_password=False), args.n)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench(url: str, n_students: int) -> None:
    services = open_services(url, login="bench")
    # A few demo students have no isikukood (no virtual card, R34): make some spare, then
    # keep exactly n eligible students enrolled, so exactly n events are queued.
    DemoService(services.db, services.actor).fill(
        Country.EE, students=n_students + n_students // 20, cards=False
    )
    with services.db.write("bench") as session:
        eligible = select(Student.id).where(Student.no_local_code.is_(False)).order_by(Student.id)
        keep = session.scalars(eligible.limit(n_students)).all()
        session.execute(
            update(Student).where(Student.id.not_in(keep)).values(status=StudentStatus.LEFT)
        )
    queue_start = time.perf_counter()
    plan = services.cards.preview_extend_all()
    services.cards.apply_extension(plan)
    queued = time.perf_counter() - queue_start
    with services.db.read() as session:
        n = session.scalar(select(func.count()).select_from(ProviderOutbox))

    with FakeCardProvider() as provider:
        floor = run_floor(provider, events(n, "floor"))
        floor_connections = provider.connections
        sync = CardSyncService(
            services.db,
            services.actor,
            lambda: CardProviderClient(provider.base_url, provider.token),
        )
        start = time.perf_counter()
        report = sync.run()
        ours = time.perf_counter() - start
        connections = provider.connections - floor_connections
        assert report.delivered == n, report
        assert provider.total_applied == 2 * n, "every event must be applied exactly once"
    with services.db.read() as session:
        left = session.scalar(
            select(func.count()).where(ProviderOutbox.state != OutboxState.DELIVERED)
        )
    assert left == 0
    services.close()

    print(f"{n} outbox events ({services.db.dialect}), fake provider on 127.0.0.1 (keep-alive)")
    print(f"  queued by 'Extend all enrolled' (preview + apply): {queued:6.3f} s")
    print(f"  http.client loop (floor):     {floor:6.3f} s  {floor / n * 1e3:6.3f} ms/event")
    print(f"  CardSyncService.run (+ DB):   {ours:6.3f} s  {ours / n * 1e3:6.3f} ms/event")
    print(f"  ratio sync / floor:           {ours / floor:6.2f}x")
    print(f"  TCP connections: floor {floor_connections}, sync {connections}")
    print(f"  target ≤ 3 s for 1,000: {'met' if ours / n * 1000 <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
