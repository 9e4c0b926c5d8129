"""A crash report a school can send: the versions, the error, the end of the log, secrets masked.

No Qt here: the crash dialog (desktop/ui/dialogs/crash.py) shows, copies and saves what this
builds, and passes in the Qt versions. The report is read by IT support and the developers, so
it is in English, like the traceback and the log it carries.
"""

from __future__ import annotations

import platform
import re
import sys
from collections import deque
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from desktop import APP_NAME, __version__
from desktop.domain import clock

LOG_LINES = 200
MASK = "***"


class Version(NamedTuple):
    name: str
    version: str


_database = ""  # "PostgreSQL 16.4" once the app has opened its database


def remember_database(kind: str, server_version: Sequence[int] | None) -> None:
    """The database the app opened (SQLAlchemy's dialect name and server version), for the
    report: a crash often depends on the server."""
    global _database
    names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    number = ".".join(str(part) for part in server_version or ())
    _database = f"{names.get(kind, kind)} {number}".strip()


def _library(module: str, distribution: str, attribute: str = "__version__") -> str:
    """A library's version without importing it: reportlab may not be loaded yet."""
    if (loaded := sys.modules.get(module)) is not None and hasattr(loaded, attribute):
        return str(getattr(loaded, attribute))
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def versions(extra: Iterable[Version] = ()) -> list[Version]:
    """The app, Python, `extra` (the dialog adds Qt's), the libraries, the database, the OS."""
    return [
        Version(APP_NAME, __version__),
        Version("Python", platform.python_version()),
        *extra,
        Version("SQLAlchemy", _library("sqlalchemy", "SQLAlchemy")),
        Version("psycopg", _library("psycopg", "psycopg")),
        Version("reportlab", _library("reportlab", "reportlab", "Version")),
        Version("Database", _database or "not opened yet"),
        Version("OS", platform.platform()),
    ]


# ---- masking ----------------------------------------------------------------------------

# postgresql://user:secret@server/db: the password between the user and the host.
_URL_PASSWORD = re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(?=@)", re.I)
# password=…, PGPASSWORD=…, "api_key": "…", X-Api-Key: …, token: …, client_secret=…
_KEY_VALUE = re.compile(
    r"(?P<keep>\b[\w.-]*(?:passw(?:or)?d|pwd|secret|token|api[_-]?key)[\w.-]*"
    r"[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;)]+",
    re.I,
)
_AUTHORIZATION = re.compile(r"(?P<keep>\b(?:bearer|basic)\s+)[\w.~+/=-]{8,}", re.I)
# A guardian's address keeps only its domain; the local part of a URL (user@host) is no e-mail.
_EMAIL = re.compile(r"(?<![/\w.%+-])[\w.%+-]+@(?P<domain>[\w-]+(?:\.[\w-]+)+)")
# Estonian isikukood (11 digits) and Slovenian EMŠO (13 digits): personal data, not needed.
_PERSONAL_CODE = re.compile(r"(?<![\w.:-])\d{11}(?:\d{2})?(?![\w.:-])")


def mask_secrets(text: str) -> str:
    """The text with passwords, keys, tokens, e-mail addresses and personal codes hidden."""
    text = _URL_PASSWORD.sub(rf"\g<keep>{MASK}", text)
    text = _KEY_VALUE.sub(rf"\g<keep>{MASK}", text)
    text = _AUTHORIZATION.sub(rf"\g<keep>{MASK}", text)
    text = _EMAIL.sub(rf"{MASK}@\g<domain>", text)
    return _PERSONAL_CODE.sub(MASK, text)


# ---- the report -------------------------------------------------------------------------


def log_tail(log_file: Path | None, lines: int = LOG_LINES) -> list[str]:
    """The last `lines` lines of the log ([] when there is none)."""
    if log_file is None:
        return []
    try:
        with log_file.open(encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n") for line in deque(f, maxlen=lines)]
    except OSError:
        return []


def build_report(error: str, log_file: Path | None, extra_versions: Iterable[Version] = ()) -> str:
    """The whole report as plain text, every part masked (mask_secrets)."""
    header = f"{APP_NAME} crash report"
    tail = log_tail(log_file)
    parts = [
        header,
        "=" * len(header),
        f"Time: {clock.now():%Y-%m-%d %H:%M:%S %Z}",
        *(f"{name}: {version}" for name, version in versions(extra_versions)),
        "",
        "Error",
        "-----",
        error.rstrip("\n"),
        "",
        f"Log: the last {len(tail)} lines of {log_file}" if log_file else "Log: none",
        "-" * 40,
        *tail,
    ]
    return mask_secrets("\n".join(parts)) + "\n"
