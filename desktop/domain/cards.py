"""Student cards [EE]: two state machines, validity, activation check, card numbers, outbox.

R20: a physical and a virtual card are two independent objects that refer to the same person.
R22: so each has its own machine (`PHYSICAL`, `VIRTUAL`: status type, action type, table) and
refuses the other's statuses and actions. The only cascade is roster removal (R7, R24),
which has its own function, `roster_removal`.

Pure rules: no Qt, no SQL, no I/O. The cards service stores what these functions return.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from stdnum import luhn

from desktop.domain.dates import SchoolYear
from desktop.domain.errors import InvalidTransition, ValidationError
from desktop.domain.personal_codes import normalise_code_text, parse_personal_code
from desktop.domain.roster import StudentStatus
from desktop.i18n import N_  # refusals are shown translated by the UI


class CardKind(enum.StrEnum):
    PHYSICAL = "PHYSICAL"
    VIRTUAL = "VIRTUAL"


S = TypeVar("S", bound=enum.StrEnum)
A = TypeVar("A", bound=enum.StrEnum)


@dataclass(frozen=True)
class CardMachine(Generic[S, A]):
    """One of R31's two state machines: its table and why it refuses what it refuses.

    R22: each machine has its own status and action types and refuses the other's, since
    StrEnums compare as text ('extend' == 'extend') and would otherwise look each other up.
    """

    kind: CardKind
    entity: str  # as messages name it: "physical card"
    statuses: type[S]
    actions: type[A]
    # (status, action) → new status; `None` is "not created yet". Anything not listed is refused.
    transitions: Mapping[tuple[S | None, A], S]
    terminal: frozenset[S]
    create: A  # the action that makes the card (None → ACTIVE)
    not_created: str  # the state before `create`, as a message says it
    exists_reason: str  # why `create` is refused on a card that exists
    reasons: Mapping[S | None, str]  # why a state (None: not created) refuses what it refuses

    @classmethod
    def of(
        cls,
        kind: CardKind,
        entity: str,
        statuses: type[S],
        actions: type[A],
        *,
        create: A,
        moves: Mapping[tuple[S, A], S],
        end: tuple[A, S],
        not_created: str,
        exists_reason: str,
        reasons: Mapping[S | None, str],
    ) -> CardMachine[S, A]:
        """R31's shape, which both cards share: `create` makes an ACTIVE card, `moves` are the
        card's own steps, and `end` (action, status) leads from every other state to the one
        terminal status (removal from the roster, R7/R24)."""
        end_action, end_status = end
        transitions = {(None, create): statuses("ACTIVE"), **moves}
        transitions |= {(s, end_action): end_status for s in statuses if s is not end_status}
        return cls(
            kind=kind,
            entity=entity,
            statuses=statuses,
            actions=actions,
            transitions=MappingProxyType(transitions),
            terminal=frozenset({end_status}),
            create=create,
            not_created=not_created,
            exists_reason=exists_reason,
            reasons=MappingProxyType(dict(reasons)),
        )

    def after(self, status: S | None, action: A) -> S | None:
        """The status after `action`, or None if the machine refuses it."""
        if not isinstance(action, self.actions) or not (
            status is None or isinstance(status, self.statuses)
        ):
            raise TypeError(
                f"the {self.entity} takes a {self.statuses.__name__} and a {self.actions.__name__}"
            )
        return self.transitions.get((status, action))

    def transition(self, status: S | None, action: A) -> S:
        """Apply one action to a card's status (R31); raise InvalidTransition if illegal."""
        new = self.after(status, action)
        if new is not None:
            return new
        reason = self.exists_reason if action is self.create else self.reasons.get(status, "")
        state = status.value if status is not None else self.not_created
        raise InvalidTransition(self.entity, state, action.value, reason)


# ---------------------------------------------------------------------------------------------
# Physical card (R23, R31)


class PhysicalCardStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    LOST = "LOST"
    REPLACED = "REPLACED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class PhysicalAction(enum.StrEnum):
    ISSUE = "issue"
    REPORT_LOST = "report_lost"
    REPLACE = "replace"
    EXPIRE = "expire"
    EXTEND = "extend"
    REVOKE = "revoke"


_P = PhysicalCardStatus
_PA = PhysicalAction

PHYSICAL: CardMachine[PhysicalCardStatus, PhysicalAction] = CardMachine.of(
    CardKind.PHYSICAL,
    "physical card",
    PhysicalCardStatus,
    PhysicalAction,
    create=_PA.ISSUE,
    moves={
        (_P.ACTIVE, _PA.REPORT_LOST): _P.LOST,  # R23: blocked; no need to tell the provider
        (_P.ACTIVE, _PA.REPLACE): _P.REPLACED,
        (_P.LOST, _PA.REPLACE): _P.REPLACED,  # R23: the new card links back to this one
        (_P.ACTIVE, _PA.EXPIRE): _P.EXPIRED,
        (_P.EXPIRED, _PA.EXTEND): _P.ACTIVE,
        # Extending before expiry (June) only moves valid_until; the card stays ACTIVE (R21).
        (_P.ACTIVE, _PA.EXTEND): _P.ACTIVE,
    },
    end=(_PA.REVOKE, _P.REVOKED),  # any state → REVOKED on removal
    not_created="not issued",
    exists_reason=N_("this card already exists; issue a new card instead"),
    reasons={
        None: N_("issue the card first"),
        _P.REVOKED: N_("a revoked card is void for good; issue a new card if the student returns"),
        _P.LOST: N_("a lost card stays blocked; issue a replacement card"),
        _P.REPLACED: N_("this card was replaced; work on the card that replaced it"),
    },
)
physical_transition = PHYSICAL.transition


def replace_physical_card(
    old: PhysicalCardStatus,
) -> tuple[PhysicalCardStatus, PhysicalCardStatus]:
    """R23/R31: (new status of the old card, status of the new card). The new card gets a new
    number (never the old one); the virtual card is untouched (R22).
    """
    return physical_transition(old, _PA.REPLACE), physical_transition(None, _PA.ISSUE)


# ---------------------------------------------------------------------------------------------
# Virtual card (R24–R27, R31)


class VirtualCardStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"


class VirtualAction(enum.StrEnum):
    ACTIVATE = "activate"
    CHANGE_DEVICE = "change_device"
    EXPIRE = "expire"
    EXTEND = "extend"
    SUSPEND_CONFIRMED = "suspend_confirmed"
    REACTIVATE = "reactivate"
    CLOSE = "close"


_V = VirtualCardStatus
_VA = VirtualAction

VIRTUAL: CardMachine[VirtualCardStatus, VirtualAction] = CardMachine.of(
    CardKind.VIRTUAL,
    "virtual card",
    VirtualCardStatus,
    VirtualAction,
    create=_VA.ACTIVATE,  # only after `check_activation` says ok (R26)
    moves={
        (_V.ACTIVE, _VA.CHANGE_DEVICE): _V.ACTIVE,  # R27: same card, same validity
        (_V.ACTIVE, _VA.EXPIRE): _V.EXPIRED,
        (_V.EXPIRED, _VA.EXTEND): _V.ACTIVE,  # R21: mirrors the student's extension
        (_V.ACTIVE, _VA.EXTEND): _V.ACTIVE,
        # R21 copies validity to the virtual card; a suspension stays the provider's call (R25).
        (_V.SUSPENDED, _VA.EXTEND): _V.SUSPENDED,
        # R25: only once the provider confirms.
        (_V.ACTIVE, _VA.SUSPEND_CONFIRMED): _V.SUSPENDED,
        (_V.SUSPENDED, _VA.REACTIVATE): _V.ACTIVE,  # new Smart-ID login; check R26 again
    },
    end=(_VA.CLOSE, _V.CLOSED),  # R24: any state → CLOSED on roster/entitlement removal
    not_created="not activated",
    # R20: at most one open virtual card per student
    exists_reason=N_("the student already has a virtual card"),
    reasons={
        None: N_("the virtual card has not been activated"),
        # R24
        _V.CLOSED: N_("a closed virtual card stays closed; the student activates a new one"),
        _V.SUSPENDED: N_(
            "the provider suspended this card; the student logs in again with Smart-ID"
        ),
        _V.EXPIRED: N_("extend the student's card first"),  # R21
    },
)
virtual_transition = VIRTUAL.transition

MACHINES: Mapping[CardKind, CardMachine] = MappingProxyType(
    {m.kind: m for m in (PHYSICAL, VIRTUAL)}
)


def allows(kind: CardKind, status: str, action: PhysicalAction | VirtualAction) -> bool:
    """Whether a card of this kind in this status accepts the action (e.g. to enable a button);
    False for the other machine's actions (R22)."""
    machine = MACHINES[CardKind(kind)]
    return isinstance(action, machine.actions) and (
        machine.after(machine.statuses(status), action) is not None
    )


@dataclass(frozen=True)
class RemovalOutcome:
    """New statuses after roster removal, in the order the physical cards were given."""

    physical: tuple[PhysicalCardStatus, ...]
    virtual: VirtualCardStatus | None


def roster_removal(
    physical: Sequence[PhysicalCardStatus], virtual: VirtualCardStatus | None
) -> RemovalOutcome:
    """R7/R24/R31: the one cascade across both cards: revoke every physical card, close the
    virtual card. Cards already REVOKED / CLOSED stay as they are, so a repeat is harmless.
    """
    return RemovalOutcome(
        physical=tuple(
            s if s in PHYSICAL.terminal else physical_transition(s, _PA.REVOKE) for s in physical
        ),
        virtual=(
            virtual
            if virtual is None or virtual in VIRTUAL.terminal
            else virtual_transition(virtual, _VA.CLOSE)
        ),
    )


# ---------------------------------------------------------------------------------------------
# Validity (R4, R21)


RENEWAL_OPENS = (6, 1)  # (month, day): from here to 31 Aug, extensions are for the next year


def initial_valid_until(issued_on: date) -> date:
    """R21: a card issued on any day is valid until 31 Aug of that school year (R4)."""
    return SchoolYear.of(issued_on).last_day


def extended_valid_until(valid_until: date, today: date, student: StudentStatus) -> date:
    """R21: extending a still-enrolled student moves validity to the next 31 Aug.

    The next 31 Aug is the end of today's school year (R4), except from 1 June
    (`RENEWAL_OPENS`) to 31 Aug, when the office extends for the school year about to start,
    so cards do not lapse on 1 Sep. Never shortens; repeating an extension changes nothing,
    so a September batch run does not add a second year to cards extended in June.
    """
    if student is not StudentStatus.ENROLLED:
        raise InvalidTransition(
            "card",
            f"held by a {student.value} student",
            "extend",
            N_("only an enrolled student's card is extended"),  # R21
        )
    year = SchoolYear.of(today)
    if (today.month, today.day) >= RENEWAL_OPENS and today.month < 9:
        year = year.next()
    return max(valid_until, year.last_day)


def is_due_to_expire(
    status: PhysicalCardStatus | VirtualCardStatus, valid_until: date, today: date
) -> bool:
    """R21 daily job: an ACTIVE card whose valid_until (31 Aug) has passed expires.

    `today` is the school's local date (R1). With valid_until = 31 Aug this is true from 1 Sep.
    """
    return status == "ACTIVE" and valid_until < today


# ---------------------------------------------------------------------------------------------
# Activation check (R26, R34)


class ActivationRefusal(enum.StrEnum):
    NOT_IN_ROSTER = "NOT_IN_ROSTER"
    NO_ESTONIAN_CODE = "NO_ESTONIAN_CODE"
    BAD_SMART_ID_CODE = "BAD_SMART_ID_CODE"
    CODES_DIFFER = "CODES_DIFFER"
    NOT_ENROLLED = "NOT_ENROLLED"


ACTIVATION_MESSAGES = {
    ActivationRefusal.NOT_IN_ROSTER: N_("The student is not in the school's roster."),
    # R34
    ActivationRefusal.NO_ESTONIAN_CODE: N_(
        "The student has no Estonian isikukood, and the virtual card needs Smart-ID with one. "
        "The student can use the physical card."
    ),
    ActivationRefusal.BAD_SMART_ID_CODE: N_(
        "Smart-ID did not return a usable isikukood; the student should log in again."
    ),
    ActivationRefusal.CODES_DIFFER: N_(
        "The isikukood from the student's Smart-ID login is not the one in the roster. "
        "Check the roster entry; if it is right, someone else logged in."
    ),
    ActivationRefusal.NOT_ENROLLED: N_(
        "The student is no longer enrolled (left or graduated), so no virtual card is issued."
    ),
}


@dataclass(frozen=True)
class RosterStudentForCard:
    """What the roster knows about the student a virtual card is asked for."""

    personal_code: str | None
    no_local_code: bool
    status: StudentStatus


@dataclass(frozen=True)
class ActivationCheck:
    refusal: ActivationRefusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def message(self) -> str:
        return ACTIVATION_MESSAGES[self.refusal] if self.refusal else N_("The codes match.")


_SMART_ID_PREFIX = re.compile(r"^(PNOEE-|EE)", re.IGNORECASE)  # Smart-ID subject: PNOEE-<code>


def normalise_isikukood(raw: object) -> str | None:
    """The 11-digit string of an isikukood as typed or as Smart-ID returns it, else None."""
    text = _SMART_ID_PREFIX.sub("", str(raw or "").strip())
    code = normalise_code_text(text, "EE")
    return code if len(code) == 11 and code.isdigit() else None


def check_activation(
    student: RosterStudentForCard | None, smart_id_code: str | None
) -> ActivationCheck:
    """R26/R34: may this person activate the student's virtual card?

    Identity comes before enrolment: if the codes differ, the roster entry's status is about
    someone else and says nothing useful.
    """
    if student is None:
        return ActivationCheck(ActivationRefusal.NOT_IN_ROSTER)
    roster_code = normalise_isikukood(student.personal_code)
    if student.no_local_code or roster_code is None:
        return ActivationCheck(ActivationRefusal.NO_ESTONIAN_CODE)
    presented = normalise_isikukood(smart_id_code)
    if presented is None:
        return ActivationCheck(ActivationRefusal.BAD_SMART_ID_CODE)
    if presented != roster_code:
        return ActivationCheck(ActivationRefusal.CODES_DIFFER)
    if student.status is not StudentStatus.ENROLLED:
        return ActivationCheck(ActivationRefusal.NOT_ENROLLED)
    return ActivationCheck()


# ---------------------------------------------------------------------------------------------
# Physical card numbers


CARD_PREFIX = re.compile(r"^[A-Z]{2,6}$")
SERIAL_DIGITS = 8
_CARD_NUMBER = re.compile(rf"^([A-Z]{{2,6}})-([0-9]{{{SERIAL_DIGITS}}})-([0-9])$")


@dataclass(frozen=True, order=True)
class CardNumber:
    """A physical card number: 'TK-00001234-5' = school prefix, serial, Luhn check digit.

    Plain ASCII, so Code 128 encodes it as is; the check digit catches a mistyped or
    misread digit and most swapped neighbours. Serials only ever grow, so a lost or replaced
    card's number is never issued again; the service also keeps card_number unique.
    """

    prefix: str
    serial: int

    def __post_init__(self):
        if not CARD_PREFIX.match(self.prefix):
            raise ValidationError("card_prefix", self.prefix, N_("use 2–6 capital letters A–Z"))
        if not 1 <= self.serial < 10**SERIAL_DIGITS:
            raise ValidationError(
                "card_number",
                self.serial,
                N_("the serial must be 1–{largest}", largest=10**SERIAL_DIGITS - 1),
            )

    @property
    def check_digit(self) -> str:
        return luhn.calc_check_digit(f"{self.serial:0{SERIAL_DIGITS}d}")

    def __str__(self) -> str:
        return f"{self.prefix}-{self.serial:0{SERIAL_DIGITS}d}-{self.check_digit}"

    @classmethod
    def parse(cls, raw: object) -> CardNumber:
        text = str(raw or "").strip().upper().replace(" ", "")
        m = _CARD_NUMBER.match(text)
        if not m:
            raise ValidationError(
                "card_number",
                raw,
                N_(
                    "a card number looks like {example}",
                    example="TK-" + "0" * (SERIAL_DIGITS - 4) + "1234-5",
                ),
            )
        number = cls(m.group(1), int(m.group(2)))
        if number.check_digit != m.group(3):
            raise ValidationError("card_number", raw, N_("the check digit (last digit) is wrong"))
        return number


# ---------------------------------------------------------------------------------------------
# Provider outbox (R7, R21, R24, R25): events, payloads, idempotency, retries


class ProviderEventKind(enum.StrEnum):
    UPSERT_ENTITLEMENT = "entitlement.upsert"  # create, extend (R21), expire
    CLOSE_ENTITLEMENT = "entitlement.close"  # roster or entitlement removal (R7, R24)
    SUSPEND_ENTITLEMENT = "entitlement.suspend"  # a request; the provider confirms (R25)


class EntitlementStatus(enum.StrEnum):
    """What we send on upsert. SUSPENDED and CLOSED are set by the other two calls."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"


class CloseReason(enum.StrEnum):
    LEFT = "LEFT"
    GRADUATED = "GRADUATED"
    ENTITLEMENT_REMOVED = "ENTITLEMENT_REMOVED"


class SuspendReason(enum.StrEnum):
    OPT_OUT = "OPT_OUT"
    LOST_PHONE = "LOST_PHONE"


@dataclass(frozen=True)
class ProviderEvent:
    """One outbox row's content. `payload` is the JSON body, ready to send."""

    event_id: uuid.UUID
    kind: ProviderEventKind
    student_ref: str
    payload: Mapping[str, Any]

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(self.event_id)


# A fixed namespace: the same event always gets the same key, on every PC and after restarts.
IDEMPOTENCY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "school-office:card-provider-outbox")

_STUDENT_REF = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def idempotency_key(event_id: uuid.UUID) -> str:
    """Deterministic per event, so every retry of one event carries the same key."""
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, str(event_id)))


def _check_ref(student_ref: str) -> str:
    if not _STUDENT_REF.match(student_ref):
        raise ValidationError("student_ref", student_ref, N_("use 1–64 letters, digits, . _ -"))
    return student_ref


def upsert_event(
    event_id: uuid.UUID,
    student_ref: str,
    *,
    personal_code: str | None,
    first_name: str,
    last_name: str,
    school: str,
    valid_until: date,
    status: EntitlementStatus,
) -> ProviderEvent:
    """Create or update the entitlement (R21). Only what the provider needs (no birth date,
    no class). A student without an isikukood gets no entitlement: Smart-ID needs one (R34).
    """
    code = normalise_isikukood(personal_code)
    if code is None:
        raise ValidationError(
            "personal_code",
            None,
            N_("a virtual card needs an Estonian isikukood"),  # R34
        )
    parse_personal_code(code, "EE")  # R32: never send a code that fails the checksum
    payload = {
        "personal_code": code,
        "first_name": first_name,
        "last_name": last_name,
        "school": school,
        "valid_until": valid_until.isoformat(),
        "status": EntitlementStatus(status).value,
    }
    return ProviderEvent(
        event_id, ProviderEventKind.UPSERT_ENTITLEMENT, _check_ref(student_ref), payload
    )


def close_event(
    event_id: uuid.UUID, student_ref: str, *, reason: CloseReason, effective_on: date
) -> ProviderEvent:
    """R7/R24: the provider closes the virtual card; nobody has to click anything."""
    payload = {"reason": CloseReason(reason).value, "effective_on": effective_on.isoformat()}
    return ProviderEvent(
        event_id, ProviderEventKind.CLOSE_ENTITLEMENT, _check_ref(student_ref), payload
    )


def suspend_event(event_id: uuid.UUID, student_ref: str, *, reason: SuspendReason) -> ProviderEvent:
    """R25: asks the provider to suspend; our card becomes SUSPENDED only once it confirms."""
    payload = {"reason": SuspendReason(reason).value}
    return ProviderEvent(
        event_id, ProviderEventKind.SUSPEND_ENTITLEMENT, _check_ref(student_ref), payload
    )


class OutboxState(enum.StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    # A person decided the provider should never get this event (audited); it unblocks the
    # student's later events. Nothing else ever leaves the outbox undelivered.
    DISCARDED = "DISCARDED"


@dataclass(frozen=True)
class RetryDecision:
    state: OutboxState
    next_attempt_at: datetime | None  # set only when PENDING


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with a cap; after `gives_up_after` failures a person looks at it.

    Defaults: 1, 2, 4, 8, 16, 32, 60 min, then NEEDS_ATTENTION at the 8th failure (~2 h in
    all). No jitter: one outbox worker per database, and tests want exact instants.
    """

    base: timedelta = timedelta(minutes=1)
    factor: int = 2
    cap: timedelta = timedelta(hours=1)
    gives_up_after: int = 8

    def __post_init__(self):
        if self.gives_up_after < 1 or self.factor < 1 or self.base <= timedelta(0):
            raise ValueError("gives_up_after and factor must be ≥ 1 and base > 0")

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th consecutive failure (1-based)."""
        if attempts < 1:
            raise ValueError("attempts counts failures so far and starts at 1")
        # Compare exponents before multiplying so a large count cannot overflow timedelta.
        if self.factor > 1 and self.factor ** (attempts - 1) >= self.cap / self.base:
            return self.cap
        return min(self.base * self.factor ** (attempts - 1), self.cap)

    def next_attempt_at(
        self, attempts: int, now: datetime, retry_after: float | None = None
    ) -> datetime | None:
        """When to try again after `attempts` failures, or None once it gives up.

        A provider's Retry-After is honoured when longer than our back-off, up to the cap.
        """
        if attempts >= self.gives_up_after:
            return None
        wait = self.delay(attempts)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(timedelta(seconds=retry_after), self.cap))
        return now + wait

    def after_failure(
        self, attempts: int, now: datetime, *, retryable: bool, retry_after: float | None = None
    ) -> RetryDecision:
        """Outbox bookkeeping for one failed delivery. Auth errors and rejections are not
        retryable: retrying cannot help until someone fixes the settings or the data.
        """
        when = self.next_attempt_at(attempts, now, retry_after) if retryable else None
        if when is None:
            return RetryDecision(OutboxState.NEEDS_ATTENTION, None)
        return RetryDecision(OutboxState.PENDING, when)


DEFAULT_RETRY_POLICY = RetryPolicy()


def student_ref(student_id: int) -> str:
    """Our opaque, stable id for a student at the provider: the row id, never a personal code."""
    return f"S-{student_id:06d}"


@dataclass(frozen=True)
class QueuedEvent:
    """What the delivery order needs to know about one undelivered outbox row."""

    outbox_id: int
    student_ref: str
    state: OutboxState
    next_attempt_at: datetime | None


def deliverable(queued: Iterable[QueuedEvent], now: datetime) -> list[int]:
    """The outbox ids that may be sent now, oldest first (contract: one student's events in
    the order they were made, one at a time).

    A student's event waits while an earlier one of the same student is undelivered: backing
    off, or waiting for a person (NEEDS_ATTENTION). Other students are not held up.
    """
    blocked: set[str] = set()
    ready: list[int] = []
    for event in sorted(queued, key=lambda e: e.outbox_id):
        if event.state in (OutboxState.DELIVERED, OutboxState.DISCARDED):
            continue
        if event.student_ref in blocked:
            continue
        waiting = event.next_attempt_at is not None and event.next_attempt_at > now
        if event.state is OutboxState.NEEDS_ATTENTION or waiting:
            blocked.add(event.student_ref)
            continue
        ready.append(event.outbox_id)
    return ready


# ---------------------------------------------------------------------------------------------
# Extension of one student's cards (R21)


@dataclass(frozen=True)
class CardState:
    """One card as the extension plan sees it."""

    card_id: int
    kind: CardKind
    status: PhysicalCardStatus | VirtualCardStatus
    valid_until: date


@dataclass(frozen=True)
class CardChange:
    card_id: int
    kind: CardKind
    old_status: PhysicalCardStatus | VirtualCardStatus
    new_status: PhysicalCardStatus | VirtualCardStatus
    old_valid_until: date
    new_valid_until: date


_EXTEND = {CardKind.PHYSICAL: _PA.EXTEND, CardKind.VIRTUAL: _VA.EXTEND}


def _extend(card: CardState) -> PhysicalCardStatus | VirtualCardStatus | None:
    """The card's status after EXTEND, or None if this card is not extended (lost, closed…)."""
    machine = MACHINES[card.kind]
    return machine.after(machine.statuses(card.status), _EXTEND[card.kind])


def plan_extension(
    cards: Iterable[CardState], today: date, student: StudentStatus
) -> tuple[date, list[CardChange]]:
    """R21: one validity for the student, copied to every card that can carry it.

    Returns the student's new valid-until and the cards that change. The physical and the
    virtual card are extended side by side, each by its own machine (R20, R22); lost,
    replaced, revoked and closed cards are left alone.
    """
    extendable = [(c, s) for c in cards if (s := _extend(c)) is not None]
    current = max((c.valid_until for c, _ in extendable), default=date.min)
    new_until = extended_valid_until(current, today, student)
    changes = [
        CardChange(c.card_id, c.kind, c.status, s, c.valid_until, new_until)
        for c, s in extendable
        if s != c.status or c.valid_until != new_until
    ]
    return new_until, changes


# ---------------------------------------------------------------------------------------------
# School code for card numbers and the provider


def default_card_prefix(school_name: str) -> str:
    """A first card prefix from the school's name: 'Tartu Kunstikool' → 'TK'. The office can
    change it; only ASCII capitals, so it prints in Code 128 and survives any keyboard.
    """
    ascii_name = unicodedata.normalize("NFKD", school_name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z]+", ascii_name)
    prefix = "".join(w[0] for w in words).upper()[:6]
    if len(prefix) < 2:
        prefix = "".join(words).upper()[:2]
    return prefix if CARD_PREFIX.match(prefix) else "SC"


# ---------------------------------------------------------------------------------------------
# Student photos for printed cards


PHOTO_MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MIN_SIZE = (300, 400)  # width, height in pixels: ~300 dpi on the card's photo box
PHOTO_MAX_SIZE = (4000, 4000)


def check_photo(image_format: str | None, size_bytes: int, width: int, height: int) -> str:
    """The photo's MIME type if it may go on a card; a ValidationError naming the limit if not."""
    if image_format not in PHOTO_MIME:
        raise ValidationError(
            "photo", image_format or "unknown format", N_("use a JPEG or PNG picture")
        )
    if size_bytes > PHOTO_MAX_BYTES:
        raise ValidationError(
            "photo",
            f"{size_bytes / 1024 / 1024:.1f} MB",
            N_("the file may be at most {size} MB", size=PHOTO_MAX_BYTES // 1024 // 1024),
        )
    min_w, min_h = PHOTO_MIN_SIZE
    max_w, max_h = PHOTO_MAX_SIZE
    if width < min_w or height < min_h:
        raise ValidationError(
            "photo",
            f"{width} × {height} px",
            N_("the picture must be at least {width} × {height} px", width=min_w, height=min_h),
        )
    if width > max_w or height > max_h:
        raise ValidationError(
            "photo",
            f"{width} × {height} px",
            N_("the picture may be at most {width} × {height} px", width=max_w, height=max_h),
        )
    return PHOTO_MIME[image_format]
