"""The virtual card (R24–R27, R34): activation with Smart-ID, the suspension the provider
confirms, closing it.

R22: nothing here changes a physical card."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.models import Card
from desktop.db.session import record_audit
from desktop.domain import clock
from desktop.domain.cards.activation import RosterStudentForCard, check_activation
from desktop.domain.cards.events import (
    CloseReason,
    SuspendReason,
    close_event,
    student_ref,
    suspend_event,
)
from desktop.domain.cards.machines import (
    CardKind,
    VirtualAction,
    VirtualCardStatus,
    virtual_transition,
)
from desktop.domain.errors import SchoolOfficeError, ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import ensure_version
from desktop.services.cards.lookups import find_card, find_student, open_virtual, required_reason
from desktop.services.cards.part import CardPart
from desktop.services.cards.read_models import CardRecord, card_record

V = VirtualCardStatus


class ActivationRefused(SchoolOfficeError):
    """R26/R34: the virtual card may not be activated; `message` says why in plain words."""

    def __init__(self, refusal, message: str):
        self.refusal = refusal
        self.message = message
        super().__init__(message)


class VirtualCard(CardPart):
    """Activate, suspend and close the virtual card (R24–R27, R34)."""

    def record_activation(
        self,
        student_id: int,
        smart_id_code: str,
        device_binding_ref: str = "",
        today: date | None = None,
    ) -> CardRecord:
        """The provider reports a Smart-ID login for this student: allowed only if the code it
        returned is the roster's (R26), never for a student without one (R34). A new login on
        an active card moves it to the new phone (R27); on a suspended one it reactivates."""
        today = today or self._today()
        device = clean_text(device_binding_ref) or None
        try:
            with self.write(Permission.MANAGE_CARDS) as session:
                student = find_student(session, student_id)
                check = check_activation(
                    RosterStudentForCard(
                        student.personal_code, student.no_local_code, student.status
                    ),
                    smart_id_code,
                )
                if not check.ok:
                    raise ActivationRefused(check.refusal, check.message)
                card = open_virtual(session, student.id)
                if card is None:
                    valid_until = self._validity(session, student, today)
                    card = Card(
                        student_id=student.id,
                        kind=CardKind.VIRTUAL,
                        issued_on=today,
                        valid_until=valid_until,
                        status=virtual_transition(None, VirtualAction.ACTIVATE).value,
                        status_changed_at=clock.now(),
                        status_reason=N_("activated with Smart-ID"),
                        device_binding_ref=device,
                    )
                    session.add(card)
                else:
                    action = (
                        VirtualAction.REACTIVATE
                        if card.state is V.SUSPENDED
                        else VirtualAction.CHANGE_DEVICE
                    )
                    new = virtual_transition(card.state, action)
                    if new != card.state:
                        self._move(card, new, N_("new Smart-ID login"))
                    card.device_binding_ref = device or card.device_binding_ref
                session.flush()
                return card_record(card)
        except IntegrityError:  # another PC recorded an activation at the same moment
            raise ValidationError(
                "virtual card", student_id, N_("the student already has an open virtual card")
            ) from None

    def request_suspension(self, student_id: int, reason: SuspendReason) -> None:
        """R25: log that the student asked the provider to suspend; the provider decides, and
        the card becomes SUSPENDED only when it confirms (`record_suspension`)."""
        reason = coerce_enum(SuspendReason, "reason", reason)
        with self.write(Permission.MANAGE_CARDS, reason="suspension requested") as session:
            student = find_student(session, student_id)
            card = open_virtual(session, student.id)
            if card is None or card.state is not V.ACTIVE:
                raise ValidationError(
                    "virtual card",
                    card.status if card else "none",
                    N_("{name} has no active virtual card to suspend", name=student.full_name),
                )
            self._queue(
                session,
                student.id,
                suspend_event(uuid.uuid4(), student_ref(student.id), reason=reason),
            )
            # Nothing on the card changes yet, so the audit hooks see nothing: log it here.
            record_audit(
                session,
                "suspension_requested",
                "card",
                card.id,
                student_id=student.id,
                after={"reason": reason.value},
            )

    def record_suspension(self, card_id: int, version: int, reason: str = "") -> CardRecord:
        """R25: the provider confirmed it suspended the virtual card."""
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._virtual(session, card_id, version)
            new = virtual_transition(card.state, VirtualAction.SUSPEND_CONFIRMED)
            self._move(card, new, reason or N_("suspended by the provider"))
            session.flush()
            return card_record(card)

    def close_virtual(
        self, card_id: int, version: int, reason: str, today: date | None = None
    ) -> CardRecord:
        """R24: the student's entitlement is removed; the provider closes the card too."""
        reason = required_reason(reason)
        today = today or self._today()
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._virtual(session, card_id, version)
            self._move(card, virtual_transition(card.state, VirtualAction.CLOSE), reason)
            self._queue(
                session,
                card.student_id,
                close_event(
                    uuid.uuid4(),
                    student_ref(card.student_id),
                    reason=CloseReason.ENTITLEMENT_REMOVED,
                    effective_on=today,
                ),
            )
            session.flush()
            return card_record(card)

    def _virtual(self, session: Session, card_id: int, version: int) -> Card:
        card = find_card(session, card_id)
        if card.kind is not CardKind.VIRTUAL:
            raise ValidationError(
                "card", card.card_number, N_("this action is for the virtual card")
            )
        ensure_version(card, version, "card")
        return card
