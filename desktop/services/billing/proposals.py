"""What waits for a person's decision (R67): confirming or rejecting a proposal, and the
optional reminder fee after a termination for non-payment (R81). Confirming a refund proposal
makes the refund, so this part builds on Refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.db.models import BillingNotice, BillingProposal, Invoice, Student, Subscription
from desktop.domain import clock
from desktop.domain.billing.due import reminder_fee
from desktop.domain.billing.policy import policy_for
from desktop.domain.billing.records import (
    InvoiceKind,
    NoticeKind,
    ProposalKind,
    ProposalStatus,
    RefundBasis,
)
from desktop.domain.dates import SchoolYear, add_days
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.inputs import coerce_optional_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import ensure_version
from desktop.services.billing.endings import ENDING_PROPOSALS, end_subscription
from desktop.services.billing.ledger import new_invoice
from desktop.services.billing.refunds import Refunds
from desktop.services.billing.settings import load_policies, settings_row
from desktop.services.billing.subscriptions import load_subscription


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    version: int
    subscription_id: int
    student_id: int
    child_name: str
    class_name: str
    kind: ProposalKind
    status: ProposalStatus
    proposed_on: date
    effective_on: date | None
    school_year: SchoolYear | None
    amount_cents: int | None
    refund_basis: RefundBasis | None
    reason: str
    decided_by: str | None


class Proposals(Refunds):
    def proposals(
        self, status: ProposalStatus | None = ProposalStatus.OPEN
    ) -> list[ProposalRecord]:
        """The "Due today" list: what waits for a person's decision (R67)."""
        with self.read(Permission.VIEW_BILLING) as session:
            stmt = (
                select(BillingProposal, Student.first_name, Student.last_name, Student.class_name)
                .join(Student, Student.id == BillingProposal.student_id)
                .order_by(BillingProposal.proposed_on, BillingProposal.id)
            )
            status = coerce_optional_enum(ProposalStatus, "status", status)
            if status is not None:
                stmt = stmt.where(BillingProposal.status == status)
            return [
                proposal_record(p, f"{first} {last}", klass)
                for p, first, last, klass in session.execute(stmt)
            ]

    def confirm(
        self, proposal_id: int, version: int, note: str = "", on: date | None = None
    ) -> ProposalRecord:
        """A person confirms what the app proposed; they are recorded as the decider (R67).
        A state change takes effect on its proposed day, or on the day of the decision if
        that is later: nothing is ended retroactively."""
        today = on or self.today()
        with self.write(Permission.EDIT_BILLING, reason="confirm proposal") as session:
            proposal = self._open_proposal(session, proposal_id, version)
            sub = session.get(Subscription, proposal.subscription_id)
            if proposal.kind in ENDING_PROPOSALS:
                event, reason = ENDING_PROPOSALS[proposal.kind]
                proposal.effective_on = max(proposal.effective_on or today, today)
                end_subscription(session, sub, event, proposal.effective_on, reason)
                if proposal.kind is ProposalKind.TERMINATE_NONPAYMENT:  # R103: D12 goes out
                    session.add(
                        BillingNotice(
                            subscription_id=sub.id,
                            student_id=sub.student_id,
                            kind=NoticeKind.TERMINATION_NOTICE,
                            cycle=proposal.cycle,
                            due_on=today,
                        )
                    )
            elif proposal.kind is ProposalKind.CHARGE_FEE:
                self._charge_fee(session, sub, today, proposal.amount_cents)
            elif proposal.kind is ProposalKind.REFUND:
                self.add_refund(
                    session,
                    sub,
                    SchoolYear(proposal.school_year),
                    proposal.refund_basis or RefundBasis.DISCRETIONARY,
                    proposal.amount_cents or 0,
                    proposal.reason,
                    today,
                    proposal_id=proposal.id,
                )
            self._decide(proposal, ProposalStatus.CONFIRMED, clean_text(note))
            return self._decided_record(session, proposal)

    def reject(self, proposal_id: int, version: int, note: str) -> ProposalRecord:
        note = clean_text(note)
        if not note:
            raise ValidationError("note", note, N_("say why the proposal is rejected"))
        with self.write(Permission.EDIT_BILLING, reason="reject proposal") as session:
            proposal = self._open_proposal(session, proposal_id, version)
            self._decide(proposal, ProposalStatus.REJECTED, note)
            return self._decided_record(session, proposal)

    def _decide(self, proposal: BillingProposal, status: ProposalStatus, note: str = "") -> None:
        """R67: the acting person is recorded as the one who decided."""
        proposal.status = status
        proposal.decided_by = self.actor.login
        proposal.decided_at = clock.now()
        proposal.decision_note = note

    @staticmethod
    def _open_proposal(session: Session, proposal_id: int, version: int) -> BillingProposal:
        proposal = session.get(BillingProposal, proposal_id)
        if proposal is None:
            raise NotFound("proposal", proposal_id)
        ensure_version(proposal, version, "proposal")
        if proposal.status is not ProposalStatus.OPEN:
            raise InvalidTransition(
                "proposal",
                proposal.status.value,
                "decide",
                N_("{who} already closed it", who=proposal.decided_by)
                if proposal.decided_by
                else N_("the proposal is already closed"),
            )
        return proposal

    @staticmethod
    def _decided_record(session: Session, p: BillingProposal) -> ProposalRecord:
        session.flush()  # the new version
        student = session.get(Student, p.student_id)
        return proposal_record(p, student.full_name, student.class_name)

    # ---- the reminder fee (R81) -------------------------------------------------------------

    def reminder_fee_cents(self, subscription_id: int, on: date | None = None) -> int:
        """What `charge_fee` would charge: the fee configured for the year (R81)."""
        on = on or self.today()
        with self.read(Permission.VIEW_BILLING) as session:
            sub = load_subscription(session, subscription_id)
            return policy_for(_fee_year(sub, on), load_policies(session)).reminder_fee_gross_cents

    def charge_fee(self, subscription_id: int, on: date | None = None) -> int:
        """The optional fee (5 € as proposed) after a termination for non-payment; a person
        decides (R67, R81)."""
        on = on or self.today()
        with self.write(Permission.EDIT_BILLING, reason="reminder fee") as session:
            sub = load_subscription(session, subscription_id)
            invoice = self._charge_fee(session, sub, on, None)
            for proposal in session.scalars(
                select(BillingProposal).where(
                    BillingProposal.subscription_id == sub.id,
                    BillingProposal.kind == ProposalKind.CHARGE_FEE,
                    BillingProposal.status == ProposalStatus.OPEN,
                )
            ):
                self._decide(proposal, ProposalStatus.CONFIRMED)
            return invoice.id

    @staticmethod
    def _charge_fee(
        session: Session, sub: Subscription, on: date, amount_cents: int | None
    ) -> Invoice:
        year = _fee_year(sub, on)
        policy = policy_for(year, load_policies(session))
        already = session.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(
                Invoice.subscription_id == sub.id,
                Invoice.school_year == year.start_year,
                Invoice.kind == InvoiceKind.FEE,
            )
        )
        split = reminder_fee(sub.state, on, already, policy)
        settings = settings_row(session)
        return new_invoice(
            session,
            sub,
            InvoiceKind.FEE,
            year,
            amount_cents or split.gross_cents,
            on,
            add_days(on, 15),
            settings.reference_scheme,
        )


def proposal_record(p: BillingProposal, child_name: str, class_name: str | None) -> ProposalRecord:
    return ProposalRecord(
        p.id,
        p.version,
        p.subscription_id,
        p.student_id,
        child_name,
        class_name or "",
        p.kind,
        p.status,
        p.proposed_on,
        p.effective_on,
        SchoolYear(p.school_year) if p.school_year is not None else None,
        p.amount_cents,
        p.refund_basis,
        p.reason,
        p.decided_by,
    )


def _fee_year(sub: Subscription, on: date) -> SchoolYear:
    """R81: the fee belongs to the school year in which the subscription was terminated."""
    return SchoolYear.of(sub.ends_on or on)
