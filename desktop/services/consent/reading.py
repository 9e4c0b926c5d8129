"""Reading decisions (R44, R49): a student's history, one person's status, the latest
acceptance, the overview of who still has to answer, and printing the terms for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    Guardian,
    Student,
    StudentGuardian,
    TermsAcceptance,
    TermsDocument,
    TermsVersion,
)
from desktop.domain.consent import terms as consent_terms
from desktop.domain.consent.terms import AcceptanceDecision, ConsentState
from desktop.domain.consent_workflow import PersonKind, class_sort_key, count_by_class
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus
from desktop.services.consent.part import person_name
from desktop.services.consent.records import AcceptanceEntry, Overview, PersonStatus
from desktop.services.consent.terms_documents import TermsDocuments, domain_version
from desktop.services.documents import CancelCheck, DocumentRequest, Produced, Progress
from desktop.services.school import SchoolService
from desktop.services.terms import Acceptance


class Reading(TermsDocuments):
    def history(self, student_id: int) -> list[AcceptanceEntry]:
        """Every decision about a student (theirs and their guardians'), newest first."""
        with self.read(Permission.VIEW_ROSTER) as session:
            ids = session.scalars(
                select(TermsAcceptance.id)
                .where(TermsAcceptance.student_id == student_id)
                .order_by(TermsAcceptance.decided_at.desc(), TermsAcceptance.id.desc())
            ).all()
            return self._entries(session, ids)

    def status(
        self,
        document_key: str,
        student_id: int,
        guardian_id: int | None = None,
        on: date | None = None,
    ) -> ConsentState:
        """R44/R49: one person's status for one document on a day (default today)."""
        school = SchoolService(self.db, self.actor).require_school()
        country = school.country.value
        on = on or school.today()
        document = self.document(document_key)
        kind = PersonKind.GUARDIAN if guardian_id is not None else PersonKind.STUDENT
        with self.read(Permission.VIEW_ROSTER) as session:
            history, versions = self._history_for(
                session, document.id, student_id, guardian_id, kind, country
            )
        return consent_terms.consent_status(history, versions, on, country=country)

    def latest_acceptance(self, student_id: int, document_key: str | None) -> Acceptance | None:
        """For TermsService.acceptance_lookup: the version the student (or a guardian for the
        student) accepted last and has not withdrawn since, with who and when."""
        with self.read(Permission.VIEW_ROSTER) as session:
            stmt = (
                select(TermsAcceptance.id)
                .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
                .join(TermsDocument, TermsDocument.id == TermsVersion.document_id)
                .where(TermsAcceptance.student_id == student_id)
                .order_by(TermsAcceptance.decided_at.desc(), TermsAcceptance.id.desc())
            )
            if document_key:
                stmt = stmt.where(TermsDocument.key == document_key.strip().upper())
            entries = self._entries(session, session.scalars(stmt).all())
        closed: set[tuple] = set()  # persons whose newest decision was not an acceptance
        for e in entries:
            person = (e.document_key, e.person_kind, e.guardian_id)
            if person in closed:
                continue
            if e.decision is AcceptanceDecision.ACCEPTED:
                accepted_by = e.given_by or e.person_name
                return Acceptance(
                    e.document_key,
                    e.version_label,
                    e.decided_at,
                    e.guardian_id or e.on_behalf_guardian_id,
                    accepted_by,
                )
            closed.add(person)
        return None

    def overview(
        self, document_key: str, on: date | None = None, class_name: str | None = None
    ) -> Overview:
        """Who accepted, declined, withdrew, has not answered or must re-accept (a new MAJOR
        version took effect, R49), with counts and percentages per class. Enrolled students
        only; for a guardians' document, one row per linked guardian."""
        school = SchoolService(self.db, self.actor).require_school()
        country = school.country.value
        on = on or school.today()
        document = self.document(document_key)
        versions = [v.domain for v in document.versions]
        by_id = {v.id: v.label for v in document.versions}
        in_force = document.in_force(on)
        with self.read(Permission.VIEW_ROSTER) as session:
            students_stmt = select(
                Student.id, Student.first_name, Student.last_name, Student.class_name
            ).where(Student.status == StudentStatus.ENROLLED)
            if class_name:
                students_stmt = students_stmt.where(Student.class_name == class_name)
            students = {
                sid: (person_name(first, last), cls or "")
                for sid, first, last, cls in session.execute(students_stmt)
            }
            persons: list[tuple[int, int | None, str]] = []
            if document.audience is PersonKind.STUDENT:
                persons = [(sid, None, "") for sid in students]
            else:
                links = session.execute(
                    select(
                        StudentGuardian.student_id,
                        Guardian.id,
                        Guardian.first_name,
                        Guardian.last_name,
                    )
                    .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                    .order_by(StudentGuardian.student_id, StudentGuardian.id)
                )
                persons = [
                    (sid, gid, person_name(first, last))
                    for sid, gid, first, last in links
                    if sid in students
                ]
            decisions = session.execute(
                select(
                    TermsAcceptance.student_id,
                    TermsAcceptance.guardian_id,
                    TermsAcceptance.terms_version_id,
                    TermsAcceptance.decision,
                    TermsAcceptance.decided_at,
                    TermsAcceptance.channel,
                    TermsAcceptance.basis,
                    TermsAcceptance.given_by,
                    TermsAcceptance.free_alternative_disclosed,
                )
                .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
                .where(
                    TermsVersion.document_id == document.id,
                    TermsAcceptance.person_kind == document.audience,
                )
            ).all()
        history: dict[tuple[int, int | None], list[consent_terms.AcceptanceRecord]] = defaultdict(
            list
        )
        for sid, gid, vid, decision, at, channel, basis, given_by, free in decisions:
            history[(sid, gid)].append(
                consent_terms.AcceptanceRecord(
                    (sid, gid),
                    document.key,
                    by_id.get(vid, ""),
                    decision,
                    at,
                    channel,
                    basis,
                    given_by or None,
                    None,
                    (),
                    free,
                )
            )
        rows = []
        for sid, gid, guardian_name in persons:
            state = consent_terms.consent_status(
                history.get((sid, gid), ()), versions, on, country=country
            )
            student_name, cls = students[sid]
            rows.append(
                PersonStatus(
                    sid,
                    student_name,
                    cls,
                    gid,
                    guardian_name,
                    state.status,
                    state.latest.version_label if state.latest else "",
                    state.latest.recorded_at if state.latest else None,
                    state.deemed,
                )
            )
        rows.sort(key=lambda r: (class_sort_key(r.class_name), r.student_name, r.guardian_name))
        counts = count_by_class((r.class_name, r.status) for r in rows)
        return Overview(
            document.key,
            document.audience,
            on,
            in_force.label if in_force else "",
            tuple(rows),
            tuple(counts),
        )

    def _history_for(
        self,
        session: Session,
        document_id: int,
        student_id: int,
        guardian_id: int | None,
        person_kind: PersonKind,
        country: str,
    ) -> tuple[list[consent_terms.AcceptanceRecord], list[consent_terms.TermsVersion]]:
        versions = session.scalars(
            select(TermsVersion).where(
                TermsVersion.document_id == document_id,
                TermsVersion.published_on.is_not(None),
                TermsVersion.effective_from.is_not(None),
            )
        ).all()
        labels = {v.id: v.label for v in versions}
        stmt = select(TermsAcceptance).where(
            TermsAcceptance.student_id == student_id,
            TermsAcceptance.person_kind == person_kind,
            TermsAcceptance.terms_version_id.in_(labels),
        )
        stmt = stmt.where(
            TermsAcceptance.guardian_id.is_(None)
            if guardian_id is None
            else TermsAcceptance.guardian_id == guardian_id
        )
        history = [
            consent_terms.AcceptanceRecord(
                (student_id, guardian_id),
                "",
                labels[r.terms_version_id],
                r.decision,
                r.decided_at,
                r.channel,
                r.basis,
                r.given_by or None,
                r.age_basis or None,
                tuple(r.warranties),
                r.free_alternative_disclosed,
            )
            for r in session.scalars(stmt.order_by(TermsAcceptance.id))
        ]
        return history, [domain_version(v) for v in versions]

    def _entries(self, session: Session, ids: Sequence[int]) -> list[AcceptanceEntry]:
        if not ids:
            return []
        rows = session.execute(
            select(
                TermsAcceptance,
                TermsVersion.label,
                TermsDocument.key,
                Student.first_name,
                Student.last_name,
            )
            .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
            .join(TermsDocument, TermsDocument.id == TermsVersion.document_id)
            .join(Student, Student.id == TermsAcceptance.student_id)
            .where(TermsAcceptance.id.in_(list(ids)))
        ).all()
        guardian_ids = {r[0].guardian_id for r in rows if r[0].guardian_id}
        names = {
            gid: person_name(first, last)
            for gid, first, last in session.execute(
                select(Guardian.id, Guardian.first_name, Guardian.last_name).where(
                    Guardian.id.in_(guardian_ids)
                )
            )
        }
        by_id = {}
        for a, label, key, first, last in rows:
            by_id[a.id] = AcceptanceEntry(
                a.id,
                key,
                label,
                a.person_kind,
                a.student_id,
                person_name(first, last),
                a.guardian_id,
                names.get(a.guardian_id, ""),
                a.decision,
                a.decided_at,
                a.recorded_at,
                a.recorded_by,
                a.channel,
                a.language_shown,
                a.basis,
                a.on_behalf_guardian_id,
                a.given_by,
                a.age_basis,
                a.age_basis_detail,
                tuple(a.warranties or ()),
                a.free_alternative_disclosed,
                a.note,
            )
        return [by_id[i] for i in ids if i in by_id]

    def print_pending_terms(
        self,
        document_key: str,
        class_name: str | None = None,
        on: date | None = None,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> tuple[Produced | None, list[tuple[DocumentRequest, str]]]:
        """The version in force, one copy per person who has not answered or must re-accept
        (a guardians' document: to each guardian; the student's own: to the student), in
        their language, as one PDF. Guardians who may not be contacted (R15, R48) are left out
        and returned with the reason; nothing is recorded if the batch is cancelled."""
        overview = self.overview(document_key, on, class_name)
        pairs = [(r.student_id, r.guardian_id) for r in overview.pending()]
        if not pairs:
            return None, []
        requests = self.terms.requests_for(overview.document_key, pairs)
        allowed, refused = self.documents.split_contactable(requests)
        if not allowed:
            return None, refused
        build = self.terms.batch_builder(overview.document_key, on)
        produced = self.documents.produce_batch(
            allowed,
            lambda infos, prog, stop: build(allowed, infos, prog, stop),
            progress,
            cancel,
        )
        return produced, refused
