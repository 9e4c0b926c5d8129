"""Student cards [EE] (R20–R31), card photos, and the outbox to the card provider."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.db.base import Audited, Base, UTCDateTime, Versioned, partial_index, str_enum
from desktop.domain import clock
from desktop.domain.cards.events import ProviderEventKind
from desktop.domain.cards.machines import CardKind, PhysicalCardStatus, VirtualCardStatus
from desktop.domain.cards.outbox import OutboxState

# R20: at most one non-closed virtual card per student. A partial unique index says so in the
# database itself, on SQLite and PostgreSQL alike, so two office PCs cannot both add one.
OPEN_VIRTUAL_WHERE = "kind = 'VIRTUAL' AND status <> 'CLOSED'"


class Card(Versioned, Audited, Base):
    """One physical or virtual card (R20). Two independent objects that refer to one student;
    which machine `status` follows depends on `kind` (see `state`)."""

    __tablename__ = "card"
    __table_args__ = (
        partial_index("uq_card_open_virtual", "student_id", unique=True, where=OPEN_VIRTUAL_WHERE),
        Index("ix_card_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CardKind] = mapped_column(str_enum(CardKind, 8))
    # Physical cards only. Unique for ever: a lost card's number is never issued again (R23).
    card_number: Mapped[str | None] = mapped_column(String(24), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    # PhysicalCardStatus or VirtualCardStatus by kind; plain text so neither machine owns it.
    status: Mapped[str] = mapped_column(String(16))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_card_id: Mapped[int | None] = mapped_column(
        ForeignKey("card.id", ondelete="SET NULL")
    )
    # Virtual cards only: the provider's opaque reference to the phone (R27); never parsed.
    device_binding_ref: Mapped[str | None] = mapped_column(String(200))

    @property
    def state(self) -> PhysicalCardStatus | VirtualCardStatus:
        if self.kind is CardKind.PHYSICAL:
            return PhysicalCardStatus(self.status)
        return VirtualCardStatus(self.status)

    def audit_student_id(self) -> int | None:
        return self.student_id


class CardSettings(Versioned, Audited, Base):
    """One row: the school's card prefix, the serial counter and the provider's contacts.

    `last_serial` only ever grows (it is bumped with a single UPDATE, never edited), so no
    card number is issued twice even after cards or students are deleted (R23).
    """

    __tablename__ = "card_settings"
    __audit_exclude__ = Audited.__audit_exclude__ | {"last_serial"}

    id: Mapped[int] = mapped_column(primary_key=True)
    # Card-number prefix and the `school` we send to the provider, e.g. "TK".
    school_code: Mapped[str] = mapped_column(String(6))
    last_serial: Mapped[int] = mapped_column(Integer, default=0)
    # R25/R29: where to refer a student to, as [label, channel] pairs; never hard-coded names.
    support_contacts: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class StudentPhoto(Versioned, Audited, Base):
    """The picture printed on the student's physical card."""

    __tablename__ = "student_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), unique=True
    )
    image: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)

    def audit_student_id(self) -> int | None:
        return self.student_id


class ProviderOutbox(Base):
    """An event the card provider must learn of, written in the transaction of the change.

    Delivered by desktop.services.card_sync in order per student, with the same idempotency key
    on every retry. Bookkeeping, not audited itself: the card change that made it is.
    """

    __tablename__ = "card_provider_outbox"
    __table_args__ = (Index("ix_card_provider_outbox_state_student", "state", "student_ref", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL: an event must still go out if the student's row is deleted meanwhile.
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("student.id", ondelete="SET NULL"), index=True
    )
    student_ref: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[ProviderEventKind] = mapped_column(str_enum(ProviderEventKind, 32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, 20), default=OutboxState.PENDING
    )
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProviderSyncStatus(Base):
    """One row: how the link to the card provider is doing, for the Cards tab."""

    __tablename__ = "card_provider_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 401/403: nothing can succeed until someone fixes the token; every run checks once.
    auth_failed: Mapped[bool] = mapped_column(default=False)
