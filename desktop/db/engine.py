"""Engines for the two supported databases: an embedded SQLite file, or a shared PostgreSQL.

SQLite: WAL (readers never block the writer), foreign keys on, a busy timeout, and write
transactions that start with BEGIN IMMEDIATE so two office PCs queue for the write lock
instead of failing half way through a save.
PostgreSQL: psycopg 3; the password comes from the OS keyring when the URL has none.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from desktop.domain.errors import DatabaseError
from desktop.i18n import N_  # shown translated by the app's start-up message

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "school_office_write"  # execution option marking write transactions


def normalise_url(raw: str) -> URL:
    """Accept what IT staff type: postgres://, postgresql://, sqlite:///path."""
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise DatabaseError(
            f"'{raw}' is not a database address. Use sqlite:///C:/path/file.sqlite3 "
            "or postgresql://user@server/database"
        ) from None
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite+pysqlite":
        url = url.set(drivername="sqlite")
    if url.drivername not in ("sqlite", "postgresql+psycopg"):
        raise DatabaseError(
            f"database type '{url.drivername}' is not supported: use SQLite or PostgreSQL"
        )
    return url


def safe_url(url: URL | str) -> str:
    """The URL as it may appear in a message or a log: never with the password."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except (ArgumentError, ValueError):
            return "<unparseable database address>"
    return url.render_as_string(hide_password=True)


def with_keyring_password(url: URL) -> URL:
    if url.drivername == "sqlite" or url.password:
        return url
    from desktop.integrations.secrets import database_secret_key, get_secret

    secret = get_secret(
        database_secret_key(url.username or "", url.host or "", url.port, url.database or "")
    )
    return url.set(password=secret) if secret else url


# JSON columns (audit entries, provider payloads): compact, UTF-8 as it is, and without the
# circular-reference bookkeeping (the values are plain dicts built by the app). A third faster
# than json.dumps' defaults: 1 September writes some 15,000 audit entries.
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def create_app_engine(raw_url: str, *, echo: bool = False) -> Engine:
    url = with_keyring_password(normalise_url(raw_url))
    if url.drivername == "sqlite":
        return _sqlite_engine(url, echo)
    return create_engine(
        url,
        echo=echo,
        json_serializer=_to_json,
        pool_pre_ping=True,  # survive a server restart between clicks
        pool_size=2,
        max_overflow=2,
        connect_args={"connect_timeout": 5, "application_name": "school-office"},
    )


def _sqlite_engine(url: URL, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        json_serializer=_to_json,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # We issue BEGIN ourselves (below); pysqlite's implicit transactions would defer
        # the write lock to the first UPDATE and turn contention into "database is locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; commits stay fast
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


# What SQLite says of a file that is damaged or not a database at all.
_DAMAGED_SQLITE = ("file is not a database", "database disk image is malformed")


def is_damaged_sqlite(exc: BaseException) -> bool:
    original = getattr(exc, "orig", None) or exc
    return any(words in str(original) for words in _DAMAGED_SQLITE)


def damaged_database_message(url: URL | str) -> str:
    """A damaged embedded database, in plain words, with the way out."""
    path = make_url(url).database if isinstance(url, str) else url.database
    return N_(
        "The database file {path} is damaged and cannot be used. Nothing was changed. Restore "
        "the latest backup with: school-office db restore BACKUP-FILE",
        path=str(path or url),
    )


def describe_connection_error(url: URL | str, exc: BaseException) -> str:
    """One line a secretary or IT person can act on, never a traceback or a password."""
    if is_damaged_sqlite(exc):
        return damaged_database_message(url)
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return f"Cannot open the database {safe_url(url)}: {first_line}"


def check_sqlite_file(url: URL | str) -> None:
    """An existing empty (0-byte) file is a damaged database, not a new one: SQLite would
    quietly make it a new empty database and the school's data would seem gone. A missing
    file is fine: the first start creates it."""
    parsed = normalise_url(url) if isinstance(url, str) else url
    if parsed.drivername != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError:
        return  # SQLite itself will say what is wrong with the path
    if empty:
        raise DatabaseError(
            N_(
                "The database file {path} is empty (0 bytes): it was damaged, perhaps by a "
                "full disk or an interrupted copy. Nothing was changed. Restore the latest "
                "backup with: school-office db restore BACKUP-FILE, or delete the empty file "
                "to start with a new database",
                path=str(path),
            )
        )
