"""`db provision` and the refresh after `db upgrade`: group roles, grants and functions, the
first administrator, and logins for the staff from before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, insert, text

from desktop.db.access.functions import install_functions
from desktop.db.access.grants import apply_grants
from desktop.db.access.names import (
    check_prefix,
    default_prefix,
    group_role,
    new_password,
    scram_verifier,
)
from desktop.db.access.server import server_identity
from desktop.db.access.sql import ddl, ident, role_exists
from desktop.db.models import DbAccess
from desktop.domain import clock
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Role
from desktop.i18n import N_  # shown translated by the UI


@dataclass
class ProvisionReport:
    database: str
    owner: str
    prefix: str
    groups_created: list[str] = field(default_factory=list)
    revoked_from: list[str] = field(default_factory=list)
    # login → one-time initial password, shown once; None for a mapped existing role
    logins: dict[str, str | None] = field(default_factory=dict)
    can_end_sessions: bool = True
    first_time: bool = True
    # staff logins that cannot be database logins: the owner, a superuser, a group role
    skipped: list[str] = field(default_factory=list)


class ProvisionError(SchoolOfficeError):
    pass


def provision(
    engine: Engine,
    admin: str | None,
    *,
    admin_name: str = "",
    admin_existing_role: bool = False,
    prefix: str | None = None,
) -> ProvisionReport:
    """Group roles, grants and functions on a migrated PostgreSQL database; the first
    administrator's login; logins for staff accounts from before. Safe to run again."""
    if engine.dialect.name != "postgresql":
        raise ProvisionError(
            N_(
                "Only a PostgreSQL database can be provisioned; the embedded database uses the "
                "Windows account as the staff identity."
            )
        )
    with engine.begin() as connection:
        owner, database, superuser = connection.execute(
            text(
                "SELECT current_user, current_database(), "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
            )
        ).one()
        table_owner = connection.scalar(
            text(
                "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'staff_user'::regclass"
            )
        )
        if table_owner != owner:
            raise ProvisionError(
                N_(
                    "Connect as the database's owner {owner} to provision it (you are {login}).",
                    owner=table_owner,
                    login=owner,
                )
            )
        current = connection.scalar(text("SELECT role_prefix FROM db_access WHERE id = 1")) or ""
        prefix = check_prefix(prefix or current or default_prefix(database))
        if current and prefix != current:
            raise ProvisionError(
                N_(
                    "This database was provisioned with the prefix {prefix}; run again without "
                    "--prefix.",
                    prefix=current,
                )
            )
        report = ProvisionReport(database, owner, prefix, first_time=not current)
        ddl(connection, "SET LOCAL lock_timeout = '10s'")
        for role in Role:
            name = group_role(prefix, role)
            if not role_exists(connection, name):
                ddl(connection, f"CREATE ROLE {ident(connection, name)} NOLOGIN")
                report.groups_created.append(name)
        report.revoked_from = apply_grants(connection, prefix)
        install_functions(connection, prefix)
        report.can_end_sessions = bool(superuser) or bool(
            connection.scalar(
                text("SELECT pg_has_role(current_user, 'pg_signal_backend', 'MEMBER')")
            )
        )
        now = clock.now()
        if not current:
            connection.execute(
                DbAccess.__table__.update()
                .where(DbAccess.id == 1)
                .values(role_prefix=prefix, provisioned_at=now, provisioned_by=owner)
            )
        # The first administrator: a staff row with the admin role and a login.
        if admin:
            _ensure_admin(connection, admin, admin_name, now, owner)
        # Every active staff member gets a login (the one given, or a new one-time password).
        staff = connection.execute(
            text(
                "SELECT u.login, u.active, coalesce(array_agg(r.role) FILTER "
                "(WHERE r.role IS NOT NULL), ARRAY[]::varchar[]) FROM staff_user u "
                "LEFT JOIN staff_role r ON r.staff_id = u.id GROUP BY u.login, u.active "
                "ORDER BY u.login"
            )
        ).all()
        for login, active, roles in staff:
            if not active:
                continue
            if _reserved(connection, login, owner, prefix):
                report.skipped.append(login)
                continue
            mapped = role_exists(connection, login)
            if login == admin and admin_existing_role and not mapped:
                raise ProvisionError(N_("There is no database role {login} to map.", login=login))
            if mapped:  # an existing role (Kerberos, SSPI, a certificate) or a rerun
                connection.execute(
                    text("SELECT school_office_create_login(:l, '', :r, true)"),
                    {"l": login, "r": list(roles)},
                )
                report.logins.setdefault(login, None)
                continue
            password = new_password()
            connection.execute(
                text("SELECT school_office_create_login(:l, :v, :r, false)"),
                {"l": login, "v": scram_verifier(password), "r": list(roles)},
            )
            connection.execute(
                text("UPDATE staff_user SET must_change_password = true WHERE login = :l"),
                {"l": login},
            )
            report.logins[login] = password
    return report


def _reserved(connection: Connection, login: str, owner: str, prefix: str) -> bool:
    if login == owner or login in {group_role(prefix, r) for r in Role}:
        return True
    return bool(
        connection.scalar(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = :n"), {"n": login}
        )
    )


def _ensure_admin(connection: Connection, login: str, full_name: str, now, by: str) -> None:
    staff_id = connection.scalar(text("SELECT id FROM staff_user WHERE login = :l"), {"l": login})
    stamps = {"at": now, "by": by}
    if staff_id is None:
        staff_id = connection.scalar(
            text(
                "INSERT INTO staff_user (login, full_name, active, must_change_password, "
                "version, created_at, created_by, updated_at, updated_by) VALUES "
                "(:l, :n, true, false, 1, :at, :by, :at, :by) RETURNING id"
            ),
            {"l": login, "n": full_name or login, **stamps},
        )
        connection.execute(
            insert(_audit()),
            [_audit_row("insert", "staff_user", staff_id, {"login": login}, by, now)],
        )
    else:
        connection.execute(
            text("UPDATE staff_user SET active = true WHERE id = :i"), {"i": staff_id}
        )
    has_admin = connection.scalar(
        text("SELECT 1 FROM staff_role WHERE staff_id = :i AND role = :r"),
        {"i": staff_id, "r": Role.ADMIN.value},
    )
    if not has_admin:
        connection.execute(
            text("INSERT INTO staff_role (staff_id, role) VALUES (:i, :r)"),
            {"i": staff_id, "r": Role.ADMIN.value},
        )
        connection.execute(
            insert(_audit()),
            [_audit_row("insert", "staff_role", staff_id, {"role": "admin"}, by, now)],
        )


def _audit():
    from desktop.db.models import AuditEntry

    return AuditEntry.__table__


def _audit_row(action: str, entity: str, entity_id, after: dict, by: str, now) -> dict:
    return {
        "at": now,
        "actor": by,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "student_id": None,
        "before": None,
        "after": after,
        "reason": "db provision",
    }


def refresh_grants(engine: Engine) -> bool:
    """After `db upgrade` by the owner of a provisioned database: grants for the new tables
    and the current functions. Returns False when there was nothing to do."""
    identity = server_identity(engine)
    if identity is None or not identity.is_owner:
        return False
    with engine.begin() as connection:
        apply_grants(connection, identity.prefix)
        install_functions(connection, identity.prefix)
    return True
