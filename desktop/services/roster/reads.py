"""What the roster reads: the table's rows, the class names, one student, and whether a guardian
may be contacted about a child (R15, R114)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from desktop.db.models import ContactRestriction, Guardian, Student, StudentGuardian
from desktop.domain.errors import NotFound
from desktop.domain.personal_codes import normalise_code_text
from desktop.domain.roles import Permission
from desktop.domain.roster import Restriction, class_sort_key, may_contact
from desktop.services.roster.part import RosterPart
from desktop.services.roster.records import (
    ROSTER_COLUMNS,
    ContactRestricted,
    GuardianLink,
    RosterRow,
    StudentRecord,
    student_record,
)
from desktop.services.school import SchoolService


class Reads(RosterPart):
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
