"""What the terms service takes and gives: the inputs, the records, the typed errors, and the
acceptance the consent area plugs in (R44, R49)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from desktop.db.models import TermsDocument, TermsVersion
from desktop.documents.model import ProviderIdentity
from desktop.domain import terms as rules
from desktop.domain.consent import terms as consent_terms
from desktop.domain.errors import NotFound, SchoolOfficeError
from desktop.domain.inputs import coerce_fields
from desktop.domain.roster import Country
from desktop.domain.terms import AmendmentRule, VersionStatus
from desktop.i18n import N_
from desktop.services.documents import Produced

KIND = "terms"  # GeneratedDocument.kind of every printed terms document
# The terms `print terms --student` uses when neither the records nor the user name one.
DEFAULT_DOCUMENT = {Country.SI: "SI-POPOLNI-TERMS", Country.EE: "EE-MOODLE-TERMS"}


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


def document_record(row: TermsDocument) -> TermsDocumentRecord:
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


def version_record(row: TermsVersion, key: str) -> TermsVersionRecord:
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
