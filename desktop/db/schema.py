"""Schema versions: upgrade on start, and refuse a database written by a newer release.

Each area of the app (roster, documents, cards, consent, billing) keeps its own branch of
migrations off the foundation revision, so the app upgrades to all heads.

The everyday start costs one query and no Alembic: the revisions this release ships (and so
its heads) are read from the migration files' `revision` / `down_revision` / `depends_on`
lines (`known_revisions`) and compared with the database's version table. Alembic is imported
only when there is something to migrate.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from desktop.domain.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default


class SchemaTooNew(DatabaseError):
    pass


class Revision(NamedTuple):
    down: tuple[str, ...]  # down_revision: one, or several for a merge
    depends_on: tuple[str, ...]
    labels: tuple[str, ...]  # branch_labels


_ASSIGNMENT = re.compile(
    r"^(revision|down_revision|depends_on|branch_labels)\s*(?::[^=\n]*)?=[ \t]*(.*)$",
    re.MULTILINE,
)
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")


def _parse(source: str) -> dict[str, tuple[str, ...]]:
    """The module-level assignments Alembic reads, as tuples of names (None gives ())."""
    found: dict[str, tuple[str, ...]] = {}
    for match in _ASSIGNMENT.finditer(source):
        value = match.group(2).strip()
        if value[:1] in "([" and value and not value.endswith((")", "]")):
            end = source.find(")" if value[0] == "(" else "]", match.end())
            value += source[match.end() : end + 1]  # a tuple written over several lines
        found.setdefault(match.group(1), tuple(_QUOTED.findall(value)))
    return found


@cache
def known_revisions() -> dict[str, Revision]:
    """Every revision this release ships, read from the migration files without Alembic."""
    revisions: dict[str, Revision] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = _parse(path.read_text(encoding="utf-8"))
        if not found.get("revision"):
            continue  # __init__.py
        revisions[found["revision"][0]] = Revision(
            found.get("down_revision", ()),
            found.get("depends_on", ()),
            found.get("branch_labels", ()),
        )
    return revisions


def head_revisions() -> frozenset[str]:
    """The revisions nothing else builds on: the schema this release expects."""
    revisions = known_revisions()
    below = {down for rev in revisions.values() for down in rev.down}
    return frozenset(revisions) - below


def applied_revisions(stored: set[str]) -> set[str]:
    """Everything the stored revisions include: their down revisions and dependencies. A branch
    head that another area's migration depends on (0201_terms, needed by consent and billing)
    is not stored in the version table once that one ran, but it is applied."""
    revisions = known_revisions()
    by_label = {label: name for name, rev in revisions.items() for label in rev.labels}
    applied: set[str] = set()
    todo = list(stored)
    while todo:
        name = todo.pop()
        name = by_label.get(name, name)
        if name in applied or name not in revisions:
            continue
        applied.add(name)
        todo.extend(revisions[name].down)
        todo.extend(revisions[name].depends_on)
    return applied


def _refuse_unknown(stored: set[str]) -> None:
    """A revision we do not know means a newer School Office wrote this database."""
    unknown = stored - set(known_revisions())
    if unknown:
        raise SchemaTooNew(
            "This database was written by a newer version of School Office "
            f"(schema {', '.join(sorted(unknown))}). Install the latest version on this "
            "computer; the database has not been changed."
        )


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def database_revisions(connection: Connection) -> set[str]:
    """The revisions in the version table (none for a new, empty database)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    return set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def check_not_newer(connection: Connection) -> None:
    """A revision we do not know means a newer School Office wrote this database."""
    _refuse_unknown(database_revisions(connection))


def is_current(connection: Connection) -> bool:
    """Every head applied (see `applied_revisions`)."""
    current = database_revisions(connection)
    return bool(current) and head_revisions() <= applied_revisions(current)


def _stored_quickly(engine: Engine) -> set[str] | None:
    """The version table in one query, on a connection of its own (a failed query must not
    spoil a PostgreSQL transaction); None when it cannot be read (a new database...): the
    careful path then looks and says what is wrong."""
    try:
        with engine.connect() as connection:
            return set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))
    except DBAPIError:
        return None


def upgrade(engine: Engine) -> bool:
    """Bring the schema up to date. Returns True when anything was applied."""
    stored = _stored_quickly(engine)
    if stored:
        _refuse_unknown(stored)
        if head_revisions() <= applied_revisions(stored):
            return False  # the everyday start: no Alembic
    with engine.begin() as connection:
        check_not_newer(connection)
        if is_current(connection):
            return False
        from alembic import command  # only now: there is something to migrate

        command.upgrade(alembic_config(connection), "heads")
    return True
