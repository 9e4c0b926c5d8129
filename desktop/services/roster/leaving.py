"""A student leaving (R7, R13) and coming back."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from desktop.db.models import Student
from desktop.domain.errors import ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roster import StudentStatus, check_class_name, check_leaving, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.roster.part import RosterPart
from desktop.services.roster.records import StudentRecord, student_record


class Leaving(RosterPart):
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
