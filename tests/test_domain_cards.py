"""Card rules R20–R31, R34: both state machines, validity, activation, numbers, outbox policy."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.cards.activation import ActivationRefusal as Refusal
from desktop.domain.cards.activation import (
    RosterStudentForCard,
    check_activation,
    normalise_isikukood,
)
from desktop.domain.cards.events import (
    CloseReason,
    EntitlementStatus,
    ProviderEventKind,
    SuspendReason,
    close_event,
    idempotency_key,
    student_ref,
    suspend_event,
    upsert_event,
)
from desktop.domain.cards.machines import (
    CardKind,
    PhysicalAction,
    PhysicalCardStatus,
    VirtualAction,
    VirtualCardStatus,
    allows,
    physical_transition,
    replace_physical_card,
    roster_removal,
    virtual_transition,
)
from desktop.domain.cards.numbering import CardNumber, default_card_prefix
from desktop.domain.cards.outbox import OutboxState, QueuedEvent, RetryPolicy, deliverable
from desktop.domain.cards.photos import check_photo
from desktop.domain.cards.validity import (
    CardState,
    extended_valid_until,
    initial_valid_until,
    is_due_to_expire,
    plan_extension,
)
from desktop.domain.errors import InvalidTransition, ValidationError
from desktop.domain.roster import StudentStatus

P, PA = PhysicalCardStatus, PhysicalAction
V, VA = VirtualCardStatus, VirtualAction

# R31 written out by hand (not read from the module), so the tests check the tables.
PHYSICAL_LEGAL = {
    (None, PA.ISSUE): P.ACTIVE,
    (P.ACTIVE, PA.REPORT_LOST): P.LOST,
    (P.ACTIVE, PA.REPLACE): P.REPLACED,
    (P.LOST, PA.REPLACE): P.REPLACED,
    (P.ACTIVE, PA.EXPIRE): P.EXPIRED,
    (P.EXPIRED, PA.EXTEND): P.ACTIVE,
    (P.ACTIVE, PA.EXTEND): P.ACTIVE,
    (P.ACTIVE, PA.REVOKE): P.REVOKED,
    (P.LOST, PA.REVOKE): P.REVOKED,
    (P.REPLACED, PA.REVOKE): P.REVOKED,
    (P.EXPIRED, PA.REVOKE): P.REVOKED,
}
VIRTUAL_LEGAL = {
    (None, VA.ACTIVATE): V.ACTIVE,
    (V.ACTIVE, VA.CHANGE_DEVICE): V.ACTIVE,
    (V.ACTIVE, VA.EXPIRE): V.EXPIRED,
    (V.EXPIRED, VA.EXTEND): V.ACTIVE,
    (V.ACTIVE, VA.EXTEND): V.ACTIVE,
    (V.SUSPENDED, VA.EXTEND): V.SUSPENDED,
    (V.ACTIVE, VA.SUSPEND_CONFIRMED): V.SUSPENDED,
    (V.SUSPENDED, VA.REACTIVATE): V.ACTIVE,
    (V.ACTIVE, VA.CLOSE): V.CLOSED,
    (V.EXPIRED, VA.CLOSE): V.CLOSED,
    (V.SUSPENDED, VA.CLOSE): V.CLOSED,
}
PHYSICAL_ALL = list(itertools.product([None, *P], PA))
VIRTUAL_ALL = list(itertools.product([None, *V], VA))


def _id(pair):
    state, action = pair
    return f"{state or 'none'}-{action}"


@pytest.mark.parametrize("move", PHYSICAL_ALL, ids=_id)
def test_physical_machine(move):
    state, action = move
    if move in PHYSICAL_LEGAL:
        assert physical_transition(state, action) is PHYSICAL_LEGAL[move]
    else:
        with pytest.raises(InvalidTransition) as info:
            physical_transition(state, action)
        assert info.value.entity == "physical card"
        assert info.value.action == action.value


@pytest.mark.parametrize("move", VIRTUAL_ALL, ids=_id)
def test_virtual_machine(move):
    state, action = move
    if move in VIRTUAL_LEGAL:
        assert virtual_transition(state, action) is VIRTUAL_LEGAL[move]
    else:
        with pytest.raises(InvalidTransition) as info:
            virtual_transition(state, action)
        assert info.value.entity == "virtual card"


@pytest.mark.parametrize(
    ("transition", "terminal", "actions"),
    [(physical_transition, P.REVOKED, PA), (virtual_transition, V.CLOSED, VA)],
)
def test_revoked_and_closed_are_terminal(transition, terminal, actions):
    for action in actions:
        with pytest.raises(InvalidTransition, match=r"for good|stays closed|already"):
            transition(terminal, action)


def test_physical_and_virtual_apis_do_not_mix():
    """R22: each machine refuses the other's states and actions, even where the text is equal."""
    with pytest.raises(TypeError):
        physical_transition(P.ACTIVE, VA.EXTEND)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        physical_transition(V.ACTIVE, PA.EXTEND)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        virtual_transition(V.ACTIVE, PA.EXPIRE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        virtual_transition(P.ACTIVE, VA.EXPIRE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "legal", "moves", "other_kind", "other_states"),
    [
        (CardKind.PHYSICAL, PHYSICAL_LEGAL, PHYSICAL_ALL, CardKind.VIRTUAL, V),
        (CardKind.VIRTUAL, VIRTUAL_LEGAL, VIRTUAL_ALL, CardKind.PHYSICAL, P),
    ],
)
def test_allows_answers_from_the_tables(kind, legal, moves, other_kind, other_states):
    """What the Cards tab enables is what the machine accepts, never the other kind's (R22)."""
    for state, action in moves:
        if state is not None:
            assert allows(kind, state.value, action) is ((state, action) in legal)
            assert not any(allows(other_kind, s.value, action) for s in other_states)


def test_lost_card_is_replaced_and_virtual_card_is_untouched():
    """R22/R23: lose → replace: old LOST → REPLACED, a new ACTIVE card; nothing virtual."""
    lost = physical_transition(P.ACTIVE, PA.REPORT_LOST)
    old, new = replace_physical_card(lost)
    assert (lost, old, new) == (P.LOST, P.REPLACED, P.ACTIVE)
    with pytest.raises(InvalidTransition, match="lost card stays blocked"):
        physical_transition(lost, PA.EXTEND)


def test_invalid_transition_message_is_readable():
    with pytest.raises(InvalidTransition) as info:
        virtual_transition(V.CLOSED, VA.EXTEND)
    assert str(info.value).startswith("cannot extend a virtual card that is CLOSED: ")


@pytest.mark.parametrize(
    ("physical", "virtual", "expected_physical", "expected_virtual"),
    [
        ([P.ACTIVE, P.REPLACED, P.LOST], V.ACTIVE, (P.REVOKED,) * 3, V.CLOSED),
        ([P.EXPIRED], V.SUSPENDED, (P.REVOKED,), V.CLOSED),
        ([P.REVOKED, P.ACTIVE], V.CLOSED, (P.REVOKED, P.REVOKED), V.CLOSED),  # repeat is harmless
        ([], None, (), None),  # never had a card
        ([P.ACTIVE], None, (P.REVOKED,), None),
    ],
)
def test_roster_removal_revokes_physical_and_closes_virtual(
    physical, virtual, expected_physical, expected_virtual
):
    """R7/R24/R31: the one cascade across the two cards."""
    outcome = roster_removal(physical, virtual)
    assert outcome.physical == expected_physical
    assert outcome.virtual == expected_virtual


# -- validity (R4, R21) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued_on", "valid_until"),
    [
        (date(2025, 9, 1), date(2026, 8, 31)),  # first day of 2025/26
        (date(2026, 8, 31), date(2026, 8, 31)),  # last day still belongs to 2025/26 (R4)
        (date(2026, 2, 15), date(2026, 8, 31)),
        (date(2025, 8, 31), date(2025, 8, 31)),  # issued on the very last day
    ],
)
def test_initial_valid_until_is_31_august_of_the_school_year(issued_on, valid_until):
    assert initial_valid_until(issued_on) == valid_until


@pytest.mark.parametrize(
    ("valid_until", "today", "expected"),
    [
        (date(2025, 8, 31), date(2025, 5, 31), date(2025, 8, 31)),  # too early: no change
        (date(2025, 8, 31), date(2025, 6, 1), date(2026, 8, 31)),  # renewal opens 1 Jun
        (date(2025, 8, 31), date(2025, 8, 31), date(2026, 8, 31)),  # on the last day
        (date(2025, 8, 31), date(2025, 9, 1), date(2026, 8, 31)),  # the day after expiry
        (date(2025, 8, 31), date(2025, 10, 20), date(2026, 8, 31)),  # late, same result
        (date(2023, 8, 31), date(2025, 10, 20), date(2026, 8, 31)),  # lapsed for years
        (date(2026, 8, 31), date(2025, 6, 10), date(2026, 8, 31)),  # repeat in June: no 2nd year
        (date(2026, 8, 31), date(2025, 9, 5), date(2026, 8, 31)),  # Sep batch after June: same
        (date(2026, 8, 31), date(2026, 6, 1), date(2027, 8, 31)),  # next summer: one more
        (date(2024, 2, 29), date(2024, 3, 1), date(2024, 8, 31)),  # odd date: next 31 Aug
    ],
)
def test_extension_moves_to_the_next_31_august(valid_until, today, expected):
    assert extended_valid_until(valid_until, today, StudentStatus.ENROLLED) == expected


@pytest.mark.parametrize("status", [StudentStatus.LEFT, StudentStatus.GRADUATED])
def test_only_enrolled_students_are_extended(status):
    with pytest.raises(InvalidTransition, match="only an enrolled student"):
        extended_valid_until(date(2025, 8, 31), date(2025, 6, 1), status)


@pytest.mark.parametrize(
    ("status", "valid_until", "today", "due"),
    [
        (P.ACTIVE, date(2025, 8, 31), date(2025, 8, 31), False),  # 31 Aug is still valid
        (P.ACTIVE, date(2025, 8, 31), date(2025, 9, 1), True),  # 1 Sep: expire
        (P.ACTIVE, date(2025, 8, 31), date(2025, 9, 14), True),  # job missed days: still
        (P.ACTIVE, date(2026, 8, 31), date(2025, 9, 1), False),  # extended in time
        (P.LOST, date(2025, 8, 31), date(2025, 9, 1), False),
        (P.EXPIRED, date(2025, 8, 31), date(2025, 9, 1), False),  # already done
        (V.ACTIVE, date(2025, 8, 31), date(2025, 9, 1), True),
        (V.SUSPENDED, date(2025, 8, 31), date(2025, 9, 1), False),
        (V.CLOSED, date(2025, 8, 31), date(2025, 9, 1), False),
    ],
)
def test_daily_expiry(status, valid_until, today, due):
    assert is_due_to_expire(status, valid_until, today) is due


# -- activation (R26, R34) ----------------------------------------------------------------------

CODE = "61205171232"
OTHER = "51205171231"


def student(code=CODE, no_local_code=False, status=StudentStatus.ENROLLED):
    return RosterStudentForCard(code, no_local_code, status)


@pytest.mark.parametrize(
    ("roster", "smart_id", "refusal"),
    [
        (student(), CODE, None),
        (student(), f"PNOEE-{CODE}", None),  # Smart-ID's subject identifier form
        (student(code=" 612 0517 1232 "), CODE, None),  # typed with spaces
        (student(), OTHER, Refusal.CODES_DIFFER),
        (None, CODE, Refusal.NOT_IN_ROSTER),
        (student(code=None, no_local_code=True), CODE, Refusal.NO_ESTONIAN_CODE),  # R34
        (student(code=None), CODE, Refusal.NO_ESTONIAN_CODE),
        (student(status=StudentStatus.LEFT), CODE, Refusal.NOT_ENROLLED),
        (student(status=StudentStatus.GRADUATED), CODE, Refusal.NOT_ENROLLED),
        (student(status=StudentStatus.LEFT), OTHER, Refusal.CODES_DIFFER),  # identity first
        (student(), "", Refusal.BAD_SMART_ID_CODE),
        (student(), None, Refusal.BAD_SMART_ID_CODE),
        (student(), "6120517123", Refusal.BAD_SMART_ID_CODE),  # 10 digits
        (student(), "PNOLV-120517-12345", Refusal.BAD_SMART_ID_CODE),  # Latvian Smart-ID
    ],
)
def test_activation_check(roster, smart_id, refusal):
    result = check_activation(roster, smart_id)
    assert result.refusal is refusal
    assert result.ok is (refusal is None)
    assert result.message  # always something to show
    assert CODE not in result.message  # a secretary's screen, and maybe a log: no codes


def test_activation_messages_name_the_reason():
    assert "no Estonian isikukood" in check_activation(student(None, True), CODE).message
    assert "not the one in the roster" in check_activation(student(), OTHER).message


def test_normalise_isikukood():
    assert normalise_isikukood(f"pnoee-{CODE}") == CODE
    assert normalise_isikukood(f"EE{CODE}") == CODE
    assert normalise_isikukood("6120517123x") is None


# -- card numbers (R23) -------------------------------------------------------------------------


def test_card_number_format():
    number = CardNumber("TK", 1234)
    assert str(number) == "TK-00001234-4"
    assert str(number).isascii()  # Code 128 set B encodes it as is
    assert CardNumber.parse(" tk-00001234-4 ") == number


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("TK-00001234-5", "check digit"),
        ("TK-00002134-4", "check digit"),  # swapped neighbours
        ("TK-1234-4", "looks like"),
        ("T-00001234-4", "looks like"),
        ("", "looks like"),
    ],
)
def test_card_number_parse_refuses(raw, reason):
    with pytest.raises(ValidationError, match=reason):
        CardNumber.parse(raw)


@pytest.mark.parametrize(("prefix", "serial"), [("tk", 1), ("T1", 1), ("TK", 0), ("TK", 10**8)])
def test_card_number_limits(prefix, serial):
    with pytest.raises(ValidationError):
        CardNumber(prefix, serial)


@given(st.integers(min_value=1, max_value=10**8 - 1), st.sampled_from(["TK", "TARTU", "HUGO"]))
def test_card_number_round_trips(serial, prefix):
    number = CardNumber(prefix, serial)
    assert CardNumber.parse(str(number)) == number


# -- outbox events (R7, R21, R24, R25) ----------------------------------------------------------

EVENT_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def test_upsert_event_payload():
    event = upsert_event(
        EVENT_ID,
        "S-42",
        personal_code=f" {CODE} ",
        first_name="Mari",
        last_name="Tamm",
        school="TK",
        valid_until=date(2026, 8, 31),
        status=EntitlementStatus.ACTIVE,
    )
    assert event.kind is ProviderEventKind.UPSERT_ENTITLEMENT
    assert dict(event.payload) == {
        "personal_code": CODE,
        "first_name": "Mari",
        "last_name": "Tamm",
        "school": "TK",
        "valid_until": "2026-08-31",
        "status": "ACTIVE",
    }


@pytest.mark.parametrize(
    ("code", "reason"),
    [(None, "Estonian isikukood"), ("61205171233", "check digit"), ("123", "Estonian isikukood")],
)
def test_upsert_event_needs_a_valid_isikukood(code, reason):
    with pytest.raises(ValidationError, match=reason):
        upsert_event(
            EVENT_ID,
            "S-42",
            personal_code=code,
            first_name="Mari",
            last_name="Tamm",
            school="TK",
            valid_until=date(2026, 8, 31),
            status=EntitlementStatus.ACTIVE,
        )


def test_close_and_suspend_events():
    close = close_event(EVENT_ID, "S-42", reason=CloseReason.LEFT, effective_on=date(2026, 1, 9))
    assert close.kind is ProviderEventKind.CLOSE_ENTITLEMENT
    assert dict(close.payload) == {"reason": "LEFT", "effective_on": "2026-01-09"}
    suspend = suspend_event(EVENT_ID, "S-42", reason=SuspendReason.LOST_PHONE)
    assert dict(suspend.payload) == {"reason": "LOST_PHONE"}
    with pytest.raises(ValidationError, match="student_ref"):
        suspend_event(EVENT_ID, "S 42/..", reason=SuspendReason.OPT_OUT)


def test_idempotency_key_is_deterministic_per_event():
    key = idempotency_key(EVENT_ID)
    assert key == idempotency_key(uuid.UUID(str(EVENT_ID)))  # same on every PC, every run
    assert key != idempotency_key(uuid.uuid4())
    assert key != str(EVENT_ID)  # namespaced, not the raw id
    assert close_event(
        EVENT_ID, "S-1", reason=CloseReason.LEFT, effective_on=date(2026, 1, 1)
    ).idempotency_key == str(uuid.UUID(key))


# -- retry policy -------------------------------------------------------------------------------

NOW = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [(1, 1 * MIN), (2, 2 * MIN), (3, 4 * MIN), (6, 32 * MIN), (7, 60 * MIN)],
)
def test_default_back_off_schedule(attempts, wait):
    assert RetryPolicy().next_attempt_at(attempts, NOW) == NOW + wait


def test_gives_up_after_eight_failures_by_default():
    policy = RetryPolicy()
    assert policy.next_attempt_at(7, NOW) is not None
    assert policy.next_attempt_at(8, NOW) is None
    decision = policy.after_failure(8, NOW, retryable=True)
    assert decision.state is OutboxState.NEEDS_ATTENTION
    assert decision.next_attempt_at is None


def test_gives_up_after_is_configurable_and_cap_holds():
    policy = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=5), gives_up_after=100)
    assert policy.delay(5) == timedelta(seconds=160)
    assert policy.delay(6) == timedelta(seconds=300)  # 320 s, capped
    assert policy.delay(99) == timedelta(minutes=5)  # no overflow with large counts
    assert policy.next_attempt_at(99, NOW) == NOW + timedelta(minutes=5)
    assert policy.next_attempt_at(100, NOW) is None


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [(None, MIN), (0, MIN), (30, MIN), (600, 10 * MIN), (86_400, 60 * MIN)],
)
def test_retry_after_is_honoured_up_to_the_cap(retry_after, wait):
    assert RetryPolicy().next_attempt_at(1, NOW, retry_after) == NOW + wait


def test_not_retryable_needs_attention_at_once():
    decision = RetryPolicy().after_failure(1, NOW, retryable=False)
    assert decision.state is OutboxState.NEEDS_ATTENTION
    pending = RetryPolicy().after_failure(1, NOW, retryable=True, retry_after=120)
    assert pending.state is OutboxState.PENDING
    assert pending.next_attempt_at == NOW + 2 * MIN


@pytest.mark.parametrize("bad", [{"gives_up_after": 0}, {"base": timedelta(0)}, {"factor": 0}])
def test_retry_policy_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        RetryPolicy(**bad)


def test_attempts_start_at_one():
    with pytest.raises(ValueError):
        RetryPolicy().delay(0)


# ---- delivery order, extension plan, school code, photos (used by the cards service) --------

PENDING, ATTENTION = OutboxState.PENDING, OutboxState.NEEDS_ATTENTION


@pytest.mark.parametrize(
    ("queue", "ready"),
    [
        # (id, student, state, minutes until due or None)
        ([(1, "A", PENDING, None), (2, "A", PENDING, None), (3, "B", PENDING, None)], [1, 2, 3]),
        # A's first event backs off: A's second waits behind it, B goes ahead.
        ([(1, "A", PENDING, 5), (2, "A", PENDING, None), (3, "B", PENDING, None)], [3]),
        # A person must look at A's first event: A's later ones wait too.
        ([(1, "A", ATTENTION, None), (2, "A", PENDING, None), (3, "B", PENDING, 0)], [3]),
        # Delivered and discarded events hold nothing up.
        (
            [
                (1, "A", OutboxState.DELIVERED, None),
                (2, "A", OutboxState.DISCARDED, None),
                (3, "A", PENDING, None),
            ],
            [3],
        ),
        ([(9, "A", PENDING, None), (4, "A", PENDING, 1)], []),  # order by id, not by list
    ],
)
def test_deliverable_keeps_each_students_order(queue, ready):
    events = [
        QueuedEvent(i, ref, state, None if due is None else NOW + timedelta(minutes=due))
        for i, ref, state, due in queue
    ]
    assert deliverable(events, NOW) == ready


def test_plan_extension_extends_both_kinds_side_by_side():
    cards = [
        CardState(1, CardKind.PHYSICAL, P.EXPIRED, date(2026, 8, 31)),
        CardState(2, CardKind.PHYSICAL, P.REPLACED, date(2026, 8, 31)),
        CardState(3, CardKind.VIRTUAL, V.SUSPENDED, date(2026, 8, 31)),
        CardState(4, CardKind.VIRTUAL, V.CLOSED, date(2025, 8, 31)),
    ]
    until, changes = plan_extension(cards, date(2026, 9, 10), StudentStatus.ENROLLED)
    assert until == date(2027, 8, 31)
    assert [(c.card_id, c.new_status) for c in changes] == [(1, P.ACTIVE), (3, V.SUSPENDED)]
    again = [CardState(c.card_id, c.kind, c.new_status, c.new_valid_until) for c in changes]
    assert plan_extension(again, date(2026, 9, 11), StudentStatus.ENROLLED)[1] == []


def test_plan_extension_without_cards_gives_the_validity_only():
    assert plan_extension([], date(2026, 6, 2), StudentStatus.ENROLLED) == (date(2027, 8, 31), [])
    with pytest.raises(InvalidTransition):
        plan_extension([], date(2026, 6, 2), StudentStatus.LEFT)


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("Tartu Kunstikool", "TK"),
        ("Tallinna Ühisgümnaasium", "TU"),
        ("Osnovna šola Ivana Cankarja Ljubljana", "OSICL"),
        ("Kool", "KO"),
        ("1. kool", "KO"),
        ("", "SC"),
    ],
)
def test_default_card_prefix(name, prefix):
    assert default_card_prefix(name) == prefix
    CardNumber(prefix, 1)  # always a valid prefix


@pytest.mark.parametrize(
    ("fmt", "size", "w", "h", "reason"),
    [
        ("GIF", 1000, 600, 800, "JPEG or PNG"),
        (None, 1000, 600, 800, "JPEG or PNG"),
        ("JPEG", 2 * 1024 * 1024 + 1, 600, 800, "at most 2 MB"),
        ("PNG", 1000, 300, 399, "at least 300 × 400 px"),
        ("PNG", 1000, 4001, 800, "at most 4000 × 4000 px"),
    ],
)
def test_photo_limits(fmt, size, w, h, reason):
    with pytest.raises(ValidationError) as info:
        check_photo(fmt, size, w, h)
    assert info.value.field == "photo" and reason in info.value.reason


def test_photo_within_limits():
    assert check_photo("JPEG", 2 * 1024 * 1024, 300, 400) == "image/jpeg"
    assert check_photo("PNG", 10, 4000, 4000) == "image/png"


def test_student_ref_is_opaque_and_valid():
    assert student_ref(123) == "S-000123"
    close_event(uuid.uuid4(), student_ref(10**9), reason=CloseReason.LEFT, effective_on=NOW.date())
