"""Producing documents: every PDF the app prints goes through here.

The service decides the language (the recipient guardian's, else the school's), refuses a
recipient who may not be contacted (R15, R48: the checks are pluggable so consent can add the
adult student's prohibition), numbers each document, and records it (kind, subject, language,
who, when, sha256) so it shows in the student's history and in a data-access export.

The PDF is built OUTSIDE the database transaction: a 1,000-letter batch must not hold the
SQLite write lock while reportlab works. Numbers are reserved first; a failed or cancelled
build removes its reservations again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select, update

from desktop.db.bulk import bulk_insert
from desktop.db.models import GeneratedDocument, Guardian, Student
from desktop.documents.kinds import is_stop_notice
from desktop.documents.model import DocumentInfo, SchoolProfile, make_document_id
from desktop.domain import clock
from desktop.domain.errors import CancelCheck, Progress, SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.services.base import Service
from desktop.services.roster import RosterService
from desktop.services.school import SchoolService

# (student_id, guardian_id, day) → raises ContactRestricted (or another SchoolOfficeError)
RecipientCheck = Callable[[int, int, date], None]


@dataclass(frozen=True)
class DocumentRequest:
    kind: str  # "terms", "cancellation-letter", "access-export", "reminder-1", …
    title: str
    language: str
    student_id: int | None = None
    guardian_id: int | None = None  # the recipient, when the document goes to a guardian


# A batch's PDF from the requests that may be printed: build(requests, infos, progress, cancel),
# wrapped into produce_batch's build by whoever prints (see desktop.ui.dialogs.batch_print).
BatchBuild = Callable[
    [Sequence[DocumentRequest], list[DocumentInfo], Progress | None, CancelCheck | None], bytes
]


@dataclass(frozen=True)
class Produced:
    pdf: bytes
    document_ids: tuple[str, ...]
    sha256: str


@dataclass(frozen=True)
class DocumentRecord:
    document_id: str
    kind: str
    title: str
    language: str
    student_id: int | None
    guardian_id: int | None
    generated_at: datetime
    generated_by: str
    sha256: str
    batch: str


class DocumentService(Service):
    def __init__(self, db, actor, roster: RosterService):
        super().__init__(db, actor)
        self.roster = roster
        self.recipient_checks: list[RecipientCheck] = [self._roster_restrictions]

    # ---- what every document needs -----------------------------------------------------

    def letterhead(self) -> SchoolProfile:
        school_service = SchoolService(self.db, self.actor)
        school = school_service.require_school()
        return SchoolProfile(
            name=school.name,
            address_lines=tuple(school.address_lines),
            country=school.country.value,
            registry_code=school.registry_code,
            phone=school.phone,
            email=school.email,
            logo=school_service.logo(),
        )

    def language_for(self, *, guardian_id: int | None = None, student_id: int | None = None):
        """The recipient guardian's language, else the student's, else the school's."""
        with self.db.read() as session:
            if guardian_id is not None:
                language = session.scalar(
                    select(Guardian.language).where(Guardian.id == guardian_id)
                )
                if language:
                    return language.value
            if student_id is not None:
                language = session.scalar(select(Student.language).where(Student.id == student_id))
                if language:
                    return language.value
        return SchoolService(self.db, self.actor).require_school().default_language.value

    def check_recipient(self, request: DocumentRequest, on: date | None = None) -> None:
        """R15/R48: raise if nothing may go to this guardian about this child today."""
        if request.guardian_id is None or request.student_id is None:
            return
        if is_stop_notice(request.kind):  # D7/D8 tell the guardian that contact stops
            return
        day = on or SchoolService(self.db, self.actor).require_school().today()
        for check in self.recipient_checks:
            check(request.student_id, request.guardian_id, day)

    def split_contactable(
        self, requests: Sequence[DocumentRequest], on: date | None = None
    ) -> tuple[list[DocumentRequest], list[tuple[DocumentRequest, str]]]:
        """For batches: who may receive the letter, and who not (with the reason to show)."""
        allowed, refused = [], []
        day = (
            on or SchoolService(self.db, self.actor).require_school().today()
        )  # once, not per letter
        for request in requests:
            try:
                self.check_recipient(request, day)
                allowed.append(request)
            except SchoolOfficeError as exc:
                refused.append((request, str(exc)))
        return allowed, refused

    # ---- producing ---------------------------------------------------------------------

    def produce(self, request: DocumentRequest, build: Callable[[DocumentInfo], bytes]) -> Produced:
        """One document: check the recipient, number it, build it, record it."""
        return self.produce_batch(
            [request], lambda infos, progress, cancel: build(infos[0]), batch=False
        )

    def produce_batch(
        self,
        requests: Sequence[DocumentRequest],
        build: Callable[[list[DocumentInfo], Progress | None, CancelCheck | None], bytes],
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
        *,
        batch: bool = True,
    ) -> Produced:
        """Many documents in one PDF; every recipient must pass the checks (use
        split_contactable first). A cancelled or failed build records nothing."""
        self.require(Permission.PRINT_DOCUMENTS)
        if not requests:
            raise ValueError("nothing to print")
        today = SchoolService(self.db, self.actor).require_school().today()
        for request in requests:
            self.check_recipient(request, today)
        batch_id = uuid.uuid4().hex[:16] if batch else ""
        ids, infos = self._reserve(requests, batch_id)
        try:
            pdf = build(infos, progress, cancel)
        except BaseException:
            self._release(ids)
            raise
        digest = hashlib.sha256(pdf).hexdigest()
        with self.write(Permission.PRINT_DOCUMENTS) as session:
            session.execute(
                update(GeneratedDocument)
                .where(GeneratedDocument.id.in_(ids))
                .values(sha256=digest, size=len(pdf))
            )
        return Produced(pdf, tuple(i.document_id for i in infos), digest)

    def _reserve(self, requests, batch_id) -> tuple[list[int], list[DocumentInfo]]:
        now = clock.now()
        generated_by = self.actor.display_name
        with self.write(Permission.PRINT_DOCUMENTS) as session:
            rows = [
                {
                    "document_id": uuid.uuid4().hex,  # replaced below, once the id is known
                    "kind": r.kind,
                    "title": r.title[:300],
                    "language": r.language,
                    "student_id": r.student_id,
                    "guardian_id": r.guardian_id,
                    "batch": batch_id,
                    "generated_at": now,
                    "generated_by": generated_by,
                    "sha256": "",
                    "size": 0,
                }
                for r in requests
            ]
            ids = bulk_insert(session, GeneratedDocument.__table__, rows)
            document_ids = [make_document_id(now.year, number) for number in ids]
            session.execute(
                update(GeneratedDocument),
                [{"id": i, "document_id": d} for i, d in zip(ids, document_ids, strict=True)],
            )
        infos = [DocumentInfo(d, now, generated_by) for d in document_ids]
        return ids, infos

    def _release(self, ids: list[int]) -> None:
        with self.write(Permission.PRINT_DOCUMENTS) as session:
            session.execute(delete(GeneratedDocument).where(GeneratedDocument.id.in_(ids)))

    # ---- history -----------------------------------------------------------------------

    def history(self, student_id: int) -> list[DocumentRecord]:
        """Documents about a student, newest first (also part of the data-access export)."""
        with self.read(Permission.VIEW_ROSTER) as session:
            rows = session.scalars(
                select(GeneratedDocument)
                .where(GeneratedDocument.student_id == student_id, GeneratedDocument.sha256 != "")
                .order_by(GeneratedDocument.generated_at.desc(), GeneratedDocument.id.desc())
            )
            return [
                DocumentRecord(
                    r.document_id,
                    r.kind,
                    r.title,
                    r.language,
                    r.student_id,
                    r.guardian_id,
                    r.generated_at,
                    r.generated_by,
                    r.sha256,
                    r.batch,
                )
                for r in rows
            ]

    # ---- recipient checks --------------------------------------------------------------

    def _roster_restrictions(self, student_id: int, guardian_id: int, day: date) -> None:
        self.roster.assert_may_contact(student_id, guardian_id, day)
