"""Many rows into one table with one statement compiled once: bulk inserts and audit entries.

`session.execute(insert(table), rows)` costs SQLAlchemy some microseconds per row (the rows'
keys compared, every value looked up and processed one at a time). On SQLite the rows go
straight to the driver's executemany instead, and on PostgreSQL through COPY (psycopg's
executemany sends one statement per row): the statement is built once per table and column
set, each column's values go through the column type's bind processor in one pass, and
scalar Python defaults are filled in, as SQLAlchemy would. Errors are still SQLAlchemy's (the
call is `Connection.exec_driver_sql`), and the write is still reported to the transaction's
change collector. Anything unusual (a callable default, a row without one of the first row's
keys, another database) takes SQLAlchemy's own path. As with SQLAlchemy's executemany, the first
row's keys decide the columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from desktop.db.changes import current_collector

# (table, dialect name, row keys) → (sql, [(key or None, processor, default)]) or None
_PLANS: dict[tuple[Table, str, tuple[str, ...]], tuple[str, list[tuple]] | None] = {}


def _plan(table: Table, dialect, keys: tuple[str, ...]) -> tuple[str, list[tuple]] | None:
    columns = []
    for key in keys:
        if key not in table.c:
            return None  # SQLAlchemy names the problem
        columns.append((key, table.c[key], None))
    for column in table.columns:
        if column.key in keys or column.default is None:
            continue  # a server default, or NULL, as when the column is not mentioned
        if not column.default.is_scalar:
            return None  # a callable or SQL default: SQLAlchemy runs it per row
        columns.append((None, column, column.default.arg))
    by_name = {c.key: (key, c, default) for key, c, default in columns}
    if dialect.name == "postgresql":
        quote = dialect.identifier_preparer
        names = ", ".join(quote.quote(c.name) for _, c, _ in columns)
        sql = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
        order = list(by_name)
    else:
        stmt = insert(table).values({c.key: bindparam(c.key, type_=c.type) for _, c, _ in columns})
        compiled = stmt.compile(dialect=dialect)
        sql, order = compiled.string, list(compiled.positiontup or ())
        if (
            not compiled.positional
            or sorted(order) != sorted(by_name)
            or compiled.escaped_bind_names
        ):
            return None
    steps = []
    for key, column, default in (by_name[name] for name in order):
        processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
            dialect
        )
        if key is None and processor is not None:
            default, processor = processor(default), None
        steps.append((key, processor, default))
    return sql, steps


def insert_many(
    target: Session | Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    extra: Mapping[str, Sequence[Any]] | None = None,
) -> None:
    """INSERT every row (all with the same keys) in one executemany.

    `constants`: values for every row that does not bring its own; `extra`: one more value per
    row for these columns (the ids allocated up front).
    """
    if not rows:
        return
    connection = target.connection() if isinstance(target, Session) else target
    dialect = connection.dialect
    first = rows[0].keys()
    constants = {k: v for k, v in (constants or {}).items() if k not in first}
    extra = extra or {}
    keys = (*first, *constants, *extra)
    plan = None
    if dialect.name in ("sqlite", "postgresql") and first.isdisjoint(extra):
        cache_key = (table, dialect.name, keys)
        if cache_key not in _PLANS:
            _PLANS[cache_key] = _plan(table, dialect, keys)
        plan = _PLANS[cache_key]
    if plan is not None:
        try:
            params = _params(plan[1], rows, constants, extra)
        except KeyError:  # a row without one of the first row's keys: SQLAlchemy says so
            plan = None
    if plan is None:
        connection.execute(
            insert(table),
            [
                {**constants, **row, **{k: v[i] for k, v in extra.items()}}
                for i, row in enumerate(rows)
            ],
        )
        return
    if dialect.name == "postgresql":
        _copy(connection, plan[0], params)
    else:
        connection.exec_driver_sql(plan[0], params)
    # A driver-level statement is not seen by the after_execute hook (desktop.db.session).
    if (collector := current_collector.get()) is not None:
        collector.statement(table.name)


def _copy(connection: Connection, sql: str, rows: list[tuple]) -> None:
    """PostgreSQL's COPY, through psycopg (its executemany sends one statement per row); a
    refusal is raised as SQLAlchemy's (IntegrityError, …), as from any other statement."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error) from exc


def _params(steps: list[tuple], rows, constants, extra) -> list[tuple]:
    count = len(rows)
    if any(len(v) != count for v in extra.values()):
        raise ValueError("one value per row is needed for every extra column")
    values: list[Any] = []
    for key, processor, default in steps:
        if key is None:
            values.append(repeat(default, count))
        elif key in constants:
            value = constants[key]
            values.append(repeat(value if processor is None else processor(value), count))
        else:
            column = extra[key] if key in extra else [row[key] for row in rows]
            if processor is None:
                values.append(column)
            else:
                try:
                    null = processor(None)  # many columns hold many NULLs: processed once
                except Exception:  # a type that refuses NULL says so for the row that has one
                    values.append([processor(v) for v in column])
                else:
                    values.append([null if v is None else processor(v) for v in column])
    return list(zip(*values, strict=False))
