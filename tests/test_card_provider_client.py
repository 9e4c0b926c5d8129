"""The card-provider client against a real HTTP server (tests/fake_card_provider.py)."""

from __future__ import annotations

import logging
import socket
import uuid
from datetime import UTC, date, datetime

import pytest

from desktop.domain.cards.events import (
    CloseReason,
    EntitlementStatus,
    SuspendReason,
    close_event,
    suspend_event,
    upsert_event,
)
from desktop.domain.cards.outbox import OutboxState, RetryPolicy
from desktop.integrations.card_provider import (
    CardProviderClient,
    ProviderAuthError,
    ProviderError,
    ProviderRejected,
    ProviderSettingsError,
    ProviderUnavailable,
    parse_retry_after,
)
from tests.fake_card_provider import Failure, FakeCardProvider, card_provider  # noqa: F401

CODE = "61205171232"
SHORT = 0.2  # read timeout for the tests that make the provider answer late
LATE = 0.5  # how late it answers then (margin for a busy CI machine)


def make_client(provider: FakeCardProvider, read_timeout: float = 2.0) -> CardProviderClient:
    return CardProviderClient(
        provider.base_url, provider.token, connect_timeout=0.5, read_timeout=read_timeout
    )


@pytest.fixture
def client(card_provider):  # noqa: F811
    with make_client(card_provider) as client:
        yield client


def upsert(ref="S-1", valid_until=date(2026, 8, 31), event_id=None):
    return upsert_event(
        event_id or uuid.uuid4(),
        ref,
        personal_code=CODE,
        first_name="Mari",
        last_name="Tamm",
        school="TK",
        valid_until=valid_until,
        status=EntitlementStatus.ACTIVE,
    )


def close(ref="S-1"):
    return close_event(uuid.uuid4(), ref, reason=CloseReason.LEFT, effective_on=date(2026, 1, 9))


# -- success and idempotency --------------------------------------------------------------------


def test_upsert_then_status(client, card_provider):  # noqa: F811
    event = upsert()
    ent = client.deliver(event)
    assert (ent.student_ref, ent.status, ent.valid_until) == ("S-1", "ACTIVE", date(2026, 8, 31))
    assert not ent.replayed
    assert client.get_status("S-1") == ent
    assert card_provider.applied == {event.idempotency_key: 1}
    assert card_provider.requests[0] == ("PUT", "/v1/entitlements/S-1", event.idempotency_key)


def test_extension_is_an_upsert_with_the_new_date(client, card_provider):  # noqa: F811
    client.deliver(upsert(valid_until=date(2025, 8, 31)))
    client.deliver(upsert(valid_until=date(2026, 8, 31)))  # R21: a new event, a new key
    assert client.get_status("S-1").valid_until == date(2026, 8, 31)
    assert card_provider.total_applied == 2


def test_replaying_an_event_applies_it_once(client, card_provider):  # noqa: F811
    event = upsert()
    first = client.deliver(event)
    again = client.deliver(event)
    third = client.deliver(event)
    assert again.replayed and third.replayed
    assert (again.status, again.valid_until) == (first.status, first.valid_until)
    assert card_provider.applied[event.idempotency_key] == 1


def test_replayed_close_does_not_close_a_reopened_entitlement(client, card_provider):  # noqa: F811
    """A late retry of an old close must not undo what came after (idempotency store)."""
    client.deliver(upsert())
    old_close = close()
    client.deliver(old_close)
    client.deliver(upsert())  # re-enrolled: a new entitlement
    assert client.deliver(old_close).replayed
    assert client.get_status("S-1").status == "ACTIVE"


def test_same_key_different_body_is_rejected(client):
    key = str(uuid.uuid4())
    client.upsert_entitlement("S-1", dict(upsert().payload), key)
    changed = dict(upsert().payload, valid_until="2027-08-31")
    with pytest.raises(ProviderRejected) as info:
        client.upsert_entitlement("S-1", changed, key)
    assert (info.value.status, info.value.code) == (422, "idempotency_key_reused")


def test_close_and_suspend(client, card_provider):  # noqa: F811
    client.deliver(upsert())
    asked = client.deliver(suspend_event(uuid.uuid4(), "S-1", reason=SuspendReason.LOST_PHONE))
    # R25: a request only; the card is SUSPENDED when the provider confirms.
    assert (asked.status, asked.suspension_requested) == ("ACTIVE", True)
    card_provider.confirm_suspension("S-1")
    assert client.get_status("S-1").status == "SUSPENDED"
    # An extension keeps the provider's suspension.
    assert client.deliver(upsert(valid_until=date(2027, 8, 31))).status == "SUSPENDED"
    assert client.deliver(close()).status == "CLOSED"


def test_unknown_student(client):
    assert client.get_status("S-404") is None
    assert client.deliver(close("S-404")) is None  # nothing to close: delivered (R24)
    with pytest.raises(ProviderRejected) as info:
        client.close_entitlement("S-404", {"reason": "LEFT"}, str(uuid.uuid4()))
    assert (info.value.status, info.value.code) == (404, "entitlement_not_found")


def test_wrong_base_path_is_not_mistaken_for_an_unknown_student(card_provider):  # noqa: F811
    client = CardProviderClient(card_provider.base_url + "/nope", card_provider.token)
    with client, pytest.raises(ProviderRejected) as info:
        client.get_status("S-1")
    assert (info.value.status, info.value.code) == (404, "not_found")


def test_invalid_payload_is_rejected_with_the_providers_code(client, card_provider):  # noqa: F811
    payload = dict(upsert().payload, personal_code="123")
    with pytest.raises(ProviderRejected) as info:
        client.upsert_entitlement("S-1", payload, str(uuid.uuid4()))
    exc = info.value
    assert (exc.status, exc.code, exc.retryable) == (422, "invalid_personal_code", False)
    assert "11 digits" in exc.message
    assert card_provider.total_applied == 0


def test_student_ref_is_quoted_in_the_path(client, card_provider):  # noqa: F811
    client.upsert_entitlement("a b/c", dict(upsert().payload), str(uuid.uuid4()))
    assert card_provider.requests[-1][1] == "/v1/entitlements/a%20b%2Fc"
    assert client.get_status("a b/c").student_ref == "a b/c"


# -- failures map to typed errors ---------------------------------------------------------------


def test_500_is_retryable_and_not_applied(client, card_provider):  # noqa: F811
    event = upsert()
    card_provider.fail_next(Failure.ERROR_500)
    with pytest.raises(ProviderUnavailable) as info:
        client.deliver(event)
    assert info.value.retryable
    assert card_provider.total_applied == 0
    assert client.deliver(event).status == "ACTIVE"  # the outbox's retry, same key
    assert card_provider.applied[event.idempotency_key] == 1


@pytest.mark.parametrize(("retry_after", "seconds"), [(7, 7.0), (None, None)])
def test_429_carries_retry_after(client, card_provider, retry_after, seconds):  # noqa: F811
    card_provider.fail_next(Failure.RATE_LIMITED, retry_after=retry_after)
    with pytest.raises(ProviderUnavailable) as info:
        client.deliver(upsert())
    assert info.value.retry_after == seconds
    assert "429" in str(info.value)


def test_401_needs_the_settings_fixed(client, card_provider):  # noqa: F811
    card_provider.fail_next(Failure.UNAUTHORIZED)
    with pytest.raises(ProviderAuthError) as info:
        client.deliver(upsert())
    assert not info.value.retryable
    assert info.value.status == 401


def test_wrong_token(card_provider):  # noqa: F811
    client = CardProviderClient(card_provider.base_url, "not-the-token")
    with client, pytest.raises(ProviderAuthError):
        client.get_status("S-1")


def test_timeout_then_retry_applies_once(card_provider):  # noqa: F811
    """The provider applied it but answered too late; the retry gets the first result."""
    event = upsert()
    card_provider.fail_next(Failure.SLOW, delay=LATE)
    with make_client(card_provider, read_timeout=SHORT) as client:
        with pytest.raises(ProviderUnavailable, match="did not answer in time"):
            client.deliver(event)
        # Still working on it: the same key is "in progress", which is retryable.
        with pytest.raises(ProviderUnavailable, match="request_in_progress"):
            client.deliver(event)
        card_provider.wait_idle()
        assert client.deliver(event).replayed
    assert card_provider.applied[event.idempotency_key] == 1


def test_dropped_connection(client, card_provider):  # noqa: F811
    event = upsert()
    card_provider.fail_next(Failure.DROP)
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        client.deliver(event)
    assert client.deliver(event).status == "ACTIVE"
    assert card_provider.applied[event.idempotency_key] == 1


def test_nobody_listening():
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = CardProviderClient(f"http://127.0.0.1:{port}", "tok", connect_timeout=0.5)
    with client, pytest.raises(ProviderUnavailable):
        client.get_status("S-1")


def test_all_errors_share_one_base():
    for cls in (ProviderUnavailable, ProviderAuthError, ProviderRejected, ProviderSettingsError):
        assert issubclass(cls, ProviderError)


def test_errors_drive_the_outbox_policy(client, card_provider):  # noqa: F811
    now = datetime(2025, 9, 1, tzinfo=UTC)
    card_provider.fail_next(Failure.RATE_LIMITED, retry_after=300)
    card_provider.fail_next(Failure.UNAUTHORIZED)
    decisions = []
    for _ in range(2):
        try:
            client.deliver(upsert())
        except ProviderError as exc:
            decisions.append(
                RetryPolicy().after_failure(
                    1, now, retryable=exc.retryable, retry_after=getattr(exc, "retry_after", None)
                )
            )
    assert [d.state for d in decisions] == [OutboxState.PENDING, OutboxState.NEEDS_ATTENTION]
    assert (decisions[0].next_attempt_at - now).total_seconds() == 300


# -- the token stays secret ---------------------------------------------------------------------


def test_token_never_in_repr_errors_or_logs(card_provider, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    token = card_provider.token
    seen: list[str] = []
    with make_client(card_provider, read_timeout=SHORT) as client:
        seen += [repr(client), str(vars(client)), repr(client._session.auth)]
        for failure in Failure:
            card_provider.fail_next(failure, delay=LATE)
            with pytest.raises(ProviderError) as info:
                client.deliver(upsert())
            seen += [str(info.value), repr(info.value), str(info.value.args)]
            card_provider.wait_idle()
        with pytest.raises(ProviderRejected) as info:
            client.upsert_entitlement("S-1", {"personal_code": token}, str(uuid.uuid4()))
        seen.append(str(info.value))
    wrong = CardProviderClient(card_provider.base_url, "wrong-" + token)
    with wrong, pytest.raises(ProviderAuthError) as info:
        wrong.get_status("S-1")
    seen.append(str(info.value))
    seen += [r.getMessage() for r in caplog.records]
    assert seen and not [text for text in seen if token in text]


@pytest.mark.parametrize("bad", ["", "tok en", "tok\nX-Evil: 1", "tökën"])
def test_bad_tokens_are_refused_without_echoing_them(bad):
    with pytest.raises(ProviderSettingsError) as info:
        CardProviderClient("https://provider.example", bad)
    assert not bad or bad not in str(info.value)


@pytest.mark.parametrize("url", ["http://provider.example", "ftp://127.0.0.1", "provider.example"])
def test_https_is_required_except_on_loopback(url):
    with pytest.raises(ProviderSettingsError, match="https"):
        CardProviderClient(url, "tok")


# -- keep-alive ---------------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(client, card_provider):  # noqa: F811
    for i in range(20):
        client.deliver(upsert(f"S-{i}"))
        client.get_status(f"S-{i}")
    assert len(card_provider.requests) == 40
    assert card_provider.connections == 1


def test_a_dropped_connection_is_replaced_once(client, card_provider):  # noqa: F811
    client.get_status("S-1")
    card_provider.fail_next(Failure.DROP)
    with pytest.raises(ProviderUnavailable):
        client.get_status("S-1")
    for _ in range(5):
        client.get_status("S-1")
    assert card_provider.connections == 2


def test_fixture_from_a_context_manager_too():
    with FakeCardProvider(token="t") as provider, CardProviderClient(provider.base_url, "t") as c:
        assert c.get_status("x") is None


# -- Retry-After parsing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Mon, 01 Sep 2025 06:02:00 GMT", 120.0),
        ("Mon, 01 Sep 2025 05:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header, seconds):
    now = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds


def test_proxy_settings_are_read_once_from_the_environment(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.school.example:3128")
    monkeypatch.setenv("NO_PROXY", "")
    with CardProviderClient("https://provider.example", "tok") as client:
        assert client._session.proxies["https"] == "http://proxy.school.example:3128"
        assert client._session.trust_env is False  # no per-request environment reads, no netrc
