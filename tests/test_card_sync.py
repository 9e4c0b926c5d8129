"""Outbox delivery against a real HTTP provider on 127.0.0.1 that fails on purpose.

Whatever fails (500s, timeouts, 401, dropped connections, 429, a provider that is down), once
it works again every event has been applied exactly once (the fake provider counts each
idempotency key it applied) and one student's events in the order they were made.
"""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from desktop.db.models import ProviderOutbox
from desktop.domain.cards.events import SuspendReason, student_ref
from desktop.domain.cards.outbox import OutboxState, RetryPolicy
from desktop.domain.errors import ValidationError
from desktop.domain.personal_codes import is_valid_personal_code
from desktop.integrations.card_provider import CardProviderClient, ProviderSettingsError
from desktop.services.card_sync import CardSyncService
from desktop.services.roster import StudentInput
from tests.fake_card_provider import Failure, FakeCardProvider, card_provider  # noqa: F401

pytestmark = pytest.mark.db

OCT = date(2025, 10, 1)
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LATER = timedelta(hours=2)  # beyond any back-off below the cap and any Retry-After used here


NAMES = ("Mari", "Jaan", "Kärt", "Õie", "Siim", "Anni", "Rein", "Säde", "Tiit", "Ülle")


def code(i: int) -> str:
    body = f"5120517{i:03d}"
    return next(body + d for d in "0123456789" if is_valid_personal_code(body + d, "EE"))


def students(services, n: int) -> list:
    return [
        services.roster.create_student(StudentInput(NAMES[i], "Tamm", code(i), class_name="3.a"))
        for i in range(n)
    ]


def three_events_each(services, kids) -> None:
    """issue (upsert to 31 Aug 2026), extend (upsert to 2027), leave (close): in that order."""
    for kid in kids:
        services.cards.issue_physical(kid.id, today=OCT)
    for kid in kids:
        services.cards.extend(kid.id, today=date(2026, 6, 10))
    for kid in kids:
        record = services.roster.get(kid.id)
        services.roster.mark_left(kid.id, record.version, date(2026, 6, 20), "moved")


class Target:
    """Where the sync connects: tests swap the provider (outage, new token) underneath."""

    def __init__(self, provider: FakeCardProvider, read_timeout: float = 2.0):
        self.url, self.token = provider.base_url, provider.token
        self.read_timeout = read_timeout

    def client(self) -> CardProviderClient:
        return CardProviderClient(
            self.url, self.token, connect_timeout=0.5, read_timeout=self.read_timeout
        )


def sync_for(services, target: Target, policy: RetryPolicy | None = None) -> CardSyncService:
    return CardSyncService(services.db, services.actor, target.client, policy or RetryPolicy())


def outbox_rows(db) -> list[ProviderOutbox]:
    with db.read() as session:
        return list(session.scalars(select(ProviderOutbox).order_by(ProviderOutbox.id)))


def assert_exactly_once_in_order(db, provider: FakeCardProvider) -> None:
    rows = outbox_rows(db)
    assert {r.state for r in rows} == {OutboxState.DELIVERED}
    keys = [r.idempotency_key for r in rows]
    assert set(provider.applied) == set(keys)
    assert all(provider.applied[k] == 1 for k in keys), "an event was applied twice"
    by_student: dict[str, list[str]] = {}
    for r in rows:
        by_student.setdefault(r.student_ref, []).append(r.idempotency_key)
    for ref, student_keys in by_student.items():
        seen = [key for _, path, key in provider.requests if f"/{ref}" in path and key]
        for earlier, later in itertools.pairwise(student_keys):
            last_earlier = max(i for i, k in enumerate(seen) if k == earlier)
            first_later = min(i for i, k in enumerate(seen) if k == later)
            assert last_earlier < first_later, f"{ref}: events sent out of order"


def test_delivers_everything_in_order_over_one_connection(services, db, card_provider):  # noqa: F811
    three_events_each(services, students(services, 4))
    sync = sync_for(services, Target(card_provider))
    progress = []
    report = sync.run(progress=lambda done, total: progress.append((done, total)), now=T0)
    assert (report.delivered, report.stopped, report.ok) == (12, "", True)
    assert progress[-1] == (12, 12)
    assert card_provider.connections == 1  # keep-alive: one client, one connection per run
    assert_exactly_once_in_order(db, card_provider)
    ent = card_provider.entitlements[student_ref(outbox_rows(db)[0].student_id)]
    assert (ent["status"], ent["valid_until"]) == ("CLOSED", "2027-08-31")
    status = sync.status()
    assert (status.pending, status.needs_attention, status.last_success_at) == (0, 0, T0)


def test_a_500_is_retried_after_the_back_off(services, db, card_provider):  # noqa: F811
    [kid] = students(services, 1)
    services.cards.issue_physical(kid.id, today=OCT)
    sync = sync_for(services, Target(card_provider))
    card_provider.fail_next(Failure.ERROR_500)
    report = sync.run(now=T0)
    assert (report.delivered, report.retrying, report.stopped) == (0, 1, "unavailable")
    [row] = outbox_rows(db)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert row.next_attempt_at == T0 + timedelta(minutes=1)
    assert "500" in row.last_error and sync.status().last_error
    assert sync.run(now=T0 + timedelta(seconds=30)).delivered == 0  # still backing off
    assert sync.run(now=T0 + timedelta(minutes=1)).delivered == 1
    assert_exactly_once_in_order(db, card_provider)


def test_429_retry_after_is_honoured(services, db, card_provider):  # noqa: F811
    [kid] = students(services, 1)
    services.cards.issue_physical(kid.id, today=OCT)
    card_provider.fail_next(Failure.RATE_LIMITED, retry_after=600)
    sync_for(services, Target(card_provider)).run(now=T0)
    [row] = outbox_rows(db)
    assert row.next_attempt_at == T0 + timedelta(seconds=600)


def test_a_timeout_after_the_provider_applied_is_not_applied_twice(services, db, card_provider):  # noqa: F811
    [kid] = students(services, 1)
    services.cards.issue_physical(kid.id, today=OCT)
    sync = sync_for(services, Target(card_provider, read_timeout=0.2))
    card_provider.fail_next(Failure.SLOW, delay=0.6)
    assert sync.run(now=T0).stopped == "unavailable"
    card_provider.wait_idle()  # the provider finished (and applied) the slow request
    assert sync.run(now=T0 + LATER).delivered == 1
    [row] = outbox_rows(db)
    assert card_provider.applied[row.idempotency_key] == 1
    assert_exactly_once_in_order(db, card_provider)


def test_a_dropped_connection_is_retried(services, db, card_provider):  # noqa: F811
    three_events_each(services, students(services, 1))
    sync = sync_for(services, Target(card_provider))
    card_provider.fail_next(Failure.DROP, count=2)
    assert sync.run(now=T0).stopped == "unavailable"
    assert sync.run(now=T0 + LATER).stopped == "unavailable"
    assert sync.run(now=T0 + 2 * LATER).delivered == 3
    assert_exactly_once_in_order(db, card_provider)


def test_401_pauses_the_link_without_charging_the_event(services, db, card_provider):  # noqa: F811
    students_ = students(services, 2)
    for kid in students_:
        services.cards.issue_physical(kid.id, today=OCT)
    sync = sync_for(services, Target(card_provider))
    card_provider.fail_next(Failure.UNAUTHORIZED)
    report = sync.run(now=T0)
    assert (report.stopped, report.delivered, report.left) == ("auth", 0, 2)
    assert "token" in report.error
    status = sync.status()
    assert status.auth_failed and status.pending == 2 and "token" in status.last_error
    assert {(r.state, r.attempts) for r in outbox_rows(db)} == {(OutboxState.PENDING, 0)}
    report = sync.run(now=T0 + timedelta(seconds=5))  # the token works again: no back-off
    assert report.delivered == 2 and not sync.status().auth_failed
    assert_exactly_once_in_order(db, card_provider)


def test_a_provider_outage_never_blocks_the_office_or_loses_an_event(services, db):
    down = FakeCardProvider().start()
    target = Target(down)
    down.stop()  # connection refused from now on
    kids = students(services, 3)
    sync = sync_for(services, target)
    services.cards.issue_physical(kids[0].id, today=OCT)
    assert sync.run(now=T0).stopped == "unavailable"
    # The office goes on working while the provider is down.
    services.cards.issue_physical(kids[1].id, today=OCT)
    three_events_each(services, [kids[2]])
    assert sync.run(now=T0 + LATER).stopped == "unavailable"
    with FakeCardProvider(token=down.token) as back:
        target.url = back.base_url
        t = T0 + 2 * LATER
        while sync.status().pending:
            sync.run(now=t)
            t += LATER
        assert len(outbox_rows(db)) == 5
        assert_exactly_once_in_order(db, back)


def test_chaos_every_event_exactly_once_and_in_order(services, db, card_provider):  # noqa: F811
    three_events_each(services, students(services, 8))
    sync = sync_for(services, Target(card_provider, read_timeout=0.2))
    script = [
        (Failure.ERROR_500, {}),
        (Failure.DROP, {}),
        (Failure.SLOW, {"delay": 0.5}),
        (Failure.RATE_LIMITED, {"retry_after": 30}),
        (Failure.UNAUTHORIZED, {}),
        (Failure.ERROR_500, {"count": 2}),
        (Failure.DROP, {}),
        (Failure.SLOW, {"delay": 0.5}),
    ]
    t = T0
    for failure, options in script:
        card_provider.fail_next(failure, **options)
        sync.run(now=t)  # stops at the failure, after delivering what came before it
        card_provider.wait_idle()
        t += LATER
    while sync.status().pending:
        sync.run(now=t)
        card_provider.wait_idle()
        t += LATER
    assert sync.status().needs_attention == 0
    assert_exactly_once_in_order(db, card_provider)
    for kid_ref, ent in card_provider.entitlements.items():
        assert (ent["status"], ent["valid_until"]) == ("CLOSED", "2027-08-31"), kid_ref


def test_gives_up_after_n_failures_and_retry_now_brings_it_back(services, db, card_provider):  # noqa: F811
    first, second = students(services, 2)
    services.cards.issue_physical(first.id, today=OCT)
    services.cards.extend(first.id, today=date(2026, 6, 10))  # waits behind the first event
    services.cards.issue_physical(second.id, today=OCT)
    sync = sync_for(services, Target(card_provider), RetryPolicy(gives_up_after=2))
    card_provider.fail_next(Failure.ERROR_500, count=2)
    sync.run(now=T0)
    report = sync.run(now=T0 + LATER)
    assert report.needs_attention == 1
    # The stuck student's next event waits; the other student's goes through.
    assert sync.run(now=T0 + 2 * LATER).delivered == 1
    [stuck] = sync.needs_attention()
    assert (stuck.student_id, stuck.attempts, stuck.waiting_behind) == (first.id, 2, 1)
    assert stuck.student_name == "Mari Tamm" and "500" in stuck.last_error
    assert sync.status().needs_attention == 1

    sync.retry_now(stuck.id)
    assert sync.run(now=T0 + 3 * LATER).delivered == 2
    assert sync.needs_attention() == []
    assert_exactly_once_in_order(db, card_provider)


def test_a_rejected_event_needs_attention_at_once_and_can_be_discarded(
    services,
    db,
    card_provider,  # noqa: F811
):
    [kid] = students(services, 1)
    services.cards.record_activation(kid.id, code(0), today=OCT)
    services.cards.request_suspension(kid.id, SuspendReason.OPT_OUT)  # provider knows no one yet
    services.cards.extend(kid.id, today=date(2026, 6, 10))
    sync = sync_for(services, Target(card_provider))
    report = sync.run(now=T0)
    assert (report.needs_attention, report.delivered) == (1, 0)
    [stuck] = sync.needs_attention()
    assert "entitlement_not_found" in stuck.last_error and stuck.waiting_behind == 1
    with pytest.raises(ValidationError):
        sync.discard(stuck.id, "")
    sync.discard(stuck.id, "the student never had an entitlement")
    assert sync.run(now=T0 + timedelta(seconds=1)).delivered == 1
    assert [r.state for r in outbox_rows(db)] == [OutboxState.DISCARDED, OutboxState.DELIVERED]


def test_confirm_suspension_only_when_the_provider_says_so(services, db, card_provider):  # noqa: F811
    [kid] = students(services, 1)
    services.cards.issue_physical(kid.id, today=OCT)
    virtual = services.cards.record_activation(kid.id, code(0), today=OCT)
    services.cards.request_suspension(kid.id, SuspendReason.LOST_PHONE)
    sync = sync_for(services, Target(card_provider))
    assert sync.run(now=T0).delivered == 2
    with pytest.raises(ValidationError) as info:
        sync.confirm_suspension(virtual.id, virtual.version)
    assert "has not suspended" in info.value.reason
    card_provider.confirm_suspension(student_ref(kid.id))
    assert sync.confirm_suspension(virtual.id, virtual.version).status == "SUSPENDED"


def test_cancel_stops_between_events_and_keeps_what_was_delivered(services, db, card_provider):  # noqa: F811
    for kid in students(services, 5):
        services.cards.issue_physical(kid.id, today=OCT)
    sync = sync_for(services, Target(card_provider))
    done = []
    report = sync.run(progress=lambda d, n: done.append(d), cancel=lambda: len(done) >= 2, now=T0)
    assert (report.delivered, report.stopped, report.left) == (2, "cancelled", 3)
    assert sync.status().pending == 3
    assert sync.run(now=T0).delivered == 3


def test_unconfigured_link_is_a_clear_error_and_office_work_goes_on(services, db):
    [kid] = students(services, 1)
    services.cards.issue_physical(kid.id, today=OCT)
    with pytest.raises(ProviderSettingsError) as info:
        services.card_sync.run(now=T0)
    assert "address is not set" in str(info.value)
    status = services.card_sync.status()
    assert not status.configured and status.pending == 1 and status.last_error


def test_the_token_is_never_logged_nor_stored(services, db, card_provider, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    for kid in students(services, 2):
        services.cards.issue_physical(kid.id, today=OCT)
    wrong = Target(card_provider)
    wrong.token = "tok-wrong-" + "x" * 20
    sync = sync_for(services, wrong)
    sync.run(now=T0)
    card_provider.fail_next(Failure.ERROR_500)
    sync_for(services, Target(card_provider)).run(now=T0)
    assert card_provider.token not in caplog.text and wrong.token not in caplog.text
    with db.engine.connect() as connection:
        for table in ("card_provider_outbox", "card_provider_sync", "audit_entry"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                dumped = repr(tuple(row))
                assert card_provider.token not in dumped and wrong.token not in dumped


def test_link_settings_keep_the_token_in_the_keyring_only(services, db, monkeypatch):
    from desktop.integrations import secrets
    from desktop.settings import load_settings, settings_path

    stored = {}
    monkeypatch.setattr(secrets, "set_secret", lambda key, value: stored.__setitem__(key, value))
    monkeypatch.setattr(secrets, "get_secret", lambda key: stored.get(key))
    sync = services.card_sync
    with pytest.raises(ValidationError) as info:
        sync.configure_link("http://provider.example/", "tok-123")
    assert info.value.field == "card_provider_url" and "https://" in info.value.reason
    with pytest.raises(ValidationError) as info:
        sync.configure_link("https://provider.example/", "bad token")
    assert info.value.field == "card_provider_token" and stored == {}

    sync.configure_link("https://provider.example/", "tok-secret-123")
    assert load_settings().card_provider_url == "https://provider.example/"
    assert stored == {secrets.CARD_PROVIDER_TOKEN_KEY: "tok-secret-123"}
    assert sync.link_settings() == ("https://provider.example/", True)
    assert "tok-secret-123" not in settings_path().read_text()
    sync.configure_link("https://provider.example/v", None)  # keeps the saved token
    assert stored[secrets.CARD_PROVIDER_TOKEN_KEY] == "tok-secret-123"
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM audit_entry")).all()
    assert "tok-secret-123" not in repr(rows) and "token_changed" in repr(rows)
