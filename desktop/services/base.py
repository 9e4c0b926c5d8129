"""What every service shares: the database, the acting staff member and the role check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desktop.db.session import Database
from desktop.domain.errors import ConflictError, PermissionDenied
from desktop.domain.roles import ROLE_LABELS, Permission, Role, allows, roles_allowed


@dataclass(frozen=True)
class Actor:
    """The staff member on whose behalf a service acts (R119): the server-verified
    `session_user` on a provisioned PostgreSQL database, else the OS login."""

    login: str
    full_name: str
    roles: frozenset[Role]
    staff_id: int | None = None
    # A personal PostgreSQL login still on its one-time initial password (desktop.db.access)
    must_change_password: bool = False

    @property
    def display_name(self) -> str:
        return self.full_name or self.login

    def can(self, permission: Permission) -> bool:
        return allows(self.roles, permission)


class Service:
    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    def require(self, permission: Permission) -> None:
        """R121: roles are enforced here, whatever the UI shows or hides."""
        if not self.actor.can(permission):
            needed = " or ".join(sorted(ROLE_LABELS[r] for r in roles_allowed(permission)))
            raise PermissionDenied(self.actor.login, permission.value, needed)

    @contextmanager
    def write(self, permission: Permission, reason: str = "") -> Iterator[Session]:
        """One transaction for one use case, after the role check; audited on flush."""
        self.require(permission)
        with self.db.write(self.actor.login) as session:
            if reason:
                session.info["audit_reason"] = reason
            yield session

    @contextmanager
    def _saving(self, entity: str, model, row_id: int) -> Iterator[None]:
        """A lost race in the UPDATE itself (the version check in SQL) becomes the same
        ConflictError as a stale read, naming who saved first."""
        try:
            yield
        except StaleDataError as exc:
            with self.db.read() as session:
                row = session.get(model, row_id)
                who, when = (row.updated_by, row.updated_at) if row else (None, None)
            raise ConflictError(entity, row_id, who, when) from exc

    @contextmanager
    def read(self, permission: Permission) -> Iterator[Session]:
        self.require(permission)
        with self.db.read() as session:
            yield session


def ensure_version(row, expected: int, entity: str) -> None:
    """Refuse a save based on an old read, saying who changed the row and when."""
    if row.version != expected:
        raise ConflictError(entity, row.id, row.updated_by, row.updated_at)
