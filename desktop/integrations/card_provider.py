"""HTTP client for the virtual-card provider (contract: docs/card-provider-api.md).

One `requests.Session` per client, so calls reuse a kept-alive connection. One attempt per
call: retries belong to the outbox (desktop.domain.cards.outbox.RetryPolicy), which resends
the same event with the same Idempotency-Key. The bearer token comes from the OS keyring and never
appears in a log, a repr or an error message.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from desktop import APP_ID, __version__
from desktop.domain import clock
from desktop.domain.cards.events import ProviderEvent, ProviderEventKind
from desktop.domain.errors import SchoolOfficeError
from desktop.i18n import N_  # settings errors are shown translated by the UI

log = logging.getLogger(__name__)

API_PREFIX = "/v1"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 15.0
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ProviderError(SchoolOfficeError):
    """Any failure talking to the card provider. `retryable` tells the outbox what to do."""

    retryable = False


class ProviderSettingsError(ProviderError, ValueError):
    """The address or token in the settings cannot work; raised before anything is sent."""


class ProviderUnavailable(ProviderError):
    """Not reached, timed out, 5xx, 429 or a garbled answer: try again later."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class ProviderAuthError(ProviderError):
    """401/403: the token is wrong or not allowed; nothing works until the settings change."""

    def __init__(self, message: str, status: int):
        self.status = status
        super().__init__(message)


class ProviderRejected(ProviderError):
    """The provider refused this request (4xx); sending it again will not help."""

    def __init__(self, status: int, code: str, message: str):
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"the card provider refused the request ({status} {code}): {message}")

    @property
    def not_found(self) -> bool:
        """The provider has no entitlement for this student (not a wrong address)."""
        return self.status == 404 and self.code == "entitlement_not_found"


@dataclass(frozen=True)
class Entitlement:
    """The provider's view of one student's entitlement."""

    student_ref: str
    status: str  # ACTIVE | EXPIRED | SUSPENDED | CLOSED; kept as text so a new value cannot crash
    valid_until: date | None
    suspension_requested: bool
    card_activated: bool
    replayed: bool = False  # the provider answered from its idempotency store

    @classmethod
    def from_json(cls, body: dict[str, Any], replayed: bool = False) -> Entitlement:
        raw = body.get("valid_until")
        return cls(
            student_ref=str(body["student_ref"]),
            status=str(body["status"]),
            valid_until=date.fromisoformat(raw) if raw else None,
            suspension_requested=bool(body.get("suspension_requested", False)),
            card_activated=bool(body.get("card_activated", False)),
            replayed=replayed,
        )


class _Secret:
    """Holds the token so that no repr, vars() dump or traceback's locals can show it."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__


class _BearerAuth(requests.auth.AuthBase):
    """Sets the header on each request; repr hides the token."""

    def __init__(self, token: _Secret):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token.value}"
        return request

    def __repr__(self) -> str:
        return "<BearerAuth ***>"


_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3).

    An HTTP date is measured from `now`, best the response's own Date header (server_now), so
    neither our clock nor a skewed PC clock can turn it into a wrong wait."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def server_now(headers: Mapping[str, str]) -> datetime:
    """The instant the server answered (its Date header), else this app's clock."""
    try:
        when = parsedate_to_datetime(headers.get("Date", ""))
    except (TypeError, ValueError):
        return clock.now()
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def check_base_url(base_url: str) -> None:
    """HTTPS only; plain HTTP only to this computer (tests)."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise ProviderSettingsError(N_("the card provider's address must start with https://"))


def check_token(token: str) -> None:
    if not token:
        raise ProviderSettingsError(N_("the card provider token is empty"))
    if not (token.isascii() and token.isprintable()) or " " in token:
        # Checked here because requests would quote a bad header value in its error text.
        raise ProviderSettingsError(N_("the card provider token has characters no token has"))


class CardProviderClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ):
        check_base_url(base_url)
        check_token(token)
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._token = _Secret(token)
        self._session = requests.Session()
        self._session.auth = _BearerAuth(self._token)
        # Read proxy and CA settings once, not per request: requests re-reads the environment
        # (and on Windows the registry) on every call, a quarter of its time here. Also no netrc.
        self._session.trust_env = False
        self._session.proxies = requests.utils.get_environ_proxies(self.base_url)
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if ca_bundle:
            self._session.verify = ca_bundle
        self._session.headers.update(
            {"Accept": "application/json", "User-Agent": f"{APP_ID}/{__version__}"}
        )
        # One connection is all a sequential outbox needs; no hidden retries (the outbox retries).
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"CardProviderClient(base_url={self.base_url!r}, token=***)"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> CardProviderClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- calls -------------------------------------------------------------------------------

    def upsert_entitlement(
        self, student_ref: str, payload: dict[str, Any], idempotency_key: str
    ) -> Entitlement:
        return self._entitlement("PUT", self._path(student_ref), payload, idempotency_key)

    def close_entitlement(
        self, student_ref: str, payload: dict[str, Any], idempotency_key: str
    ) -> Entitlement:
        return self._entitlement("POST", self._path(student_ref, "close"), payload, idempotency_key)

    def suspend_entitlement(
        self, student_ref: str, payload: dict[str, Any], idempotency_key: str
    ) -> Entitlement:
        """R25: a request; the card is SUSPENDED only when get_status says so."""
        path = self._path(student_ref, "suspend")
        return self._entitlement("POST", path, payload, idempotency_key)

    def get_status(self, student_ref: str) -> Entitlement | None:
        """The provider's entitlement, or None if it has none for this student."""
        try:
            return self._entitlement("GET", self._path(student_ref), None, None)
        except ProviderRejected as exc:
            if exc.not_found:
                return None
            raise

    def deliver(self, event: ProviderEvent) -> Entitlement | None:
        """Send one outbox event with its idempotency key. Raises a ProviderError on failure.

        Closing an entitlement the provider never had returns None: the goal (no valid virtual
        card, R24) already holds, so the event counts as delivered.
        """
        payload, key = dict(event.payload), event.idempotency_key
        match event.kind:
            case ProviderEventKind.UPSERT_ENTITLEMENT:
                return self.upsert_entitlement(event.student_ref, payload, key)
            case ProviderEventKind.SUSPEND_ENTITLEMENT:
                return self.suspend_entitlement(event.student_ref, payload, key)
            case ProviderEventKind.CLOSE_ENTITLEMENT:
                try:
                    return self.close_entitlement(event.student_ref, payload, key)
                except ProviderRejected as exc:
                    if exc.not_found:
                        return None
                    raise
        raise ValueError(f"unknown provider event kind {event.kind!r}")

    # -- plumbing ----------------------------------------------------------------------------

    def _path(self, student_ref: str, action: str | None = None) -> str:
        path = f"{API_PREFIX}/entitlements/{quote(student_ref, safe='')}"
        return f"{path}/{action}" if action else path

    def _scrub(self, text: str) -> str:
        """Belt and braces: no message we build may carry the token, whatever went wrong."""
        return text.replace(self._token.value, "***")

    def _entitlement(
        self, method: str, path: str, payload: dict[str, Any] | None, key: str | None
    ) -> Entitlement:
        response = self._send(method, path, payload, key)
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        try:
            return Entitlement.from_json(response.json(), replayed)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ProviderUnavailable(
                f"the card provider sent an unreadable answer to {method} {path}"
            ) from None

    def _send(
        self, method: str, path: str, payload: dict[str, Any] | None, key: str | None
    ) -> requests.Response:
        headers = {"Idempotency-Key": key} if key else {}
        what = f"{method} {path}"
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                json=payload,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
            response.content  # noqa: B018 - read it all so the connection goes back to the pool
        except requests.Timeout:
            raise ProviderUnavailable(
                f"the card provider did not answer in time ({what})"
            ) from None
        except requests.RequestException as exc:
            # Only the exception's class: its text can be long and is not for secretaries.
            cause = type(exc).__name__
            raise ProviderUnavailable(
                self._scrub(f"the card provider could not be reached ({what}: {cause})")
            ) from None
        status = response.status_code
        log.debug("card provider %s -> %s", what, status)
        if 200 <= status < 300:
            return response
        code, message = self._error_body(response)
        # A provider may echo what it was sent: neither the code nor the message may carry the
        # token into the outbox's last_error or the log. A code is an identifier, nothing more.
        echoed = len(self._token.value) >= 8 and self._token.value in code  # not a chance hit
        code = code if _ERROR_CODE.fullmatch(code) and not echoed else "unknown"
        message = self._scrub(message)
        retry_after = parse_retry_after(
            response.headers.get("Retry-After"), server_now(response.headers)
        )
        if status == 429 or status >= 500 or (status == 409 and code == "request_in_progress"):
            raise ProviderUnavailable(
                self._scrub(f"the card provider is busy or failing ({what}: {status} {code})"),
                retry_after,
            )
        if status in (401, 403):
            raise ProviderAuthError(
                f"the card provider refused our token ({status}); "
                "check the provider settings (token, school)",
                status,
            )
        if 300 <= status < 400:
            raise ProviderRejected(status, "unexpected_redirect", f"{what} was redirected")
        raise ProviderRejected(status, code, self._scrub(message))

    @staticmethod
    def _error_body(response: requests.Response) -> tuple[str, str]:
        try:
            body = response.json()
            return str(body.get("code") or "unknown"), str(body.get("message") or "")
        except (ValueError, AttributeError):
            return "unknown", (response.reason or "")[:200]
