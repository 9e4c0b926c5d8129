"""The roster's records: what a form sends (StudentInput, GuardianInput), what a read returns
(StudentRecord with its GuardianLinks and RestrictionRecords, RosterRow for the table), and the
error a refused contact raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from desktop.db.models import Student, StudentGuardian
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roster import (
    Language,
    Relation,
    Restriction,
    RestrictionKind,
    StudentStatus,
    may_contact,
)
from desktop.i18n import N_  # reasons are shown translated by the UI


class ContactRestricted(SchoolOfficeError):
    """R15/R48: nothing may go to this guardian about this child."""

    def __init__(self, guardian_name: str, student_name: str):
        self.guardian_name = guardian_name
        self.student_name = student_name
        super().__init__(
            N_(
                "{guardian} may not receive anything about {student}: "
                "an active contact restriction is recorded on this link",
                guardian=guardian_name,
                student=student_name,
            )
        )


@dataclass(frozen=True)
class StudentInput:
    first_name: str
    last_name: str
    personal_code: str = ""
    birth_date: date | None = None
    no_local_code: bool = False
    class_name: str = ""
    language: str | None = None
    foreign_document_id: str = ""
    enrolled_on: date | None = None
    full_capacity_from: date | None = None


@dataclass(frozen=True)
class GuardianInput:
    first_name: str
    last_name: str
    phone: str = ""
    email: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country_code: str = ""
    language: str | None = None


@dataclass(frozen=True)
class RestrictionRecord:
    id: int
    kind: RestrictionKind
    permanent: bool
    valid_from: date
    valid_to: date | None
    authority: str
    reference: str
    version: int

    def as_rule(self) -> Restriction:
        return Restriction(self.kind, self.permanent, self.valid_from, self.valid_to)


@dataclass(frozen=True)
class GuardianLink:
    link_id: int
    link_version: int
    relation: Relation
    primary_contact: bool
    guardian_id: int
    guardian_version: int
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    street: str
    postal_code: str
    city: str
    country_code: str
    language: Language | None
    restrictions: tuple[RestrictionRecord, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def may_contact(self, day: date) -> bool:
        return may_contact([r.as_rule() for r in self.restrictions], day)


@dataclass(frozen=True)
class StudentRecord:
    id: int
    version: int
    first_name: str
    last_name: str
    personal_code: str | None
    no_local_code: bool
    foreign_document_id: str
    birth_date: date
    class_name: str | None
    status: StudentStatus
    enrolled_on: date | None
    left_on: date | None
    leaving_reason: str
    language: Language | None
    full_capacity_from: date | None
    updated_at: datetime
    updated_by: str
    guardians: tuple[GuardianLink, ...] = field(default=())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class RosterRow(NamedTuple):
    """One student in the Roster table (the id first, as the table models expect)."""

    id: int
    last_name: str
    first_name: str
    personal_code: str | None
    class_name: str | None
    status: StudentStatus
    birth_date: date | None


# The columns RosterRow is read from, in its field order. Tuples, not ORM objects: 100k rows
# load in a fraction of a second.
ROSTER_COLUMNS = (
    Student.id,
    Student.last_name,
    Student.first_name,
    Student.personal_code,
    Student.class_name,
    Student.status,
    Student.birth_date,
)


def _link_record(link: StudentGuardian) -> GuardianLink:
    g = link.guardian
    return GuardianLink(
        link.id,
        link.version,
        link.relation,
        link.primary_contact,
        g.id,
        g.version,
        g.first_name,
        g.last_name,
        g.phone,
        g.email,
        g.street,
        g.postal_code,
        g.city,
        g.country_code,
        g.language,
        tuple(
            RestrictionRecord(
                r.id,
                r.kind,
                r.permanent,
                r.valid_from,
                r.valid_to,
                r.authority,
                r.reference,
                r.version,
            )
            for r in link.restrictions
        ),
    )


def student_record(s: Student) -> StudentRecord:
    return StudentRecord(
        s.id,
        s.version,
        s.first_name,
        s.last_name,
        s.personal_code,
        s.no_local_code,
        s.foreign_document_id,
        s.birth_date,
        s.class_name,
        s.status,
        s.enrolled_on,
        s.left_on,
        s.leaving_reason,
        s.language,
        s.full_capacity_from,
        s.updated_at,
        s.updated_by,
        tuple(_link_record(link) for link in s.guardian_links),
    )
