"""Consent and data protection: acceptances, settings, requests, codes, deletion, retention,
adult prohibitions and breaches (R15, R39–R48, R55–R70).

Acceptance records are append-only: the ORM refuses to update or delete one (a withdrawal is a
new record). The plain access code is never stored, only its scrypt hash (R39, R40).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.db.base import Audited, Base, UTCDateTime, Versioned, str_enum
from desktop.domain import clock
from desktop.domain.consent.breaches import BreachNotice
from desktop.domain.consent.codes import CodeKind
from desktop.domain.consent.deletion import DeletionState
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory, RetentionAction
from desktop.domain.consent.terms import AcceptanceDecision, Channel, OnBehalfBasis
from desktop.domain.consent_workflow import (
    PersonKind,
    ProposalState,
    RequestStatus,
)


class ConsentSettings(Versioned, Audited, Base):
    """One row: what a school tunes as data, not code (age rules R46–R48, retention R64)."""

    __tablename__ = "consent_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # [AgeRule.to_dict(), ...]; empty: desktop.domain.consent.ages.DEFAULT_AGE_RULES
    age_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [RetentionRule.to_dict(), ...]; empty: DEFAULT_RETENTION_RULES
    retention_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {terms document key: "STUDENT" | "GUARDIAN"}: whose answer a document needs; missing keys
    # take desktop.domain.consent_workflow.DEFAULT_AUDIENCES.
    audiences: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # R60 OPEN (a): the data-access export is a per-school switch.
    export_enabled: Mapped[bool] = mapped_column(default=True)
    # Reminders about data-subject requests start this many days before the due date.
    reminder_days: Mapped[int] = mapped_column(Integer, default=7)


class TermsAcceptance(Audited, Base):
    """R44: one decision about one terms version. Append-only, never edited (see the guard below).

    `person_kind` says whose decision it is: the student's own (account holder) or a guardian's
    (e.g. the subscriber of the paid service). `student_id` is always the child concerned, so a
    class overview needs no guessing. When someone decides for the person (R45, R46 c), `basis`
    says on what ground and `on_behalf_guardian_id`/`given_by` who it was.
    """

    __tablename__ = "terms_acceptance"
    __table_args__ = (
        Index("ix_terms_acceptance_person", "student_id", "guardian_id"),
        CheckConstraint(
            "(person_kind = 'GUARDIAN' AND guardian_id IS NOT NULL) OR "
            "(person_kind = 'STUDENT' AND guardian_id IS NULL)",
            name="person",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    terms_version_id: Mapped[int] = mapped_column(
        ForeignKey("terms_version.id", ondelete="RESTRICT"), index=True
    )
    person_kind: Mapped[PersonKind] = mapped_column(str_enum(PersonKind, 10))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    decision: Mapped[AcceptanceDecision] = mapped_column(str_enum(AcceptanceDecision, 10))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the person decided
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(100))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 24))
    language_shown: Mapped[str] = mapped_column(String(2))
    basis: Mapped[OnBehalfBasis] = mapped_column(str_enum(OnBehalfBasis, 24))
    on_behalf_guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian.id", ondelete="SET NULL")
    )
    given_by: Mapped[str] = mapped_column(String(200), default="")
    age_basis: Mapped[str] = mapped_column(String(32), default="")  # AgeBasis value (R46, R47)
    age_basis_detail: Mapped[str] = mapped_column(Text, default="")  # document ref (R46 b)
    warranties: Mapped[list[str]] = mapped_column(JSON, default=list)  # R41
    free_alternative_disclosed: Mapped[bool] = mapped_column(default=False)  # R55
    note: Mapped[str] = mapped_column(Text, default="")

    def audit_student_id(self) -> int | None:
        return self.student_id


@event.listens_for(TermsAcceptance, "before_update")
@event.listens_for(TermsAcceptance, "before_delete")
def _append_only(_mapper, _connection, target: TermsAcceptance) -> None:
    raise PermissionError(
        f"acceptance record {target.id} is append-only: record a new decision instead"
    )


class DataRequest(Versioned, Audited, Base):
    """R57/R58: a data-subject request (access, rectification, deletion, ...)."""

    __tablename__ = "data_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind, 16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(40))
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian.id", ondelete="SET NULL")
    )
    subject_student_id: Mapped[int | None] = mapped_column(
        ForeignKey("student.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[DataCategory] = mapped_column(str_enum(DataCategory, 20))
    details: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date, index=True)  # R58, moved by an extension
    forward_to: Mapped[str] = mapped_column(String(200), default="")  # R57: who must get it
    forward_due_on: Mapped[date | None] = mapped_column(Date)  # R57: received + 1 day
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requester_informed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    extension_notified_on: Mapped[date | None] = mapped_column(Date)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, 16), index=True)
    handled_by: Mapped[str] = mapped_column(String(100), default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    last_reminder_on: Mapped[date | None] = mapped_column(Date)

    def audit_student_id(self) -> int | None:
        return self.subject_student_id


class AccessCode(Versioned, Audited, Base):
    """R39/R40: a code bound to (guardian, child); the hash only, never the code."""

    __tablename__ = "access_code"
    __table_args__ = (Index("ix_access_code_pair", "student_id", "guardian_id", "kind"),)
    __audit_exclude__ = Audited.__audit_exclude__ | {"code_hash"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CodeKind] = mapped_column(str_enum(CodeKind, 10))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)
    slip_document_id: Mapped[str] = mapped_column(String(40), default="")

    def audit_student_id(self) -> int | None:
        return self.student_id


class DeletionRequestRow(Versioned, Audited, Base):
    """R61: an account deletion request; blocked while the student has active study work."""

    __tablename__ = "deletion_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("student.id", ondelete="SET NULL"), index=True
    )
    subject_name: Mapped[str] = mapped_column(String(200))  # kept after the data are gone
    data_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_request.id", ondelete="SET NULL")
    )
    received_on: Mapped[date] = mapped_column(Date)
    state: Mapped[DeletionState] = mapped_column(str_enum(DeletionState, 24))
    valid_from: Mapped[date | None] = mapped_column(Date)
    user_told_on: Mapped[date | None] = mapped_column(Date)
    deleted_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by: Mapped[str] = mapped_column(String(100), default="")  # R67
    note: Mapped[str] = mapped_column(Text, default="")

    def audit_student_id(self) -> int | None:
        return self.student_id


class LegalHold(Versioned, Audited, Base):
    """R64: a hold (e.g. enforced recovery in progress) blocks retention of a student's data."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[DataCategory] = mapped_column(str_enum(DataCategory, 20))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    placed_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)

    def audit_student_id(self) -> int | None:
        return self.student_id


class RetentionProposalRow(Versioned, Audited, Base):
    """R64/R67: what is due for deletion or anonymisation; nothing happens until a person
    confirms. One proposal per record and due date, so a rejected one is not proposed again."""

    __tablename__ = "retention_proposal"
    __table_args__ = (UniqueConstraint("category", "record_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[DataCategory] = mapped_column(str_enum(DataCategory, 20))
    record_id: Mapped[str] = mapped_column(String(60))
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("student.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str] = mapped_column(String(300))
    action: Mapped[RetentionAction] = mapped_column(str_enum(RetentionAction, 10))
    due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    proposed_on: Mapped[date] = mapped_column(Date)
    state: Mapped[ProposalState] = mapped_column(str_enum(ProposalState, 10), index=True)
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    def audit_student_id(self) -> int | None:
        return self.student_id


class AdultProhibitionRow(Versioned, Audited, Base):
    """R48/R100: an adult student's signed letter forbidding data to the parents."""

    __tablename__ = "adult_prohibition"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    received_on: Mapped[date] = mapped_column(Date)
    handwritten_signature: Mapped[bool] = mapped_column()
    letter_reference: Mapped[str] = mapped_column(String(100), default="")
    age_basis: Mapped[str] = mapped_column(String(32))  # age, or the capacity override
    withdrawn_on: Mapped[date | None] = mapped_column(Date)  # the student allows data again

    def audit_student_id(self) -> int | None:
        return self.student_id


class BreachIncident(Versioned, Audited, Base):
    """R69/R70: a possible data leak and its 72-hour notification clock."""

    __tablename__ = "breach_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)  # DataCategory values
    containment: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    affected: Mapped[list[BreachAffected]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="BreachAffected.id"
    )
    notices: Mapped[list[BreachNoticeSent]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="BreachNoticeSent.id"
    )


class BreachAffected(Audited, Base):
    """A person concerned or possibly concerned (R69 (2): gives the e-mail list)."""

    __tablename__ = "breach_affected"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("breach_incident.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="SET NULL"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")

    incident: Mapped[BreachIncident] = relationship(back_populates="affected")

    def audit_student_id(self) -> int | None:
        return self.student_id


class BreachNoticeSent(Audited, Base):
    """When each required notice went out (home page, affected persons, authority)."""

    __tablename__ = "breach_notice"
    __table_args__ = (UniqueConstraint("incident_id", "notice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("breach_incident.id", ondelete="CASCADE"))
    notice: Mapped[BreachNotice] = mapped_column(str_enum(BreachNotice, 30))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")

    incident: Mapped[BreachIncident] = relationship(back_populates="notices")
