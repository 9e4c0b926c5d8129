"""Statements for role and function management: DDL as written, and names and values quoted by
the server's own rules.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def ddl(connection: Connection, sql: str) -> None:
    """A statement without parameters, as written: a '%' in a name or a function body is not
    a placeholder."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def ident(connection: Connection, name: str) -> str:
    """An identifier quoted by the server's own rules."""
    return connection.scalar(text("SELECT quote_ident(:n)"), {"n": name})


def role_exists(connection: Connection, name: str) -> bool:
    return bool(connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}))


def literal(connection: Connection, value: str) -> str:
    return connection.scalar(text("SELECT quote_literal(:v)"), {"v": value})
