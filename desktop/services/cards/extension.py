"""Extending cards to the next 31 Aug (R21): one student, or a previewed plan for every
enrolled student, applied only as the office saw it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Card, Student
from desktop.domain.cards.events import EntitlementStatus, student_ref
from desktop.domain.cards.validity import CardChange, CardState, plan_extension
from desktop.domain.errors import ConflictError, Progress, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import ensure_version
from desktop.services.cards.lookups import cards_of, find_student, last_payloads, provider_knows
from desktop.services.cards.part import CardPart


@dataclass(frozen=True)
class ExtensionItem:
    """What extending one student changes (R21): their cards and, for a virtual-card
    entitlement, the event that tells the provider."""

    student_id: int
    student_name: str
    class_name: str | None
    new_valid_until: date
    changes: tuple[CardChange, ...]
    card_versions: tuple[tuple[int, int], ...]
    publishes: bool  # an entitlement update goes to the provider

    @property
    def empty(self) -> bool:
        return not self.changes and not self.publishes


@dataclass(frozen=True)
class ExtensionPlan:
    """The preview of "Extend all enrolled": applied only as shown, or refused."""

    today: date
    items: tuple[ExtensionItem, ...]

    @property
    def card_count(self) -> int:
        return sum(len(i.changes) for i in self.items)

    @property
    def event_count(self) -> int:
        return sum(i.publishes for i in self.items)


class Extension(CardPart):
    """Extend one student, preview and apply the extension of all (R21)."""

    def extend(self, student_id: int, today: date | None = None) -> ExtensionItem:
        """Extend one student's cards to the next 31 Aug; repeating it changes nothing."""
        today = today or self._today()
        with self._saving("card", Card, 0), self.write(Permission.MANAGE_CARDS) as session:
            student = find_student(session, student_id)
            cards = cards_of(session, [student.id]).get(student.id, [])
            published = last_payloads(session, [student_ref(student.id)])
            item = self._plan_student(session, student, cards, today, published)
            if item is None:
                raise ValidationError(
                    "student", student.full_name, N_("has no card to extend; issue a card first")
                )
            self._apply_item(session, student, cards, item)
            session.flush()
            return item

    def preview_extend_all(self, today: date | None = None) -> ExtensionPlan:
        """What "Extend all enrolled" would change, student by student. Nothing is written."""
        today = today or self._today()
        with self.read(Permission.MANAGE_CARDS) as session:
            return self._plan_all(session, today)

    def apply_extension(
        self, plan: ExtensionPlan, progress: Progress | None = None
    ) -> ExtensionPlan:
        """Apply a previewed plan in one transaction, only if it is still exactly what the
        office saw; otherwise refuse and ask for a new preview."""
        with self._saving("card", Card, 0), self.write(Permission.MANAGE_CARDS) as session:
            current = self._plan_all(session, plan.today)
            if current != plan:
                raise ConflictError("set of cards to extend", "", None, None)
            students = {
                s.id: s
                for s in session.scalars(
                    select(Student).where(Student.id.in_([i.student_id for i in plan.items]))
                )
            }
            cards = cards_of(session, list(students))
            total = len(plan.items)
            for n, item in enumerate(plan.items, 1):
                sid = item.student_id
                self._apply_item(session, students[sid], cards.get(sid, []), item)
                if progress is not None:
                    progress(n, total)
            session.flush()
            return plan

    def _plan_student(
        self,
        session: Session,
        student: Student,
        cards: list[Card],
        today: date,
        published: dict[str, dict],
    ) -> ExtensionItem | None:
        new_until, changes = plan_extension(
            [CardState(c.id, c.kind, c.state, c.valid_until) for c in cards],
            today,
            student.status,
        )
        publishes = False
        if provider_knows(session, student):
            payload = self._upsert_payload(session, student, new_until, EntitlementStatus.ACTIVE)
            publishes = payload != published.get(student_ref(student.id))
        if not cards and not publishes:
            return None
        versions = {c.id: c.version for c in cards}
        return ExtensionItem(
            student.id,
            student.full_name,
            student.class_name,
            new_until,
            tuple(changes),
            tuple((ch.card_id, versions[ch.card_id]) for ch in changes),
            publishes,
        )

    def _plan_all(self, session: Session, today: date) -> ExtensionPlan:
        students = session.scalars(
            select(Student)
            .where(Student.status == StudentStatus.ENROLLED)
            .order_by(Student.class_name, Student.last_name, Student.first_name, Student.id)
        ).all()
        cards = cards_of(session, [s.id for s in students])
        published = last_payloads(session, [student_ref(s.id) for s in students])
        items = []
        for student in students:
            item = self._plan_student(session, student, cards.get(student.id, []), today, published)
            if item is not None and not item.empty:
                items.append(item)
        return ExtensionPlan(today, tuple(items))

    def _apply_item(
        self, session: Session, student: Student, cards: list[Card], item: ExtensionItem
    ) -> None:
        by_id = {c.id: c for c in cards}
        versions = dict(item.card_versions)
        for change in item.changes:
            card = by_id[change.card_id]
            ensure_version(card, versions[card.id], "card")
            if change.new_status != card.state:
                self._move(
                    card,
                    change.new_status,
                    str(N_("extended to {day}", day=str(change.new_valid_until))),
                )
            card.valid_until = change.new_valid_until
        if item.publishes:  # the plan compared it with the last event sent, in this transaction
            event = self._upsert(
                session, student, item.new_valid_until, EntitlementStatus.ACTIVE, uuid.uuid4()
            )
            self._queue(session, student.id, event)
