"""The two card state machines [EE] (R20, R22, R31): the physical and the virtual card.

R20: a physical and a virtual card are two independent objects that refer to the same person.
R22: so each has its own machine (`PHYSICAL`, `VIRTUAL`: status type, action type, table) and
refuses the other's statuses and actions. The only cascade is roster removal (R7, R24),
which has its own function, `roster_removal`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, TypeVar

from desktop.domain.errors import InvalidTransition
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
