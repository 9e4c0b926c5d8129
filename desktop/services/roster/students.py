"""Entering and editing a student: every field checked at once, the personal code unique."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Student
from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.domain.roles import Permission
from desktop.domain.roster import (
    StudentStatus,
    check_class_name,
    check_identity,
    check_name,
    clean_text,
    parse_language,
)
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.roster.part import RosterPart, collect
from desktop.services.roster.records import StudentInput, StudentRecord, student_record
from desktop.services.school import SchoolService


class Students(RosterPart):
    def _clean_student(self, data: StudentInput, *, enrolled: bool) -> dict[str, object]:
        country = SchoolService(self.db, self.actor).require_school().country
        first, last, identity, class_name, language = collect(
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
