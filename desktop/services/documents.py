"""Producing documents: every PDF the app prints goes through here.

The service decides the language (the recipient guardian's, else the school's), refuses a
recipient who may not be contacted (R15, R48: the checks are pluggable so consent can add the
adult student's prohibition), numbers each document, and records it (kind, subject, language,
who, when, sha256) so it shows in the student's history and in a data-access export.

The PDF is built OUTSIDE the database transaction: a 1,000-letter batch must not hold the
SQLite write lock while reportlab works. Files before records: the numbers are read (the next
free ones), the PDF is built and, when the caller names a file, written there safely (temp file,
fsync, rename); only then are the rows inserted, hash included, in one short transaction that
also takes the caller's own bookkeeping (a notice marked printed). A failed, cancelled or killed
run therefore records nothing, and the run that repeats it prints the same numbers. Should
another PC have taken those numbers meanwhile, the batch is built again with the next ones.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.models import GeneratedDocument, Guardian, Student
from desktop.db.session import audit_entry, write_audit_entries
from desktop.documents.kinds import applies_in, is_stop_notice
from desktop.documents.model import DocumentInfo, Letterhead, make_document_id
from desktop.domain import clock
from desktop.domain.errors import CancelCheck, ConflictError, Progress, SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service
from desktop.services.roster import RosterService
from desktop.services.school import SchoolService

# (student_id, guardian_id, day) → raises ContactRestricted (or another SchoolOfficeError)
RecipientCheck = Callable[[int, int, date], None]
# Bookkeeping that belongs to "printed", run in the transaction that records the documents:
# (session, document ids in request order).
OnRecorded = Callable[[Session, tuple[str, ...]], None]
# How often a batch is built again when another PC took its numbers between build and record.
NUMBERING_ATTEMPTS = 5


class OutputFolderMissing(SchoolOfficeError):
    """The PDF's folder is not there: said before anything is built or recorded."""

    def __init__(self, folder: Path):
        self.folder = folder
        super().__init__(N_("the folder {folder} does not exist", folder=str(folder)))


class NotForThisCountry(SchoolOfficeError):
    """A document of the other country's rules (EE prints no Slovenian-only text)."""

    def __init__(self, kind: str, country: str):
        self.kind = kind
        self.country = country
        super().__init__(N_("this document is not used by schools in {country}", country=country))


class OutputNotWritten(SchoolOfficeError):
    """The PDF could not be written (disk full, no permission): nothing was recorded."""

    def __init__(self, path: Path, exc: OSError):
        self.path = path
        self.errno = exc.errno
        super().__init__(
            N_(
                "{path} could not be written ({problem}); nothing was recorded as printed",
                path=str(path),
                problem=exc.strerror or str(exc),
            )
        )


def check_output(path: str | os.PathLike[str]) -> Path:
    """The target file of a print, refused with one line when its folder does not exist."""
    target = Path(path)
    folder = target.resolve().parent
    if not folder.is_dir():
        raise OutputFolderMissing(folder)
    return target


def write_output(pdf: bytes, path: Path) -> None:
    """Files before records: the whole file on disk (temp file, fsync, rename) or an error."""
    from desktop.documents.builders import save_atomic

    try:
        save_atomic(pdf, path)
    except FileNotFoundError:
        raise OutputFolderMissing(path.resolve().parent) from None
    except OSError as exc:
        raise OutputNotWritten(path, exc) from exc


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
        # (student_id, day) → True when letters about the student go to the student (R48: of
        # full age and has forbidden data to the parents); consent adds its check.
        self.student_addressee_checks: list[Callable[[int, date], bool]] = []

    # ---- what every document needs -----------------------------------------------------

    def letterhead(self) -> Letterhead:
        school_service = SchoolService(self.db, self.actor)
        school = school_service.require_school()
        return Letterhead(
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

    def addressed_to_student(self, student_id: int | None, on: date | None = None) -> bool:
        """R48: letters that concern this student go to the student, not the guardians."""
        if student_id is None:
            return False
        day = on or SchoolService(self.db, self.actor).require_school().today()
        return any(check(student_id, day) for check in self.student_addressee_checks)

    def resolve_addressee(
        self, request: DocumentRequest, on: date | None = None
    ) -> DocumentRequest:
        """R48: the request as it must be sent. A document about an adult student who has
        forbidden data to the parents goes to the student instead of the guardian (no guardian,
        the student's language); the stop notices (D7, D8) still go to the guardians."""
        if request.guardian_id is None or is_stop_notice(request.kind):
            return request
        if not self.addressed_to_student(request.student_id, on):
            return request
        language = self.language_for(student_id=request.student_id)
        return replace(request, guardian_id=None, language=language)

    def resolve_addressees(
        self, requests: Sequence[DocumentRequest], on: date | None = None
    ) -> list[DocumentRequest]:
        """`resolve_addressee` for a batch: a student who receives the letters instead of the
        guardians gets one copy, not one per guardian."""
        day = on or SchoolService(self.db, self.actor).require_school().today()
        seen = {(r.kind, r.student_id) for r in requests if r.guardian_id is None}
        out = []
        for request in requests:
            resolved = self.resolve_addressee(request, day)
            if resolved is not request:
                if (resolved.kind, resolved.student_id) in seen:
                    continue
                seen.add((resolved.kind, resolved.student_id))
            out.append(resolved)
        return out

    def student_address(self, student_id: int) -> tuple[str, ...]:
        """The window lines of a letter to a student: it goes through the school (name, class,
        school)."""
        with self.db.read() as session:
            first, last, class_name = session.execute(
                select(Student.first_name, Student.last_name, Student.class_name).where(
                    Student.id == student_id
                )
            ).one()
        school = SchoolService(self.db, self.actor).require_school().name
        return tuple(x for x in (f"{first} {last}".strip(), class_name, school) if x)

    def preflight(
        self, requests: Sequence[DocumentRequest], on: date | None = None, *, postal: bool = False
    ) -> list[tuple[DocumentRequest, str]]:
        """The pre-flight list of a batch: the requests that cannot be sent, each with a reason
        the UI translates (`desktop.domain.addresses.preflight`): no name, a contact
        restriction (R15), the adult child's prohibition (R48) and, for letters that go by
        post (`postal`), no postal address. A student's own copy goes through the school."""
        from desktop.domain.addresses import Recipient, has_postal_address, preflight

        day = on or SchoolService(self.db, self.actor).require_school().today()  # once
        guardian_ids = {r.guardian_id for r in requests if r.guardian_id is not None}
        student_ids = {r.student_id for r in requests if r.student_id is not None}
        with self.db.read() as session:
            guardians = {
                g.id: g
                for g in session.execute(
                    select(
                        Guardian.id,
                        Guardian.first_name,
                        Guardian.last_name,
                        Guardian.street,
                        Guardian.postal_code,
                        Guardian.city,
                    ).where(Guardian.id.in_(guardian_ids))
                )
            }
            students = {
                i: f"{first} {last}"
                for i, first, last in session.execute(
                    select(Student.id, Student.first_name, Student.last_name).where(
                        Student.id.in_(student_ids)
                    )
                )
            }
        facts = []
        for request in requests:
            refusal = ""
            try:
                self.check_recipient(request, day)
            except SchoolOfficeError as exc:  # keep the marked message: the UI translates it
                arg = exc.args[0] if len(exc.args) == 1 else None
                refusal = arg if isinstance(arg, str) else str(exc)
            student = students.get(request.student_id, "")
            g = guardians.get(request.guardian_id)
            if request.guardian_id is not None:
                name = f"{g.first_name} {g.last_name}".strip() if g else ""
                address = g is not None and has_postal_address(g.street, g.postal_code, g.city)
            else:
                name, address = student or request.title, True
            facts.append(Recipient(request, name, student, address, refusal=refusal))
        return preflight(facts, postal=postal)

    def split_contactable(
        self, requests: Sequence[DocumentRequest], on: date | None = None, *, postal: bool = False
    ) -> tuple[list[DocumentRequest], list[tuple[DocumentRequest, str]]]:
        """For batches: who may receive the letter, and who not (with the reason to show):
        the pre-flight list; the batch goes on without those it names."""
        refused = self.preflight(requests, on, postal=postal)
        left_out = {id(request) for request, _reason in refused}
        return [r for r in requests if id(r) not in left_out], refused

    # ---- producing ---------------------------------------------------------------------

    def produce(
        self,
        request: DocumentRequest,
        build: Callable[[DocumentInfo], bytes],
        *,
        out: str | os.PathLike[str] | None = None,
        on_recorded: OnRecorded | None = None,
    ) -> Produced:
        """One document: check the recipient, number it, build it, write it, record it."""
        return self.produce_batch(
            [request],
            lambda infos, progress, cancel: build(infos[0]),
            batch=False,
            out=out,
            on_recorded=on_recorded,
        )

    def produce_batch(
        self,
        requests: Sequence[DocumentRequest],
        build: Callable[[list[DocumentInfo], Progress | None, CancelCheck | None], bytes],
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
        *,
        batch: bool = True,
        out: str | os.PathLike[str] | None = None,
        on_recorded: OnRecorded | None = None,
    ) -> Produced:
        """Many documents in one PDF; every recipient must pass the checks (use
        split_contactable first). With `out`, the file is written before anything is recorded
        (a missing folder is refused first); a cancelled or failed build or write records
        nothing. `on_recorded` runs in the recording transaction."""
        self.require(Permission.PRINT_DOCUMENTS)
        if not requests:
            raise ValueError("nothing to print")
        target = check_output(out) if out is not None else None
        school = SchoolService(self.db, self.actor).require_school()
        today = school.today()
        for request in requests:
            if not applies_in(request.kind, school.country.value):
                raise NotForThisCountry(request.kind, school.country.value)
        for request in requests:
            self.check_recipient(request, today)
        batch_id = uuid.uuid4().hex[:16] if batch else ""
        generated_by = self.actor.display_name  # recorded: who printed it
        printed_by = printed_name(self.actor)  # on paper: a name, never a login
        for _attempt in range(NUMBERING_ATTEMPTS):
            now = clock.now()
            with self.db.read() as session:
                first = _next_number(session)
            infos = [
                DocumentInfo(make_document_id(now.year, first + k), now, printed_by)
                for k in range(len(requests))
            ]
            pdf = build(infos, progress, cancel)
            digest = hashlib.sha256(pdf).hexdigest()
            if target is not None:
                write_output(pdf, target)
            document_ids = tuple(i.document_id for i in infos)
            rows = [
                {
                    "id": first + k,
                    "document_id": document_ids[k],
                    "kind": r.kind,
                    "title": r.title[:300],
                    "language": r.language,
                    "student_id": r.student_id,
                    "guardian_id": r.guardian_id,
                    "batch": batch_id,
                    "generated_at": now,
                    "generated_by": generated_by,
                    "sha256": digest,
                    "size": len(pdf),
                }
                for k, r in enumerate(requests)
            ]
            try:
                with self.write(Permission.PRINT_DOCUMENTS) as session:
                    if _next_number(session) != first:
                        continue  # another PC printed meanwhile: build with the next numbers
                    session.execute(insert(GeneratedDocument.__table__), rows)
                    # R122: every document registered is audited (a Core insert has no hook).
                    write_audit_entries(
                        session,
                        [
                            audit_entry(
                                session,
                                "insert",
                                "generated_document",
                                row["id"],
                                student_id=row["student_id"],
                                after={"kind": row["kind"], "sha256": row["sha256"]},
                            )
                            for row in rows
                        ],
                    )
                    _advance_sequence(session)
                    if on_recorded is not None:
                        on_recorded(session, document_ids)
            except IntegrityError:  # PostgreSQL: the same race, caught by the unique key
                continue
            return Produced(pdf, document_ids, digest)
        raise ConflictError("document numbers", first, None, None)

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


def printed_name(actor) -> str:
    """The name a document prints for the staff member who produced it: their full name, or ""
    when only the login is known (the page then says "School office" in the reader's language;
    a login such as "root" never goes on paper)."""
    name = (actor.full_name or "").strip()
    return "" if not name or name == actor.login else name


def _next_number(session: Session) -> int:
    """The next document number: one past the last one recorded (SQLite's write transaction
    begins IMMEDIATE, so inside it nobody can take it; PostgreSQL's unique key catches a race)."""
    return session.scalar(select(func.coalesce(func.max(GeneratedDocument.id), 0))) + 1


def _advance_sequence(session: Session) -> None:
    """Ids are given explicitly; keep PostgreSQL's serial sequence in step for other inserts."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('generated_document', 'id'), "
                "(SELECT max(id) FROM generated_document))"
            )
        )
