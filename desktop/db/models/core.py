"""The school profile, staff accounts and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.db.base import Audited, Base, UTCDateTime, Versioned, str_enum
from desktop.domain import clock
from desktop.domain.roles import Role
from desktop.domain.roster import Country, Language


class School(Versioned, Audited, Base):
    """The one school this database belongs to.

    Its country decides the personal-code type, the language and the time zone (R1).
    """

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[Country] = mapped_column(str_enum(Country, 2))
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    registry_code: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    language: Mapped[Language] = mapped_column(str_enum(Language, 2))


class StaffUser(Versioned, Audited, Base):
    """A personal staff account (R36, R119: no shared logins), matched to the OS login."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # A provisioned PostgreSQL login with a one-time initial password: the app asks for a new
    # one at the first start (desktop.db.access). Never a password itself.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)


class StaffRole(Audited, Base):
    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("staff_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    staff: Mapped[StaffUser] = relationship(back_populates="roles")


class AuditEntry(Base):
    """Append-only: who did what to which row, with the values before and after (R122)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_entity", "entity", "entity_id"),
        Index("ix_audit_entry_student_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))  # insert / update / delete / export / …
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60), default="")
    # Not a foreign key: the trail must outlive an anonymised or deleted student.
    student_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")


class DailyRun(Base):
    """One row per date-driven job per school day: `daily` runs each job exactly once a day.

    The unique key also stops two office PCs from running the same job for the same day.
    """

    __tablename__ = "daily_run"
    __table_args__ = (UniqueConstraint("job", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    day: Mapped[date] = mapped_column(Date)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
