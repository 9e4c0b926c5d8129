"""The adult student's prohibition (R48, R100): registering and withdrawing it, and the
recipient check that keeps everything about the student from the guardians."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import AdultProhibitionRow, Guardian, Student
from desktop.domain.consent.ages import SI_FULL_CAPACITY
from desktop.domain.consent.prohibition import AdultProhibition, register_adult_prohibition
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_
from desktop.services.base import ensure_version
from desktop.services.consent.part import person_name
from desktop.services.consent.records import ProhibitionRecord
from desktop.services.consent.settings import Settings
from desktop.services.roster import ContactRestricted
from desktop.services.school import SchoolService


class DataBlockedByStudent(ContactRestricted):
    """R48: the adult student forbade passing their data to the parents."""

    def __init__(self, guardian_name: str, student_name: str, since: date):
        self.guardian_name = guardian_name
        self.student_name = student_name
        self.since = since
        Exception.__init__(
            self,
            N_(
                "{guardian} may not receive anything about {student}: the student, of full "
                "age, forbade passing data to the parents from {date}",
                guardian=guardian_name,
                student=student_name,
                date=since,
            ),
        )


class Prohibitions(Settings):
    def register_prohibition(
        self,
        student_id: int,
        received_on: date,
        *,
        handwritten_signature: bool,
        letter_reference: str = "",
    ) -> ProhibitionRecord:
        """R48/R100: from `received_on` nothing about the student goes to any guardian; the
        subscription ends the next day (handlers, in this transaction). Refused before full
        legal capacity (18, or the roster's 'full capacity from' date) or without a signature."""
        today = SchoolService(self.db, self.actor).require_school().today()
        if received_on > today:
            raise ValidationError("received_on", received_on.isoformat(), N_("is in the future"))
        rule = self.settings().age_rules[SI_FULL_CAPACITY]
        with self.write(Permission.MANAGE_CONSENT, reason="adult prohibition") as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            prohibition = register_adult_prohibition(
                student.birth_date,
                received_on,
                handwritten_signature=handwritten_signature,
                capacity_from=student.full_capacity_from,
                rule=rule,
            )
            if self._active_prohibition(session, student_id, received_on) is not None:
                raise ValidationError(
                    "student", student.full_name, N_("a prohibition is already registered")
                )
            row = AdultProhibitionRow(
                student_id=student_id,
                received_on=received_on,
                handwritten_signature=True,
                letter_reference=clean_text(letter_reference),
                age_basis=str(prohibition.age_basis),
            )
            session.add(row)
            session.flush()
            for handler in self.prohibition_handlers:
                handler(session, student_id, prohibition)
            return prohibition_record(row)

    def withdraw_prohibition(
        self, prohibition_id: int, expected_version: int, on: date
    ) -> ProhibitionRecord:
        """The adult student allows data to the parents again from `on` (their own letter)."""
        with self.write(Permission.MANAGE_CONSENT, reason="adult prohibition withdrawn") as session:
            row = session.get(AdultProhibitionRow, prohibition_id)
            if row is None:
                raise NotFound("prohibition", prohibition_id)
            ensure_version(row, expected_version, "prohibition")
            if row.withdrawn_on is not None:
                raise ValidationError(
                    "withdrawn_on", row.withdrawn_on.isoformat(), N_("was already withdrawn")
                )
            if on <= row.received_on:
                raise ValidationError(
                    "withdrawn_on",
                    on.isoformat(),
                    N_("must be after {date}", date=row.received_on),
                )
            row.withdrawn_on = on
            session.flush()
            return prohibition_record(row)

    def prohibitions(self, student_id: int | None = None) -> list[ProhibitionRecord]:
        with self.read(Permission.VIEW_ROSTER) as session:
            stmt = (
                select(AdultProhibitionRow, Student.first_name, Student.last_name)
                .join(Student, Student.id == AdultProhibitionRow.student_id)
                .order_by(AdultProhibitionRow.received_on.desc())
            )
            if student_id is not None:
                stmt = stmt.where(AdultProhibitionRow.student_id == student_id)
            return [
                replace(prohibition_record(r), student_name=person_name(first, last))
                for r, first, last in session.execute(stmt)
            ]

    @staticmethod
    def _active_prohibition(session: Session, student_id: int, on: date):
        return session.scalar(
            select(AdultProhibitionRow)
            .where(
                AdultProhibitionRow.student_id == student_id,
                AdultProhibitionRow.received_on <= on,
                (AdultProhibitionRow.withdrawn_on.is_(None))
                | (AdultProhibitionRow.withdrawn_on > on),
            )
            .limit(1)
        )

    def check_adult_prohibition(self, student_id: int, guardian_id: int, day: date) -> None:
        """A DocumentService recipient check (R48 a): raise for every guardian of an adult
        student who forbade passing data to the parents."""
        with self.db.read() as session:
            row = self._active_prohibition(session, student_id, day)
            if row is None:
                return
            student = session.get(Student, student_id)
            guardian = session.get(Guardian, guardian_id)
            raise DataBlockedByStudent(
                guardian.full_name if guardian else f"guardian {guardian_id}",
                student.full_name,
                row.received_on,
            )


def prohibition_record(row: AdultProhibitionRow) -> ProhibitionRecord:
    return ProhibitionRecord(
        row.id,
        row.student_id,
        row.received_on,
        row.letter_reference,
        row.age_basis,
        row.withdrawn_on,
        AdultProhibition(row.received_on).subscription_ends_on,
        row.version,
        row.created_by,
        row.created_at,
    )
