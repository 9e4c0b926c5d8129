"""D18 Harno Moodle forms for EE (R17, R18, R34, R61, R104): the institution application,
account deletion, the personal-code exception and the notice of a longer stay."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, timedelta

from desktop.db.models import Student
from desktop.domain.consent.working_days import within_working_days
from desktop.domain.dates import add_months
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus, clean_text
from desktop.i18n import N_, translator
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.letters.part import LetterPart

HARNO_DELETION_DAYS = 14  # R61: within 2 weeks of receipt
RETENTION_MONTHS = 6  # R17


def removal_due(course_end: date) -> date:
    """R17: users are removed from a finished course within 6 calendar months of its end."""
    return add_months(course_end, RETENTION_MONTHS)


class MoodleForms(LetterPart):
    """D18 Harno Moodle (EE)."""

    def print_moodle_application(
        self,
        admin_name: str,
        admin_username: str,
        admin_email: str,
        *,
        signatory: str = "",
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R18 (a)–(d): to moodle@tugi.edu.ee, signed digitally by a person with authority."""
        from desktop.documents.moodle_forms import InstitutionApplication, application_letter

        values = {"admin_name": admin_name, "admin_username": admin_username}
        values["admin_email"] = admin_email
        for field, value in values.items():
            if not clean_text(value):
                raise ValidationError(field, value, N_("is required"))
        school = self._school()
        language = school.default_language.value
        data = InstitutionApplication(
            school.name,
            clean_text(admin_name),
            clean_text(admin_username),
            clean_text(admin_email),
            clean_text(signatory),
        )
        request = DocumentRequest("moodle-institution-application", "D18 application", language)
        return self._letters(
            request.kind, [(request, application_letter(translator(language), data))], out
        )

    def print_moodle_deletion(
        self,
        student_id: int,
        *,
        username: str = "",
        email: str = "",
        received_on: date | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R61: refused while the student has active study work (is enrolled)."""
        from desktop.documents.moodle_forms import AccountDeletion, deletion_letter

        school = self._school()
        received_on = received_on or school.today()
        with self.read(Permission.VIEW_ROSTER) as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            if student.status == StudentStatus.ENROLLED:
                raise ValidationError(
                    "student",
                    student.full_name,
                    N_("still has active study work: remove them from the courses first"),
                )
            data = AccountDeletion(
                student.full_name,
                clean_text(username),
                clean_text(email),
                received_on,
                received_on + timedelta(days=HARNO_DELETION_DAYS),
            )
        language = school.default_language.value
        request = DocumentRequest(
            "moodle-account-deletion", f"D18 deletion {student.full_name}", language, student_id
        )
        return self._letters(
            request.kind, [(request, deletion_letter(translator(language), data))], out
        )

    def print_moodle_code_exception(
        self,
        student_id: int,
        *,
        username: str = "",
        email: str = "",
        submitted_on: date | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R34: for a student without an Estonian isikukood; answered within 1 working day."""
        from desktop.documents.moodle_forms import CodeException, exception_letter

        school = self._school()
        submitted_on = submitted_on or school.today()
        with self.read(Permission.VIEW_ROSTER) as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            if not student.no_local_code:
                raise ValidationError(
                    "student", student.full_name, N_("has an Estonian personal code")
                )
            data = CodeException(
                student.full_name,
                student.birth_date,
                student.foreign_document_id,
                clean_text(email),
                clean_text(username),
                within_working_days(submitted_on, 1),
            )
        language = school.default_language.value
        request = DocumentRequest(
            "moodle-code-exception", f"D18 exception {student.full_name}", language, student_id
        )
        return self._letters(
            request.kind, [(request, exception_letter(translator(language), data))], out
        )

    def print_moodle_longer_retention(
        self,
        student_ids: Sequence[int],
        course: str,
        course_end: date,
        kept_until: date,
        reason: str,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R17/R104: users kept on a finished course beyond course end + 6 months are told
        the longer period and the reason."""
        from desktop.documents.moodle_forms import LongerRetention, retention_letter

        if not clean_text(course):
            raise ValidationError("course", course, N_("is required"))
        if not clean_text(reason):
            raise ValidationError("reason", reason, N_("give the reason for keeping them longer"))
        due = removal_due(course_end)
        if kept_until <= due:
            raise ValidationError(
                "kept_until",
                kept_until,
                N_("must be after {date}; until then no notice is needed", date=due),
            )
        items = []
        with self.read(Permission.VIEW_ROSTER) as session:
            for student_id in student_ids:
                student = session.get(Student, student_id)
                if student is None:
                    raise NotFound("student", student_id)
                language = self._language(student_id=student_id)
                data = LongerRetention(
                    self._student_recipient(student),
                    student.full_name,
                    clean_text(course),
                    course_end,
                    due,
                    kept_until,
                    clean_text(reason),
                )
                request = DocumentRequest(
                    "moodle-longer-retention",
                    f"D18 {clean_text(course)} → {student.full_name}",
                    language,
                    student_id,
                )
                items.append((request, retention_letter(translator(language), data)))
        return self._letters("moodle-longer-retention", items, out)
