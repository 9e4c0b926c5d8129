"""A real HTTP card provider on 127.0.0.1 for tests (contract: docs/card-provider-api.md).

ThreadingHTTPServer in a background thread, ephemeral port, HTTP/1.1 keep-alive. Entitlements
live in memory. It honours Idempotency-Key and counts how often each key was *applied*, so a
test can assert exactly-once; it counts TCP connections, so a test can assert keep-alive; and
it fails on purpose when told to:

    provider.fail_next(Failure.ERROR_500)                  # next request: 500
    provider.fail_next(Failure.RATE_LIMITED, retry_after=7)
    provider.fail_next(Failure.SLOW, delay=0.5)            # answers (and applies) late
    provider.fail_next(Failure.DROP, count=2)              # closes without answering

Use the `card_provider` fixture, or `with FakeCardProvider() as provider:`.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import re
import secrets
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from desktop.domain import clock

try:  # the benches (bench/bench_card_sync.py) use the fake provider without pytest
    import pytest
except ImportError:  # pragma: no cover - only outside the test suite
    pytest = None


class Failure(enum.StrEnum):
    ERROR_500 = "ERROR_500"
    UNAUTHORIZED = "UNAUTHORIZED"  # 401 even with the right token
    RATE_LIMITED = "RATE_LIMITED"  # 429 with Retry-After
    SLOW = "SLOW"  # sleeps `delay` s, then processes and answers normally
    DROP = "DROP"  # reads the request, closes the connection, never answers or applies


@dataclass(frozen=True)
class _Scripted:
    failure: Failure
    retry_after: str | None
    delay: float


@dataclass(frozen=True)
class _Stored:
    fingerprint: str
    status: int
    body: dict[str, Any]


_ROUTE = re.compile(r"^/v1/entitlements/([^/?]+)(?:/(close|suspend))?$")
_NOT_STORED = {401, 403, 409, 429}  # plus every 5xx: a retry runs afresh
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class _ProviderHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    provider: FakeCardProvider

    def handle_error(self, request, client_address):
        # A client that timed out or hung up is expected here; stay quiet about it.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: _ProviderHTTPServer

    def setup(self):
        super().setup()
        # Without this, a header write followed by a body write meets Nagle + delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.provider._opened(self.connection)

    def finish(self):
        self.server.provider._closed(self.connection)
        super().finish()

    def log_message(self, format, *args):  # keep test output clean
        pass

    def do_GET(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        provider = self.server.provider
        answer = provider._process(self.command, self.path, self.headers, body)
        if answer is None:  # Failure.DROP
            self.close_connection = True
            return
        status, payload, headers = answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _error(status: int, code: str, message: str, **headers: str):
    return status, {"code": code, "message": message}, headers


class FakeCardProvider:
    def __init__(self, token: str | None = None, host: str = "127.0.0.1"):
        self.token = token or "tok-" + secrets.token_urlsafe(24)
        self.entitlements: dict[str, dict[str, Any]] = {}
        self.applied: Counter[str] = Counter()  # Idempotency-Key → times the change was applied
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, key)
        self.connections = 0  # TCP connections accepted so far
        self._script: deque[_Scripted] = deque()
        self._store: dict[str, _Stored] = {}
        self._in_progress: set[str] = set()
        self._open: set[socket.socket] = set()
        self._busy = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._server = _ProviderHTTPServer((host, 0), _Handler)
        self._server.provider = self
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeCardProvider:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        with self._lock:
            for conn in list(self._open):  # wake handler threads parked on keep-alive reads
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeCardProvider:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls -------------------------------------------------------------------------

    def fail_next(
        self,
        failure: Failure,
        count: int = 1,
        *,
        retry_after: int | str | None = 1,
        delay: float = 0.5,
    ) -> None:
        """The next `count` requests fail this way (queued after any earlier script)."""
        ra = None if retry_after is None else str(retry_after)
        with self._lock:
            self._script.extend(_Scripted(Failure(failure), ra, delay) for _ in range(count))

    def confirm_suspension(self, student_ref: str) -> None:
        """The provider's manual step (R25): the entitlement becomes SUSPENDED."""
        with self._lock:
            ent = self.entitlements[student_ref]
            ent.update(status="SUSPENDED", suspension_requested=False, updated_at=_now())

    def activate_card(self, student_ref: str) -> None:
        """The student added the virtual card with Smart-ID (R26)."""
        with self._lock:
            self.entitlements[student_ref].update(card_activated=True, updated_at=_now())

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no request is being processed (e.g. a SLOW one the client gave up on)."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy == 0, timeout):
                raise TimeoutError("the fake provider is still busy")

    @property
    def total_applied(self) -> int:
        return sum(self.applied.values())

    # -- connection bookkeeping (called by the handler) ----------------------------------------

    def _opened(self, conn: socket.socket) -> None:
        with self._lock:
            self.connections += 1
            self._open.add(conn)

    def _closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._open.discard(conn)

    # -- the provider --------------------------------------------------------------------------

    def _process(self, method: str, path: str, headers, body: bytes):
        key = headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append((method, path, key))
            scripted = self._script.popleft() if self._script else None
            self._busy += 1
        try:
            return self._answer(method, path, headers, body, key, scripted)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _answer(self, method, path, headers, body, key, scripted: _Scripted | None):
        failure = scripted.failure if scripted else None
        if failure is Failure.DROP:
            return None
        if failure is Failure.ERROR_500:
            return _error(500, "internal_error", "scripted failure")
        if failure is Failure.UNAUTHORIZED:
            return _error(401, "unauthorized", "scripted failure", **_CHALLENGE)
        if failure is Failure.RATE_LIMITED:
            extra = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
            return _error(429, "rate_limited", "slow down", **extra)
        if headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "unauthorized", "missing or wrong token", **_CHALLENGE)
        delay = scripted.delay if failure is Failure.SLOW else 0.0

        route = _ROUTE.match(path)
        if not route:
            return _error(404, "not_found", "no such endpoint")
        ref, action = unquote(route.group(1)), route.group(2)
        if method == "GET":
            if action:
                return _error(405, "method_not_allowed", "use POST")
            time.sleep(delay)
            with self._lock:
                ent = self.entitlements.get(ref)
                if ent is None:
                    return _error(404, "entitlement_not_found", "no entitlement for this student")
                return 200, dict(ent), {}
        if (method, action) not in {("PUT", None), ("POST", "close"), ("POST", "suspend")}:
            return _error(405, "method_not_allowed", "see the API")
        if not key:
            return _error(400, "idempotency_key_required", "send an Idempotency-Key header")

        fingerprint = hashlib.sha256(f"{method} {path} ".encode() + body).hexdigest()
        with self._lock:
            if key in self._in_progress:
                return _error(409, "request_in_progress", "this key is still being processed")
            stored = self._store.get(key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    return _error(422, "idempotency_key_reused", "key used for another request")
                return stored.status, stored.body, {"Idempotent-Replayed": "true"}
            self._in_progress.add(key)
        try:
            time.sleep(delay)  # SLOW: the work happens, the answer comes too late
            try:
                data = json.loads(body or b"null")
            except ValueError:
                data = None
            with self._lock:
                status, payload, extra = self._apply(method, ref, action, data)
                if status < 500 and status not in _NOT_STORED:
                    self._store[key] = _Stored(fingerprint, status, payload)
                if status < 300:
                    self.applied[key] += 1
            return status, payload, extra
        finally:
            with self._lock:
                self._in_progress.discard(key)

    def _apply(self, method: str, ref: str, action: str | None, data: Any):
        """The business part; called with the lock held."""
        if not isinstance(data, dict):
            return _error(400, "invalid_json", "the body must be a JSON object")
        ent = self.entitlements.get(ref)
        if action is None:  # PUT
            problem = _check_upsert(data)
            if problem:
                return _error(422, *problem)
            created = ent is None or ent["status"] == "CLOSED"  # a closed one is replaced
            status = data["status"]
            if not created and ent["status"] == "SUSPENDED":
                status = "SUSPENDED"  # only the provider lifts a suspension (R25)
            new = {
                "student_ref": ref,
                "school": data["school"],
                "status": status,
                "valid_until": data["valid_until"],
                "suspension_requested": False if created else ent["suspension_requested"],
                "card_activated": False if created else ent["card_activated"],
                "updated_at": _now(),
            }
            self.entitlements[ref] = new
            return (201 if created else 200), dict(new), {}
        if ent is None:
            return _error(404, "entitlement_not_found", "no entitlement for this student")
        if action == "close":
            ent.update(status="CLOSED", suspension_requested=False, updated_at=_now())
            return 200, dict(ent), {}
        if ent["status"] == "CLOSED":
            return _error(409, "entitlement_closed", "a closed entitlement cannot be suspended")
        ent.update(suspension_requested=True, updated_at=_now())
        return 202, dict(ent), {}


def _check_upsert(data: dict[str, Any]) -> tuple[str, str] | None:
    code = data.get("personal_code")
    if not (isinstance(code, str) and len(code) == 11 and code.isdigit()):
        return "invalid_personal_code", "personal_code must be 11 digits"
    for name in ("first_name", "last_name", "school"):
        if not isinstance(data.get(name), str) or not data[name]:
            return f"invalid_{name}", f"{name} is required"
    try:
        date.fromisoformat(data.get("valid_until"))
    except (TypeError, ValueError):
        return "invalid_valid_until", "valid_until must be YYYY-MM-DD"
    if data.get("status") not in ("ACTIVE", "EXPIRED"):
        return "invalid_status", "status must be ACTIVE or EXPIRED"
    return None


def _now() -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _card_provider():
    """A running fake card provider; stopped after the test."""
    with FakeCardProvider() as provider:
        yield provider


card_provider = pytest.fixture(_card_provider, name="card_provider") if pytest else None
