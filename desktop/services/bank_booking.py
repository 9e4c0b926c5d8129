"""The writes of one confirmed bank statement (R79, R67, R122), many rows per statement.

Inside the confirm's write transaction, `check_unchanged` first reads again only the invoices
the plan pays and refuses if any of them changed since the preview. `Booking` then records, for
every matched entry, one payment per invoice it pays, the refund proposal for a surplus (R79,
for a person to confirm, R67), the final activation of a subscription paid in full (R79), the
bank entry (unique, R122) and an audit entry naming the statement and the bank's reference for
each. Inserts and updates go in as Core statements with many rows each (desktop/db/bulk.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from desktop.db.bulk import bulk_insert, in_values
from desktop.db.models import BankEntry, BillingProposal, Invoice, Payment, Subscription
from desktop.db.session import audit_entry, jsonable, write_audit_entries
from desktop.domain import clock
from desktop.domain.bank_matching import BOOKED, EntryPlan, InvoiceFacts, Outcome
from desktop.domain.billing.cards import looks_like_card_number
from desktop.domain.billing.records import PaymentMethod, ProposalKind, ProposalStatus, RefundBasis
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI
from desktop.integrations.camt import Statement, StatementEntry
from desktop.services.billing import paid_per_invoice


@dataclass(frozen=True)
class ImportResult:
    statement_label: str
    entries_booked: int
    payments: int
    booked_cents: int
    refund_proposals: int
    activated: int
    left: int  # unmatched entries nobody assigned: nothing was recorded for them
    already: int
    refused: int


def check_unchanged(session: Session, booked, invoices: Mapping[int, InvoiceFacts], label):
    """Refuse if an invoice the plan pays, or its subscription, changed since the preview,
    or a bank reference it books was typed in as a payment meanwhile. (An entry booked
    meanwhile by another import is refused by the unique keys, R122.) Names are not
    compared: they only suggest (R67)."""
    touched = {a.invoice_id for _e, p in booked for a in p.allocations}
    if touched:
        # One range read (an import pays most open invoices), not thousands of ids.
        low, high = min(touched), max(touched)
        paid = paid_per_invoice(session, Payment.invoice_id.between(low, high))
        rows = session.execute(
            select(
                Invoice.id,
                Invoice.amount_cents,
                Invoice.cancelled_on.is_not(None).label("cancelled"),
                Subscription.state,
                Subscription.paid_school_year,
                Subscription.activated_on,
            )
            .join(Subscription, Subscription.id == Invoice.subscription_id)
            .where(Invoice.id.between(low, high))
        )
        now = {r.id: (*r[1:], paid.get(r.id, 0)) for r in rows if r.id in touched}
        for i in touched:
            inv = invoices[i]
            shown = (inv.amount_cents, inv.cancelled, inv.state, inv.paid_school_year)
            if now.get(i) != (*shown, inv.activated_on, inv.paid_cents):
                raise changed_since_preview(label)
    refs = sorted({e.entry_ref for e, _p in booked})
    for where in in_values(session, Payment.processor_txn_id, refs):
        if session.scalar(select(Payment.id).where(where).limit(1)):
            raise changed_since_preview(label)


def changed_since_preview(label: str) -> ValidationError:
    return ValidationError(
        "statement",
        label,
        N_(
            "the invoices changed since the preview (another payment or import); "
            "preview the statement again"
        ),
    )


class _Move(NamedTuple):
    """A subscription's change of state by one statement (R79)."""

    before: SubscriptionState
    state: SubscriptionState
    paid_school_year: int
    activated_on: date | None


class Booking:
    """The writes of one confirmed statement, many rows per statement."""

    def __init__(self, session: Session, actor: str, statement: Statement, label: str, today):
        self.today = today
        self.session = session
        self.actor = actor
        self.statement = statement
        self.label = label
        self.audit: list[dict] = []

    def _reason(self, entry: StatementEntry) -> str:
        return f"bank statement {self.label}, entry {entry.entry_ref}"

    def book(self, rows: list[tuple[StatementEntry, EntryPlan]], invoices) -> ImportResult:
        s = self.session
        booked = [(e, p) for e, p in rows if p.outcome in BOOKED]
        day_of = {e.key: e.day or self.today for e, _p in booked}
        name_of = {e.key: _safe(e.debtor_name) for e, _p in booked}
        payments = []
        for entry, plan in booked:
            for n, alloc in enumerate(plan.allocations, start=1):
                inv = invoices[alloc.invoice_id]
                payments.append(
                    {
                        "subscription_id": inv.subscription_id,
                        "invoice_id": inv.id,
                        "student_id": inv.student_id,
                        "method": PaymentMethod.TRANSFER,
                        "amount_cents": alloc.amount_cents,
                        "value_date": day_of[entry.key],
                        "reference": inv.reference,
                        # R122: the bank's entry, once; a second invoice of one transfer /2…
                        "processor_txn_id": entry.key if n == 1 else f"{entry.key}/{n}"[:100],
                        "card_last_four": None,
                        "payer_name": name_of[entry.key][:200],
                        "payer_address": "",
                        "note": self._reason(entry),
                        "recorded_at": clock.now(),
                        "recorded_by": self.actor,
                    }
                )
        payment_ids = bulk_insert(s, Payment.__table__, payments, audit=False)
        allocated = (entry for entry, plan in booked for _alloc in plan.allocations)
        for entry, row, new_id in zip(allocated, payments, payment_ids, strict=True):
            self._audit("payment", new_id, row, entry)

        # R79/R67: each surplus is proposed as a refund for a person to confirm.
        proposals, first_payment, cursor = [], {}, iter(payment_ids)
        for entry, plan in booked:
            ids = [next(cursor) for _ in plan.allocations]
            first_payment[entry.key] = ids[0]
            for alloc, payment_id in zip(plan.allocations, ids, strict=True):
                if not alloc.surplus_cents:
                    continue
                inv = invoices[alloc.invoice_id]
                proposals.append(
                    (
                        entry,
                        {
                            "subscription_id": inv.subscription_id,
                            "student_id": inv.student_id,
                            "kind": ProposalKind.REFUND,
                            "cycle": f"payment-{payment_id}",
                            "status": ProposalStatus.OPEN,
                            "proposed_on": day_of[entry.key],
                            "school_year": inv.school_year,
                            "amount_cents": alloc.surplus_cents,
                            "refund_basis": RefundBasis.OVERPAYMENT,
                            "reason": str(N_("overpayment on invoice {number}", number=inv.number)),
                            "decision_note": "",
                        },
                    )
                )
        proposal_rows = [row for _e, row in proposals]
        proposal_ids = bulk_insert(s, BillingProposal.__table__, proposal_rows, audit=False)
        for (entry, row), new_id in zip(proposals, proposal_ids, strict=True):
            self._audit("billing_proposal", new_id, row, entry)

        activated = self._activate(booked, invoices)

        entry_rows = [
            {
                "entry_key": entry.key,
                "entry_ref": entry.entry_ref[:80],
                "account_iban": self.statement.account_iban,
                "statement_id": self.statement.statement_id[:120],
                "message_id": self.statement.message_id[:35],
                "message_kind": self.statement.kind,
                "file_sha256": self.statement.sha256,
                "booked_on": entry.booked_on,
                "value_date": entry.value_date,
                "amount_cents": entry.amount_cents,
                "currency": entry.currency or "EUR",
                "debtor_name": name_of[entry.key][:140],
                "debtor_iban": entry.debtor_iban[:34],
                "reference": entry.references[0][:40] if entry.references else "",
                "text": _safe(entry.text),
                "outcome": plan.outcome,
                "assigned": plan.assigned,
                "invoice_id": plan.allocations[0].invoice_id,
                "payment_id": first_payment[entry.key],
                "surplus_cents": plan.surplus_cents,
                "imported_at": clock.now(),
                "imported_by": self.actor,
            }
            for entry, plan in booked
        ]
        # The bank entry is itself an append-only record (who, when, which file); its payment's
        # audit entry names it.
        bulk_insert(s, BankEntry.__table__, entry_rows, audit=False)
        write_audit_entries(s, self.audit)
        outcomes = [p.outcome for _e, p in rows]
        return ImportResult(
            self.label,
            len(booked),
            len(payments),
            sum(e.amount_cents for e, _p in booked),
            len(proposals),
            activated,
            outcomes.count(Outcome.UNMATCHED),
            outcomes.count(Outcome.ALREADY),
            outcomes.count(Outcome.REFUSED),
        )

    def _audit(self, entity, entity_id, row, entry) -> None:
        """The insert of `row`, with the statement and the bank's entry reference as reason."""
        after = {k: jsonable(v) for k, v in row.items() if k != "recorded_at"}
        self.audit.append(
            audit_entry(
                self.session,
                "insert",
                entity,
                entity_id,
                student_id=row.get("student_id"),
                after=after,
                reason=self._reason(entry),
            )
        )

    def _activate(self, booked, invoices: Mapping[int, InvoiceFacts]) -> int:
        """R79: subscriptions paid in full become ACTIVE (in the order of the file), and the
        proposals to end them for non-payment are overtaken."""
        s = self.session
        activations = [(entry, a) for entry, plan in booked for a in plan.activations]
        if not activations:
            return 0
        # Per subscription: from its first state before to its last state after (a subscription
        # renewed twice in one file moves twice); the first activation day stays.
        moves: dict[int, _Move] = {}
        for _entry, a in activations:
            first = moves.get(a.subscription_id)
            moves[a.subscription_id] = _Move(
                first.before if first else a.before,
                a.state,
                a.paid_school_year,
                first.activated_on if first and first.activated_on else a.activated_on,
            )
        # One UPDATE per kind of move (a few), not one per subscription (thousands)
        groups: dict[_Move, list[int]] = {}
        for subscription_id, move in moves.items():
            groups.setdefault(move, []).append(subscription_id)
        table = Subscription.__table__
        now, changed = clock.now(), 0
        for move, ids in groups.items():
            for where in in_values(s, table.c.id, ids):
                # The expected state in the WHERE refuses a change made meanwhile elsewhere.
                changed += (
                    s.connection()
                    .execute(
                        update(table)
                        .where(where, table.c.state == move.before)
                        .values(
                            state=move.state,
                            paid_school_year=move.paid_school_year,
                            activated_on=func.coalesce(table.c.activated_on, move.activated_on),
                            version=table.c.version + 1,
                            updated_at=now,
                            updated_by=self.actor,
                        )
                    )
                    .rowcount
                )
        if changed != len(moves):
            raise changed_since_preview(self.label)
        entry_of = {}
        for entry, a in activations:
            entry_of[a.subscription_id] = entry
            after = {"state": jsonable(a.state), "paid_school_year": a.paid_school_year}
            if a.activated_on is not None:
                after["activated_on"] = jsonable(a.activated_on)
            self.audit.append(
                audit_entry(
                    s,
                    "update",
                    "subscription",
                    a.subscription_id,
                    student_id=invoices[a.invoice_id].student_id,
                    before={"state": jsonable(a.before)},
                    after=after,
                    reason=self._reason(entry),
                )
            )
        self._obsolete(entry_of)
        return len(moves)

    def _obsolete(self, entry_of: Mapping[int, StatementEntry]) -> None:
        """Open proposals to end a subscription for non-payment are overtaken by the payment."""
        s = self.session
        # The open proposals are few: read them all rather than name thousands of subscriptions.
        found = [
            r
            for r in s.execute(
                select(
                    BillingProposal.id, BillingProposal.subscription_id, BillingProposal.student_id
                ).where(
                    BillingProposal.status == ProposalStatus.OPEN,
                    BillingProposal.kind.in_(
                        [ProposalKind.TERMINATE_NONPAYMENT, ProposalKind.LAPSE_UNPAID]
                    ),
                )
            )
            if r.subscription_id in entry_of
        ]
        if not found:
            return
        table = BillingProposal.__table__
        s.connection().execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                status=ProposalStatus.OBSOLETE.value,
                decision_note="paid in full",
                version=table.c.version + 1,
                updated_at=clock.now(),
                updated_by=self.actor,
            ),
            [{"b_id": r.id} for r in found],
        )
        for r in found:
            self.audit.append(
                audit_entry(
                    s,
                    "update",
                    "billing_proposal",
                    r.id,
                    student_id=r.student_id,
                    before={"status": ProposalStatus.OPEN.value},
                    after={"status": ProposalStatus.OBSOLETE.value},
                    reason=self._reason(entry_of[r.subscription_id]),
                )
            )


def _safe(text: str) -> str:
    """R65: a card number written into a transfer's text is never stored."""
    return "•••• (not shown)" if looks_like_card_number(text or "") else (text or "")
