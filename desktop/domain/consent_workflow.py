"""The consent tab's workflows over the rules in desktop.domain.consent: whose answer a terms
document needs, overview counts per class, request states and reminders, retention proposal
states, and what a guardian-facing export leaves out (R38).

Pure functions over plain values: no Qt, no SQL, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from desktop.domain.consent.requests import DeadlineState, deadline_state
from desktop.domain.consent.terms import ConsentStatus, TermsDoc
from desktop.domain.errors import InvalidTransition, ValidationError
from desktop.i18n import N_


class PersonKind(StrEnum):
    """Whose decision an acceptance record holds (R44: guardian or student)."""

    STUDENT = "STUDENT"
    GUARDIAN = "GUARDIAN"


# R44–R47: who answers a terms document. The Moodle account is the student's own (a guardian
# may consent for a child under 13, R46 c); the paid service and its information are ordered
# and accepted by a guardian (R47: a child under 15 only through a guardian).
DEFAULT_AUDIENCES: dict[str, PersonKind] = {
    TermsDoc.EE_MOODLE_TERMS: PersonKind.STUDENT,
    TermsDoc.SI_MINIMALNI_INFO: PersonKind.GUARDIAN,
    TermsDoc.SI_POPOLNI_TERMS: PersonKind.GUARDIAN,
}


def audience_of(doc_key: str, configured: Mapping[str, str] | None = None) -> PersonKind:
    """Who answers `doc_key`: the school's setting, else the default, else the guardians."""
    value = (configured or {}).get(doc_key) or DEFAULT_AUDIENCES.get(doc_key, PersonKind.GUARDIAN)
    try:
        return PersonKind(value)
    except ValueError:
        raise ValidationError(
            "audience", value, N_("choose the student or the parent or guardian")
        ) from None


# ---------------------------------------------------------------------------------------------
# Overview: counts and percentages per class
# ---------------------------------------------------------------------------------------------

OVERVIEW_ORDER = (
    ConsentStatus.ACCEPTED,
    ConsentStatus.NEEDS_REACCEPTANCE,
    ConsentStatus.DECLINED,
    ConsentStatus.WITHDRAWN,
    ConsentStatus.NOT_ANSWERED,
)


@dataclass(frozen=True)
class StatusCounts:
    """How many persons of one class (or the whole school) are in each status."""

    label: str  # the class, or "" for the total
    counts: tuple[tuple[ConsentStatus, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def count(self, status: ConsentStatus) -> int:
        return dict(self.counts).get(status, 0)

    def percent(self, status: ConsentStatus) -> float:
        """One decimal, half up (2 of 3 → 66.7); 0.0 for an empty class."""
        if not self.total:
            return 0.0
        tenths = (self.count(status) * 2000 + self.total) // (2 * self.total)
        return tenths / 10


def count_by_class(rows: Iterable[tuple[str | None, ConsentStatus]]) -> list[StatusCounts]:
    """(class, status) per person → one StatusCounts per class in class order, then the total."""
    per_class: dict[str, Counter[ConsentStatus]] = {}
    total: Counter[ConsentStatus] = Counter()
    for class_name, status in rows:
        per_class.setdefault(class_name or "", Counter())[ConsentStatus(status)] += 1
        total[ConsentStatus(status)] += 1

    def as_counts(label: str, counter: Counter[ConsentStatus]) -> StatusCounts:
        return StatusCounts(label, tuple((s, counter.get(s, 0)) for s in OVERVIEW_ORDER))

    result = [as_counts(name, per_class[name]) for name in sorted(per_class, key=class_sort_key)]
    result.append(as_counts("", total))
    return result


def class_sort_key(name: str) -> tuple:
    """'2.a' < '10.a': numbers sort as numbers; no class last."""
    if not name:
        return (20_000, "")
    head, _, tail = name.partition(".")
    return (int(head), tail) if head.isdigit() else (10_000, name)


# ---------------------------------------------------------------------------------------------
# Data-subject requests (R57, R58)
# ---------------------------------------------------------------------------------------------


class RequestStatus(StrEnum):
    OPEN = "OPEN"
    EXTENDED = "EXTENDED"  # GDPR Art. 12(3), with a reason and a notice (R58 proposal)
    DONE = "DONE"
    REFUSED = "REFUSED"  # answered with a reasoned refusal: still an answer in time or late


OPEN_REQUEST_STATES = frozenset({RequestStatus.OPEN, RequestStatus.EXTENDED})


def check_request_open(status: RequestStatus, action: str) -> None:
    if RequestStatus(status) not in OPEN_REQUEST_STATES:
        raise InvalidTransition(
            "request", str(status), action, N_("the request has already been answered")
        )


@dataclass(frozen=True)
class Reminder:
    request_id: int
    due_on: date
    overdue: bool
    text: str


def request_reminder(
    request_id: int,
    status: RequestStatus,
    due_on: date,
    today: date,
    *,
    reminder_days: int,
    forward_due_on: date | None = None,
    forwarded: bool = True,
) -> Reminder | None:
    """R57/R58: a reminder once the due date is `reminder_days` away (and every day after it
    is missed); a request that must be forwarded is reminded from the day of receipt."""
    if RequestStatus(status) not in OPEN_REQUEST_STATES:
        return None
    if forward_due_on is not None and not forwarded:
        overdue = today > forward_due_on
        verb = "was due" if overdue else "is due"
        return Reminder(
            request_id,
            forward_due_on,
            overdue,
            f"request {request_id}: forwarding {verb} on {forward_due_on.isoformat()}",
        )
    if (due_on - today).days > reminder_days:
        return None
    overdue = deadline_state(due_on, None, today) is DeadlineState.OVERDUE
    if overdue:
        text = f"request {request_id}: the answer was due on {due_on.isoformat()}"
    else:
        days = (due_on - today).days
        text = f"request {request_id}: answer due on {due_on.isoformat()}, in {days} day(s)"
    return Reminder(request_id, due_on, overdue, text)


# ---------------------------------------------------------------------------------------------
# Retention proposals (R64, R67)
# ---------------------------------------------------------------------------------------------


class ProposalState(StrEnum):
    PROPOSED = "PROPOSED"
    CONFIRMED = "CONFIRMED"  # a person confirmed and the action was carried out (R67)
    REJECTED = "REJECTED"  # a person decided to keep the data, with a reason


def check_decision(state: ProposalState, note: str, *, confirm: bool) -> str:
    """R67: only an open proposal is decided; keeping data needs a reason."""
    if ProposalState(state) is not ProposalState.PROPOSED:
        raise InvalidTransition(
            "retention proposal", str(state), "decide", N_("the proposal was already decided")
        )
    text = " ".join(note.split())
    if not confirm and not text:
        raise ValidationError("note", note, N_("say why the data are kept"))
    return text


# ---------------------------------------------------------------------------------------------
# What a guardian-facing export leaves out (R38, GDPR Art. 15(4))
# ---------------------------------------------------------------------------------------------

# R38: the national personal code (EMŠO; the isikukood likewise) never appears on a document
# that leaves the school. The export says that the school holds it and that it can be seen at
# the office, but does not print it. Hashes of codes are never shown to anyone.
WITHHELD_FIELDS = frozenset({"personal_code", "code_hash"})
WITHHELD_MARK = N_("(withheld)")  # translated where it is printed


def scrub(values: Mapping[str, object] | None) -> dict[str, object] | None:
    """A copy of an audit snapshot with the withheld fields masked."""
    if values is None:
        return None
    return {
        key: (WITHHELD_MARK if key in WITHHELD_FIELDS and value not in (None, "") else value)
        for key, value in values.items()
    }
