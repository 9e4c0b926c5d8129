"""Backing up and restoring the embedded SQLite database (`school-office db backup|restore`).

Both use SQLite's online backup API, which copies a consistent snapshot page by page under
SQLite's own locks: a backup may run while the app is open, and the copy is one self-contained
file (no -wal beside it). A restore refuses a file that is not a School Office database, is
damaged, or was written by a newer School Office (its schema would be unknown here); it also
refuses while another program has the database open, and it keeps the database it replaces as
`<name>.before-restore-<time>.sqlite3` next to it. A shared PostgreSQL database is backed up
with the server's own tools (pg_dump / pg_restore, see the README).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect

from desktop.db.engine import normalise_url, safe_url
from desktop.db.schema import check_not_newer, database_revisions
from desktop.domain import clock
from desktop.domain.errors import SchoolOfficeError

VERSION_TABLE = "alembic_version"


class BackupError(SchoolOfficeError):
    """The backup or restore was refused or failed; nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revisions: tuple[str, ...]


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    kept: Path | None  # the database that was replaced, or None if there was none
    revisions: tuple[str, ...]  # the restored schema (the app upgrades it on its next start)


def sqlite_path(url: str) -> Path:
    """The file of an embedded database; a PostgreSQL address gets the pg_dump hint."""
    parsed = normalise_url(url)
    if parsed.drivername != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise BackupError(
            f"{safe_url(parsed)} is not an embedded SQLite database. Back up PostgreSQL on the "
            "server: pg_dump --format=custom --file=school.dump DATABASE, and restore with "
            "pg_restore --clean --if-exists --dbname=DATABASE school.dump"
        )
    return Path(parsed.database).resolve()


def backup(url: str, target: Path, *, overwrite: bool = False) -> BackupResult:
    source = sqlite_path(url)
    target = target.resolve()
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target == source:
        raise BackupError("the backup cannot replace the database itself")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists already (add --overwrite to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            contextlib.closing(_connect_read_only(source)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _check_intact(dst, "the copy")
        revisions = _revisions(partial)
        partial.replace(target)  # a half-written backup never carries the final name
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, revisions)


def restore(url: str, source: Path) -> RestoreResult:
    database = sqlite_path(url)
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    if source == database:
        raise BackupError("the backup is the database itself")
    try:
        with contextlib.closing(_connect_read_only(source)) as src:
            _check_intact(src, str(source))
        revisions = _revisions(source)  # refuses a newer schema or a foreign database
        if _is_damaged(database):
            return _restore_over_damaged(database, source, revisions)
        kept = None
        database.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(database, timeout=0)) as dst:
            if database.stat().st_size:
                _require_exclusive(dst, database)
                kept = database.with_name(
                    f"{database.stem}.before-restore-{clock.now().astimezone():%Y%m%d-%H%M%S}.sqlite3"
                )
                with contextlib.closing(sqlite3.connect(kept)) as copy:
                    dst.backup(copy)
                    copy.execute("PRAGMA journal_mode=DELETE")
            with contextlib.closing(_connect_read_only(source)) as src:
                src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # as the app runs it
            _check_intact(dst, str(database))
    except sqlite3.Error as exc:
        raise BackupError(f"restore into {database} failed: {exc}") from None
    return RestoreResult(database, kept, revisions)


def _is_damaged(database: Path) -> bool:
    """A database file SQLite cannot read (empty files count as new, not damaged)."""
    try:
        if not database.is_file() or database.stat().st_size == 0:
            return False
        with contextlib.closing(_connect_read_only(database)) as connection:
            _check_intact(connection, str(database))
    except BackupError:
        return True
    except sqlite3.Error:
        return False  # busy, locked...: the ordinary path says so
    return False


def _restore_over_damaged(database: Path, source: Path, revisions) -> RestoreResult:
    """The replaced database cannot be copied page by page: keep its bytes as they are, then
    move the restored copy into place (so a failure half way leaves the damaged file alone)."""
    stamp = f"{clock.now().astimezone():%Y%m%d-%H%M%S}"
    kept = database.with_name(f"{database.stem}.damaged-{stamp}.sqlite3")
    shutil.copy2(database, kept)
    partial = database.with_name(f".{database.name}.restoring")
    partial.unlink(missing_ok=True)
    try:
        with (
            contextlib.closing(_connect_read_only(source)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            _check_intact(dst, str(partial))
        for suffix in ("-wal", "-shm"):  # they belong to the damaged file, not to the copy
            side = database.with_name(database.name + suffix)
            if side.exists():
                side.replace(kept.with_name(kept.name + suffix))
        partial.replace(database)
    finally:
        partial.unlink(missing_ok=True)
    return RestoreResult(database, kept, revisions)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def _check_intact(connection: sqlite3.Connection, what: str) -> None:
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise BackupError(f"{what} is not a SQLite database ({exc})") from None
    if result != "ok":
        raise BackupError(f"{what} is damaged: {result}")


def _require_exclusive(connection: sqlite3.Connection, database: Path) -> None:
    """Leaving WAL mode needs every other connection gone: the app must be closed."""
    try:
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "busy"
    if mode != "delete":
        raise BackupError(
            f"{database} is in use: close School Office (on every PC that uses it) and try again"
        )


def _revisions(path: Path) -> tuple[str, ...]:
    """The schema revisions stored in a School Office database; BackupError for a database of
    a newer School Office (SchemaTooNew's message) or for a database that is not ours."""
    engine = create_engine("sqlite://", creator=lambda: _connect_read_only(path))
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                raise BackupError(f"{path} is not a School Office database")
            revisions = database_revisions(connection)
            if not revisions:
                raise BackupError(f"{path} is not a School Office database (no schema version)")
            try:
                check_not_newer(connection)
            except SchoolOfficeError as exc:
                raise BackupError(f"{path}: {exc}") from None
            return tuple(sorted(revisions))
    finally:
        engine.dispose()
