"""Roster use cases: students, guardians, links, leaving, contact restrictions.

Reads for the roster table come back as plain tuples from SQLAlchemy Core (fast for 100k
rows); one student is edited through the ORM with its version counter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from desktop.db.models import ContactRestriction, Guardian, Student, StudentGuardian
from desktop.domain.errors import (
    NotFound,
    SchoolOfficeError,
    ValidationError,
    ValidationErrors,
)
from desktop.domain.inputs import coerce_enum
from desktop.domain.personal_codes import normalise_code_text
from desktop.domain.roles import Permission
from desktop.domain.roster import (
    Language,
    Relation,
    Restriction,
    RestrictionKind,
    StudentStatus,
    check_class_name,
    check_email,
    check_identity,
    check_leaving,
    check_name,
    check_phone,
    check_restriction,
    class_sort_key,
    clean_text,
    fold,
    may_contact,
    parse_language,
    phone_key,
)
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.school import SchoolService

# Called inside the leaving transaction (R7, R13): cards close, subscriptions end.
LeavingHandler = Callable[[Session, Student, date], None]
# Called inside the transaction that records an authority restriction (R15): subscriptions end.
# (session, student_id, guardian_id, valid_from)
RestrictionHandler = Callable[[Session, int, int, date], None]
_Row = TypeVar("_Row", Student, Guardian, StudentGuardian, ContactRestriction)


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


def _collect(checks: list[Callable[[], object]]) -> list[object]:
    """Run every field check and report all failures together, so a form marks every field."""
    results, errors = [], []
    for check in checks:
        try:
            results.append(check())
        except ValidationError as exc:
            errors.append(exc)
            results.append(None)
    if errors:
        raise ValidationErrors(errors)
    return results


def _check_country_code(value: str) -> str:
    country = clean_text(value).upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValidationError("country_code", value, N_("use a two-letter code: EE, SI"))
    return country


def clean_guardian(data: GuardianInput) -> dict[str, object]:
    first, last, phone, email, language, country = _collect(
        [
            lambda: check_name("first_name", data.first_name),
            lambda: check_name("last_name", data.last_name),
            lambda: check_phone(data.phone),
            lambda: check_email(data.email),
            lambda: parse_language(data.language),
            lambda: _check_country_code(data.country_code),
        ]
    )
    return {
        "first_name": first,
        "last_name": last,
        "phone": phone,
        "email": email,
        "street": clean_text(data.street),
        "postal_code": clean_text(data.postal_code),
        "city": clean_text(data.city),
        "country_code": country,
        "language": language,
    }


class RosterService(Service):
    def __init__(self, db, actor):
        super().__init__(db, actor)
        self.leaving_handlers: list[LeavingHandler] = []
        self.restriction_handlers: list[RestrictionHandler] = []

    # ---- reads -------------------------------------------------------------------------

    def table_rows(self, student_ids: Sequence[int] | None = None) -> list[RosterRow]:
        """Every student (or these ones) as a RosterRow. Unordered: the table sorts in Python
        anyway, and at 100k students ORDER BY and ORM machinery would double the load."""
        stmt = select(*ROSTER_COLUMNS)
        if student_ids is not None:
            stmt = stmt.where(Student.id.in_(list(student_ids)))
        with self.read(Permission.VIEW_ROSTER) as session:
            # Measured at 100k rows: making RosterRows while reading costs about what .all()'s
            # Row objects did, and RosterData builds no slower over them (issue 18 item 2).
            return list(map(RosterRow._make, session.connection().execute(stmt)))

    def class_names(self) -> list[str]:
        with self.read(Permission.VIEW_ROSTER) as session:
            stmt = select(Student.class_name).where(Student.class_name.is_not(None)).distinct()
            return sorted(session.scalars(stmt), key=class_sort_key)

    def get(self, student_id: int) -> StudentRecord:
        with self.read(Permission.VIEW_ROSTER) as session:
            return student_record(self._load(session, student_id))

    def find_by_code(self, personal_code: str) -> StudentRecord:
        country = SchoolService(self.db, self.actor).require_school().country
        code = normalise_code_text(personal_code, country)
        with self.read(Permission.VIEW_ROSTER) as session:
            student_id = session.scalar(select(Student.id).where(Student.personal_code == code))
            if student_id is None:
                raise NotFound("student with personal code", personal_code)
            return student_record(self._load(session, student_id))

    def contactable_guardians(self, student_id: int, on: date) -> list[GuardianLink]:
        """The guardians who may receive letters about this child on this day (R15)."""
        return [g for g in self.get(student_id).guardians if g.may_contact(on)]

    def assert_may_contact(self, student_id: int, guardian_id: int, on: date) -> None:
        """Every letter, export and notice to a guardian goes through this check (R15, R114).

        One query: batches of a thousand letters run it once per letter."""
        with self.read(Permission.VIEW_ROSTER) as session:
            rows = session.execute(
                select(
                    StudentGuardian.id,
                    ContactRestriction.kind,
                    ContactRestriction.permanent,
                    ContactRestriction.valid_from,
                    ContactRestriction.valid_to,
                )
                .outerjoin(ContactRestriction, ContactRestriction.link_id == StudentGuardian.id)
                .where(
                    StudentGuardian.student_id == student_id,
                    StudentGuardian.guardian_id == guardian_id,
                )
            ).all()
            if not rows:
                raise NotFound("guardian link", f"student {student_id}, guardian {guardian_id}")
            restrictions = [
                Restriction(r.kind, r.permanent, r.valid_from, r.valid_to)
                for r in rows
                if r.kind is not None
            ]
            if may_contact(restrictions, on):
                return
            guardian = session.execute(
                select(Guardian.first_name, Guardian.last_name).where(Guardian.id == guardian_id)
            ).one()
            student = session.execute(
                select(Student.first_name, Student.last_name).where(Student.id == student_id)
            ).one()
        raise ContactRestricted(" ".join(guardian), " ".join(student))

    @staticmethod
    def _load(session: Session, student_id: int) -> Student:
        student = session.scalar(
            select(Student)
            .where(Student.id == student_id)
            .options(
                selectinload(Student.guardian_links).selectinload(StudentGuardian.guardian),
                selectinload(Student.guardian_links).selectinload(StudentGuardian.restrictions),
            )
        )
        if student is None:
            raise NotFound("student", student_id)
        return student

    @contextmanager
    def _editing(
        self, entity: str, model: type[_Row], row_id: int, version: int
    ) -> Iterator[tuple[Session, _Row]]:
        """One roster write to one row: found (else NotFound) and as the secretary last saw it
        (else ConflictError, also when another save wins the race in the UPDATE itself)."""
        with self._saving(entity, model, row_id), self.write(Permission.EDIT_ROSTER) as session:
            if model is Student:
                row = self._load(session, row_id)  # with its guardians and restrictions
            else:
                row = session.get(model, row_id)
                if row is None:
                    raise NotFound(entity, row_id)
            ensure_version(row, version, entity)
            yield session, row

    # ---- student writes ----------------------------------------------------------------

    def _clean_student(self, data: StudentInput, *, enrolled: bool) -> dict[str, object]:
        country = SchoolService(self.db, self.actor).require_school().country
        first, last, identity, class_name, language = _collect(
            [
                lambda: check_name("first_name", data.first_name),
                lambda: check_name("last_name", data.last_name),
                lambda: check_identity(
                    country, data.personal_code, data.birth_date, no_local_code=data.no_local_code
                ),
                lambda: check_class_name(data.class_name, required=enrolled),
                lambda: parse_language(data.language),
            ]
        )
        return {
            "first_name": first,
            "last_name": last,
            "personal_code": identity.personal_code,
            "no_local_code": identity.no_local_code,
            "birth_date": identity.birth_date,
            "class_name": class_name,
            "language": language,
            "foreign_document_id": clean_text(data.foreign_document_id),
            "enrolled_on": data.enrolled_on,
            "full_capacity_from": data.full_capacity_from,
        }

    def create_student(self, data: StudentInput) -> StudentRecord:
        values = self._clean_student(data, enrolled=True)
        with self.write(Permission.EDIT_ROSTER) as session:
            self._check_code_free(session, values["personal_code"], None)
            student = Student(status=StudentStatus.ENROLLED, **values)
            session.add(student)
            session.flush()
            return student_record(self._load(session, student.id))

    def update_student(self, student_id: int, version: int, data: StudentInput) -> StudentRecord:
        with self._editing("student", Student, student_id, version) as (session, student):
            values = self._clean_student(data, enrolled=student.status is StudentStatus.ENROLLED)
            self._check_code_free(session, values["personal_code"], student_id)
            for key, value in values.items():
                setattr(student, key, value)
            session.flush()
            return student_record(student)

    def mark_left(
        self,
        student_id: int,
        version: int,
        left_on: date,
        reason: str = "",
        status: StudentStatus = StudentStatus.LEFT,
    ) -> StudentRecord:
        """R7/R13: leaving closes cards and ends subscriptions in this same transaction."""
        status = coerce_enum(StudentStatus, "status", status)
        reason = clean_text(reason)
        with self._editing("student", Student, student_id, version) as (session, student):
            self.leave(session, student, status, left_on, reason)
            session.flush()
            return student_record(student)

    def leave(
        self, session: Session, student: Student, status: StudentStatus, left_on: date, reason: str
    ) -> None:
        """The leaving step itself, for callers that already hold the transaction (import)."""
        status = coerce_enum(StudentStatus, "status", status)
        if student.status != StudentStatus.ENROLLED:
            raise ValidationError(
                "status",
                student.status.value,
                N_("{name} is not enrolled any more", name=student.full_name),
            )
        check_leaving(status, left_on, reason, student.enrolled_on)
        student.status = status
        student.left_on = left_on
        student.leaving_reason = reason
        for handler in self.leaving_handlers:
            handler(session, student, left_on)

    def re_enrol(self, student_id: int, version: int, class_name: str, on: date) -> StudentRecord:
        """Undo a leaving entered by mistake, or a student who comes back."""
        with self._editing("student", Student, student_id, version) as (session, student):
            student.class_name = check_class_name(class_name, required=True)
            student.status = StudentStatus.ENROLLED
            student.enrolled_on = on
            student.left_on = None
            student.leaving_reason = ""
            session.flush()
            return student_record(student)

    @staticmethod
    def _check_code_free(session: Session, code: object, own_id: int | None) -> None:
        if not code:
            return
        other = session.execute(
            select(Student.id, Student.first_name, Student.last_name).where(
                Student.personal_code == code
            )
        ).first()
        if other is not None and other.id != own_id:
            raise ValidationErrors(
                [
                    ValidationError(
                        "personal_code",
                        code,
                        N_(
                            "already belongs to {name}",
                            name=" ".join((other.first_name, other.last_name)),
                        ),
                    )
                ]
            )

    # ---- guardians ---------------------------------------------------------------------

    def add_guardian(
        self,
        student_id: int,
        data: GuardianInput,
        relation: Relation = Relation.GUARDIAN,
        *,
        existing_guardian_id: int | None = None,
    ) -> StudentRecord:
        """Link a guardian to a student.

        A guardian already on the roster (a sibling's parent: same name and the same e-mail or
        phone) is linked rather than entered twice, so a contact change reaches every child.
        """
        relation = coerce_enum(Relation, "relation", relation)
        values = None if existing_guardian_id else clean_guardian(data)
        with self.write(Permission.EDIT_ROSTER) as session:
            student = self._load(session, student_id)
            if existing_guardian_id:
                guardian = session.get(Guardian, existing_guardian_id)
                if guardian is None:
                    raise NotFound("guardian", existing_guardian_id)
            else:
                guardian = _same_guardian(session, values)
                if guardian is None:
                    guardian = Guardian(**values)
                    session.add(guardian)
            if any(link.guardian is guardian for link in student.guardian_links):
                raise ValidationError("guardian", guardian.full_name, N_("is already linked"))
            student.guardian_links.append(
                StudentGuardian(
                    guardian=guardian,
                    relation=relation,
                    primary_contact=not student.guardian_links,
                )
            )
            session.flush()
            return student_record(self._load(session, student_id))

    def update_guardian(self, guardian_id: int, version: int, data: GuardianInput) -> None:
        values = clean_guardian(data)
        with self._editing("guardian", Guardian, guardian_id, version) as (_session, guardian):
            for key, value in values.items():
                setattr(guardian, key, value)

    def unlink_guardian(self, link_id: int, version: int) -> None:
        with self._editing("guardian link", StudentGuardian, link_id, version) as (session, link):
            if link.restrictions:
                # R15: the authority's measure is a record the school must keep.
                raise ValidationError(
                    "guardian",
                    link.guardian.full_name,
                    N_(
                        "has a recorded contact restriction; end the restriction instead of "
                        "removing the guardian"
                    ),
                )
            session.delete(link)

    def update_link(
        self, link_id: int, version: int, relation: Relation, primary_contact: bool
    ) -> StudentRecord:
        """Change how a guardian relates to a child; one primary contact per child."""
        relation = coerce_enum(Relation, "relation", relation)
        with self._editing("guardian link", StudentGuardian, link_id, version) as (session, link):
            link.relation = relation
            if primary_contact and not link.primary_contact:
                for other in link.student.guardian_links:
                    if other is not link and other.primary_contact:
                        other.primary_contact = False
            link.primary_contact = primary_contact
            session.flush()
            return student_record(self._load(session, link.student_id))

    # ---- restrictions (R15) ------------------------------------------------------------

    def add_restriction(
        self,
        link_id: int,
        kind: RestrictionKind,
        *,
        permanent: bool,
        valid_from: date,
        valid_to: date | None,
        authority: str,
        reference: str = "",
    ) -> RestrictionRecord:
        kind = coerce_enum(RestrictionKind, "kind", kind)
        check_restriction(kind, permanent, valid_from, valid_to, authority)
        with self.write(Permission.EDIT_ROSTER) as session:
            link = session.get(StudentGuardian, link_id)
            if link is None:
                raise NotFound("guardian link", link_id)
            restriction = ContactRestriction(
                link=link,
                kind=kind,
                permanent=permanent,
                valid_from=valid_from,
                valid_to=valid_to,
                authority=clean_text(authority),
                reference=clean_text(reference),
            )
            session.add(restriction)
            session.flush()
            for handler in self.restriction_handlers:
                handler(session, link.student_id, link.guardian_id, valid_from)
            return RestrictionRecord(
                restriction.id,
                restriction.kind,
                permanent,
                valid_from,
                valid_to,
                restriction.authority,
                restriction.reference,
                restriction.version,
            )

    def end_restriction(self, restriction_id: int, version: int, last_day: date) -> None:
        """A measure lifted or shortened by the authority: it stays on record, ending on
        `last_day` (R15). Letters may go to the guardian again from the next day."""
        editing = self._editing("contact restriction", ContactRestriction, restriction_id, version)
        with editing as (_session, restriction):
            if last_day < restriction.valid_from:
                raise ValidationError(
                    "valid_to",
                    last_day.isoformat(),
                    N_("is before the start {date}", date=restriction.valid_from.isoformat()),
                )
            restriction.permanent = False
            restriction.valid_to = last_day

    # ---- helpers -----------------------------------------------------------------------


def _same_guardian(session: Session, values: dict[str, object]) -> Guardian | None:
    """An existing guardian with the same name and the same e-mail or phone (siblings)."""
    email, phone = values["email"], values["phone"]
    if not (email or phone):
        return None
    candidates = session.scalars(
        select(Guardian).where(Guardian.last_name == values["last_name"]).limit(200)
    )
    for g in candidates:
        if fold(g.first_name) != fold(str(values["first_name"])):
            continue
        if email and g.email and fold(g.email) == fold(str(email)):
            return g
        if phone and g.phone and phone_key(g.phone) == phone_key(str(phone)):
            return g
    return None
