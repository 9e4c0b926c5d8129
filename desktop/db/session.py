"""Sessions, transactions and the two things every write gets for free: stamps and the audit log.

`Database.write(actor)` opens one transaction per use case. Every Versioned row it touches is
stamped with who and when, and every Audited row's insert, update or delete is written to the
audit log, with the values before and after, in the same transaction.
"""

from __future__ import annotations

import base64
import decimal
import enum
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.exc import DatabaseError as DriverDatabaseError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from desktop.db.base import Audited, Versioned
from desktop.db.changes import (
    ChangeCollector,
    ChangeFeed,
    CounterWatch,
    OwnCounters,
    current_collector,
)
from desktop.db.engine import (
    WRITE_OPTION,
    create_app_engine,
    damaged_database_message,
    describe_connection_error,
    is_damaged_sqlite,
)
from desktop.db.insert_many import insert_many
from desktop.db.limits import check_objects
from desktop.db.models import AuditEntry
from desktop.db.server_errors import (
    is_connect_refused,
    is_login_refused,
    login_refused,
    not_a_staff_login,
    server_error,
)
from desktop.domain import clock
from desktop.domain.errors import DatabaseError

ACTOR_KEY = "actor_login"
CHANGES_KEY = "changes"  # the transaction's ChangeCollector (desktop.db.changes)

_BUMP_COUNTER = text(
    "INSERT INTO change_counter (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = change_counter.value + 1"
)
_READ_COUNTER = text("SELECT value FROM change_counter WHERE id = 1")


class Database:
    """One database (SQLite file or PostgreSQL server) and its sessions."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.engine = engine or create_app_engine(url)
        self._writer = self.engine.execution_options(**{WRITE_OPTION: True})
        self._sessions = sessionmaker(class_=Session, expire_on_commit=False)
        # After each commit that changed anything: one Change, to whoever subscribed (views).
        self.changes = ChangeFeed()
        self.own_counters = OwnCounters()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions(bind=self.engine)
        try:
            yield session
        except OperationalError as exc:
            self._raise_server_error(exc)
            raise DatabaseError(describe_connection_error(self.engine.url, exc)) from exc
        except DriverDatabaseError as exc:  # a damaged file shows only when a page is read
            self._raise_server_error(exc)
            if not is_damaged_sqlite(exc):
                raise
            raise DatabaseError(damaged_database_message(self.engine.url)) from exc
        finally:
            session.close()

    @contextmanager
    def write(self, actor_login: str) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any exception."""
        if not actor_login:
            raise ValueError("every write needs the acting staff member")
        collector = ChangeCollector()
        session = self._sessions(
            bind=self._writer, info={ACTOR_KEY: actor_login, CHANGES_KEY: collector}
        )
        token = current_collector.set(collector)
        counter: int | None = None
        try:
            try:
                yield session
                session.flush()
                if collector:  # other PCs poll the counter; it moves with the data
                    session.execute(_BUMP_COUNTER)
                    counter = session.scalar(_READ_COUNTER)
                    self.own_counters.add(counter)
                session.commit()
            except BaseException:
                session.rollback()
                if counter is not None:
                    self.own_counters.discard(counter)
                raise
        except OperationalError as exc:
            self._raise_server_error(exc, actor_login)
            raise DatabaseError(describe_connection_error(self.engine.url, exc)) from exc
        except DriverDatabaseError as exc:  # a damaged file shows only when a page is read
            self._raise_server_error(exc, actor_login)
            if not is_damaged_sqlite(exc):
                raise
            raise DatabaseError(damaged_database_message(self.engine.url)) from exc
        finally:
            current_collector.reset(token)
            session.close()
        if collector:
            self.changes.publish(collector.change())

    def change_counter(self) -> int:
        """The shared change counter: it moves whenever anyone commits a change."""
        try:
            with self.engine.connect() as connection:
                return connection.scalar(_READ_COUNTER) or 0
        except OperationalError as exc:
            self._raise_server_error(exc)
            raise DatabaseError(describe_connection_error(self.engine.url, exc)) from exc

    def counter_watch(self) -> CounterWatch:
        """A poller of the change counter that tells others' changes from this process's."""
        return CounterWatch(self.change_counter, self.own_counters)

    def check_connection(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except (DBAPIError, ValueError, OSError) as exc:  # bad path, refused, auth, DNS...
            if self.dialect == "postgresql" and is_login_refused(exc):
                raise login_refused(self.engine.url.username or "") from exc
            if self.dialect == "postgresql" and is_connect_refused(exc):
                raise not_a_staff_login(self.engine.url.username or "") from exc
            raise DatabaseError(describe_connection_error(self.engine.url, exc)) from exc

    def use_password(self, password: str) -> None:
        """The staff member changed their database password: new connections use it."""
        url = self.engine.url.set(password=password)
        self.engine.dispose()
        self.engine = create_app_engine(url.render_as_string(hide_password=False))
        self._writer = self.engine.execution_options(**{WRITE_OPTION: True})

    def _raise_server_error(self, exc: BaseException, login: str = "") -> None:
        """A PostgreSQL refusal (a deactivated login, a table this login's roles do not
        cover) as a typed error with a message the secretary can act on (R119, R121)."""
        if self.dialect != "postgresql":
            return
        mapped = server_error(exc, login)
        if mapped is not None:
            if isinstance(exc, OperationalError):
                self.engine.dispose()  # the pool's connections died with the session
            raise mapped from exc

    def dispose(self) -> None:
        self.engine.dispose()


def actor_of(session: Session) -> str:
    """The staff member on whose behalf this write session acts."""
    actor = session.info.get(ACTOR_KEY)
    if not actor:
        raise RuntimeError("a write outside Database.write(): no acting staff member is known")
    return actor


@event.listens_for(Session, "before_flush")
def _check_text_limits(session: Session, _context, _instances) -> None:
    """Both databases refuse the same texts, as a ValidationError (desktop/db/limits.py)."""
    if session.new or session.dirty:
        check_objects(session.new, session.dirty)


@event.listens_for(Session, "before_flush")
def _stamp_versioned(session: Session, _context, _instances) -> None:
    if not (session.new or session.dirty):
        return
    actor = actor_of(session)
    now = clock.now()
    for obj in session.new:
        if isinstance(obj, Versioned):
            obj.created_by = obj.updated_by = actor
            obj.created_at = obj.updated_at = now
    for obj in session.dirty:
        if isinstance(obj, Versioned) and session.is_modified(obj, include_collections=False):
            obj.updated_by = actor
            obj.updated_at = now


def _as_is(value: Any) -> Any:
    return value


def _enum_value(value: enum.Enum) -> Any:
    return value._value_  # the stored attribute: `.value` is a slow descriptor


def _iso(value: date | datetime) -> str:
    return value.isoformat()


def _bytes_summary(value: bytes) -> dict[str, Any]:
    return {"bytes": len(value), "b64_head": base64.b64encode(value[:12]).decode()}


_JSON_CONVERTERS: dict[type, Any] = {
    kind: _as_is for kind in (str, int, float, bool, type(None))
}  # the types seen so far, so that a batch of 15,000 audit rows asks once per type


def _converter(kind: type) -> Any:
    if issubclass(kind, enum.Enum):
        return _enum_value
    if issubclass(kind, date):  # datetime too
        return _iso
    if issubclass(kind, decimal.Decimal):
        return str
    if issubclass(kind, bytes):
        return _bytes_summary
    return _as_is


def jsonable(value: Any) -> Any:
    """An audit value as JSON can hold it: enums by value, dates ISO, money as text."""
    kind = type(value)
    convert = _JSON_CONVERTERS.get(kind)
    if convert is None:
        convert = _JSON_CONVERTERS[kind] = _converter(kind)
    return convert(value)


def _columns(obj: Audited) -> list[str]:
    excluded = obj.__audit_exclude__
    return [a.key for a in inspect(obj).mapper.column_attrs if a.key not in excluded]


def _snapshot(obj: Audited) -> dict[str, Any]:
    loaded = inspect(obj).dict  # never triggers a load inside the flush
    return {key: jsonable(loaded[key]) for key in _columns(obj) if key in loaded}


def _entity_id(obj: Audited) -> str:
    # The primary key from the instance: a row inserted in this flush has no identity key yet.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join("" if part is None else str(part) for part in key)


@event.listens_for(Session, "before_flush")
def _flush_starts(session: Session, _context, _instances) -> None:
    if (collector := session.info.get(CHANGES_KEY)) is not None:
        collector.flushing = True


@event.listens_for(Session, "after_flush_postexec")
def _flush_ends(session: Session, _context) -> None:
    if (collector := session.info.get(CHANGES_KEY)) is not None:
        collector.flushing = False


@event.listens_for(Session, "after_flush")
def _collect_changes(session: Session, _context) -> None:
    """Every row this flush wrote, for the change notification after the commit."""
    collector: ChangeCollector | None = session.info.get(CHANGES_KEY)
    if collector is None:
        return
    for objects in (session.new, session.dirty, session.deleted):
        for obj in objects:
            student_id = (
                obj.audit_student_id()
                if isinstance(obj, Audited)
                else getattr(obj, "student_id", None)
            )
            collector.row(obj.__tablename__, _entity_id(obj), student_id)


@event.listens_for(Engine, "after_execute")
def _collect_statement(connection, statement, _multiparams, _params, _options, result) -> None:
    """Core INSERT/UPDATE/DELETE (bulk inserts, daily jobs, the outbox) in a write transaction."""
    collector = current_collector.get()
    if collector is None or not getattr(statement, "is_dml", False):
        return
    if getattr(result, "rowcount", -1) == 0:
        return  # an UPDATE or DELETE that matched nothing changed nothing
    name = getattr(getattr(statement, "table", None), "name", None)
    if name:
        collector.statement(name)


@event.listens_for(Session, "after_flush")
def _write_audit_log(session: Session, _context) -> None:
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(_audit_row(session, obj, "insert", None, _snapshot(obj)))
    for obj in session.dirty:
        if not isinstance(obj, Audited):
            continue
        state = inspect(obj)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for key in _columns(obj):
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before[key] = jsonable(history.deleted[0]) if history.deleted else None
            after[key] = jsonable(history.added[0]) if history.added else None
        if after:
            rows.append(_audit_row(session, obj, "update", before, after))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(_audit_row(session, obj, "delete", _snapshot(obj), None))
    write_audit_entries(session, rows, connection=session.connection())


def _audit_row(session, obj, action, before, after) -> dict[str, Any]:
    return audit_entry(
        session,
        action,
        obj.__tablename__,
        _entity_id(obj),
        student_id=obj.audit_student_id(),
        before=before,
        after=after,
    )


def audit_entry(
    session: Session,
    action: str,
    entity: str,
    entity_id: object = "",
    *,
    student_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """One audit_entry row; the reason defaults to the transaction's (Service.write(reason=))."""
    return {
        "at": clock.now(),
        "actor": actor_of(session),
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "student_id": student_id,
        "before": before,
        "after": after,
        "reason": reason or session.info.get("audit_reason", ""),
    }


def write_audit_entries(session: Session, rows: list[dict[str, Any]], connection=None) -> None:
    if (collector := session.info.get(CHANGES_KEY)) is not None:
        for row in rows:
            collector.row(row["entity"], row["entity_id"], row["student_id"])
    if rows:
        insert_many(connection or session, AuditEntry.__table__, rows)


def write_insert_audit(
    session: Session,
    entity: str,
    entity_ids: Sequence[object],
    student_ids: Sequence[int | None],
    afters: Sequence[dict[str, Any]],
) -> None:
    """One "insert" entry per new row of a bulk insert: the rows audit_entry() gives, built a
    column at a time (one clock reading for the batch, like the rows' own stamps)."""
    entity_ids = [str(i) for i in entity_ids]
    if (collector := session.info.get(CHANGES_KEY)) is not None:
        for entity_id, student_id in zip(entity_ids, student_ids, strict=True):
            collector.row(entity, entity_id, student_id)
    insert_many(
        session,
        AuditEntry.__table__,
        [{"after": after} for after in afters],
        constants={
            "at": clock.now(),
            "actor": actor_of(session),
            "action": "insert",
            "entity": entity,
            "before": None,
            "reason": session.info.get("audit_reason", ""),
        },
        extra={"entity_id": entity_ids, "student_id": list(student_ids)},
    )


def record_audit(
    session: Session,
    action: str,
    entity: str,
    entity_id: object = "",
    *,
    student_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """An explicit audit entry, for what the ORM hooks cannot see: exports, codes issued,
    documents printed, summaries of demo data."""
    write_audit_entries(
        session,
        [
            audit_entry(
                session,
                action,
                entity,
                entity_id,
                student_id=student_id,
                before=before,
                after=after,
                reason=reason,
            )
        ],
    )
