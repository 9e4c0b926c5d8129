"""Retention (R64) and legal holds: the app proposes, a person confirms (R67); nothing is ever
deleted silently.

The daily job "retention-proposals" asks each registered source (one per data category) for
its records and their reference dates, applies the school's retention rules (ConsentSettings,
defaults from desktop.domain.consent.retention.DEFAULT_RETENTION_RULES) and stores a proposal
per record and due date. A record under a legal hold is not proposed, and a hold placed after
the proposal stops the confirmation. Confirming runs the source's action in the same
transaction, records who decided (R67) and writes an audit entry that names the fields, never
their old values.

Sources here: CARDS (R64 proposal: closed or expired cards anonymised at the end of the school
year after closure), SCHOOL (students who left; no period by default, a school may set one) and
BILLING (R64 [SI]: payer data 5 years after the subscription ended, proposed the next day).
Another area adds its own RetentionSource in container.py.
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
    LegalHold,
    Payment,
    RetentionProposalRow,
    Student,
    StudentGuardian,
    StudentPhoto,
    Subscription,
    SubscriptionProfile,
)
from desktop.db.session import ACTOR_KEY, record_audit
from desktop.domain import clock
from desktop.domain.billing.states import END_STATES
from desktop.domain.consent import retention as rules
from desktop.domain.consent.retention import DataCategory, RetentionAction
from desktop.domain.consent_workflow import ProposalState, check_decision
from desktop.domain.dates import add_days, local_date
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.inputs import coerce_enum, coerce_optional_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.consent.settings import load_settings
from desktop.services.school import SchoolService

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


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    version: int
    category: DataCategory
    record_id: str
    student_id: int | None
    label: str
    action: RetentionAction
    due_on: date
    reason: str
    proposed_on: date
    state: ProposalState
    decided_by: str
    decision_note: str


@dataclass(frozen=True)
class HoldRecord:
    id: int
    version: int
    category: DataCategory
    student_id: int
    student_name: str
    reason: str
    placed_on: date
    released_on: date | None
    placed_by: str


def _proposal_record(row: RetentionProposalRow) -> ProposalRecord:
    return ProposalRecord(
        row.id,
        row.version,
        row.category,
        row.record_id,
        row.student_id,
        row.label,
        row.action,
        row.due_on,
        row.reason,
        row.proposed_on,
        row.state,
        row.decided_by,
        row.decision_note,
    )


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


class RetentionService(Service):
    def __init__(self, db, actor, sources: list[RetentionSource] | None = None):
        super().__init__(db, actor)
        self.sources: list[RetentionSource] = list(DEFAULT_SOURCES if sources is None else sources)

    def _school(self):
        return SchoolService(self.db, self.actor).require_school()

    # ---- the daily job ---------------------------------------------------------------------

    def propose_due(self, session: Session, today: date) -> str:
        """Daily job 'retention-proposals': store what is due; delete nothing (R67)."""
        country = self._school().country.value
        rule_set = load_settings(session).retention_rules
        by_category = {r.category for r in rule_set}
        holds = {
            (category, sid)
            for category, sid in session.execute(
                select(LegalHold.category, LegalHold.student_id).where(
                    LegalHold.released_on.is_(None)
                )
            )
        }
        existing = {
            (category, record_id, due)
            for category, record_id, due in session.execute(
                select(
                    RetentionProposalRow.category,
                    RetentionProposalRow.record_id,
                    RetentionProposalRow.due_on,
                )
            )
        }
        new = 0
        for source in self.sources:
            if source.category not in by_category:
                continue
            candidates = {c.record_id: c for c in source.collect(session, country)}
            records = [
                rules.RetentionRecord(
                    c.record_id,
                    source.category,
                    c.reference_date,
                    legal_hold=(source.category, c.student_id) in holds,
                )
                for c in candidates.values()
            ]
            for proposal in rules.retention_proposals(records, today, rule_set):
                key = (proposal.category, str(proposal.record_id), proposal.due_on)
                if key in existing:
                    continue
                candidate = candidates[str(proposal.record_id)]
                session.add(
                    RetentionProposalRow(
                        category=proposal.category,
                        record_id=str(proposal.record_id),
                        student_id=candidate.student_id,
                        label=candidate.label[:300],
                        action=proposal.action,
                        due_on=proposal.due_on,
                        reason=proposal.reason,
                        proposed_on=today,
                        state=ProposalState.PROPOSED,
                    )
                )
                existing.add(key)
                new += 1
        session.flush()
        waiting = session.scalar(
            select(func.count())
            .select_from(RetentionProposalRow)
            .where(RetentionProposalRow.state == ProposalState.PROPOSED)
        )
        return f"{new} new retention proposal(s); {waiting} waiting for a decision"

    # ---- deciding (R67) --------------------------------------------------------------------

    def proposals(
        self, state: ProposalState | None = ProposalState.PROPOSED
    ) -> list[ProposalRecord]:
        with self.read(Permission.MANAGE_CONSENT) as session:
            stmt = select(RetentionProposalRow).order_by(
                RetentionProposalRow.due_on, RetentionProposalRow.id
            )
            state = coerce_optional_enum(ProposalState, "state", state)
            if state is not None:
                stmt = stmt.where(RetentionProposalRow.state == state)
            return [_proposal_record(r) for r in session.scalars(stmt)]

    def decide(
        self, proposal_id: int, expected_version: int, *, confirm: bool, note: str = ""
    ) -> ProposalRecord:
        """Confirm (the action runs now) or keep the data (with a reason). Either way the
        deciding person is recorded."""
        today = self._school().today()
        reason = "retention confirmed" if confirm else "retention refused"
        with self.write(Permission.MANAGE_CONSENT, reason=reason) as session:
            row = session.get(RetentionProposalRow, proposal_id)
            if row is None:
                raise NotFound("retention proposal", proposal_id)
            ensure_version(row, expected_version, "retention proposal")
            text = check_decision(row.state, note, confirm=confirm)
            if confirm:
                if row.student_id is not None:
                    hold = session.scalar(
                        select(LegalHold).where(
                            LegalHold.student_id == row.student_id,
                            LegalHold.category == row.category,
                            LegalHold.released_on.is_(None),
                        )
                    )
                    if hold is not None:
                        raise InvalidTransition(
                            "retention proposal",
                            str(row.state),
                            "confirm",
                            N_("a legal hold is in place: {reason}", reason=hold.reason),  # R64
                        )
                source = next((s for s in self.sources if s.category == row.category), None)
                if source is None:
                    raise ValidationError("category", str(row.category), N_("no area handles it"))
                done = source.apply(session, row.record_id, row.action, today)
                text = f"{text} — {done}" if text else done
            row.state = ProposalState.CONFIRMED if confirm else ProposalState.REJECTED
            row.decided_by = self.actor.login
            row.decided_at = clock.now()
            row.decision_note = text
            session.flush()
            return _proposal_record(row)

    # ---- legal holds (R64) ------------------------------------------------------------------

    def place_hold(
        self, student_id: int, category: DataCategory, reason: str, placed_on: date | None = None
    ) -> HoldRecord:
        category = coerce_enum(DataCategory, "category", category)
        text = clean_text(reason)
        if not text:
            raise ValidationError("reason", reason, N_("say why the data must be kept"))
        with self.write(Permission.MANAGE_CONSENT, reason="legal hold") as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            row = LegalHold(
                category=category,
                student_id=student_id,
                reason=text,
                placed_on=placed_on or self._school().today(),
            )
            session.add(row)
            session.flush()
            return self._hold(row, student)

    def release_hold(self, hold_id: int, expected_version: int, on: date | None = None):
        with self.write(Permission.MANAGE_CONSENT, reason="legal hold released") as session:
            row = session.get(LegalHold, hold_id)
            if row is None:
                raise NotFound("legal hold", hold_id)
            ensure_version(row, expected_version, "legal hold")
            if row.released_on is not None:
                raise InvalidTransition("legal hold", "released", "release")
            on = on or self._school().today()
            if on < row.placed_on:
                raise ValidationError("released_on", on.isoformat(), N_("is before it was placed"))
            row.released_on = on
            session.flush()
            return self._hold(row, session.get(Student, row.student_id))

    def holds(self, *, active_only: bool = True) -> list[HoldRecord]:
        with self.read(Permission.MANAGE_CONSENT) as session:
            stmt = select(LegalHold, Student).join(Student, Student.id == LegalHold.student_id)
            if active_only:
                stmt = stmt.where(LegalHold.released_on.is_(None))
            return [self._hold(h, s) for h, s in session.execute(stmt.order_by(LegalHold.id))]

    @staticmethod
    def _hold(row: LegalHold, student: Student) -> HoldRecord:
        return HoldRecord(
            row.id,
            row.version,
            row.category,
            row.student_id,
            student.full_name,
            row.reason,
            row.placed_on,
            row.released_on,
            row.created_by,
        )
