"""What a PostgreSQL refusal means for the person at the keyboard (R119, R121).

A staff member deactivated while their app is open finds their session ended by the server
(`pg_terminate_backend`) and their login refused; a login whose roles do not cover a table gets
"permission denied". Both become typed errors with a translatable message instead of a driver
traceback.
"""

from __future__ import annotations

from desktop.domain.errors import AccessRevoked, SchoolOfficeError, ServerRefused
from desktop.i18n import N_  # shown translated by the UI

# SQLSTATE codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
_INSUFFICIENT_PRIVILEGE = "42501"
_ENDED = {"57P01"}  # admin shutdown: pg_terminate_backend (or a server shutting down)
_LOGIN_REFUSED = {"28000", "28P01"}  # invalid authorization (NOLOGIN), wrong password
_ENDED_WORDS = ("terminating connection due to administrator command",)
_REFUSED_WORDS = ("is not permitted to log in", "password authentication failed")

ACCESS_REVOKED = N_(
    "The database server ended your session or refused your login: your account may have "
    "been deactivated or its password changed. Nothing more was saved. Ask your School Office "
    "administrator."
)


def login_refused(login: str) -> AccessRevoked:
    return AccessRevoked(
        N_(
            "The database server refused the login {login}: the password is wrong, or the "
            "account is not active. Check the password in Settings, or ask your School Office "
            "administrator.",
            login=login,
        )
    )


def not_a_staff_login(login: str) -> AccessRevoked:
    """A login without CONNECT on a provisioned database: the shared login of before, say."""
    return AccessRevoked(
        N_(
            "This database now has a personal login for each staff member, and {login} is not "
            "one of them. Ask your School Office administrator for your own login and enter it "
            "in Settings.",
            login=login,
        )
    )


def is_connect_refused(exc: BaseException) -> bool:
    return "CONNECT privilege" in str(_driver_error(exc))


SERVER_REFUSED = N_(
    "The database server refused this: your account's roles do not allow it. Nothing was "
    "changed. Ask your School Office administrator if you need it."
)


def _driver_error(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def _sqlstate(exc: BaseException) -> str:
    return getattr(_driver_error(exc), "sqlstate", None) or ""


def is_login_refused(exc: BaseException) -> bool:
    text = str(_driver_error(exc))
    return _sqlstate(exc) in _LOGIN_REFUSED or any(w in text for w in _REFUSED_WORDS)


def server_error(exc: BaseException, login: str = "") -> SchoolOfficeError | None:
    """The typed error for a PostgreSQL refusal, or None when `exc` is something else."""
    state = _sqlstate(exc)
    text = str(_driver_error(exc))
    if state == _INSUFFICIENT_PRIVILEGE or text.startswith("permission denied"):
        return ServerRefused(login, SERVER_REFUSED)
    if state in _ENDED or any(w in text for w in _ENDED_WORDS) or is_login_refused(exc):
        return AccessRevoked(ACCESS_REVOKED)
    return None
