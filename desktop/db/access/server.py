"""What the server says about this connection (who logged in, whether the database is
provisioned) and whether the connection may be used unencrypted (R120).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from desktop.db.models import DbAccess
from desktop.domain.errors import DatabaseError
from desktop.i18n import N_  # shown translated by the UI

LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class ServerIdentity:
    login: str  # session_user: who the server let in
    prefix: str  # the group roles' prefix
    is_owner: bool  # the schema's owner (db upgrade, provisioning), not a staff login


def _prefix(connection: Connection) -> str:
    try:
        with connection.begin_nested():
            return connection.scalar(text("SELECT role_prefix FROM db_access WHERE id = 1")) or ""
    except Exception:  # a database from before the access migration, or no SELECT on it
        return ""


def server_identity(engine: Engine) -> ServerIdentity | None:
    """The server-verified identity on a provisioned PostgreSQL database, else None (SQLite,
    or a PostgreSQL database still shared through one login: see README)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        prefix = _prefix(connection)
        if not prefix:
            return None
        login, owner = connection.execute(
            text(
                "SELECT session_user, pg_get_userbyid(c.relowner) FROM pg_class c "
                "WHERE c.oid = to_regclass('staff_user')"
            )
        ).one()
    return ServerIdentity(login, prefix, login == owner)


def is_provisioned(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return bool(_prefix(connection))


# ---- TLS (R120) -------------------------------------------------------------------------------


def is_local_host(url: URL) -> bool:
    host = (url.host or url.query.get("host") or "").strip("[]")
    if isinstance(host, tuple):
        host = host[0] if host else ""
    return host in LOCAL_HOSTS or host.startswith("/")


class UnencryptedConnection(DatabaseError):
    pass


def check_transport(engine: Engine, local: bool | None = None) -> None:
    """A server on another computer is reached only over TLS, unless an administrator allowed
    an unencrypted connection for this school (`school-office db allow-unencrypted`)."""
    if engine.dialect.name != "postgresql":
        return
    if local is None:
        local = is_local_host(engine.url)
    if local:
        return
    with engine.connect() as connection:
        encrypted = connection.scalar(
            text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        )
        if encrypted:
            return
        try:
            with connection.begin_nested():
                allowed = connection.scalar(
                    text("SELECT allow_unencrypted FROM db_access WHERE id = 1")
                )
        except Exception:  # a new database: nobody has allowed anything yet
            allowed = False
    if not allowed:
        raise UnencryptedConnection(
            N_(
                "The database server {host} is on another computer and the connection is not "
                "encrypted (TLS), so School Office does not use it. Add ?sslmode=verify-full "
                "to the database address and choose the server's CA certificate in Settings.",
                host=engine.url.host or "",
            )
        )


def set_allow_unencrypted(connection: Connection, allowed: bool, by: str) -> None:
    connection.execute(
        DbAccess.__table__.update()
        .where(DbAccess.id == 1)
        .values(allow_unencrypted=allowed, allowed_by=by)
    )
