"""What the consent area returns to the UI and the CLI: settings, terms documents and their
versions, decisions, the overview of who answered, prohibitions and restrictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from desktop.domain.consent import terms as consent_terms
from desktop.domain.consent.ages import AgeRule
from desktop.domain.consent.retention import RetentionRule
from desktop.domain.consent.terms import AcceptanceDecision, Channel, ConsentStatus, OnBehalfBasis
from desktop.domain.consent_workflow import PersonKind, StatusCounts


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
