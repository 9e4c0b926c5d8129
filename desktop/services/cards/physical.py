"""Physical cards (R20–R23): issue, report lost, replace, revoke.

R22: nothing here changes the student's virtual card or sends anything about it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Card, Student
from desktop.domain import clock
from desktop.domain.cards.events import EntitlementStatus
from desktop.domain.cards.machines import (
    CardKind,
    PhysicalAction,
    PhysicalCardStatus,
    physical_transition,
    replace_physical_card,
)
from desktop.domain.errors import ValidationError
from desktop.domain.roles import Permission
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import ensure_version
from desktop.services.cards.lookups import (
    enrolled,
    find_card,
    find_student,
    open_virtual,
    required_reason,
)
from desktop.services.cards.part import CardPart
from desktop.services.cards.read_models import CardRecord, card_record
from desktop.services.cards.settings import next_number

P = PhysicalCardStatus


class PhysicalCards(CardPart):
    """Issue, lose, replace and revoke a physical card (R20–R23)."""

    def issue_physical(self, student_id: int, today: date | None = None) -> CardRecord:
        """A first card for an enrolled student, valid to 31 Aug of the school year (R21).

        For a student who may hold a virtual card but has none yet, the entitlement goes to
        the provider too, so the student can add the virtual card (R7). Nothing about an
        existing virtual card changes (R22).
        """
        today = today or self._today()
        with self.write(Permission.MANAGE_CARDS) as session:
            student = enrolled(find_student(session, student_id))
            held = session.scalar(
                select(Card).where(
                    Card.student_id == student.id,
                    Card.kind == CardKind.PHYSICAL,
                    Card.status.in_([P.ACTIVE, P.EXPIRED, P.LOST]),
                    Card.replaced_by_card_id.is_(None),
                )
            )
            if held is not None:
                name = student.full_name
                reason = {
                    P.ACTIVE: N_(
                        "{name} already has this card; report it lost or replace it instead",
                        name=name,
                    ),
                    # R21
                    P.EXPIRED: N_(
                        "{name} already has this card; extend it instead: an extension needs "
                        "no new card",
                        name=name,
                    ),
                    # R23
                    P.LOST: N_(
                        "{name} already has this card; replace the lost card instead, so it "
                        "links to the new one",
                        name=name,
                    ),
                }[held.state]
                raise ValidationError("card", held.card_number, reason)
            valid_until = self._validity(session, student, today)
            card = self._new_physical(session, student, today, valid_until, N_("issued"))
            if open_virtual(session, student.id) is None:
                self._publish(session, student, valid_until, EntitlementStatus.ACTIVE)
            session.flush()
            return card_record(card)

    def report_lost(self, card_id: int, version: int, reason: str = "") -> CardRecord:
        """R23: the card is blocked at once; no provider event, the virtual card stays valid."""
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._physical(session, card_id, version)
            self._move(
                card,
                physical_transition(card.state, PhysicalAction.REPORT_LOST),
                reason or N_("reported lost"),
            )
            session.flush()
            return card_record(card)

    def replace(
        self, card_id: int, version: int, reason: str = "", today: date | None = None
    ) -> CardRecord:
        """R23: a new number, the old card REPLACED and linked to the new one. Returns the new."""
        today = today or self._today()
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            old = self._physical(session, card_id, version)
            new = self._replace(session, old, today, reason or N_("replaced"))
            return card_record(new)

    def report_lost_and_replace(
        self, card_id: int, version: int, reason: str = "", today: date | None = None
    ) -> CardRecord:
        """R23 in one step: ACTIVE → LOST → REPLACED, linked to a new ACTIVE card (returned)."""
        today = today or self._today()
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            old = self._physical(session, card_id, version)
            why = reason or N_("reported lost")
            self._move(old, physical_transition(old.state, PhysicalAction.REPORT_LOST), why)
            new = self._replace(session, old, today, why)
            return card_record(new)

    def revoke(self, card_id: int, version: int, reason: str) -> CardRecord:
        """A physical card made void (entitlement removed, card withdrawn). R22: the virtual
        card is not touched; closing it is `close_virtual`."""
        reason = required_reason(reason)
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._physical(session, card_id, version)
            self._move(card, physical_transition(card.state, PhysicalAction.REVOKE), reason)
            session.flush()
            return card_record(card)

    def _new_physical(
        self, session: Session, student: Student, today: date, valid_until: date, reason: str
    ) -> Card:
        card = Card(
            student_id=student.id,
            kind=CardKind.PHYSICAL,
            card_number=str(next_number(session)),
            issued_on=today,
            valid_until=valid_until,
            status=physical_transition(None, PhysicalAction.ISSUE).value,
            status_changed_at=clock.now(),
            status_reason=reason,
        )
        session.add(card)
        session.flush()
        return card

    def _replace(self, session: Session, old: Card, today: date, reason: str) -> Card:
        """R23: never touches the virtual card and sends nothing to the provider (R22)."""
        old_status, _ = replace_physical_card(old.state)
        student = enrolled(find_student(session, old.student_id))
        new = self._new_physical(
            session,
            student,
            today,
            self._validity(session, student, today),
            str(N_("replaces {number}", number=old.card_number)),
        )
        self._move(old, old_status, reason)
        old.replaced_by_card_id = new.id
        session.flush()
        return new

    def _physical(self, session: Session, card_id: int, version: int) -> Card:
        card = find_card(session, card_id)
        if card.kind is not CardKind.PHYSICAL:
            raise ValidationError("card", "virtual card", N_("this action is for a physical card"))
        ensure_version(card, version, "card")
        return card
