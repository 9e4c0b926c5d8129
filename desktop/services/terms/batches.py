"""Printing terms for many people at once: the (student, guardian) pairs of a class or of chosen
students, a request per copy in each recipient's language (R48: an adult student who forbade
data to the parents gets one copy instead), and the batch PDF with who each copy is for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from desktop.db.models import Guardian, Student, StudentGuardian
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus
from desktop.domain.salutation import Gender
from desktop.services.documents import BatchBuild, CancelCheck, DocumentRequest, Produced, Progress
from desktop.services.school import SchoolService
from desktop.services.terms.part import TermsPart
from desktop.services.terms.records import KIND

if TYPE_CHECKING:
    from desktop.documents.terms_print import CopyRecipient


class Batches(TermsPart):
    def requests_for(
        self, key: str, recipients: Iterable[tuple[int, int | None]]
    ) -> list[DocumentRequest]:
        """Batch requests for (student id, guardian id or None) pairs, each in the guardian's
        language (else the student's, else the school's); an adult student who forbade data to
        the parents gets one copy instead of the guardians (R48)."""
        pairs = list(recipients)
        document = self.document(key)
        school_language = SchoolService(self.db, self.actor).require_school().default_language
        with self.read(Permission.VIEW_ROSTER) as session:
            guardian_ids = {g for _, g in pairs if g is not None}
            student_ids = {s for s, _ in pairs}
            guardian_language = dict(
                session.execute(
                    select(Guardian.id, Guardian.language).where(Guardian.id.in_(guardian_ids))
                ).all()
            )
            student_language = dict(
                session.execute(
                    select(Student.id, Student.language).where(Student.id.in_(student_ids))
                ).all()
            )
        requests = []
        for student_id, guardian_id in pairs:
            language = (
                guardian_language.get(guardian_id)
                or student_language.get(student_id)
                or school_language
            ).value
            requests.append(
                DocumentRequest(KIND, document.title(language), language, student_id, guardian_id)
            )
        resolved = self.documents.resolve_addressees(requests)  # R48: the adult student, once
        return [replace(r, title=document.title(r.language)) for r in resolved]

    def recipients(
        self, student_ids: Iterable[int] = (), class_name: str | None = None
    ) -> list[tuple[int, int | None]]:
        """(student, guardian) pairs for a batch: every guardian of the given students, or of
        the enrolled students of a class; (student, None) for a student without guardians.
        Restrictions are applied later, by DocumentService.split_contactable."""
        with self.read(Permission.VIEW_ROSTER) as session:
            stmt = (
                select(Student.id, StudentGuardian.guardian_id)
                .outerjoin(StudentGuardian, StudentGuardian.student_id == Student.id)
                .order_by(Student.last_name, Student.first_name, Student.id, StudentGuardian.id)
            )
            if class_name is not None:
                stmt = stmt.where(
                    Student.class_name == class_name, Student.status == StudentStatus.ENROLLED
                )
            else:
                stmt = stmt.where(Student.id.in_(list(student_ids)))
            return [(student_id, guardian_id) for student_id, guardian_id in session.execute(stmt)]

    def batch_builder(self, key: str, on: date | None = None) -> BatchBuild:
        """build(requests, infos, progress, cancel) for DocumentService.produce_batch: a copy of
        the version in force on `on` (default today) for each request, in its language."""
        # The document builders load when copies are printed, not with the terms services.
        from desktop.documents.terms_print import TermsCopy, render_terms_batch

        school = SchoolService(self.db, self.actor).require_school()
        document = self.document(key)
        version = self.require_in_force(key, on or school.today())
        printable = self._printable(document, version, None, school.country)
        letterhead = self.documents.letterhead()
        fallback = school.default_language.value

        def build(requests, infos, progress=None, cancel=None) -> bytes:
            names = self._recipient_names(requests)
            recipients = self._copy_recipients(requests, school.country.value)
            copies = [
                TermsCopy(
                    printable,
                    r.language,
                    names.get((r.student_id, r.guardian_id), ""),
                    recipients.get((r.student_id, r.guardian_id)),
                )
                for r in requests
            ]
            title = self._title(document, version, fallback)
            return render_terms_batch(
                copies, letterhead, infos, fallback, progress, cancel, title=title
            )

        return build

    def print_batch(
        self,
        key: str,
        requests: Sequence[DocumentRequest],
        on: date | None = None,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> Produced:
        """One PDF with a copy for each request (all must pass split_contactable first)."""
        build = self.batch_builder(key, on)
        return self.documents.produce_batch(
            requests, lambda infos, p, c: build(requests, infos, p, c), progress, cancel
        )

    def _copy_recipients(
        self, requests: Sequence[DocumentRequest], country: str
    ) -> dict[tuple[int | None, int | None], CopyRecipient]:
        """Who each copy of a class batch is for: printed on its first page (D1)."""
        from desktop.documents.terms_print import CopyRecipient
        from desktop.domain.salutation import gender_from_code

        student_ids = {r.student_id for r in requests if r.student_id is not None}
        guardian_ids = {r.guardian_id for r in requests if r.guardian_id is not None}
        with self.db.read() as session:
            students = {
                i: (f"{first} {last}", cls or "", gender_from_code(code, country))
                for i, first, last, cls, code in session.execute(
                    select(
                        Student.id,
                        Student.first_name,
                        Student.last_name,
                        Student.class_name,
                        Student.personal_code,
                    ).where(Student.id.in_(student_ids))
                )
            }
            guardians = {
                i: f"{first} {last}"
                for i, first, last in session.execute(
                    select(Guardian.id, Guardian.first_name, Guardian.last_name).where(
                        Guardian.id.in_(guardian_ids)
                    )
                )
            }
        out = {}
        for r in requests:
            name, cls, gender = students.get(r.student_id, ("", "", None))
            guardian = guardians.get(r.guardian_id, "")
            if guardian:
                out[(r.student_id, r.guardian_id)] = CopyRecipient(
                    guardian, name, cls, gender or Gender.UNKNOWN
                )
            elif name:
                out[(r.student_id, r.guardian_id)] = CopyRecipient(name, "", cls)
        return out

    def _recipient_names(
        self, requests: Sequence[DocumentRequest]
    ) -> dict[tuple[int | None, int | None], str]:
        """'Kadri Õunapuu (Mari Õunapuu)' per (student, guardian): the batch's bookmarks."""
        student_ids = {r.student_id for r in requests if r.student_id is not None}
        guardian_ids = {r.guardian_id for r in requests if r.guardian_id is not None}
        with self.db.read() as session:
            students = {
                i: f"{first} {last}"
                for i, first, last in session.execute(
                    select(Student.id, Student.first_name, Student.last_name).where(
                        Student.id.in_(student_ids)
                    )
                )
            }
            guardians = {
                i: f"{first} {last}"
                for i, first, last in session.execute(
                    select(Guardian.id, Guardian.first_name, Guardian.last_name).where(
                        Guardian.id.in_(guardian_ids)
                    )
                )
            }
        names = {}
        for r in requests:
            student = students.get(r.student_id, "")
            guardian = guardians.get(r.guardian_id, "")
            names[(r.student_id, r.guardian_id)] = (
                f"{guardian} ({student})" if guardian and student else guardian or student
            )
        return names
