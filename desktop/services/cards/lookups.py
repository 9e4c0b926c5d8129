"""What the card parts read in their transaction: the student, their cards, the school's
country and card prefix, what the provider was last told."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.db.models import Card, CardSettings, ProviderOutbox, School, Student
from desktop.domain.cards.activation import normalise_isikukood
from desktop.domain.cards.events import ProviderEventKind
from desktop.domain.cards.machines import CardKind, PhysicalCardStatus, VirtualCardStatus
from desktop.domain.cards.numbering import default_card_prefix
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roster import Country, StudentStatus, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI

V = VirtualCardStatus


def card_state(row) -> PhysicalCardStatus | VirtualCardStatus:
    """Card.state for a row read with Core."""
    if row.kind is CardKind.PHYSICAL:
        return PhysicalCardStatus(row.status)
    return VirtualCardStatus(row.status)


def school_code(session: Session) -> str:
    """The card-number prefix, also sent as `school`: the saved one, else one made from the
    school's name. Read-only, so a preview on a new database writes nothing. Looked up once
    per transaction (a batch asks for every student)."""
    if "card_school_code" not in session.info:
        row = session.get(CardSettings, 1)
        if row is not None:
            code = row.school_code
        else:
            name = session.scalar(select(School.name).order_by(School.id).limit(1)) or ""
            code = default_card_prefix(name)
        session.info["card_school_code"] = code
    return session.info["card_school_code"]


def find_student(session: Session, student_id: int) -> Student:
    student = session.get(Student, student_id)
    if student is None:
        raise NotFound("student", student_id)
    return student


def enrolled(student: Student) -> Student:
    if student.status is not StudentStatus.ENROLLED:
        raise ValidationError(
            "student", student.full_name, N_("only an enrolled student gets a card")
        )
    return student


def find_card(session: Session, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound("card", card_id)
    return card


def open_virtual(session: Session, student_id: int) -> Card | None:
    return session.scalar(
        select(Card).where(
            Card.student_id == student_id, Card.kind == CardKind.VIRTUAL, Card.status != V.CLOSED
        )
    )


def cards_of(session: Session, student_ids: list[int]) -> dict[int, list[Card]]:
    result: dict[int, list[Card]] = {}
    for start in range(0, len(student_ids), 2000):  # stay below bound-parameter limits
        chunk = student_ids[start : start + 2000]
        for card in session.scalars(
            select(Card).where(Card.student_id.in_(chunk)).order_by(Card.id)
        ):
            result.setdefault(card.student_id, []).append(card)
    return result


def last_events(session: Session, refs: list[str]) -> dict[str, tuple[ProviderEventKind, dict]]:
    """The newest event queued for each student (discarded ones do not count)."""
    result: dict[str, tuple[ProviderEventKind, dict]] = {}
    for start in range(0, len(refs), 2000):
        chunk = refs[start : start + 2000]
        newest = (
            select(func.max(ProviderOutbox.id))
            .where(
                ProviderOutbox.student_ref.in_(chunk),
                ProviderOutbox.state != OutboxState.DISCARDED,
            )
            .group_by(ProviderOutbox.student_ref)
        )
        rows = session.execute(
            select(ProviderOutbox.student_ref, ProviderOutbox.kind, ProviderOutbox.payload).where(
                ProviderOutbox.id.in_(newest)
            )
        )
        result.update({ref: (kind, payload) for ref, kind, payload in rows})
    return result


def last_payloads(session: Session, refs: list[str]) -> dict[str, dict]:
    """The last entitlement sent for each student, or nothing if the last event closed it."""
    return {
        ref: payload
        for ref, (kind, payload) in last_events(session, refs).items()
        if kind is ProviderEventKind.UPSERT_ENTITLEMENT
    }


def provider_knows(session: Session, student: Student) -> bool:
    """Only an Estonian school's students with an isikukood can hold a virtual card (R34)."""
    if student.no_local_code or normalise_isikukood(student.personal_code) is None:
        return False
    return school_country(session) is Country.EE


def school_country(session: Session) -> Country | None:
    if "school_country" not in session.info:  # asked once per transaction, not per student
        session.info["school_country"] = session.scalar(
            select(School.country).order_by(School.id).limit(1)
        )
    return session.info["school_country"]


def required_reason(reason: str) -> str:
    text = clean_text(reason)
    if not text:
        raise ValidationError("reason", reason, N_("say why, for the card's history"))
    return text
