"""Terms documents and versions: record them as the provider publishes them, print any of them.

R49: every version is kept with its dates and content hash; the version in force on any past
date and the exact version a person accepted can be printed. R50/R52: publishing computes when a
version takes effect (published + 15 days for an eŠola amendment, the stated date otherwise) and
closes the previous version the day before. A published version is never edited: a new version
is made instead (refused here, by the ORM hook and by database triggers; see models/terms.py).

Every print goes through DocumentService.produce, so it is numbered, recorded and refused for a
guardian who may not be contacted (R15, R48).

Who accepted what is recorded by the consent area; it plugs in `acceptance_lookup` (student id,
document key or None → the latest acceptance), so `print_for_student` prints that version.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Guardian, Student, StudentGuardian, TermsDocument, TermsVersion
from desktop.db.models.terms import PublishedTermsImmutable
from desktop.documents.model import ProviderIdentity
from desktop.documents.terms_print import (
    CopyRecipient,
    PrintableTerms,
    TermsCopy,
    render_printable_terms,
    render_terms_batch,
)
from desktop.domain import terms as rules
from desktop.domain.consent import terms as consent_terms
from desktop.domain.dates import local_date
from desktop.domain.errors import NotFound, SchoolOfficeError, ValidationError, ValidationErrors
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, StudentStatus
from desktop.domain.salutation import Gender
from desktop.domain.terms import AmendmentRule, VersionStatus
from desktop.i18n import N_
from desktop.services.base import Service, ensure_version
from desktop.services.documents import (
    BatchBuild,
    CancelCheck,
    DocumentRequest,
    DocumentService,
    Produced,
    Progress,
)
from desktop.services.school import SchoolService

KIND = "terms"  # GeneratedDocument.kind of every printed terms document
# The terms `print terms --student` uses when neither the records nor the user name one.
DEFAULT_DOCUMENT = {Country.SI: "SI-POPOLNI-TERMS", Country.EE: "EE-MOODLE-TERMS"}
_NUMBERS_RE = re.compile(r"^v?(\d{1,3})(?:\.(\d{1,3}))?$")


class UnknownTermsDocument(NotFound):
    def __init__(self, key: str, known: Sequence[str]):
        self.entity = "terms document"
        self.key = key
        message = (
            N_("unknown terms document '{key}' (known: {listed})", key=key, listed=", ".join(known))
            if known
            else N_("unknown terms document '{key}'; none are recorded yet", key=key)
        )
        SchoolOfficeError.__init__(self, message)


class NoVersionInForce(SchoolOfficeError):
    def __init__(self, key: str, on: date, first: date | None, title: str = ""):
        self.key = key
        self.on = on
        title = title or key  # the message names the document by its title, never its key
        if first is None:
            message = N_("no version of {title} was in force on {date}", title=title, date=on)
        else:
            message = N_(
                "no version of {title} was in force on {date}; the first version took effect on "
                "{first}",
                title=title,
                date=on,
                first=first,
            )
        super().__init__(message)


@dataclass(frozen=True)
class TermsDocumentInput:
    key: str
    titles: Mapping[str, str]  # per language: et, sl, en
    provider: ProviderIdentity
    free_alternative: bool = False  # R55
    amendment_rule: AmendmentRule = AmendmentRule.STATED_DATE

    def __post_init__(self) -> None:
        coerce_fields(self, amendment_rule=AmendmentRule)


@dataclass(frozen=True)
class TermsDocumentRecord:
    id: int
    key: str
    titles: Mapping[str, str]
    provider: ProviderIdentity
    free_alternative: bool
    amendment_rule: AmendmentRule
    version: int

    def title(self, language: str) -> str:
        return self.titles.get(language) or next(iter(self.titles.values()), self.key)


@dataclass(frozen=True)
class TermsVersionRecord:
    id: int
    document_key: str
    label: str
    major: int
    minor: int
    texts: Mapping[str, str]
    summary: Mapping[str, str]
    dated_on: date
    published_on: date | None
    effective_from: date | None
    effective_to: date | None
    tacit_acceptance: bool
    content_hash: str
    version: int

    @property
    def published(self) -> bool:
        return self.published_on is not None

    def status(self, on: date) -> VersionStatus:
        return rules.version_status(self.published_on, self.effective_from, self.effective_to, on)

    def as_domain(self) -> consent_terms.TermsVersion:
        if self.effective_from is None:
            raise ValueError(f"draft {self.label} has no effective date")
        return consent_terms.TermsVersion(
            self.label,
            self.major,
            self.minor,
            self.effective_from,
            self.effective_to,
            self.tacit_acceptance,
        )


@dataclass(frozen=True)
class Acceptance:
    """What the consent records say was accepted about a student (R44, R49)."""

    document_key: str
    version_label: str
    accepted_at: datetime  # aware (UTC)
    guardian_id: int | None  # who accepted, when a guardian did
    accepted_by: str  # their name as recorded


@dataclass(frozen=True)
class PrintedTerms:
    """A recorded terms PDF and what it shows."""

    produced: Produced
    version: TermsVersionRecord
    language: str  # of the page; the text may fall back (see desktop.documents.terms_print)

    @property
    def pdf(self) -> bytes:
        return self.produced.pdf

    @property
    def document_id(self) -> str:
        return self.produced.document_ids[0]


# (student_id, document key or None for any) → the latest acceptance, or None.
AcceptanceLookup = Callable[[int, str | None], Acceptance | None]


@dataclass(frozen=True)
class DraftInput:
    texts: Mapping[str, str]  # per language, Markdown-like
    dated_on: date | None
    label: str = ""  # empty: the next minor number, "1.1"
    summary: Mapping[str, str] = field(default_factory=dict)  # what changed, per language
    major: int | None = None  # None: from the label ("2.0"), else the next minor number
    minor: int | None = None


def _document_record(row: TermsDocument) -> TermsDocumentRecord:
    return TermsDocumentRecord(
        row.id,
        row.key,
        dict(row.titles),
        ProviderIdentity(
            row.provider_name,
            tuple(row.provider_address),
            row.provider_registry_code,
            tuple(row.provider_contacts),
        ),
        row.free_alternative,
        row.amendment_rule,
        row.version,
    )


def _version_record(row: TermsVersion, key: str) -> TermsVersionRecord:
    return TermsVersionRecord(
        row.id,
        key,
        row.label,
        row.major,
        row.minor,
        dict(row.texts),
        dict(row.summary or {}),
        row.dated_on,
        row.published_on,
        row.effective_from,
        row.effective_to,
        row.tacit_acceptance,
        row.content_hash,
        row.version,
    )


def _clean_document(data: TermsDocumentInput) -> dict[str, object]:
    errors: list[ValidationError] = []
    values: dict[str, object] = {}
    try:
        values["key"] = rules.check_key(data.key)
    except ValidationError as exc:
        errors.append(exc)
    try:
        titles = rules.clean_texts(data.titles, "titles")
        if not titles:
            errors.append(
                ValidationError("titles", "", N_("give the title in at least one language"))
            )
        for title in titles.values():
            if len(title) > rules.TITLE_MAX:
                errors.append(
                    ValidationError(
                        "titles",
                        title,
                        N_("is longer than {limit} characters", limit=rules.TITLE_MAX),
                    )
                )
        values["titles"] = titles
    except ValidationError as exc:
        errors.append(exc)
    provider = data.provider
    if not provider.name.strip():
        errors.append(ValidationError("provider_name", "", N_("is required")))
    if not provider.address_lines:
        errors.append(ValidationError("provider_address", "", N_("give the provider's address")))
    if errors:
        raise ValidationErrors(errors)
    values |= {
        "provider_name": provider.name.strip(),
        "provider_address": list(provider.address_lines),
        "provider_registry_code": provider.registry_code.strip(),
        "provider_contacts": list(provider.contact_lines),
        "free_alternative": bool(data.free_alternative),
        "amendment_rule": AmendmentRule(data.amendment_rule),
    }
    return values


class TermsService(Service):
    def __init__(self, db, actor, documents: DocumentService):
        super().__init__(db, actor)
        self.documents = documents
        self.acceptance_lookup: AcceptanceLookup | None = None

    # ---- documents ---------------------------------------------------------------------

    def list_documents(self) -> list[TermsDocumentRecord]:
        with self.read(Permission.VIEW_ROSTER) as session:
            rows = session.scalars(select(TermsDocument).order_by(TermsDocument.key))
            return [_document_record(row) for row in rows]

    def document(self, key: str) -> TermsDocumentRecord:
        with self.read(Permission.VIEW_ROSTER) as session:
            return _document_record(self._document_row(session, key))

    def create_document(self, data: TermsDocumentInput) -> TermsDocumentRecord:
        values = _clean_document(data)
        with self.write(Permission.MANAGE_TERMS, reason="terms document") as session:
            if session.scalar(select(TermsDocument.id).where(TermsDocument.key == values["key"])):
                raise ValidationError("key", values["key"], N_("already exists"))
            row = TermsDocument(**values)
            session.add(row)
            session.flush()
            return _document_record(row)

    def update_document(
        self, key: str, expected_version: int, data: TermsDocumentInput
    ) -> TermsDocumentRecord:
        """Titles and the provider's identity; the key stays (acceptances refer to it)."""
        values = _clean_document(data)
        if values["key"] != key:
            raise ValidationError("key", data.key, N_("cannot change once the document exists"))
        with self.write(Permission.MANAGE_TERMS, reason="terms document") as session:
            row = self._document_row(session, key)
            ensure_version(row, expected_version, "terms document")
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return _document_record(row)

    def default_document_key(self) -> str:
        """The school's main terms: POPOLNI (SI), Moodle (EE), else the only one recorded."""
        country = SchoolService(self.db, self.actor).require_school().country
        keys = [d.key for d in self.list_documents()]
        if DEFAULT_DOCUMENT[country] in keys:
            return DEFAULT_DOCUMENT[country]
        if len(keys) == 1:
            return keys[0]
        raise UnknownTermsDocument(DEFAULT_DOCUMENT[country], keys)

    # ---- versions ----------------------------------------------------------------------

    def versions(self, key: str) -> list[TermsVersionRecord]:
        """Every version of a document, oldest first; drafts last."""
        with self.read(Permission.VIEW_ROSTER) as session:
            document = self._document_row(session, key)
            rows = session.scalars(
                select(TermsVersion)
                .where(TermsVersion.document_id == document.id)
                .order_by(TermsVersion.major, TermsVersion.minor, TermsVersion.id)
            )
            records = [_version_record(row, key) for row in rows]
        return sorted(records, key=lambda v: (not v.published, v.major, v.minor))

    def version(self, version_id: int) -> TermsVersionRecord:
        with self.read(Permission.VIEW_ROSTER) as session:
            row = self._version_row(session, version_id)
            return _version_record(row, row.document.key)

    def version_by_label(self, key: str, label: str) -> TermsVersionRecord:
        for record in self.versions(key):
            if record.label == label:
                return record
        raise NotFound(f"version of {key}", label)

    def version_in_force(self, key: str, on: date) -> TermsVersionRecord | None:
        """R49: the version in force on a (past or future) date; None before the first one."""
        published = [v for v in self.versions(key) if v.published]
        found = consent_terms.version_in_force([v.as_domain() for v in published], on)
        return None if found is None else next(v for v in published if v.label == found.label)

    def require_in_force(self, key: str, on: date) -> TermsVersionRecord:
        found = self.version_in_force(key, on)
        if found is None:
            starts = [v.effective_from for v in self.versions(key) if v.effective_from]
            school = SchoolService(self.db, self.actor).require_school()
            title = self.document(key).title(str(school.default_language))
            raise NoVersionInForce(key, on, min(starts, default=None), title)
        return found

    def next_label(self, key: str, *, major: bool = False) -> str:
        """What the next version would be called: 1.0, then 1.1 (or 2.0 for a major change)."""
        numbers = [(v.major, v.minor) for v in self.versions(key)]
        new = rules.next_numbers(max(numbers, default=None), major=major)
        return f"{new[0]}.{new[1]}"

    def draft_version(self, key: str, data: DraftInput) -> TermsVersionRecord:
        """A new version to fill in and publish later (nothing is in force until published)."""
        texts, summary = self._clean_draft(data)
        with self.write(Permission.MANAGE_TERMS, reason=f"draft terms {key}") as session:
            document = self._document_row(session, key)
            existing = session.execute(
                select(TermsVersion.label, TermsVersion.major, TermsVersion.minor).where(
                    TermsVersion.document_id == document.id
                )
            ).all()
            latest = max(((m, n) for _, m, n in existing), default=None)
            major, minor = self._numbers(data, latest)
            label = rules.check_label(data.label or f"{major}.{minor}")
            if any(existing_label == label for existing_label, _, _ in existing):
                raise ValidationError("label", label, N_("already exists for {key}", key=key))
            row = TermsVersion(
                document_id=document.id,
                label=label,
                major=major,
                minor=minor,
                texts=texts,
                summary=summary,
                dated_on=data.dated_on,
                content_hash=rules.content_hash(texts),
                tacit_acceptance=False,
            )
            session.add(row)
            session.flush()
            return _version_record(row, key)

    def update_draft(
        self, version_id: int, expected_version: int, data: DraftInput
    ) -> TermsVersionRecord:
        """Change a draft's texts, date or label. A published version cannot change."""
        texts, summary = self._clean_draft(data)
        with self.write(Permission.MANAGE_TERMS, reason="draft terms") as session:
            row = self._version_row(session, version_id)
            if row.published_on is not None:
                raise PublishedTermsImmutable(row.label, "edit")
            ensure_version(row, expected_version, "terms version")
            label = rules.check_label(data.label or row.label)
            if label != row.label and session.scalar(
                select(TermsVersion.id).where(
                    TermsVersion.document_id == row.document_id, TermsVersion.label == label
                )
            ):
                raise ValidationError(
                    "label", label, N_("already exists for {key}", key=row.document.key)
                )
            major, minor = self._numbers(data, None, default=(row.major, row.minor))
            row.label, row.major, row.minor = label, major, minor
            row.texts, row.summary, row.dated_on = texts, summary, data.dated_on
            row.content_hash = rules.content_hash(texts)
            session.flush()
            return _version_record(row, row.document.key)

    def delete_draft(self, version_id: int, expected_version: int) -> None:
        with self.write(Permission.MANAGE_TERMS, reason="draft terms") as session:
            row = self._version_row(session, version_id)
            if row.published_on is not None:
                raise PublishedTermsImmutable(row.label, "delete")
            ensure_version(row, expected_version, "terms version")
            session.delete(row)

    def publish(
        self,
        version_id: int,
        expected_version: int,
        *,
        published_on: date | None = None,
        effective_from: date | None = None,
    ) -> TermsVersionRecord:
        """Record that the provider published this version (R49).

        effective_from: R50 (eŠola amendment) published + 15 days, a different date is refused;
        R52 the date the provider states, required for an amendment. The version in force
        until then gets effective_to = the day before.
        """
        today = SchoolService(self.db, self.actor).require_school().today()
        published_on = published_on or today
        if published_on > today:
            raise ValidationError(
                "published_on",
                published_on.isoformat(),
                N_("record a publication once it happened"),
            )
        with self.write(Permission.MANAGE_TERMS, reason="publish terms") as session:
            row = self._version_row(session, version_id)
            label = row.label
            if row.published_on is not None:
                raise PublishedTermsImmutable(label, "publish again")
            ensure_version(row, expected_version, "terms version")
            if published_on < row.dated_on:
                raise ValidationError(
                    "published_on",
                    published_on.isoformat(),
                    N_("is before the date on the terms, {date}", date=row.dated_on.isoformat()),
                )
            document = row.document
            published = session.scalars(
                select(TermsVersion).where(
                    TermsVersion.document_id == document.id,
                    TermsVersion.published_on.is_not(None),
                )
            ).all()
            amendment = bool(published)
            starts = rules.effective_from(
                document.amendment_rule, published_on, effective_from, amendment=amendment
            )
            latest = max(published, key=lambda v: v.effective_from, default=None)
            if latest is not None:
                self._check_follows(latest, row, starts)
                latest.effective_to = starts - timedelta(days=1)
            row.published_on = published_on
            row.effective_from = starts
            row.tacit_acceptance = rules.tacit_acceptance(
                document.amendment_rule, amendment=amendment
            )
            consent_terms.check_versions(
                [_version_record(v, document.key).as_domain() for v in (*published, row)]
            )
            session.flush()
            return _version_record(row, document.key)

    # ---- printing ----------------------------------------------------------------------

    def print_in_force(
        self,
        key: str,
        on: date | None = None,
        language: str | None = None,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> PrintedTerms:
        """The version in force on `on` (default today), in `language` (default the school's)."""
        school = SchoolService(self.db, self.actor).require_school()
        version = self.require_in_force(key, on or school.today())
        return self.print_version(version.id, language or school.default_language.value, out=out)

    def print_version(
        self,
        version_id: int,
        language: str | None = None,
        *,
        student_id: int | None = None,
        guardian_id: int | None = None,
        acceptance: Acceptance | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> PrintedTerms:
        """One published version as a recorded PDF; about a student and to a guardian if given.
        With `out`, written there before it is recorded."""
        version = self.version(version_id)
        document = self.document(version.document_key)
        school = SchoolService(self.db, self.actor).require_school()
        # R48: the adult student's copy goes to the student, not to the guardian
        addressee = self.documents.resolve_addressee(
            DocumentRequest(
                KIND,
                "",
                self.documents.language_for(guardian_id=guardian_id, student_id=student_id),
                student_id,
                guardian_id,
            )
        )
        language = language or addressee.language
        letterhead = self.documents.letterhead()
        fallback = school.default_language.value
        printable = self._printable(document, version, acceptance, school.country)
        request = replace(
            addressee, title=self._title(document, version, language), language=language
        )
        produced = self.documents.produce(
            request,
            lambda info: render_printable_terms(printable, letterhead, info, language, fallback),
            out=out,
        )
        return PrintedTerms(produced, version, language)

    def print_for_student(
        self,
        student_id: int,
        key: str | None = None,
        language: str | None = None,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> PrintedTerms:
        """The version the student's guardian (or the student) accepted, with who and when;
        the version in force today if nothing is recorded."""
        acceptance = self.acceptance_lookup(student_id, key) if self.acceptance_lookup else None
        if acceptance is not None:
            version = self.version_by_label(acceptance.document_key, acceptance.version_label)
            return self.print_version(
                version.id,
                language,
                student_id=student_id,
                guardian_id=acceptance.guardian_id,
                acceptance=acceptance,
                out=out,
            )
        school = SchoolService(self.db, self.actor).require_school()
        version = self.require_in_force(key or self.default_document_key(), school.today())
        guardians = self.documents.roster.contactable_guardians(student_id, school.today())
        guardians.sort(key=lambda g: not g.primary_contact)
        guardian_id = guardians[0].guardian_id if guardians else None
        return self.print_version(
            version.id, language, student_id=student_id, guardian_id=guardian_id, out=out
        )

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

    # ---- helpers -----------------------------------------------------------------------

    @staticmethod
    def _document_row(session: Session, key: str) -> TermsDocument:
        row = session.scalar(select(TermsDocument).where(TermsDocument.key == key.strip().upper()))
        if row is None:
            known = session.scalars(select(TermsDocument.key).order_by(TermsDocument.key)).all()
            raise UnknownTermsDocument(key, known)
        return row

    @staticmethod
    def _version_row(session: Session, version_id: int) -> TermsVersion:
        row = session.get(TermsVersion, version_id)
        if row is None:
            raise NotFound("terms version", version_id)
        return row

    @staticmethod
    def _clean_draft(data: DraftInput) -> tuple[dict[str, str], dict[str, str]]:
        errors: list[ValidationError] = []
        texts: dict[str, str] = {}
        summary: dict[str, str] = {}
        try:
            texts = rules.clean_texts(data.texts)
            if not texts:
                errors.append(
                    ValidationError("texts", "", N_("give the text in at least one language"))
                )
        except ValidationError as exc:
            errors.append(exc)
        try:
            summary = rules.clean_texts(data.summary, "summary")
        except ValidationError as exc:
            errors.append(exc)
        if data.dated_on is None:
            errors.append(ValidationError("dated_on", "", N_("give the date printed on the terms")))
        if errors:
            raise ValidationErrors(errors)
        return texts, summary

    @staticmethod
    def _numbers(
        data: DraftInput, latest: tuple[int, int] | None, default: tuple[int, int] | None = None
    ) -> tuple[int, int]:
        if data.major is not None:
            return data.major, data.minor or 0
        match = _NUMBERS_RE.match(data.label.strip())
        if match:
            return int(match.group(1)), int(match.group(2) or 0)
        return default or rules.next_numbers(latest, major=False)

    @staticmethod
    def _check_follows(latest: TermsVersion, row: TermsVersion, starts: date) -> None:
        if (row.major, row.minor) <= (latest.major, latest.minor):
            raise ValidationError(
                "label",
                row.label,
                N_("must be a newer version than {label}, published before", label=latest.label),
            )
        if starts <= latest.effective_from:
            raise ValidationError(
                "effective_from",
                starts.isoformat(),
                N_(
                    "must be after {label} took effect ({date})",
                    label=latest.label,
                    date=latest.effective_from.isoformat(),
                ),
            )

    @staticmethod
    def _printable(
        document: TermsDocumentRecord,
        version: TermsVersionRecord,
        acceptance: Acceptance | None,
        country: str,
    ) -> PrintableTerms:
        if version.published_on is None or version.effective_from is None:
            raise ValidationError("version", version.label, N_("a draft cannot be printed"))
        accepted_on = None
        if acceptance is not None:
            accepted_on = local_date(acceptance.accepted_at, country)  # R1: the school's day
        return PrintableTerms(
            document_key=document.key,
            titles=document.titles,
            provider=document.provider,
            free_alternative=document.free_alternative,
            version_label=version.label,
            texts=version.texts,
            dated_on=version.dated_on,
            published_on=version.published_on,
            effective_from=version.effective_from,
            effective_to=version.effective_to,
            content_hash=version.content_hash,
            accepted_by=acceptance.accepted_by if acceptance else "",
            accepted_on=accepted_on,
        )

    @staticmethod
    def _title(document: TermsDocumentRecord, version: TermsVersionRecord, language: str) -> str:
        return f"{document.title(language)} {version.label}"

    def _copy_recipients(
        self, requests: Sequence[DocumentRequest], country: str
    ) -> dict[tuple[int | None, int | None], CopyRecipient]:
        """Who each copy of a class batch is for: printed on its first page (D1)."""
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
