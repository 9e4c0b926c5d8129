"""Schema versions: upgrade on start, and refuse a database written by a newer release.

Each area of the app (roster, documents, cards, consent, billing) keeps its own branch of
migrations off the foundation revision, so the app upgrades to all heads.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from desktop.domain.errors import DatabaseError

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaTooNew(DatabaseError):
    pass


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def database_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def check_not_newer(connection: Connection) -> None:
    """A revision we do not know means a newer School Office wrote this database."""
    script = _script()
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = database_revisions(connection) - known
    if unknown:
        raise SchemaTooNew(
            "This database was written by a newer version of School Office "
            f"(schema {', '.join(sorted(unknown))}). Install the latest version on this "
            "computer; the database has not been changed."
        )


def is_current(connection: Connection) -> bool:
    """Every head applied. A branch head that another area's migration depends on (0201_terms,
    needed by consent and billing) is not stored in the version table once that one ran, so
    compare with everything the stored heads include, not with the stored heads themselves."""
    current = database_revisions(connection)
    if not current:
        return False
    script = _script()
    applied = {rev.revision for rev in script.iterate_revisions(tuple(current), "base")}
    return set(script.get_heads()) <= applied


def upgrade(engine: Engine) -> bool:
    """Bring the schema up to date. Returns True when anything was applied."""
    with engine.begin() as connection:
        check_not_newer(connection)
        if is_current(connection):
            return False
        command.upgrade(alembic_config(connection), "heads")
    return True
