"""How cards end, inside other areas' transactions: roster removal (R7, R24, R31) and the
daily expiry job (R21), which moves a whole school's cards in one UPDATE on 1 Sep."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desktop.db.limits import check_rows
from desktop.db.models import Card, Student
from desktop.db.session import actor_of, audit_entry, jsonable, write_audit_entries
from desktop.domain import clock
from desktop.domain.cards.events import (
    CloseReason,
    EntitlementStatus,
    ProviderEventKind,
    close_event,
    student_ref,
)
from desktop.domain.cards.machines import (
    CardKind,
    PhysicalAction,
    VirtualAction,
    VirtualCardStatus,
    physical_transition,
    roster_removal,
    virtual_transition,
)
from desktop.domain.cards.validity import is_due_to_expire
from desktop.domain.roster import Country
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.cards.lookups import (
    card_state,
    last_events,
    last_payloads,
    provider_knows,
    school_country,
)
from desktop.services.cards.part import CardPart

V = VirtualCardStatus


class Endings(CardPart):
    """Roster removal and the daily expiry (R7, R21, R24)."""

    def on_student_leaving(self, session: Session, student: Student, left_on: date) -> None:
        """Roster leaving handler (R7, R24, R31): in the leaving transaction, revoke every
        physical card, close the virtual card and queue the provider's close event."""
        cards = session.scalars(select(Card).where(Card.student_id == student.id)).all()
        physical = [c for c in cards if c.kind is CardKind.PHYSICAL]
        virtual = next(
            (c for c in cards if c.kind is CardKind.VIRTUAL and c.state != V.CLOSED), None
        )
        outcome = roster_removal([c.state for c in physical], virtual.state if virtual else None)
        why = str(
            N_("graduated on {day}", day=left_on.isoformat())
            if student.status.value == "GRADUATED"
            else N_("left the school on {day}", day=left_on.isoformat())
        )
        for card, new in zip(physical, outcome.physical, strict=True):
            if new != card.state:
                self._move(card, new, why)
        if virtual is not None and outcome.virtual != virtual.state:
            self._move(virtual, outcome.virtual, why)
        if not provider_knows(session, student):
            return
        last = last_events(session, [student_ref(student.id)]).get(student_ref(student.id))
        if virtual is not None or (
            last is not None and last[0] != ProviderEventKind.CLOSE_ENTITLEMENT
        ):
            self._queue(
                session,
                student.id,
                close_event(
                    uuid.uuid4(),
                    student_ref(student.id),
                    reason=CloseReason(student.status.value),
                    effective_on=left_on,
                ),
            )

    def expire_due(self, session: Session, today: date) -> str:
        """Daily job "card-expiry" (R21): ACTIVE cards whose 31 Aug has passed become EXPIRED,
        and the provider hears that the student's entitlement expired."""
        # The query narrows on the (status, valid_until) index; the rule decides.
        candidates = session.execute(
            select(
                Card.id,
                Card.student_id,
                Card.kind,
                Card.status,
                Card.valid_until,
                Card.version,
                Card.status_changed_at,
                Card.status_reason,
            ).where(Card.status == "ACTIVE", Card.valid_until < today)
        ).all()
        due = [c for c in candidates if is_due_to_expire(card_state(c), c.valid_until, today)]
        expired_until: dict[int, date] = {}
        moves = []
        for card in due:
            if card.kind is CardKind.PHYSICAL:
                new = physical_transition(card_state(card), PhysicalAction.EXPIRE)
            else:
                new = virtual_transition(card_state(card), VirtualAction.EXPIRE)
            reason = str(N_("valid until {day}", day=card.valid_until.isoformat()))
            moves.append((card, new.value, reason))
            expired_until[card.student_id] = max(
                card.valid_until, expired_until.get(card.student_id, date.min)
            )
        self._move_many(session, moves)
        # Only an Estonian school's students can hold a virtual card (R34): elsewhere nobody
        # is told, and the students need not be read.
        students = (
            session.scalars(select(Student).where(Student.id.in_(list(expired_until)))).all()
            if expired_until and school_country(session) is Country.EE
            else []
        )
        # On 1 Sep this is most of the school: what was last sent is read in one go.
        published = last_payloads(session, [student_ref(s.id) for s in students])
        events = sum(
            self._publish(session, s, expired_until[s.id], EntitlementStatus.EXPIRED, published)
            for s in students
        )
        physical = sum(1 for c in due if c.kind is CardKind.PHYSICAL)
        return (
            f"{len(due)} card(s) expired ({physical} physical, {len(due) - physical} virtual); "
            f"{events} provider event(s) queued"
        )

    def _move_many(self, session: Session, moves: list[tuple]) -> None:
        """`_move` for a whole school on 1 Sep, as one UPDATE of many rows: what the ORM would
        do card by card (version checked and bumped, stamps, one audit entry per card with the
        fields that changed, the change notification), without an object per card.
        `moves`: (a row with id, student_id, status, version, status_changed_at,
        status_reason; the new status; the reason)."""
        if not moves:
            return
        now, actor = clock.now(), actor_of(session)
        values = [
            {"status": status, "status_changed_at": now, "status_reason": reason}
            for _card, status, reason in moves
        ]
        check_rows(Card.__table__, values)
        table = Card.__table__
        result = session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values(
                status=bindparam("status"),
                status_changed_at=bindparam("status_changed_at"),
                status_reason=bindparam("status_reason"),
                version=bindparam("new_version"),
                updated_at=bindparam("updated_at"),
                updated_by=bindparam("updated_by"),
            ),
            [
                {
                    **value,
                    "b_id": card.id,
                    "b_version": card.version,
                    "new_version": card.version + 1,
                    "updated_at": now,
                    "updated_by": actor,
                }
                for (card, _status, _reason), value in zip(moves, values, strict=True)
            ],
        )
        if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(
            moves
        ):
            raise StaleDataError(
                f"card: {len(moves) - result.rowcount} row(s) changed by someone else meanwhile"
            )
        entries = []
        for (card, _status, _reason), value in zip(moves, values, strict=True):
            before, after = {}, {}
            for key, new_value in value.items():
                old_value = getattr(card, key)
                if old_value != new_value:
                    before[key], after[key] = jsonable(old_value), jsonable(new_value)
            if after:
                entries.append(
                    audit_entry(
                        session,
                        "update",
                        table.name,
                        card.id,
                        student_id=card.student_id,
                        before=before,
                        after=after,
                    )
                )
        write_audit_entries(session, entries)
