"""Recording one decision (R41, R44–R47, R55): who decided, for whom, on which version, and
whether the age rule is passed. Nothing is ever edited: a withdrawal is a new record. A
withdrawal needs a consent in force, so this part builds on Reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Guardian, Student, StudentGuardian, TermsAcceptance, TermsVersion
from desktop.domain import clock
from desktop.domain.consent import terms as consent_terms
from desktop.domain.consent.ages import (
    MOODLE_ACCOUNT,
    SI_STUDENT_ORDER,
    AgeBasis,
    AgeRule,
    require_age,
)
from desktop.domain.consent.terms import (
    AcceptanceDecision,
    Channel,
    ConsentStatus,
    OnBehalfBasis,
    TermsDoc,
)
from desktop.domain.consent_workflow import PersonKind, audience_of
from desktop.domain.dates import local_date
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import LANGUAGES, N_
from desktop.services.consent.reading import Reading
from desktop.services.consent.records import AcceptanceEntry
from desktop.services.school import SchoolService

# R46/R47: which age rule an acceptance by the student themself must pass. Guardians are adults.
AGE_RULE_FOR_DOCUMENT = {
    TermsDoc.EE_MOODLE_TERMS: MOODLE_ACCOUNT,
    TermsDoc.SI_POPOLNI_TERMS: SI_STUDENT_ORDER,
}
# R41: what a person ordering the paid service guarantees.
WARRANTIES = ("data_correct", "contacts_own")


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


class Recording(Reading):
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
