"""Staff accounts and roles. The first person to open a new database becomes its administrator."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import func, select

from desktop.db.models import StaffRole, StaffUser
from desktop.db.session import Database
from desktop.domain.errors import NotFound, SchoolOfficeError, ValidationError
from desktop.domain.roles import Permission, Role
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Actor, Service


class NotStaff(SchoolOfficeError):
    def __init__(self, login: str):
        self.login = login
        super().__init__(
            f"'{login}' is not a School Office user of this database. Ask an administrator "
            f"to add you (school-office staff add {login} --role office)."
        )


def os_login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # getuser raises OSError (or KeyError) when no login is known
        return "unknown"


def _actor(user: StaffUser) -> Actor:
    return Actor(user.login, user.full_name, user.role_set, user.id)


def resolve_actor(db: Database, login: str | None = None) -> Actor:
    """The staff member for this OS login; on a database with no staff, create the administrator.

    The first administrator gets every role so a one-person office can work at once; an
    administrator can take roles away later.
    """
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
        user = StaffUser(login=login, full_name=login, roles=[StaffRole(role=r) for r in Role])
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


class StaffService(Service):
    def list(self) -> list[StaffRecord]:
        with self.db.read() as session:
            users = session.scalars(select(StaffUser).order_by(StaffUser.login))
            return [
                StaffRecord(u.id, u.login, u.full_name, u.active, u.role_set, u.version)
                for u in users
            ]

    def add(self, login: str, full_name: str, roles: set[Role]) -> StaffRecord:
        login = login.strip()
        if not login:
            raise ValidationError("login", login, "is required")
        if not roles:
            raise ValidationError("roles", "", N_("give at least one role"))
        with self.write(Permission.MANAGE_STAFF) as session:
            if session.scalar(select(StaffUser.id).where(StaffUser.login == login)):
                raise ValidationError("login", login, N_("already exists"))
            user = StaffUser(
                login=login, full_name=full_name.strip(), roles=[StaffRole(role=r) for r in roles]
            )
            session.add(user)
            session.flush()
            return StaffRecord(user.id, user.login, user.full_name, True, user.role_set, 1)

    def set_roles(self, login: str, roles: set[Role], active: bool = True) -> None:
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
