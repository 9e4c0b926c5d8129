"""Verification codes (R39, R40) and the data-access export (D2, R60).

Only the school's authorised person (Permission.ISSUE_ACCESS_CODES) issues a code, and only
they check one and produce the copy (Permission.EXPORT_PERSONAL_DATA): the copy holds payer
data and payments, which the office role may not see (R121). The code is
bound to one (guardian, child), valid 14 days, single use, locked after 5 wrong attempts, and
stored only as a scrypt hash; it is printed once on slip D15 through DocumentService, and
every issue is in the audit log. A code entered for an export is checked first (a wrong
attempt is counted and committed even though the export is refused); only then is the copy
collected from the registered export sections and produced, recorded and audited.

Only a guardian with an active, unrestricted link receives anything (R15, R48): the recipient
checks of DocumentService run before a code is issued or tried.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from desktop.db.models import AccessCode, Guardian, Student
from desktop.db.session import record_audit
from desktop.documents.access_export import (
    AccessExport,
    CodeSlip,
    build_access_export,
    build_code_slip,
)
from desktop.domain import clock
from desktop.domain.consent import codes as rules
from desktop.domain.consent.codes import AttemptResult, CodeKind, CodeState
from desktop.domain.dates import local_date
from desktop.domain.errors import NotFound, SchoolOfficeError, ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import fold, phone_key
from desktop.i18n import N_, translator
from desktop.services.base import Service, ensure_version
from desktop.services.consent import ConsentService
from desktop.services.documents import DocumentRequest, DocumentService, Produced, printed_name
from desktop.services.export_sections import earliest_day
from desktop.services.export_sections.common import ExportContext, ExportSection
from desktop.services.roster import GuardianLink, RosterService, StudentRecord
from desktop.services.school import SchoolService

SLIP_KIND = "access-code-slip"
EXPORT_KIND = "access-export"
EXPORT_NOTES = (
    N_(
        "Personal identification numbers are held by the school but never printed on documents "
        "that leave it; they are shown as (withheld)."
    ),
    # R60: a non-editable PDF. The permissions stop ordinary changes; only an electronic
    # signature (the school's certificate) would prove that nothing was changed afterwards.
    N_(
        "This file is protected against changes: it can be opened, printed and copied, but "
        "not edited. It carries no electronic signature; if you need a copy whose authenticity "
        "can be checked, ask the school for a signed copy."
    ),
)


class CodeRefused(SchoolOfficeError):
    """The code was not accepted: wrong (with the attempts left), expired, used or locked."""

    def __init__(self, result: AttemptResult | None, message: str, attempts_left: int = 0):
        self.result = result
        self.attempts_left = attempts_left
        super().__init__(message)


class ExportDisabled(SchoolOfficeError):
    def __init__(self):
        super().__init__(
            # R60
            N_("data-access exports are switched off for this school (consent settings)")
        )


@dataclass(frozen=True)
class IssuedSlip:
    code_id: int
    code: str  # printable; shown once (slip and screen), never stored
    kind: CodeKind
    expires_at: datetime
    slip: Produced


@dataclass(frozen=True)
class CodeInfo:
    id: int
    version: int
    kind: CodeKind
    student_id: int
    student_name: str
    guardian_id: int
    guardian_name: str
    issued_at: datetime
    issued_by: str
    expires_at: datetime
    failed_attempts: int
    used_at: datetime | None
    state: CodeState
    slip_document_id: str


@dataclass(frozen=True)
class ExportResult:
    produced: Produced
    export: AccessExport
    code_id: int

    @property
    def document_id(self) -> str:
        return self.produced.document_ids[0]


def _domain_code(row: AccessCode) -> rules.IssuedCode:
    return rules.IssuedCode(
        row.kind,
        row.guardian_id,
        row.student_id,
        row.code_hash,
        row.issued_at,
        row.expires_at,
        row.used_at,
        row.failed_attempts,
        row.revoked,
    )


class AccessExportService(Service):
    def __init__(
        self,
        db,
        actor,
        roster: RosterService,
        documents: DocumentService,
        consent: ConsentService,
    ):
        super().__init__(db, actor)
        self.roster = roster
        self.documents = documents
        self.consent = consent
        self.sections: list[ExportSection] = []  # container.py registers each area's provider

    # ---- finding the people ---------------------------------------------------------------

    def find_guardian(self, student: StudentRecord, contact: str) -> GuardianLink:
        """A guardian of the student by e-mail (any case) or phone (digits compared)."""
        wanted_mail = fold(contact)
        wanted_phone = phone_key(contact)
        for link in student.guardians:
            if link.email and fold(link.email) == wanted_mail:
                return link
            if len(wanted_phone) >= 6 and link.phone:
                have = phone_key(link.phone)
                # "+386 41 123 456" and "041 123 456" are the same number: compare the last 8
                if have[-8:] == wanted_phone[-8:]:
                    return link
        raise NotFound(f"guardian of {student.full_name} with e-mail or phone", contact)

    def _link(self, student: StudentRecord, guardian_id: int) -> GuardianLink:
        for link in student.guardians:
            if link.guardian_id == guardian_id:
                return link
        raise NotFound(f"guardian of {student.full_name}", guardian_id)

    # ---- codes (R39, R40, D15) --------------------------------------------------------------

    def issue_code(
        self,
        student_id: int,
        guardian_id: int,
        kind: CodeKind = CodeKind.EXPORT,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> IssuedSlip:
        """A new code for (guardian, child), printed on slip D15; an older open code of the
        same kind for the pair is revoked (R39). Only the authorised person may do this."""
        self.require(Permission.ISSUE_ACCESS_CODES)
        kind = coerce_enum(CodeKind, "kind", kind)
        if kind is CodeKind.EXPORT and not self.consent.settings().export_enabled:
            raise ExportDisabled()
        school = SchoolService(self.db, self.actor).require_school()
        student = self.roster.get(student_id)
        link = self._link(student, guardian_id)
        language = self.documents.language_for(guardian_id=guardian_id)
        tr = translator(language)
        request = DocumentRequest(
            SLIP_KIND,
            f"{tr.gettext('Verification code')} – {student.full_name}",
            language,
            student_id,
            guardian_id,
        )
        self.documents.check_recipient(request)  # R15/R48 before any code exists
        now = clock.now()
        printable, record = rules.issue_code(
            kind, guardian_id, student_id, now, school.country.value
        )
        with self.write(Permission.ISSUE_ACCESS_CODES, reason=f"{kind} code") as session:
            for old in session.scalars(
                select(AccessCode).where(
                    AccessCode.student_id == student_id,
                    AccessCode.guardian_id == guardian_id,
                    AccessCode.kind == kind,
                    AccessCode.revoked.is_(False),
                    AccessCode.used_at.is_(None),
                )
            ):
                old.revoked = True
            row = AccessCode(
                kind=kind,
                guardian_id=guardian_id,
                student_id=student_id,
                code_hash=record.code_hash,
                issued_at=record.issued_at,
                issued_by=self.actor.login,
                expires_at=record.expires_at,
            )
            session.add(row)
            session.flush()
            code_id = row.id
            record_audit(
                session,
                "issue-code",
                "access_code",
                code_id,
                student_id=student_id,
                after={
                    "kind": str(kind),
                    "guardian_id": guardian_id,
                    "expires_at": record.expires_at.isoformat(),
                },
                reason="code issued by the authorised person",  # R39/R40
            )
        slip = CodeSlip(
            language,
            str(kind),
            printable,
            code_id,
            student.full_name,
            link.full_name,
            record.issued_at,
            record.expires_at,
            rules.CODE_POLICIES[kind].max_failures,
        )
        letterhead = self.documents.letterhead()
        try:
            produced = self.documents.produce(
                request, lambda info: build_code_slip(letterhead, info, slip), out=out
            )
        except BaseException:
            with self.write(
                Permission.ISSUE_ACCESS_CODES, reason="the slip could not be printed"
            ) as session:
                session.get(AccessCode, code_id).revoked = True
            raise
        with self.write(Permission.ISSUE_ACCESS_CODES) as session:
            session.get(AccessCode, code_id).slip_document_id = produced.document_ids[0]
        return IssuedSlip(code_id, printable, kind, record.expires_at, produced)

    def slip_not_handed_out(self, code_id: int) -> None:
        """The slip of a code just issued was neither printed nor saved: nobody can ever be
        given that code, so it is revoked now rather than left valid and unknown."""
        with self.write(Permission.ISSUE_ACCESS_CODES, reason="slip not handed out") as session:
            row = session.get(AccessCode, code_id)
            if row is None:
                raise NotFound("code", code_id)
            if row.used_at is None:
                row.revoked = True

    def revoke_code(self, code_id: int, expected_version: int) -> None:
        with self.write(Permission.ISSUE_ACCESS_CODES, reason="code revoked") as session:
            row = session.get(AccessCode, code_id)
            if row is None:
                raise NotFound("code", code_id)
            ensure_version(row, expected_version, "code")
            row.revoked = True

    def codes(self, student_id: int | None = None) -> list[CodeInfo]:
        """Codes issued (never the codes themselves), newest first, with their state now."""
        now = clock.now()
        with self.read(Permission.ISSUE_ACCESS_CODES) as session:
            stmt = (
                select(
                    AccessCode,
                    Student.first_name,
                    Student.last_name,
                    Guardian.first_name,
                    Guardian.last_name,
                )
                .join(Student, Student.id == AccessCode.student_id)
                .join(Guardian, Guardian.id == AccessCode.guardian_id)
                .order_by(AccessCode.issued_at.desc(), AccessCode.id.desc())
            )
            if student_id is not None:
                stmt = stmt.where(AccessCode.student_id == student_id)
            return [
                CodeInfo(
                    c.id,
                    c.version,
                    c.kind,
                    c.student_id,
                    f"{sf} {sl}",
                    c.guardian_id,
                    f"{gf} {gl}",
                    c.issued_at,
                    c.issued_by,
                    c.expires_at,
                    c.failed_attempts,
                    c.used_at,
                    rules.code_state(_domain_code(c), now),
                    c.slip_document_id,
                )
                for c, sf, sl, gf, gl in session.execute(stmt)
            ]

    def check_code(self, student_id: int, guardian_id: int, entered: str) -> int:
        """Try the newest code of (guardian, child); the attempt is stored before anything else.
        Returns the code's id when accepted (it is then used); raises CodeRefused otherwise."""
        now = clock.now()
        with self.write(Permission.EXPORT_PERSONAL_DATA, reason="code attempt") as session:
            stmt = (
                select(AccessCode)
                .where(
                    AccessCode.student_id == student_id,
                    AccessCode.guardian_id == guardian_id,
                    AccessCode.kind == CodeKind.EXPORT,
                    AccessCode.revoked.is_(False),
                )
                .order_by(AccessCode.issued_at.desc(), AccessCode.id.desc())
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update()  # two PCs trying the same code: one at a time
            row = session.scalar(stmt)
            if row is None:
                attempt = None
            else:
                attempt = rules.try_code(
                    _domain_code(row),
                    entered,
                    guardian_id=guardian_id,
                    child_id=student_id,
                    now=now,
                )
                row.failed_attempts = attempt.code.failed_attempts
                row.used_at = attempt.code.used_at
                code_id = row.id
        # Raised after the commit: a wrong attempt counts even though nothing is exported.
        if attempt is None:
            raise CodeRefused(
                None,
                N_(
                    "no code has been issued for this guardian and child; ask the school's "
                    "authorised person for one"
                ),
            )
        if not attempt.accepted:
            raise CodeRefused(attempt.result, attempt.message, attempt.attempts_left)
        return code_id

    def _unuse(self, code_id: int) -> None:
        """The export failed after the code was accepted: give the guardian their code back."""
        reason = "export failed; code released"
        with self.write(Permission.EXPORT_PERSONAL_DATA, reason=reason) as session:
            session.get(AccessCode, code_id).used_at = None

    # ---- the export (D2, R60) --------------------------------------------------------------

    def collect(
        self,
        student_id: int,
        guardian_id: int,
        *,
        code_id: int | None = None,
        language: str | None = None,
    ) -> AccessExport:
        """Everything the school holds about the child, as the requesting guardian receives it."""
        self.require(Permission.EXPORT_PERSONAL_DATA)
        school = SchoolService(self.db, self.actor).require_school()
        student = self.roster.get(student_id)
        link = self._link(student, guardian_id)
        language = language or self.documents.language_for(guardian_id=guardian_id)
        now = clock.now()
        country = school.country.value
        ctx = ExportContext(student_id, guardian_id, country, now)
        sections = []
        with self.db.read() as session:
            for section in sorted(self.sections, key=lambda s: s.order):
                sections.extend(section.collect(session, ctx))
            first = earliest_day(session, student_id, country)
        today = local_date(now, country)
        return AccessExport(
            language=language,
            child_name=student.full_name,
            school_name=school.name,
            guardian_name=link.full_name,
            generated_at=now,
            generated_by=printed_name(self.actor),
            period_from=min(first or today, today),
            period_to=today,
            code_id=code_id,
            sections=tuple(sections),
            notes=EXPORT_NOTES,
        )

    def export(
        self,
        student_id: int,
        guardian_id: int,
        code: str,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> ExportResult:
        """Check the guardian's code, then produce the copy (recorded and audited); with
        `out`, the PDF is written there before it is recorded."""
        self.require(Permission.EXPORT_PERSONAL_DATA)
        if not self.consent.settings().export_enabled:
            raise ExportDisabled()
        student = self.roster.get(student_id)
        self._link(student, guardian_id)
        language = self.documents.language_for(guardian_id=guardian_id)
        title = translator(language).gettext("Copy of the personal data held about %(child)s")
        request = DocumentRequest(
            EXPORT_KIND, title % {"child": student.full_name}, language, student_id, guardian_id
        )
        self.documents.check_recipient(request)  # R15/R48: a restricted guardian gets nothing
        code_id = self.check_code(student_id, guardian_id, code)
        try:
            data = self.collect(student_id, guardian_id, code_id=code_id, language=language)
            letterhead = self.documents.letterhead()
            produced = self.documents.produce(
                request, lambda info: build_access_export(letterhead, info, data), out=out
            )
        except BaseException:
            self._unuse(code_id)
            raise
        with self.write(Permission.EXPORT_PERSONAL_DATA, reason="data-access export") as session:
            record_audit(
                session,
                "export",
                "student",
                student_id,
                student_id=student_id,
                after={
                    "document_id": produced.document_ids[0],
                    "sha256": produced.sha256,
                    "guardian_id": guardian_id,
                    "code_id": code_id,
                    "sections": [s.key for s in data.sections],
                },
                reason="copy of the data given to the guardian",  # R60
            )
        return ExportResult(produced, data, code_id)


def require_code_text(code: str) -> str:
    """The CLI's and the wizard's first check: six digits, before anything is counted."""
    normal = rules.normalise_code(CodeKind.EXPORT, code)
    if normal is None:
        raise ValidationError("code", code, N_("the code has six digits"))
    return normal
