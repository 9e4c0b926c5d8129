"""Fast inserts for imports, daily jobs and demo data.

Ids are allocated up front and rows go in with a plain executemany (RETURNING a thousand ids a
batch is several times slower on SQLite). Like an ORM insert, every row of a Versioned table is
stamped with who and when, and every row of an Audited table gets its audit entry — unless the
caller records one summary entry instead (demo data). `in_values` selects rows by thousands
of keys.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, any_, bindparam, func, select, text
from sqlalchemy.orm import Session

from desktop.db.base import Audited, Base, Versioned
from desktop.db.insert_many import insert_many
from desktop.db.limits import check_rows
from desktop.db.session import actor_of, jsonable, write_insert_audit
from desktop.domain import clock

IN_CHUNK = 900  # bound parameters per IN (…): under SQLite's limit


def in_values(session: Session, column, values: Collection[Any]) -> list[ColumnElement[bool]]:
    """Conditions that together select the rows whose `column` is one of `values` (run one
    statement per condition). PostgreSQL: one `= ANY(array)`, a single parameter however many
    values (an expanding IN costs SQLAlchemy milliseconds per thousand values); SQLite: IN
    (…) lists of at most IN_CHUNK values."""
    values = list(values)
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY  # loaded on PostgreSQL only

        return [column == any_(bindparam(None, values, type_=ARRAY(column.type)))]
    return [column.in_(values[i : i + IN_CHUNK]) for i in range(0, len(values), IN_CHUNK)]


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` fresh primary keys for `table`, safe against other writers.

    SQLite: our write transactions start with BEGIN IMMEDIATE, so nobody else can insert
    between reading max(id) and our insert. PostgreSQL: taken from the table's sequence.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # The sequence looked up once, not once per id (a text → regclass cast each time).
        ids = session.scalars(
            text(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(:t, 'id')::regclass AS seq)"
                " SELECT nextval(s.seq) FROM s, generate_series(1, :n)"
            ),
            {"t": table.name, "n": count},
        )
        return list(ids.all())  # fetched at once, not row by row
    start = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return list(range(start, start + count))


def _model_of(table: Table) -> type | None:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    return None


def bulk_insert(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, audit: bool = True
) -> list[int]:
    """Insert rows (without ids) and return their new ids, in order."""
    check_rows(table, rows)  # the same limits as an ORM write (desktop/db/limits.py)
    ids = allocate_ids(session, table, len(rows))
    model = _model_of(table)
    stamp: dict[str, Any] = {}
    if model is not None and issubclass(model, Versioned):
        actor, now = actor_of(session), clock.now()
        stamp = {
            "version": 1,
            "created_at": now,
            "created_by": actor,
            "updated_at": now,
            "updated_by": actor,
        }
    # A row may bring its own (historical) stamps; the ids are always the new ones.
    insert_many(session, table, rows, constants=stamp, extra={"id": ids})
    if audit and model is not None and issubclass(model, Audited):
        excluded = Audited.__audit_exclude__
        write_insert_audit(
            session,
            table.name,
            ids,
            # A student row is about itself; other rows name their student.
            ids if table.name == "student" else [row.get("student_id") for row in rows],
            [{k: jsonable(v) for k, v in row.items() if k not in excluded} for row in rows],
        )
    return ids
