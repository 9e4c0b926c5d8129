"""D6 the adult student's prohibition (R48, R100): the form, the confirmation of its
withdrawal, whether the student is the addressee, and the daily job "addressee-changes"."""

from __future__ import annotations

import os
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import AdultProhibitionRow, Student
from desktop.domain.consent.ages import SI_FULL_CAPACITY, evaluate_age_rule
from desktop.domain.dates import birthday_in
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus
from desktop.domain.salutation import gender_from_code
from desktop.i18n import N_, translator
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.letters.part import LetterPart

ADULT_AGE = 18  # R48 proposal: full capacity on the 18th birthday


class AdultLetters(LetterPart):
    """D6 the adult student's prohibition (R48, R100)."""

    def print_prohibition_form(
        self, student_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """The form the adult student signs by hand, pre-filled from the roster."""
        from desktop.documents.adult_letters import (
            FORM_TITLE,
            ProhibitionForm,
            prohibition_form_body,
        )

        school = self._school()
        self._require_country("adult-prohibition-form")
        with self.read(Permission.VIEW_ROSTER) as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            self._require_capacity(session, student, school.today())
            guardians = tuple(link.guardian.full_name for link in student.guardian_links)
            _provider, settings = self._issuer(session)
            addresses = (
                (school.name, tuple(school.address_lines)),
                (settings.entity_name, settings.entity_address_lines),
            )
            form = ProhibitionForm(
                student.full_name,
                student.birth_date,
                student.class_name or "",
                school.name,
                guardians,
                addresses,
                gender_from_code(student.personal_code, school.country.value),
            )
            language = self._language(student_id=student_id)
        request = DocumentRequest(
            "adult-prohibition-form", f"D6 {student.full_name}", language, student_id
        )
        return self._form(request, FORM_TITLE, lambda tr: prohibition_form_body(tr, form), out)

    @staticmethod
    def _require_capacity(session: Session, student: Student, today: date) -> None:
        from desktop.services.consent.settings import load_settings

        rule = load_settings(session).age_rules[SI_FULL_CAPACITY]
        decision = evaluate_age_rule(
            rule, student.birth_date, today, capacity_from=student.full_capacity_from
        )
        if not decision.allowed:
            raise ValidationError(
                "student",
                student.full_name,
                N_("has full legal capacity only from {date}", date=decision.reached_on),
            )

    def print_prohibition_withdrawal(
        self, prohibition_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """The confirmation, to the student, that the prohibition no longer applies."""
        from desktop.documents.adult_letters import ProhibitionWithdrawal, withdrawal_letter

        with self.read(Permission.VIEW_ROSTER) as session:
            row = session.get(AdultProhibitionRow, prohibition_id)
            if row is None:
                raise NotFound("prohibition", prohibition_id)
            if row.withdrawn_on is None:
                raise ValidationError("prohibition", prohibition_id, N_("has not been withdrawn"))
            student = session.get(Student, row.student_id)
            data = ProhibitionWithdrawal(
                self._student_recipient(student),
                student.full_name,
                row.received_on,
                row.withdrawn_on,
                gender_from_code(student.personal_code, self._school().country.value),
            )
        language = self._language(student_id=student.id)
        request = DocumentRequest(
            "adult-prohibition-withdrawal", f"D6 {student.full_name}", language, student.id
        )
        return self._letters(
            request.kind, [(request, withdrawal_letter(translator(language), data))], out
        )

    def adult_addressee(self, student_id: int, day: date) -> bool:
        """R48: of full age and has forbidden data to the parents on `day`."""
        with self.db.read() as session:
            return (
                session.scalar(
                    select(AdultProhibitionRow.id)
                    .where(
                        AdultProhibitionRow.student_id == student_id,
                        AdultProhibitionRow.received_on <= day,
                        (AdultProhibitionRow.withdrawn_on.is_(None))
                        | (AdultProhibitionRow.withdrawn_on > day),
                    )
                    .limit(1)
                )
                is not None
            )

    def addressee_changes(self, session: Session, today: date) -> str:
        """Daily job: students who come of age today. From now on their own prohibition can
        make them the addressee of the letters about them (R48)."""
        students = session.scalars(
            select(Student).where(Student.status == StudentStatus.ENROLLED)
        ).all()
        due = sorted(
            s.full_name
            for s in students
            if s.birth_date.year + ADULT_AGE == today.year
            and birthday_in(s.birth_date, today.year) == today
        )
        if not due:
            return "no student comes of age today"
        return f"addressee changes: {len(due)} student(s) of full age from today: " + ", ".join(due)
