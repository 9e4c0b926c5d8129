"""Staff accounts and roles. The first person to open a new database becomes its administrator.

Who is acting: on a PostgreSQL database provisioned for personal logins (desktop.db.access),
the server-verified `session_user`, never an environment variable; adding, changing and
deactivating a staff member there also creates, changes and locks their database login (R119).
On the embedded SQLite file, and on a PostgreSQL database still shared through one login until
it is provisioned, the OS login.
"""

from __future__ import annotations

import getpass
import sys
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from desktop.db.access import names
from desktop.db.access.server import is_provisioned, server_identity
from desktop.db.models import DbAccess, StaffRole, StaffUser
from desktop.db.server_errors import server_error
from desktop.db.session import Database, record_audit
from desktop.domain.errors import NotFound, SchoolOfficeError, ValidationError
from desktop.domain.inputs import coerce_enums
from desktop.domain.roles import Permission, Role
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Actor, Service


class NotStaff(SchoolOfficeError):
    def __init__(self, login: str):
        self.login = login
        super().__init__(
            N_(
                "{login} is not a School Office user of this database. Ask an administrator "
                "to add you (school-office staff add {login} --role office).",
                login=login,
            )
        )


class OwnerLogin(NotStaff):
    """The database owner's login opened the app on a provisioned database: it is kept for
    `db upgrade` and `db provision`, and is nobody's staff account."""

    def __init__(self, login: str):
        self.login = login
        SchoolOfficeError.__init__(
            self,
            N_(
                "This database now has a personal login for each staff member. {login} is the "
                "database owner's login, used only to update and set up the database. Ask your "
                "School Office administrator for your own login and enter it in Settings.",
                login=login,
            ),
        )


def must_change_password_first(login: str) -> SchoolOfficeError:
    return SchoolOfficeError(
        N_(
            "{login} still has the one-time password. Choose your own first: school-office "
            "staff password",
            login=login,
        )
    )


def os_login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # getuser raises OSError (or KeyError) when no login is known
        return "unknown"


def os_full_name(login: str) -> str:
    """The name the operating system keeps for this account ("Marija Novak"), or "" when it
    keeps none: the first administrator is then shown by name, not by login."""
    if sys.platform == "win32":
        return _windows_full_name(login)
    try:
        import pwd

        return pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        return ""


def _windows_full_name(login: str) -> str:
    """A local account's full name (NetUserGetInfo, level 10), else a domain account's display
    name (GetUserNameExW, NameDisplay)."""
    import ctypes
    from ctypes import wintypes

    class UserInfo10(ctypes.Structure):
        _fields_ = [
            ("name", wintypes.LPWSTR),
            ("comment", wintypes.LPWSTR),
            ("usr_comment", wintypes.LPWSTR),
            ("full_name", wintypes.LPWSTR),
        ]

    try:
        netapi = ctypes.windll.netapi32
        info = ctypes.POINTER(UserInfo10)()
        if netapi.NetUserGetInfo(None, login, 10, ctypes.byref(info)) == 0:
            try:
                name = (info.contents.full_name or "").strip()
            finally:
                netapi.NetApiBufferFree(info)
            if name:
                return name
        size = wintypes.ULONG(256)
        buffer = ctypes.create_unicode_buffer(size.value)
        if ctypes.windll.secur32.GetUserNameExW(3, buffer, ctypes.byref(size)):  # NameDisplay
            return buffer.value.strip()
    except (AttributeError, OSError, ValueError):  # no such API or account: the login stays
        pass
    return ""


def _actor(user: StaffUser) -> Actor:
    return Actor(
        user.login, user.full_name, user.role_set, user.id, bool(user.must_change_password)
    )


def resolve_actor(db: Database, login: str | None = None) -> Actor:
    """The acting staff member; on a database with no staff, create the administrator.

    On a provisioned PostgreSQL database the server says who this is (`session_user`); a
    `login` given here must be that one. Elsewhere `login` (tests, scripts) or the OS login.
    The first administrator gets every role so a one-person office can work at once; an
    administrator can take roles away later.
    """
    identity = server_identity(db.engine)
    if identity is not None:
        if identity.is_owner:
            raise OwnerLogin(identity.login)
        if login is not None and login != identity.login:
            raise NotStaff(login)
        with db.read() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.login == identity.login))
            if user is None or not user.active:
                raise NotStaff(identity.login)
            return _actor(user)
    login = login or os_login()
    with db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.login == login))
        if user is not None:
            if not user.active:
                raise NotStaff(login)
            return _actor(user)
        if session.scalar(select(func.count()).select_from(StaffUser)):
            raise NotStaff(login)
    with db.write(login) as session:
        full_name = (os_full_name(login) if login == os_login() else "") or login
        user = StaffUser(login=login, full_name=full_name, roles=[StaffRole(role=r) for r in Role])
        session.add(user)
        session.flush()
        return _actor(user)


@dataclass(frozen=True)
class StaffRecord:
    id: int
    login: str
    full_name: str
    active: bool
    roles: frozenset[Role]
    version: int
    # Shown once, when a provisioned database's login was created or its password reset.
    initial_password: str | None = None


class StaffService(Service):
    def _server_logins(self) -> bool:
        """Whether staff members have their own database logins here (desktop.db.access)."""
        return is_provisioned(self.db.engine)

    def server_logins(self) -> bool:
        """For the Staff accounts dialog: passwords and existing roles mean something here."""
        return self._server_logins()

    def list(self) -> list[StaffRecord]:
        with self.db.read() as session:
            users = session.scalars(select(StaffUser).order_by(StaffUser.login))
            return [
                StaffRecord(u.id, u.login, u.full_name, u.active, u.role_set, u.version)
                for u in users
            ]

    def add(
        self, login: str, full_name: str, roles: set[Role], existing_role: bool = False
    ) -> StaffRecord:
        """A new staff member. On a provisioned PostgreSQL database also their login: a new
        role with a one-time password (returned once, as `initial_password`, to be changed at
        the first start), or with `existing_role` a role the school's IT already made
        (Kerberos, SSPI, certificates)."""
        login = login.strip()
        if not login:
            raise ValidationError("login", login, N_("is required"))
        if len(login) > 63:
            raise ValidationError("login", login, N_("is longer than {limit} characters", limit=63))
        roles = set(coerce_enums(Role, "roles", roles))
        if not roles:
            raise ValidationError("roles", "", N_("give at least one role"))
        server = self._server_logins()
        password = names.new_password() if server and not existing_role else None
        with self.write(Permission.MANAGE_STAFF) as session:
            if session.scalar(select(StaffUser.id).where(StaffUser.login == login)):
                raise ValidationError("login", login, N_("already exists"))
            if server:
                exists = session.scalar(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}
                )
                if existing_role and not exists:
                    raise ValidationError("login", login, N_("has no database role to map"))
                if exists and not existing_role:
                    raise ValidationError(
                        "login",
                        login,
                        N_("already has a database role: map it with --existing-role"),
                    )
            user = StaffUser(
                login=login,
                full_name=full_name.strip(),
                roles=[StaffRole(role=r) for r in roles],
                must_change_password=password is not None,
            )
            session.add(user)
            session.flush()
            if server:
                session.execute(
                    text("SELECT school_office_create_login(:l, :v, :r, :e)"),
                    {
                        "l": login,
                        "v": names.scram_verifier(password) if password else "",
                        "r": sorted(r.value for r in roles),
                        "e": existing_role,
                    },
                )
            return StaffRecord(
                user.id, user.login, user.full_name, True, user.role_set, 1, password
            )

    def reset_password(self, login: str) -> str:
        """A new one-time password for a staff member's database login (created if the account
        is from before provisioning); they choose their own at the next start."""
        if not self._server_logins():
            raise ValidationError(
                "login",
                login,
                N_("has no database password here: this database uses Windows accounts"),
            )
        password = names.new_password()
        with self.write(Permission.MANAGE_STAFF, reason="password reset") as session:
            user = session.scalar(select(StaffUser).where(StaffUser.login == login))
            if user is None:
                raise NotFound("staff member", login)
            if not user.active:
                raise ValidationError("login", login, N_("is not active"))
            exists = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login})
            verifier = names.scram_verifier(password)
            if exists:
                session.execute(
                    text("SELECT school_office_reset_password(:l, :v)"), {"l": login, "v": verifier}
                )
            else:
                session.execute(
                    text("SELECT school_office_create_login(:l, :v, :r, false)"),
                    {"l": login, "v": verifier, "r": sorted(r.value for r in user.role_set)},
                )
            user.must_change_password = True
        return password

    def set_roles(self, login: str, roles: set[Role], active: bool = True) -> None:
        roles = set(coerce_enums(Role, "roles", roles))
        with self.write(Permission.MANAGE_STAFF) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.login == login))
            if user is None:
                raise NotFound("staff member", login)
            if login == self.actor.login and (Role.ADMIN not in roles or not active):
                raise ValidationError(
                    "roles", login, N_("you cannot remove your own administrator role")
                )
            user.active = active
            current = {r.role: r for r in user.roles}
            for role in set(current) - roles:
                user.roles.remove(current[role])
            for role in roles - set(current):
                user.roles.append(StaffRole(role=role))
            if self._server_logins():
                session.flush()
                # R119: a deactivated login cannot log in again, and its open sessions end now.
                session.execute(
                    text("SELECT school_office_set_access(:l, :r, :a)"),
                    {"l": login, "r": sorted(r.value for r in roles), "a": active},
                )

    def allow_unencrypted(self, allowed: bool) -> None:
        """R120: whether PCs may reach this school's database server without TLS (an
        administrator's decision, recorded in the audit log)."""
        with self.write(Permission.EDIT_SCHOOL, reason="database connections") as session:
            row = session.get(DbAccess, 1)
            if row is None:
                row = DbAccess(id=1)
                session.add(row)
            before = bool(row.allow_unencrypted)
            row.allow_unencrypted = allowed
            row.allowed_by = self.actor.login
            record_audit(
                session,
                "update",
                "db_access",
                1,
                before={"allow_unencrypted": before},
                after={"allow_unencrypted": allowed},
            )

    def deactivate(self, login: str) -> None:
        with self.read(Permission.MANAGE_STAFF) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.login == login))
            if user is None:
                raise NotFound("staff member", login)
            roles = set(user.role_set)
        self.set_roles(login, roles, active=False)


def change_own_password(db: Database, actor: Actor, new_password: str, remember=None) -> None:
    """The staff member's own new database password (the first start after a one-time one).

    The server gets only its SCRAM verifier; `remember(password)` (the OS keyring) runs before
    the commit, so a password that could not be kept is not set either."""
    names.check_new_password(new_password, actor.login)
    if not is_provisioned(db.engine):
        raise ValidationError(
            "password", "", N_("cannot be changed here: this database uses Windows accounts")
        )
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "ALTER ROLE CURRENT_USER PASSWORD "
                + connection.scalar(
                    text("SELECT quote_literal(:v)"), {"v": names.scram_verifier(new_password)}
                )
            )
            connection.execute(text("SELECT school_office_password_changed()"))
            if remember is not None:
                remember(new_password)
    except DBAPIError as exc:
        mapped = server_error(exc, actor.login)
        if mapped is None:
            raise
        raise mapped from exc
    db.use_password(new_password)
