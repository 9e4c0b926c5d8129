"""Students, guardians, the links between them and authorities' contact restrictions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.db.base import Audited, Base, UTCDateTime, Versioned, str_enum
from desktop.domain import clock
from desktop.domain.roster import Language, Relation, RestrictionKind, StudentStatus


class Student(Versioned, Audited, Base):
    __tablename__ = "student"
    __table_args__ = (Index("ix_student_name", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # A string: leading zeros are part of an EMŠO. NULL for students without a local code (R34).
    personal_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    no_local_code: Mapped[bool] = mapped_column(default=False)
    foreign_document_id: Mapped[str] = mapped_column(String(60), default="")
    birth_date: Mapped[date] = mapped_column(Date)
    class_name: Mapped[str | None] = mapped_column(String(20), index=True)
    status: Mapped[StudentStatus] = mapped_column(
        str_enum(StudentStatus, 16), default=StudentStatus.ENROLLED, index=True
    )
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    leaving_reason: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[Language | None] = mapped_column(str_enum(Language, 2))
    full_capacity_from: Mapped[date | None] = mapped_column(Date)  # R48 manual override

    guardian_links: Mapped[list[StudentGuardian]] = relationship(
        back_populates="student", cascade="all, delete-orphan"
    )

    def audit_student_id(self) -> int | None:
        return self.id

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Guardian(Versioned, Audited, Base):
    __tablename__ = "guardian"
    __table_args__ = (Index("ix_guardian_name", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="")
    language: Mapped[Language | None] = mapped_column(str_enum(Language, 2))

    student_links: Mapped[list[StudentGuardian]] = relationship(back_populates="guardian")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class StudentGuardian(Versioned, Audited, Base):
    """The link through which a guardian hears about a child; R15 restrictions hang off it."""

    __tablename__ = "student_guardian"
    __table_args__ = (UniqueConstraint("student_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardian.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[Relation] = mapped_column(str_enum(Relation, 16), default=Relation.GUARDIAN)
    primary_contact: Mapped[bool] = mapped_column(default=False)

    student: Mapped[Student] = relationship(back_populates="guardian_links")
    guardian: Mapped[Guardian] = relationship(back_populates="student_links")
    restrictions: Mapped[list[ContactRestriction]] = relationship(
        back_populates="link",
        cascade="all, delete-orphan",
        order_by="ContactRestriction.valid_from",
    )

    def audit_student_id(self) -> int | None:
        return self.student_id


class ContactRestriction(Versioned, Audited, Base):
    """R15: a measure by a competent authority on one child–guardian link."""

    __tablename__ = "contact_restriction"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("student_guardian.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RestrictionKind] = mapped_column(str_enum(RestrictionKind, 16))
    permanent: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    link: Mapped[StudentGuardian] = relationship(back_populates="restrictions")

    def audit_student_id(self) -> int | None:
        return self.link.student_id if self.link is not None else None
