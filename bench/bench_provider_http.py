"""Deliver 1,000 outbox events to the fake card provider; compare with a bare http.client loop.

    .venv/bin/python bench/bench_provider_http.py [N]

The client (requests.Session, keep-alive) against the floor: one http.client.HTTPConnection
sending the same PUTs. Both hit the same in-process server, so the ratio is the client's own
overhead (requests + JSON + error mapping). Target: 1,000 events in ≤ 3 s.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.domain.cards.events import EntitlementStatus, ProviderEvent, upsert_event
from desktop.integrations.card_provider import CardProviderClient
from tests.fake_card_provider import FakeCardProvider


def events(n: int, tag: str) -> list[ProviderEvent]:
    return [
        upsert_event(
            uuid.uuid4(),
            f"{tag}-{i}",
            personal_code="61205171232",
            first_name="Mari",
            last_name="Tamm",
            school="TK",
            valid_until=date(2026, 8, 31),
            status=EntitlementStatus.ACTIVE,
        )
        for i in range(n)
    ]


def run_client(provider: FakeCardProvider, batch: list[ProviderEvent]) -> float:
    with CardProviderClient(provider.base_url, provider.token) as client:
        client.get_status("warm-up")  # open the connection outside the timing
        start = time.perf_counter()
        for event in batch:
            client.deliver(event)
        return time.perf_counter() - start


def run_floor(provider: FakeCardProvider, batch: list[ProviderEvent]) -> float:
    host, port = provider.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=15)
    auth = f"Bearer {provider.token}"
    conn.request("GET", "/v1/entitlements/warm-up", headers={"Authorization": auth})
    conn.getresponse().read()
    start = time.perf_counter()
    for event in batch:
        body = json.dumps(dict(event.payload)).encode()
        headers = {
            "Authorization": auth,
            "Idempotency-Key": event.idempotency_key,
            "Content-Type": "application/json",
        }
        conn.request("PUT", f"/v1/entitlements/{event.student_ref}", body, headers)
        response = conn.getresponse()
        response.read()
        assert response.status in (200, 201), response.status
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with FakeCardProvider() as provider:
        floor = run_floor(provider, events(n, "floor"))
        floor_conns = provider.connections
        client = run_client(provider, events(n, "client"))
        client_conns = provider.connections - floor_conns
        assert provider.total_applied == 2 * n, "every event must be applied exactly once"
    print(f"{n} events, fake provider on 127.0.0.1 (HTTP/1.1 keep-alive)")
    print(f"  http.client loop (floor):         {floor:6.3f} s  {floor / n * 1e3:6.3f} ms/event")
    print(f"  CardProviderClient.deliver:        {client:6.3f} s  {client / n * 1e3:6.3f} ms/event")
    print(f"  ratio client / floor:              {client / floor:6.2f}x")
    print(f"  TCP connections: floor {floor_conns}, client {client_conns}")
    print(f"  target ≤ 3 s for 1,000: {'met' if client / n * 1000 <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
