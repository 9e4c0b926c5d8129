"""Declarative base, column types and mixins shared by every table."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, MetaData, String, TypeDecorator, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.schema import CreateIndex

from desktop.domain import clock

# Stable constraint names: Alembic can then alter them on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Instants are stored in UTC and always come back timezone-aware (R1).

    SQLite has no time zones, so values are stored naive-in-UTC there and re-labelled on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StrEnumType(TypeDecorator[enum.StrEnum]):
    """An enum stored as its plain value in a VARCHAR: portable, readable in SQL.

    No CHECK constraint, so adding a state later needs no table rebuild on SQLite; the domain
    layer guards the values, and an unknown value read back fails loudly.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[enum.StrEnum], length: int = 32):
        super().__init__(length)
        self.enum_class = enum_class
        self._members = _Members(enum_class)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if type(value) is self.enum_class:
            return value.value
        return self.enum_class(value).value

    def result_processor(self, dialect, coltype):
        # Instead of process_result_value: the dict's own lookup, with no Python call per row
        # (100k students read 10% faster).
        return self._members.__getitem__


class _Members(dict):
    """Stored value → member (None → None); an unknown value read back fails loudly."""

    def __init__(self, enum_class: type[enum.StrEnum]):
        super().__init__({member.value: member for member in enum_class})
        self[None] = None
        self.enum_class = enum_class

    def __missing__(self, value):
        return self.enum_class(value)


def str_enum(enum_class: type[enum.StrEnum], length: int = 32) -> StrEnumType:
    return StrEnumType(enum_class, length)


# A partial index keeps its condition in `info`: as postgresql_where= it would make SQLAlchemy
# load the PostgreSQL dialect (it checks a dialect's keywords that way) on every SQLite start.
PARTIAL_INDEX_WHERE = "partial_index_where"


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows `where` selects, on SQLite and PostgreSQL alike."""
    return Index(name, *columns, unique=unique, info={PARTIAL_INDEX_WHERE: where})


@compiles(CreateIndex, "sqlite", "postgresql")
def _create_partial_index(create: CreateIndex, compiler, **kw) -> str:
    index = create.element
    where = index.info.get(PARTIAL_INDEX_WHERE)
    if where is not None:  # the dialect compiling is loaded: its own keyword costs nothing now
        index.dialect_options[compiler.dialect.name]["where"] = text(where)
    return compiler.visit_create_index(create, **kw)


class Versioned:
    """Optimistic concurrency for an editable row.

    SQLAlchemy adds `WHERE version = :old` to every UPDATE, so a save based on a stale read
    fails instead of silently overwriting. updated_at/updated_by say who got there first.
    The session hooks in desktop.db.session fill updated_* from the acting staff member.
    """

    version: Mapped[int] = mapped_column(nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    updated_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class Audited:
    """Marks a model whose every insert, update and delete goes to the audit log."""

    __audit_exclude__: frozenset[str] = frozenset(
        {"version", "created_at", "created_by", "updated_at", "updated_by"}
    )

    def audit_student_id(self) -> int | None:
        """The student this row is about, so a data-access export can list its history."""
        return None
