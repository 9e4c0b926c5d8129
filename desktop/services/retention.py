"""Retention (R64) and legal holds: the app proposes, a person confirms (R67); nothing is ever
deleted silently.

The daily job "retention-proposals" asks each registered source (one per data category) for
its records and their reference dates, applies the school's retention rules (ConsentSettings,
defaults from desktop.domain.consent.retention.DEFAULT_RETENTION_RULES) and stores a proposal
per record and due date. A record under a legal hold is not proposed, and a hold placed after
the proposal stops the confirmation. Confirming runs the source's action in the same
transaction, records who decided (R67) and writes an audit entry that names the fields, never
their old values.

The sources (CARDS, SCHOOL, BILLING) are in desktop/services/retention_sources.py.
Another area adds its own RetentionSource in container.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.db.models import (
    LegalHold,
    RetentionProposalRow,
    Student,
)
from desktop.domain import clock
from desktop.domain.consent import retention as rules
from desktop.domain.consent.retention import DataCategory, RetentionAction
from desktop.domain.consent_workflow import ProposalState, check_decision
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.inputs import coerce_enum, coerce_optional_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.consent.settings import load_settings
from desktop.services.retention_sources import DEFAULT_SOURCES, RetentionSource
from desktop.services.school import SchoolService


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
