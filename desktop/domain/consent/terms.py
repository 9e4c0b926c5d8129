"""Terms versions and acceptance records (R44, R45, R49, R50, R51, R55).

A person's consent status is computed from the immutable acceptance records and the versions in
force: a new MAJOR version asks again, a MINOR one does not, a tacitly accepted one need not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from desktop.domain.consent.common import Id, require_aware
from desktop.domain.dates import add_days, local_date
from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.i18n import N_  # refusals are shown translated by the UI


class TermsDoc(StrEnum):
    """R49: the terms documents whose versions are tracked."""

    EE_MOODLE_TERMS = "EE-MOODLE-TERMS"
    SI_MINIMALNI_INFO = "SI-MINIMALNI-INFO"
    SI_POPOLNI_TERMS = "SI-POPOLNI-TERMS"


class AcceptanceDecision(StrEnum):
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"  # a withdrawal is a new record; the acceptance stays on file


class Channel(StrEnum):
    """R44: how the decision reached the school."""

    PAPER_AT_SCHOOL = "PAPER_AT_SCHOOL"
    PORTAL = "PORTAL"
    LETTER = "LETTER"
    ELECTRONIC_REGISTRATION = "ELECTRONIC_REGISTRATION"


class OnBehalfBasis(StrEnum):
    """Who gave the decision for the person the record is about."""

    SELF = "SELF"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"  # R46 (c), R58: a guardian for a minor child
    INSTITUTION_ADMIN = "INSTITUTION_ADMIN"  # R45: the Moodle admin for the institution


class ConsentStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    NOT_ANSWERED = "NOT_ANSWERED"
    NEEDS_REACCEPTANCE = "NEEDS_REACCEPTANCE"


SI_AMENDMENT_NOTICE_DAYS = 15  # R50: amended SI terms take effect on the 15th day after publication


def amended_terms_effective_from(published_on: date) -> date:
    """R50: published 1 Oct → in force from 16 Oct. (The R51 8-day window: billing/letters.py.)"""
    return add_days(published_on, SI_AMENDMENT_NOTICE_DAYS)


@dataclass(frozen=True)
class TermsVersion:
    """R49: one version of a terms document.

    `effective_to` is the last day the version is in force (inclusive), set when superseded.
    A new MAJOR version asks everyone again; a MINOR one does not. `tacit_acceptance` marks a
    version that is deemed accepted unless the person withdraws (R51, SI amendments).
    """

    label: str
    major: int
    minor: int
    effective_from: date
    effective_to: date | None = None
    tacit_acceptance: bool = False

    def in_force_on(self, day: date) -> bool:
        if day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to


def check_versions(versions: Sequence[TermsVersion]) -> None:
    """R49: labels unique, periods sane and not overlapping, numbers rising with time."""
    errors: list[ValidationError] = []
    seen: set[str] = set()
    for v in versions:
        if not v.label.strip():
            errors.append(ValidationError("version_label", v.label, N_("is required")))
        if v.label in seen:
            errors.append(ValidationError("version_label", v.label, N_("is used twice")))
        seen.add(v.label)
        if v.major < 0 or v.minor < 0:
            errors.append(ValidationError("version", v.label, N_("numbers cannot be negative")))
        if v.effective_to is not None and v.effective_to < v.effective_from:
            errors.append(
                ValidationError(
                    "effective_to",
                    v.effective_to.isoformat(),
                    N_("is before {date}", date=v.effective_from),
                )
            )
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for prev, nxt in itertools.pairwise(ordered):
        if (nxt.major, nxt.minor) <= (prev.major, prev.minor):
            errors.append(
                ValidationError(
                    "version",
                    nxt.label,
                    N_("takes effect after {label} but is not newer", label=prev.label),
                )
            )
        if prev.effective_to is not None and prev.effective_to >= nxt.effective_from:
            errors.append(
                ValidationError(
                    "effective_to",
                    prev.label,
                    N_("overlaps {label} from {date}", label=nxt.label, date=nxt.effective_from),
                )
            )
    if errors:
        raise ValidationErrors(errors)


def version_in_force(versions: Iterable[TermsVersion], on: date) -> TermsVersion | None:
    """R49: the version in force on a (past) date; the newest one if periods were left open."""
    candidates = [v for v in versions if v.in_force_on(on)]
    return max(candidates, key=lambda v: v.effective_from, default=None)


@dataclass(frozen=True)
class AcceptanceRecord:
    """R44: an immutable fact: who decided what about which version, when, how and on what basis."""

    person_id: Id  # the person the decision is about (the child, for a guardian's consent)
    doc_id: str
    version_label: str
    decision: AcceptanceDecision
    recorded_at: datetime  # aware; stored in UTC (R1)
    channel: Channel
    basis: OnBehalfBasis = OnBehalfBasis.SELF
    given_by: str | None = None  # representative or admin name when not SELF (R45, R46 c)
    age_basis: str | None = None  # AgeBasis value used (R46, R47)
    warranties: tuple[str, ...] = ()  # R41
    free_alternative_disclosed: bool = False  # R55

    def __post_init__(self) -> None:
        # Rows read back from the database carry plain strings; make them the enums again.
        object.__setattr__(self, "decision", AcceptanceDecision(self.decision))
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "basis", OnBehalfBasis(self.basis))
        object.__setattr__(self, "recorded_at", require_aware("recorded_at", self.recorded_at))
        if self.basis is not OnBehalfBasis.SELF and not (self.given_by or "").strip():
            raise ValidationError("given_by", self.given_by, N_("name who decided"))
        # R55: a POPOLNI order cannot be saved until the free alternative has been disclosed.
        if (
            self.doc_id == TermsDoc.SI_POPOLNI_TERMS
            and self.decision is AcceptanceDecision.ACCEPTED
            and not self.free_alternative_disclosed
        ):
            raise ValidationError(
                "free_alternative_disclosed",
                False,
                N_("tell the guardian that all information is also available free of charge"),
            )


@dataclass(frozen=True)
class ConsentState:
    status: ConsentStatus
    latest: AcceptanceRecord | None  # the record that decided the status
    accepted_version: TermsVersion | None  # the version the person last accepted
    in_force: TermsVersion | None  # the version in force on the date asked about
    deemed: bool = False  # accepted by R51's tacit acceptance of a newer major version


def consent_status(
    history: Iterable[AcceptanceRecord],
    versions: Sequence[TermsVersion],
    on: date,
    *,
    country: str,
) -> ConsentState:
    """R44/R49: a person's status for one terms document on day `on` (school-local, R1).

    The latest record made by the end of `on` wins. An acceptance of an older MAJOR version
    needs re-acceptance once a newer major version has taken effect, unless every such newer
    major version is deemed accepted (R51); a new MINOR version never asks again.
    """
    records = list(history)
    if len({r.doc_id for r in records}) > 1:
        raise ValueError("consent_status takes the history of one terms document")
    if len({r.person_id for r in records}) > 1:
        raise ValueError("consent_status takes the history of one person")
    by_label = {v.label: v for v in versions}
    in_force = version_in_force(versions, on)
    relevant = [
        (r.recorded_at, index, r)
        for index, r in enumerate(records)
        if local_date(r.recorded_at, country) <= on
    ]
    if not relevant:
        return ConsentState(ConsentStatus.NOT_ANSWERED, None, None, in_force)
    latest = max(relevant)[2]  # equal timestamps: the one listed later wins
    accepted = _last_accepted_version(relevant, by_label)
    if latest.decision is not AcceptanceDecision.ACCEPTED:
        return ConsentState(ConsentStatus(latest.decision.value), latest, accepted, in_force)
    version = by_label.get(latest.version_label)
    if version is None:
        raise ValidationError("version_label", latest.version_label, N_("is not a known version"))
    newer_majors = [v for v in versions if v.major > version.major and v.effective_from <= on]
    if not newer_majors:
        return ConsentState(ConsentStatus.ACCEPTED, latest, version, in_force)
    if all(v.tacit_acceptance for v in newer_majors):
        return ConsentState(ConsentStatus.ACCEPTED, latest, version, in_force, deemed=True)
    return ConsentState(ConsentStatus.NEEDS_REACCEPTANCE, latest, version, in_force)


def _last_accepted_version(
    relevant: list[tuple[datetime, int, AcceptanceRecord]], by_label: Mapping[str, TermsVersion]
) -> TermsVersion | None:
    for _, _, record in sorted(relevant, reverse=True):
        if record.decision is AcceptanceDecision.ACCEPTED:
            return by_label.get(record.version_label)
    return None
