"""Consent use cases: terms acceptances and their status, age rules, the adult student's
prohibition and the notices that tell a guardian that contact stops (R15, R44–R48, R55,
R100, R101).

Acceptance records are append-only: a decision is never edited, a withdrawal is a new record
(the table refuses updates too, see models/consent.py and migration 0300_consent). Age rules
are data (ConsentSettings.age_rules), checked on the day of the act from the roster's birth
date (R6). Everything a guardian receives goes through DocumentService, whose recipient checks
include this service's `check_adult_prohibition` (R48), wired in container.py.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    AdultProhibitionRow,
    ConsentSettings,
    ContactRestriction,
    GeneratedDocument,
    Guardian,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionProfile,
    TermsAcceptance,
    TermsDocument,
    TermsVersion,
)
from desktop.documents.consent_letters import (
    ProhibitionNotice,
    RestrictionNotice,
    build_prohibition_notices,
    build_restriction_notice,
)
from desktop.domain import clock
from desktop.domain.consent import terms as consent_terms
from desktop.domain.consent.ages import (
    DEFAULT_AGE_RULES,
    MOODLE_ACCOUNT,
    SI_FULL_CAPACITY,
    SI_STUDENT_ORDER,
    AgeBasis,
    AgeRule,
    age_rules_from_dicts,
    require_age,
)
from desktop.domain.consent.prohibition import AdultProhibition, register_adult_prohibition
from desktop.domain.consent.retention import (
    APP_RETENTION_CATEGORIES,
    APP_RETENTION_RULES,
    RetentionRule,
    retention_rules_from_dicts,
)
from desktop.domain.consent.terms import (
    AcceptanceDecision,
    Channel,
    ConsentState,
    ConsentStatus,
    OnBehalfBasis,
    TermsDoc,
)
from desktop.domain.consent_workflow import (
    PersonKind,
    StatusCounts,
    audience_of,
    class_sort_key,
    count_by_class,
)
from desktop.domain.dates import local_date
from desktop.domain.errors import NotFound, ValidationError, ValidationErrors
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import Restriction, StudentStatus, clean_text
from desktop.domain.salutation import Gender, gender_from_code
from desktop.i18n import LANGUAGES, N_
from desktop.services.base import Service, ensure_version
from desktop.services.documents import (
    CancelCheck,
    DocumentRequest,
    DocumentService,
    Produced,
    Progress,
)
from desktop.services.roster import ContactRestricted, RosterService
from desktop.services.school import SchoolService
from desktop.services.terms import Acceptance, TermsService

# R46/R47: which age rule an acceptance by the student themself must pass. Guardians are adults.
AGE_RULE_FOR_DOCUMENT = {
    TermsDoc.EE_MOODLE_TERMS: MOODLE_ACCOUNT,
    TermsDoc.SI_POPOLNI_TERMS: SI_STUDENT_ORDER,
}
# R41: what a person ordering the paid service guarantees.
WARRANTIES = ("data_correct", "contacts_own")

# Called inside the transaction that registers an adult student's prohibition (R48 b: the
# billing area ends the subscription the day after the letter was received).
ProhibitionHandler = Callable[[Session, int, AdultProhibition], None]


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


# ---- records returned to the UI and the CLI ---------------------------------------------


@dataclass(frozen=True)
class ConsentSettingsRecord:
    age_rules: dict[str, AgeRule]
    retention_rules: tuple[RetentionRule, ...]
    audiences: dict[str, str]
    export_enabled: bool
    reminder_days: int
    version: int  # 0: nothing saved yet, the defaults apply


@dataclass(frozen=True)
class TermsDocumentInfo:
    id: int
    key: str
    title: str
    audience: PersonKind
    free_alternative: bool
    versions: tuple[VersionInfo, ...]

    def in_force(self, on: date) -> VersionInfo | None:
        found = consent_terms.version_in_force([v.domain for v in self.versions], on)
        return None if found is None else next(v for v in self.versions if v.label == found.label)


@dataclass(frozen=True)
class VersionInfo:
    id: int
    label: str
    published_on: date
    domain: consent_terms.TermsVersion

    @property
    def effective_from(self) -> date:
        return self.domain.effective_from

    @property
    def effective_to(self) -> date | None:
        return self.domain.effective_to


@dataclass(frozen=True)
class AcceptanceInput:
    """One decision to record. `guardian_id` is the person when the document's audience is the
    guardians; for a student's own document it stays None and a guardian deciding for the child
    is `on_behalf_guardian_id` with basis LEGAL_REPRESENTATIVE (R46 c)."""

    terms_version_id: int
    student_id: int
    decision: AcceptanceDecision
    channel: Channel
    language_shown: str
    guardian_id: int | None = None
    decided_at: datetime | None = None  # aware; None: now
    basis: OnBehalfBasis = OnBehalfBasis.SELF
    on_behalf_guardian_id: int | None = None
    given_by: str = ""  # the name, when not SELF and not a linked guardian (R45: the admin)
    school_document: str = ""  # R46 (b): the study-organisation document relied on
    warranties: tuple[str, ...] = ()  # R41
    free_alternative_disclosed: bool = False  # R55
    note: str = ""

    def __post_init__(self) -> None:
        # A combo box or a script hands plain strings: the rules compare enum members.
        coerce_fields(self, decision=AcceptanceDecision, channel=Channel, basis=OnBehalfBasis)
        if isinstance(self.warranties, str):
            object.__setattr__(self, "warranties", (self.warranties,))


@dataclass(frozen=True)
class AcceptanceEntry:
    id: int
    document_key: str
    version_label: str
    person_kind: PersonKind
    student_id: int
    student_name: str
    guardian_id: int | None
    guardian_name: str
    decision: AcceptanceDecision
    decided_at: datetime
    recorded_at: datetime
    recorded_by: str
    channel: Channel
    language_shown: str
    basis: OnBehalfBasis
    on_behalf_guardian_id: int | None
    given_by: str
    age_basis: str
    age_basis_detail: str
    warranties: tuple[str, ...]
    free_alternative_disclosed: bool
    note: str

    @property
    def person_name(self) -> str:
        return self.guardian_name if self.person_kind is PersonKind.GUARDIAN else self.student_name


@dataclass(frozen=True)
class PersonStatus:
    """One person's answer to one terms document on a day (a row of the overview)."""

    student_id: int
    student_name: str
    class_name: str
    guardian_id: int | None
    guardian_name: str
    status: ConsentStatus
    version_label: str  # the version the latest decision was about ("" if none)
    decided_at: datetime | None
    deemed: bool = False  # accepted by R51's tacit acceptance of a newer version

    @property
    def person_name(self) -> str:
        return self.guardian_name or self.student_name


@dataclass(frozen=True)
class Overview:
    document_key: str
    audience: PersonKind
    on: date
    in_force: str  # label of the version in force ("" before the first)
    rows: tuple[PersonStatus, ...]
    counts: tuple[StatusCounts, ...]  # per class, then the total (label "")

    def pending(self) -> list[PersonStatus]:
        """Who still has to answer: not answered, or must accept a new major version."""
        return [
            r
            for r in self.rows
            if r.status in (ConsentStatus.NOT_ANSWERED, ConsentStatus.NEEDS_REACCEPTANCE)
        ]


@dataclass(frozen=True)
class ProhibitionRecord:
    id: int
    student_id: int
    received_on: date
    letter_reference: str
    age_basis: str
    withdrawn_on: date | None
    subscription_ends_on: date
    version: int
    registered_by: str = ""
    registered_at: datetime | None = None
    student_name: str = ""


@dataclass(frozen=True)
class RestrictionView:
    """An authority's measure (R15) on one link, with the people it concerns (for the tab)."""

    id: int
    student_id: int
    student_name: str
    class_name: str
    guardian_id: int
    guardian_name: str
    kind: str
    permanent: bool
    valid_from: date
    valid_to: date | None
    authority: str
    reference: str
    active: bool
    notices: tuple[str, ...] = field(default=())  # document ids of the D8 notices printed


def _person_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


class ConsentService(Service):
    def __init__(
        self, db, actor, roster: RosterService, documents: DocumentService, terms: TermsService
    ):
        super().__init__(db, actor)
        self.roster = roster
        self.documents = documents
        self.terms = terms  # prints the terms for those who have not answered
        self.prohibition_handlers: list[ProhibitionHandler] = []

    # ---- settings (age rules, retention, audiences: data, not code) -------------------------

    def settings(self) -> ConsentSettingsRecord:
        with self.db.read() as session:
            return load_settings(session)

    def update_settings(
        self,
        expected_version: int,
        *,
        age_rules: Sequence[dict] | None = None,
        retention_rules: Sequence[dict] | None = None,
        audiences: dict[str, str] | None = None,
        export_enabled: bool | None = None,
        reminder_days: int | None = None,
    ) -> ConsentSettingsRecord:
        """Change what the school tunes; every value is checked before anything is stored."""
        errors: list[ValidationError] = []
        checked: dict[str, object] = {}
        if age_rules is not None:
            try:
                age_rules_from_dicts(age_rules)
                checked["age_rules"] = [dict(r) for r in age_rules]
            except ValidationError as exc:
                errors.append(exc)
        if retention_rules is not None:
            try:
                for rule in retention_rules_from_dicts(retention_rules):
                    if rule.category not in APP_RETENTION_CATEGORIES:
                        raise ValidationError(
                            "retention_rules",
                            str(rule.category),
                            N_("this app keeps no such records, so no period can be set"),
                        )
                checked["retention_rules"] = [dict(r) for r in retention_rules]
            except ValidationError as exc:
                errors.append(exc)
        if audiences is not None:
            try:
                checked["audiences"] = {
                    str(k): str(audience_of(str(k), audiences)) for k in audiences
                }
            except ValidationError as exc:
                errors.append(exc)
        if reminder_days is not None:
            if not 0 <= reminder_days <= 60:
                errors.append(ValidationError("reminder_days", reminder_days, N_("use 0–60 days")))
            checked["reminder_days"] = reminder_days
        if export_enabled is not None:
            checked["export_enabled"] = bool(export_enabled)
        if errors:
            raise ValidationErrors(errors)
        with self.write(Permission.EDIT_SCHOOL, reason="consent settings") as session:
            row = session.scalar(select(ConsentSettings).limit(1))
            if row is None:
                if expected_version != 0:
                    raise NotFound("consent settings", expected_version)
                row = ConsentSettings(age_rules=[], retention_rules=[], audiences={})
                session.add(row)
            else:
                ensure_version(row, expected_version, "consent settings")
            for name, value in checked.items():
                setattr(row, name, value)
            session.flush()
            return load_settings(session)

    # ---- terms documents ------------------------------------------------------------------

    def documents_with_versions(self, language: str = "en") -> list[TermsDocumentInfo]:
        """Every terms document with its published versions (R49), oldest first."""
        settings = self.settings()
        with self.read(Permission.VIEW_ROSTER) as session:
            documents = session.scalars(select(TermsDocument).order_by(TermsDocument.key)).all()
            versions = session.scalars(
                select(TermsVersion)
                .where(
                    TermsVersion.published_on.is_not(None),
                    TermsVersion.effective_from.is_not(None),
                )
                .order_by(TermsVersion.effective_from)
            ).all()
        by_document: dict[int, list[VersionInfo]] = defaultdict(list)
        for v in versions:
            by_document[v.document_id].append(
                VersionInfo(v.id, v.label, v.published_on, _domain_version(v))
            )
        return [
            TermsDocumentInfo(
                d.id,
                d.key,
                d.titles.get(language) or next(iter(d.titles.values()), d.key),
                audience_of(d.key, settings.audiences),
                d.free_alternative,
                tuple(by_document.get(d.id, ())),
            )
            for d in documents
        ]

    def document(self, key: str, language: str = "en") -> TermsDocumentInfo:
        for info in self.documents_with_versions(language):
            if info.key == key.strip().upper():
                return info
        raise NotFound("terms document", key)

    # ---- recording decisions (R44–R47, R55) ------------------------------------------------

    def record(self, data: AcceptanceInput) -> AcceptanceEntry:
        """Record one decision. Nothing is ever edited: a withdrawal is a new record."""
        self.require(Permission.MANAGE_CONSENT)
        school = SchoolService(self.db, self.actor).require_school()
        country = school.country.value
        decided_at = data.decided_at or clock.now()
        if decided_at.tzinfo is None:
            raise ValidationError("decided_at", decided_at.isoformat(), N_("needs a time zone"))
        act_date = local_date(decided_at, country)
        if act_date > school.today():
            raise ValidationError("decided_at", act_date.isoformat(), N_("is in the future"))
        language = clean_text(data.language_shown).lower()
        if language not in LANGUAGES:
            raise ValidationError("language_shown", data.language_shown, N_("use et, sl or en"))
        settings = self.settings()
        with self.write(Permission.MANAGE_CONSENT, reason="terms decision") as session:
            version = session.get(TermsVersion, data.terms_version_id)
            if version is None or version.published_on is None:
                raise NotFound("published terms version", data.terms_version_id)
            key = version.document.key
            audience = audience_of(key, settings.audiences)
            student = session.get(Student, data.student_id)
            if student is None:
                raise NotFound("student", data.student_id)
            self._check_version_date(version, act_date)
            links = {
                link.guardian_id: link
                for link in session.scalars(
                    select(StudentGuardian).where(StudentGuardian.student_id == student.id)
                )
            }
            person_kind, guardian_id = self._person(data, audience, links)
            given_by, bases = self._who_decided(session, data, links, person_kind)
            age_basis = self._age_basis(
                key, person_kind, data, student, act_date, bases, settings.age_rules
            )
            warranties = tuple(dict.fromkeys(w.strip() for w in data.warranties if w.strip()))
            if (
                key == TermsDoc.SI_POPOLNI_TERMS
                and data.decision == AcceptanceDecision.ACCEPTED
                and set(WARRANTIES) - set(warranties)
            ):
                raise ValidationError(
                    "warranties",
                    list(warranties),
                    N_(
                        "the person ordering confirms that the data are correct and that the "
                        "phone number and e-mail are their own"
                    ),
                )
            # The domain record validates R55 and the on-behalf name.
            candidate = consent_terms.AcceptanceRecord(
                (person_kind, student.id, guardian_id),
                key,
                version.label,
                AcceptanceDecision(data.decision),
                decided_at,
                Channel(data.channel),
                OnBehalfBasis(data.basis),
                given_by or None,
                age_basis or None,
                warranties,
                data.free_alternative_disclosed,
            )
            if candidate.decision is AcceptanceDecision.WITHDRAWN:
                self._check_withdrawable(
                    session,
                    version.document_id,
                    student.id,
                    guardian_id,
                    person_kind,
                    act_date,
                    country,
                )
            row = TermsAcceptance(
                terms_version_id=version.id,
                person_kind=person_kind,
                student_id=student.id,
                guardian_id=guardian_id,
                decision=candidate.decision,
                decided_at=decided_at,
                recorded_at=clock.now(),
                recorded_by=self.actor.login,
                channel=candidate.channel,
                language_shown=language,
                basis=candidate.basis,
                on_behalf_guardian_id=data.on_behalf_guardian_id,
                given_by=given_by,
                age_basis=age_basis,
                age_basis_detail=clean_text(data.school_document),
                warranties=list(warranties),
                free_alternative_disclosed=data.free_alternative_disclosed,
                note=clean_text(data.note),
            )
            session.add(row)
            session.flush()
            return self._entries(session, [row.id])[0]

    @staticmethod
    def _check_version_date(version: TermsVersion, act_date: date) -> None:
        if act_date < version.published_on:
            raise ValidationError(
                "terms_version",
                version.label,
                N_("was published on {date}, after the decision", date=version.published_on),
            )
        if version.effective_to is not None and act_date > version.effective_to:
            raise ValidationError(
                "terms_version",
                version.label,
                N_("was replaced after {date}: record the current one", date=version.effective_to),
            )

    @staticmethod
    def _person(
        data: AcceptanceInput, audience: PersonKind, links: dict[int, StudentGuardian]
    ) -> tuple[PersonKind, int | None]:
        if audience is PersonKind.STUDENT:
            if data.guardian_id is not None:
                raise ValidationError(
                    "guardian_id",
                    data.guardian_id,
                    N_(
                        "these terms are the student's own; a guardian consents on the child's "
                        "behalf"
                    ),
                )
            return PersonKind.STUDENT, None
        if data.guardian_id is None:
            raise ValidationError("guardian_id", None, N_("choose the guardian who decided"))
        if data.guardian_id not in links:
            raise ValidationError(
                "guardian_id", data.guardian_id, N_("is not linked to this student")
            )
        return PersonKind.GUARDIAN, data.guardian_id

    @staticmethod
    def _who_decided(
        session: Session,
        data: AcceptanceInput,
        links: dict[int, StudentGuardian],
        person_kind: PersonKind,
    ) -> tuple[str, set[str]]:
        """The name of whoever decided for the person, and the age bases that gives (R46)."""
        basis = OnBehalfBasis(data.basis)
        bases: set[str] = set()
        if clean_text(data.school_document):
            bases.add(str(AgeBasis.SCHOOL_DOCUMENT))
        if basis is OnBehalfBasis.SELF:
            if data.on_behalf_guardian_id is not None:
                raise ValidationError(
                    "basis", str(basis), N_("choose 'legal representative' when a guardian decides")
                )
            return "", bases
        if basis is OnBehalfBasis.LEGAL_REPRESENTATIVE:
            if person_kind is PersonKind.GUARDIAN:
                raise ValidationError("basis", str(basis), N_("a guardian decides for themself"))
            if data.on_behalf_guardian_id not in links:
                raise ValidationError(
                    "on_behalf_guardian_id",
                    data.on_behalf_guardian_id,
                    N_("choose the guardian (linked to this student) who decided"),
                )
            guardian = session.get(Guardian, data.on_behalf_guardian_id)
            bases.add(str(AgeBasis.GUARDIAN_CONSENT))
            return guardian.full_name, bases
        name = clean_text(data.given_by)
        if not name:
            raise ValidationError("given_by", data.given_by, N_("name who decided"))
        return name, bases

    @staticmethod
    def _age_basis(
        key: str,
        person_kind: PersonKind,
        data: AcceptanceInput,
        student: Student,
        act_date: date,
        bases: set[str],
        age_rules: dict[str, AgeRule],
    ) -> str:
        """R6/R46/R47: an acceptance by or for the student passes the document's age rule on
        the day of the act, from the roster's birth date; the basis used is recorded."""
        rule_key = AGE_RULE_FOR_DOCUMENT.get(key)
        if (
            person_kind != PersonKind.STUDENT
            or data.decision != AcceptanceDecision.ACCEPTED
            or rule_key is None
        ):
            return ""
        decision = require_age(
            age_rules[rule_key],
            student.birth_date,
            act_date,
            bases,
            capacity_from=student.full_capacity_from,
        )
        return str(decision.basis)

    def _check_withdrawable(
        self,
        session: Session,
        document_id: int,
        student_id: int,
        guardian_id: int | None,
        person_kind: PersonKind,
        on: date,
        country: str,
    ) -> None:
        history, versions = self._history_for(
            session, document_id, student_id, guardian_id, person_kind, country
        )
        state = consent_terms.consent_status(history, versions, on, country=country)
        if state.status not in (ConsentStatus.ACCEPTED, ConsentStatus.NEEDS_REACCEPTANCE):
            raise ValidationError(
                "decision",
                "WITHDRAWN",
                N_("there is nothing to withdraw: no consent is in force"),
            )

    # ---- reading decisions ------------------------------------------------------------------

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
                sid: (_person_name(first, last), cls or "")
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
                    (sid, gid, _person_name(first, last))
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
        return history, [_domain_version(v) for v in versions]

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
            gid: _person_name(first, last)
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
                _person_name(first, last),
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

    # ---- the adult student's prohibition (R48, R100) ---------------------------------------

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
            return _prohibition_record(row)

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
            return _prohibition_record(row)

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
                replace(_prohibition_record(r), student_name=_person_name(first, last))
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

    def _address(self, link, language: str) -> tuple[str, ...]:
        home = SchoolService(self.db, self.actor).require_school().country.value
        return _address(link, language, home)

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

    # ---- notices that contact stops (D7, D8) ----------------------------------------------

    def print_prohibition_notices(
        self, prohibition_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D7 (R48 c, R100): a termination notice with its reasons to each linked guardian, in
        their language. The only documents those guardians may still receive."""
        with self.read(Permission.MANAGE_CONSENT) as session:
            row = session.get(AdultProhibitionRow, prohibition_id)
            if row is None:
                raise NotFound("prohibition", prohibition_id)
            record = _prohibition_record(row)
        student = self.roster.get(record.student_id)
        if not student.guardians:
            raise ValidationError("guardians", student.full_name, N_("has no guardian to notify"))
        requests, notices = [], []
        for link in student.guardians:
            language = self.documents.language_for(guardian_id=link.guardian_id)
            requests.append(
                DocumentRequest(
                    "adult-prohibition-notice",
                    f"D7 {student.full_name} → {link.full_name}",
                    language,
                    student.id,
                    link.guardian_id,
                )
            )
            notices.append(
                ProhibitionNotice(
                    self._address(link, language),
                    link.full_name,
                    language,
                    student.full_name,
                    record.received_on,
                    record.subscription_ends_on,
                    child_gender=self._gender(student),
                )
            )
        letterhead = self.documents.letterhead()
        return self.documents.produce_batch(
            requests,
            lambda infos, progress, cancel: build_prohibition_notices(
                letterhead, list(zip(infos, notices, strict=True)), progress, cancel
            ),
            batch=len(requests) > 1,
            out=out,
        )

    def print_restriction_notice(
        self, restriction_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D8 (R15, R101): to the restricted guardian, the same day; minimal details (not the
        child's contacts, not the authority's measure)."""
        with self.read(Permission.MANAGE_CONSENT) as session:
            restriction = session.get(ContactRestriction, restriction_id)
            if restriction is None:
                raise NotFound("contact restriction", restriction_id)
            link = restriction.link
            student_id, guardian_id = link.student_id, link.guardian_id
            permanent, valid_from, valid_to = (
                restriction.permanent,
                restriction.valid_from,
                restriction.valid_to,
            )
        student = self.roster.get(student_id)
        guardian = next(g for g in student.guardians if g.guardian_id == guardian_id)
        language = self.documents.language_for(guardian_id=guardian_id)
        notice = RestrictionNotice(
            self._address(guardian, language),
            guardian.full_name,
            language,
            student.full_name,
            valid_from,
            None if permanent else valid_to,
            child_gender=self._gender(student),
        )
        request = DocumentRequest(
            "restriction-notice",
            f"D8 {student.full_name} → {guardian.full_name}",
            language,
            student_id,
            guardian_id,
        )
        letterhead = self.documents.letterhead()
        return self.documents.produce(
            request, lambda info: build_restriction_notice(letterhead, info, notice), out=out
        )

    def print_subscriber_restriction_notice(
        self,
        student_id: int,
        subscriber_id: int,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D8 to the subscriber (R101): another guardian of the child, whose profile was on
        the subscriber's subscription, is under a contact restriction. Only status columns of
        the billing tables are read (the office may not see payer contacts, R121)."""
        with self.read(Permission.MANAGE_CONSENT) as session:
            subscriptions = set(
                session.scalars(
                    select(SubscriptionProfile.subscription_id)
                    .join(Subscription, Subscription.id == SubscriptionProfile.subscription_id)
                    .where(
                        Subscription.student_id == student_id,
                        SubscriptionProfile.guardian_id == subscriber_id,
                        SubscriptionProfile.is_payer.is_(True),
                    )
                )
            )
            others = set(
                session.scalars(
                    select(SubscriptionProfile.guardian_id).where(
                        SubscriptionProfile.subscription_id.in_(subscriptions),
                        SubscriptionProfile.guardian_id != subscriber_id,
                    )
                )
            )
            restriction = session.scalar(
                select(ContactRestriction)
                .join(StudentGuardian, StudentGuardian.id == ContactRestriction.link_id)
                .where(
                    StudentGuardian.student_id == student_id,
                    StudentGuardian.guardian_id.in_(others),
                )
                .order_by(ContactRestriction.valid_from.desc(), ContactRestriction.id.desc())
                .limit(1)
            )
            if restriction is None:
                raise ValidationError(
                    "guardian",
                    subscriber_id,
                    N_(
                        "is not the subscriber of a subscription on which another guardian "
                        "of this child is under a contact restriction"
                    ),
                )
            restricted_id, valid_from = restriction.link.guardian_id, restriction.valid_from
            permanent, valid_to = restriction.permanent, restriction.valid_to
        student = self.roster.get(student_id)
        links = {g.guardian_id: g for g in student.guardians}
        subscriber, restricted = links[subscriber_id], links[restricted_id]
        language = self.documents.language_for(guardian_id=subscriber_id)
        notice = RestrictionNotice(
            self._address(subscriber, language),
            subscriber.full_name,
            language,
            student.full_name,
            valid_from,
            None if permanent else valid_to,
            child_gender=self._gender(student),
            restricted_guardian=restricted.full_name,
        )
        request = DocumentRequest(
            "restriction-notice",
            f"{student.full_name} → {subscriber.full_name}",
            language,
            student_id,
            subscriber_id,
        )
        letterhead = self.documents.letterhead()
        return self.documents.produce(
            request, lambda info: build_restriction_notice(letterhead, info, notice), out=out
        )

    def _gender(self, student) -> Gender:
        """The child's grammatical gender for a letter, from the personal code (issue 12)."""
        country = SchoolService(self.db, self.actor).require_school().country.value
        return gender_from_code(student.personal_code, country)

    def restrictions(self, on: date | None = None) -> list[RestrictionView]:
        """Every authority measure (R15) with the people it concerns and its D8 notices."""
        on = on or SchoolService(self.db, self.actor).require_school().today()
        with self.read(Permission.VIEW_ROSTER) as session:
            rows = session.execute(
                select(
                    ContactRestriction,
                    StudentGuardian.student_id,
                    StudentGuardian.guardian_id,
                    Student.first_name,
                    Student.last_name,
                    Student.class_name,
                    Guardian.first_name,
                    Guardian.last_name,
                )
                .join(StudentGuardian, StudentGuardian.id == ContactRestriction.link_id)
                .join(Student, Student.id == StudentGuardian.student_id)
                .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                .order_by(ContactRestriction.valid_from.desc())
            ).all()
            notices: dict[tuple[int, int], list[str]] = defaultdict(list)
            for sid, gid, document_id in session.execute(
                select(
                    GeneratedDocument.student_id,
                    GeneratedDocument.guardian_id,
                    GeneratedDocument.document_id,
                ).where(
                    GeneratedDocument.kind == "restriction-notice", GeneratedDocument.sha256 != ""
                )
            ):
                notices[(sid, gid)].append(document_id)
        result = []
        for r, sid, gid, sf, sl, cls, gf, gl in rows:
            result.append(
                RestrictionView(
                    r.id,
                    sid,
                    _person_name(sf, sl),
                    cls or "",
                    gid,
                    _person_name(gf, gl),
                    str(r.kind),
                    r.permanent,
                    r.valid_from,
                    r.valid_to,
                    r.authority,
                    r.reference,
                    Restriction(r.kind, r.permanent, r.valid_from, r.valid_to).active_on(on),
                    tuple(notices.get((sid, gid), ())),
                )
            )
        return result


def _address(link, language: str = "en", home: str = "") -> tuple[str, ...]:
    """The window address; abroad with the country's name in capitals as the last line."""
    from desktop.domain.addresses import person_lines

    return person_lines(link, language, home)


def _domain_version(v: TermsVersion) -> consent_terms.TermsVersion:
    return consent_terms.TermsVersion(
        v.label, v.major, v.minor, v.effective_from, v.effective_to, v.tacit_acceptance
    )


def load_settings(session: Session) -> ConsentSettingsRecord:
    """The school's consent settings, the defaults where nothing is saved (also for the daily
    jobs of requests.py and retention.py, inside their transaction)."""
    row = session.scalar(select(ConsentSettings).limit(1))
    defaults = {r.key: r for r in DEFAULT_AGE_RULES}
    if row is None:
        return ConsentSettingsRecord(defaults, APP_RETENTION_RULES, {}, True, 7, 0)
    age_rules = defaults | age_rules_from_dicts(row.age_rules or [])
    retention = tuple(
        rule
        for rule in (
            retention_rules_from_dicts(row.retention_rules)
            if row.retention_rules
            else APP_RETENTION_RULES
        )
        if rule.category in APP_RETENTION_CATEGORIES  # no job, no setting
    )
    return ConsentSettingsRecord(
        age_rules,
        retention,
        dict(row.audiences or {}),
        row.export_enabled,
        row.reminder_days,
        row.version,
    )


def _prohibition_record(row: AdultProhibitionRow) -> ProhibitionRecord:
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
