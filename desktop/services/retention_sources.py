"""What each retention category means in this database (R64): a source per category lists its
records with their reference dates, and applies a confirmed decision (R67).

CARDS: closed or expired cards, anonymised at the end of the school year after closure.
SCHOOL: students who left (no period by default; a school may set one), anonymised.
BILLING [SI]: payer data removed 5 years after the subscription ended, proposed the next day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from desktop.db.models import (
    BankEntry,
    Card,
    Guardian,
    Invoice,
    Payment,
    Student,
    StudentGuardian,
    StudentPhoto,
    Subscription,
    SubscriptionProfile,
)
from desktop.db.session import ACTOR_KEY, record_audit
from desktop.domain import clock
from desktop.domain.billing.states import END_STATES
from desktop.domain.consent.retention import DataCategory, RetentionAction
from desktop.domain.dates import add_days, local_date
from desktop.domain.errors import NotFound
from desktop.domain.roster import StudentStatus

ANONYMISED = "Anonymised"  # the first name an anonymised student keeps


@dataclass(frozen=True)
class Candidate:
    record_id: str
    student_id: int | None
    label: str  # what the person deciding sees: "Card TK-000012 (Mari Tamm), revoked"
    reference_date: date


@dataclass(frozen=True)
class RetentionSource:
    category: DataCategory
    collect: Callable[[Session, str], list[Candidate]]  # (session, country)
    apply: Callable[[Session, str, RetentionAction, date], str]  # → what was done, one line


# ---- what anonymising a student means in this database -------------------------------------


def anonymise_student(session: Session, student_id: int, today: date) -> str:
    """Remove the student's personal data from the roster and the cards, keep the row (other
    areas' records point at it). Guardians linked to no other child are deleted with their own
    records. Done with plain SQL so the audit log does not copy the old values; one explicit
    audit entry names what was removed."""
    student = session.get(Student, student_id)
    if student is None:
        raise NotFound("student", student_id)
    guardian_ids = session.scalars(
        select(StudentGuardian.guardian_id).where(StudentGuardian.student_id == student_id)
    ).all()
    session.execute(delete(StudentGuardian).where(StudentGuardian.student_id == student_id))
    still_linked = set(
        session.scalars(
            select(StudentGuardian.guardian_id).where(StudentGuardian.guardian_id.in_(guardian_ids))
        )
    )
    orphans = [gid for gid in guardian_ids if gid not in still_linked]
    if orphans:
        session.execute(delete(Guardian).where(Guardian.id.in_(orphans)))
    photos = session.execute(
        delete(StudentPhoto).where(StudentPhoto.student_id == student_id)
    ).rowcount
    session.execute(
        update(Card)
        .where(Card.student_id == student_id)
        .values(status_reason="", device_binding_ref=None, version=Card.version + 1)
    )
    session.execute(
        update(Student)
        .where(Student.id == student_id)
        .values(
            first_name=ANONYMISED,
            last_name=f"#{student_id}",
            personal_code=None,
            no_local_code=True,
            foreign_document_id="",
            birth_date=date(student.birth_date.year, 1, 1),
            class_name=None,
            language=None,
            leaving_reason="",
            full_capacity_from=None,
            version=Student.version + 1,
            updated_at=clock.now(),
            updated_by=session.info.get(ACTOR_KEY, ""),
        )
    )
    session.expire(student)
    record_audit(
        session,
        "anonymise",
        "student",
        student_id,
        student_id=student_id,
        after={
            "removed": ["names", "personal code", "birth day", "class", "language", "photo"],
            "guardian_links": len(guardian_ids),
            "guardians_deleted": len(orphans),
            "photos_deleted": photos,
        },
        reason="anonymised after a confirmed decision",  # R64/R61
    )
    return f"student {student_id} anonymised ({len(orphans)} guardian record(s) deleted)"


# ---- sources ---------------------------------------------------------------------------------

_CLOSED_CARD_STATES = ("LOST", "REPLACED", "EXPIRED", "REVOKED", "CLOSED")


def _card_candidates(session: Session, country: str) -> list[Candidate]:
    rows = session.execute(
        select(
            Card.id,
            Card.student_id,
            Card.card_number,
            Card.kind,
            Card.status,
            Card.status_changed_at,
            Student.first_name,
            Student.last_name,
        )
        .join(Student, Student.id == Card.student_id)
        .where(Card.status.in_(_CLOSED_CARD_STATES))
    ).all()
    return [
        Candidate(
            str(cid),
            sid,
            f"{number or 'virtual card'} ({first} {last}), {status.lower()}",
            local_date(changed, country),
        )
        for cid, sid, number, _kind, status, changed, first, last in rows
    ]


def _apply_card(session: Session, record_id: str, action: RetentionAction, today: date) -> str:
    card = session.get(Card, int(record_id))
    if card is None:
        return f"card {record_id} no longer exists"
    session.execute(
        update(Card)
        .where(Card.id == card.id)
        .values(status_reason="", device_binding_ref=None, version=Card.version + 1)
    )
    still_active = session.scalar(
        select(func.count())
        .select_from(Card)
        .where(Card.student_id == card.student_id, Card.status.in_(("ACTIVE", "SUSPENDED")))
    )
    photos = 0
    if not still_active:
        photos = session.execute(
            delete(StudentPhoto).where(StudentPhoto.student_id == card.student_id)
        ).rowcount
    record_audit(
        session,
        "anonymise",
        "card",
        card.id,
        student_id=card.student_id,
        after={"removed": ["reason text", "device reference"], "photos_deleted": photos},
        reason="R64: closed card kept to the end of the next school year",
    )
    return f"card {card.card_number or card.id} anonymised"


def _school_candidates(session: Session, country: str) -> list[Candidate]:
    rows = session.execute(
        select(Student.id, Student.first_name, Student.last_name, Student.left_on).where(
            Student.status != StudentStatus.ENROLLED,
            Student.left_on.is_not(None),
            Student.first_name != ANONYMISED,
        )
    ).all()
    return [
        Candidate(str(sid), sid, f"{first} {last}, left on {left.isoformat()}", left)
        for sid, first, last, left in rows
    ]


def _apply_school(session: Session, record_id: str, action: RetentionAction, today: date) -> str:
    return anonymise_student(session, int(record_id), today)


def _billing_candidates(session: Session, country: str) -> list[Candidate]:
    """R64 [SI]: payer data of subscriptions that ended, from the last day of the service (the
    day before `ends_on`); the rule adds 5 years and proposes on the following day."""
    rows = session.execute(
        select(
            Subscription.id,
            Subscription.student_id,
            Subscription.child_first_name,
            Subscription.child_last_name,
            Subscription.ends_on,
        ).where(
            Subscription.state.in_(tuple(END_STATES)),
            Subscription.ends_on.is_not(None),
            Subscription.child_first_name != ANONYMISED,
        )
    ).all()
    return [
        Candidate(str(sid), student_id, f"{first} {last}", add_days(ends_on, -1))
        for sid, student_id, first, last, ends_on in rows
    ]


def _apply_billing(session: Session, record_id: str, action: RetentionAction, today: date) -> str:
    """The payer's identity and contacts leave the subscription and its payments; the
    amounts and dates stay (they identify nobody once the names are gone)."""
    subscription = session.get(Subscription, int(record_id))
    if subscription is None:
        return f"subscription {record_id} no longer exists"
    session.execute(
        update(SubscriptionProfile)
        .where(SubscriptionProfile.subscription_id == subscription.id)
        .values(
            first_name=ANONYMISED,
            last_name="",
            mobile="",
            email="",
            guardian_id=None,
            version=SubscriptionProfile.version + 1,
        )
    )
    payments = session.execute(
        update(Payment)
        .where(Payment.subscription_id == subscription.id)
        .values(payer_name="", payer_address="", card_last_four=None, processor_txn_id=None)
    ).rowcount
    # The bank's record of each transfer names the payer too; its key stays (R122).
    transfers = session.execute(
        update(BankEntry)
        .where(
            BankEntry.invoice_id.in_(
                select(Invoice.id).where(Invoice.subscription_id == subscription.id)
            )
        )
        .values(debtor_name="", debtor_iban="", text="")
    ).rowcount
    session.execute(
        update(Subscription)
        .where(Subscription.id == subscription.id)
        .values(child_first_name=ANONYMISED, child_last_name="", version=Subscription.version + 1)
    )
    record_audit(
        session,
        "anonymise",
        "subscription",
        subscription.id,
        student_id=subscription.student_id,
        after={
            "removed": [
                "payer names",
                "phones",
                "e-mails",
                "payer addresses",
                "card digits",
                "payer accounts",
                "transfer texts",
            ],
            "payments": payments,
            "bank_transfers": transfers,
        },
        reason="R64: payer data kept 5 years after the subscription ended",
    )
    return f"subscription {subscription.id}: payer data removed"


DEFAULT_SOURCES = (
    RetentionSource(DataCategory.CARDS, _card_candidates, _apply_card),
    RetentionSource(DataCategory.SCHOOL, _school_candidates, _apply_school),
    RetentionSource(DataCategory.BILLING, _billing_candidates, _apply_billing),
)
