"""What every part of CardService shares: the school's day, a card's status change, the
student's validity, and the provider outbox (R21, R34)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Card, ProviderOutbox, Student
from desktop.domain import clock
from desktop.domain.cards.events import EntitlementStatus, ProviderEvent, student_ref, upsert_event
from desktop.domain.cards.machines import PhysicalCardStatus, VirtualCardStatus
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.cards.validity import initial_valid_until
from desktop.services.base import Service
from desktop.services.cards.lookups import last_payloads, provider_knows, school_code
from desktop.services.school import SchoolService

P, V = PhysicalCardStatus, VirtualCardStatus


class CardPart(Service):
    """The base of CardService's parts (services.cards): one Service with shared steps."""

    def _today(self) -> date:
        return SchoolService(self.db, self.actor).require_school().today()

    @staticmethod
    def _move(card: Card, new, reason: str) -> None:
        card.status = new.value
        card.status_changed_at = clock.now()
        card.status_reason = reason

    def _validity(self, session: Session, student: Student, today: date) -> date:
        """The student's entitlement runs to the latest of: this school year's 31 Aug, any
        live card's valid_until, and what the provider was last told (R21). A new card
        never shortens it."""
        dates = [initial_valid_until(today)]
        dates += session.scalars(
            select(Card.valid_until).where(
                Card.student_id == student.id,
                Card.status.not_in([P.REVOKED, P.REPLACED, V.CLOSED]),
            )
        ).all()
        ref = student_ref(student.id)
        last = last_payloads(session, [ref]).get(ref)
        if last and last.get("status") == EntitlementStatus.ACTIVE and "valid_until" in last:
            dates.append(date.fromisoformat(last["valid_until"]))
        return max(dates)

    def _upsert_payload(
        self, session: Session, student: Student, valid_until: date, status: EntitlementStatus
    ) -> dict:
        return dict(self._upsert(session, student, valid_until, status, uuid.UUID(int=0)).payload)

    def _upsert(
        self,
        session: Session,
        student: Student,
        valid_until: date,
        status: EntitlementStatus,
        event_id: uuid.UUID,
    ) -> ProviderEvent:
        return upsert_event(
            event_id,
            student_ref(student.id),
            personal_code=student.personal_code,
            first_name=student.first_name,
            last_name=student.last_name,
            school=school_code(session),
            valid_until=valid_until,
            status=status,
        )

    def _publish(
        self,
        session: Session,
        student: Student,
        valid_until: date,
        status: EntitlementStatus,
        published: dict[str, dict] | None = None,
    ) -> bool:
        """Queue the student's entitlement for the provider, unless it was the last thing
        queued for them anyway (`published`: `last_payloads` if already read). Only for
        students who can hold a virtual card (R34)."""
        if not provider_knows(session, student):
            return False
        event = self._upsert(session, student, valid_until, status, uuid.uuid4())
        if published is None:
            published = last_payloads(session, [event.student_ref])
        if published.get(event.student_ref) == dict(event.payload):
            return False
        self._queue(session, student.id, event)
        return True

    def _queue(self, session: Session, student_id: int, event: ProviderEvent) -> None:
        """The outbox row, in the caller's transaction (desktop.services.card_sync sends it)."""
        session.add(
            ProviderOutbox(
                student_id=student_id,
                student_ref=event.student_ref,
                event_id=str(event.event_id),
                idempotency_key=event.idempotency_key,
                kind=event.kind,
                payload=dict(event.payload),
                created_at=clock.now(),
                created_by=self.actor.login,
                state=OutboxState.PENDING,
            )
        )
