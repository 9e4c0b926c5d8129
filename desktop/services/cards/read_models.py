"""What the Cards tab and the CLI read: CardRow for the table, CardRecord for one card, a
student's card history from the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select

from desktop.db.models import AuditEntry, Card, Student
from desktop.domain.cards.machines import CardKind, PhysicalCardStatus, VirtualCardStatus
from desktop.domain.cards.numbering import CardNumber
from desktop.domain.errors import NotFound
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.services.cards.lookups import find_card
from desktop.services.cards.part import CardPart


@dataclass(frozen=True)
class CardRecord:
    id: int
    version: int
    student_id: int
    kind: CardKind
    card_number: str | None
    issued_on: date
    valid_until: date
    status: PhysicalCardStatus | VirtualCardStatus
    status_changed_at: datetime
    status_reason: str
    replaced_by_card_id: int | None
    device_binding_ref: str | None
    updated_by: str
    updated_at: datetime


def card_record(card: Card) -> CardRecord:
    return CardRecord(
        card.id,
        card.version,
        card.student_id,
        card.kind,
        card.card_number,
        card.issued_on,
        card.valid_until,
        card.state,
        card.status_changed_at,
        card.status_reason,
        card.replaced_by_card_id,
        card.device_binding_ref,
        card.updated_by,
        card.updated_at,
    )


@dataclass(frozen=True)
class CardFilter:
    status: str | None = None
    class_name: str | None = None
    expiring_before: date | None = None  # ACTIVE cards whose valid_until is before this day
    student_id: int | None = None
    kind: CardKind | None = None

    def __post_init__(self) -> None:
        coerce_fields(self, kind=CardKind)


class CardRow(NamedTuple):
    """One card in the Cards table (the id first, as the table models expect)."""

    id: int
    version: int
    student_id: int
    last_name: str
    first_name: str
    class_name: str | None
    kind: CardKind
    card_number: str | None  # None for a virtual card
    status: str
    issued_on: date
    valid_until: date
    status_changed_at: datetime


# The columns CardRow is read from, in its field order. Rows from Core: no ORM objects.
CARD_COLUMNS = (
    Card.id,
    Card.version,
    Card.student_id,
    Student.last_name,
    Student.first_name,
    Student.class_name,
    Card.kind,
    Card.card_number,
    Card.status,
    Card.issued_on,
    Card.valid_until,
    Card.status_changed_at,
)


@dataclass(frozen=True)
class CardHistoryEntry:
    """One step in a student's card history, from the audit log."""

    at: datetime
    actor: str
    card_id: int | None
    card_label: str
    action: str  # insert / update / print
    status_before: str | None
    status_after: str | None
    valid_until_before: str | None
    valid_until_after: str | None
    reason: str


class ReadModels(CardPart):
    """The Cards table, one card, a student's cards and their history."""

    def rows(self, where: CardFilter = CardFilter()) -> list[CardRow]:
        """The Cards table: one CardRow per card, physical and virtual."""
        stmt = select(*CARD_COLUMNS).join(Student, Student.id == Card.student_id)
        if where.status:
            stmt = stmt.where(Card.status == str(where.status))
        if where.class_name:
            stmt = stmt.where(Student.class_name == where.class_name)
        if where.expiring_before:
            stmt = stmt.where(Card.status == "ACTIVE", Card.valid_until < where.expiring_before)
        if where.student_id is not None:
            stmt = stmt.where(Card.student_id == where.student_id)
        if where.kind is not None:
            stmt = stmt.where(Card.kind == CardKind(where.kind))
        stmt = stmt.order_by(Student.last_name, Student.first_name, Card.student_id, Card.id)
        with self.read(Permission.MANAGE_CARDS) as session:
            return [CardRow._make(row) for row in session.execute(stmt)]

    def get(self, card_id: int) -> CardRecord:
        with self.read(Permission.MANAGE_CARDS) as session:
            return card_record(find_card(session, card_id))

    def find_by_number(self, number: str) -> CardRecord:
        text_number = str(CardNumber.parse(number))
        with self.read(Permission.MANAGE_CARDS) as session:
            card = session.scalar(select(Card).where(Card.card_number == text_number))
            if card is None:
                raise NotFound("card with number", text_number)
            return card_record(card)

    def student_cards(self, student_id: int) -> list[CardRecord]:
        with self.read(Permission.MANAGE_CARDS) as session:
            cards = session.scalars(
                select(Card).where(Card.student_id == student_id).order_by(Card.id)
            )
            return [card_record(c) for c in cards]

    def history(self, student_id: int) -> list[CardHistoryEntry]:
        """Every change to the student's cards, who made it and when (the audit log)."""
        with self.read(Permission.MANAGE_CARDS) as session:
            labels = {
                cid: number or "virtual card"
                for cid, number in session.execute(
                    select(Card.id, Card.card_number).where(Card.student_id == student_id)
                )
            }
            entries = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "card", AuditEntry.student_id == student_id)
                .order_by(AuditEntry.at, AuditEntry.id)
            )
            result = []
            for e in entries:
                before, after = e.before or {}, e.after or {}
                card_id = int(e.entity_id)
                result.append(
                    CardHistoryEntry(
                        e.at,
                        e.actor,
                        card_id,
                        labels.get(card_id, after.get("card_number") or "card"),
                        e.action,
                        before.get("status"),
                        after.get("status"),
                        before.get("valid_until"),
                        after.get("valid_until"),
                        after.get("status_reason") or e.reason,
                    )
                )
            return result
