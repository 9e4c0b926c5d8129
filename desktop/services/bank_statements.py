"""Payments from the bank statement: read a camt.053/.054 file, preview what it would book,
and book it in one transaction (R77, R79, R67, R122).

`preview` changes nothing. `confirm` books the preview's plan: inside its write transaction it
reads again only the invoices the plan pays, refuses if any of them changed since the preview
(or the unique entry key says an entry was booked meanwhile), and then records, for every
matched entry, one payment per invoice it pays, the refund proposal for a surplus (R79, for a
person to confirm, R67), the final activation of a subscription paid in full (R79), the bank
entry (unique, R122) and an audit entry naming the statement and the bank's reference for each.
Inserts and updates go in as Core statements with many rows each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.bulk import bulk_insert
from desktop.db.models import (
    BankEntry,
    BillingProposal,
    BillingSettings,
    Invoice,
    Payment,
    Subscription,
)
from desktop.db.session import audit_entry, jsonable, write_audit_entries
from desktop.domain import clock
from desktop.domain.bank_matching import (
    BOOKED,
    EntryFacts,
    EntryPlan,
    InvoiceFacts,
    Outcome,
    plan_entries,
)
from desktop.domain.billing.cards import looks_like_card_number
from desktop.domain.billing.records import PaymentMethod, ProposalKind, ProposalStatus, RefundBasis
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.errors import ValidationError
from desktop.domain.roles import Permission
from desktop.i18n import N_  # refusals are shown translated by the UI
from desktop.integrations.camt import Statement, StatementEntry, read_statement
from desktop.services.base import Service
from desktop.services.billing import paid_per_invoice, payer_names
from desktop.services.school import SchoolService

MAX_FILE_BYTES = 64 * 1024 * 1024  # a year of a school's statements is a few megabytes
_CHUNK = 900  # bound parameters per IN (…): under SQLite's and psycopg's limits


@dataclass(frozen=True)
class PreviewRow:
    entry: StatementEntry
    plan: EntryPlan


@dataclass(frozen=True)
class StatementPreview:
    """What confirming would do, entry by entry. `invoices` holds every invoice a row names
    (matched or suggested); `open_invoices` those a person may assign an entry to."""

    statement: Statement
    file_name: str
    rows: tuple[PreviewRow, ...]
    invoices: Mapping[int, InvoiceFacts]
    open_invoices: tuple[InvoiceFacts, ...] = ()
    assignments: Mapping[str, int] = field(default_factory=dict)

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for r in self.rows if r.plan.outcome in outcomes)

    @property
    def booked_cents(self) -> int:
        return sum(r.entry.amount_cents for r in self.rows if r.plan.outcome in BOOKED)

    @property
    def to_book(self) -> int:
        return self.count(*BOOKED)


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


def _entry_facts(entry: StatementEntry) -> EntryFacts:
    return EntryFacts(
        entry.key,
        entry.entry_ref,
        entry.amount_cents,
        entry.day,
        tuple(r.reference for r in entry.remittances),
        tuple(r.amount_cents for r in entry.remittances),
        entry.text,
        entry.debtor_name,
        entry.problem,
    )


def _chunks(items: Sequence, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BankStatementService(Service):
    # ---- reading ------------------------------------------------------------------------------

    def read_file(self, path: str | Path) -> bytes:
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ValidationError(
                    "statement", path.name, N_("the file is too large for a bank statement")
                )
            return path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                "statement", str(path), N_("the file cannot be read: {problem}", problem=exc)
            ) from None

    def preview_file(self, path: str | Path) -> StatementPreview:
        return self.preview(self.read_file(path), Path(path).name)

    def preview(
        self, data: bytes, file_name: str = "", assignments: Mapping[str, int] | None = None
    ) -> StatementPreview:
        """What importing `data` would do; nothing is stored. A file that cannot be a
        statement of the billing account is refused (ValidationError on "statement")."""
        self.require(Permission.EDIT_BILLING)
        statement = read_statement(data)
        with self.read(Permission.VIEW_BILLING) as session:
            return self._preview(session, statement, file_name, dict(assignments or {}))

    def reassign(self, preview: StatementPreview, assignments: Mapping[str, int]):
        """The same statement planned again with a person's choices (entry key → invoice)."""
        with self.read(Permission.VIEW_BILLING) as session:
            return self._preview(session, preview.statement, preview.file_name, dict(assignments))

    def _preview(self, session, statement, file_name, assignments) -> StatementPreview:
        self._check_account(session, statement)
        invoices = _invoice_facts(session)
        plans = self._plan(session, statement, invoices, assignments)
        by_id = {inv.id: inv for inv in invoices}
        named = {i for p in plans for i in (*p.invoice_ids, p.suggestion) if i is not None}
        return StatementPreview(
            statement,
            file_name,
            tuple(PreviewRow(e, p) for e, p in zip(statement.entries, plans, strict=True)),
            {i: by_id[i] for i in named},
            tuple(
                sorted(
                    (inv for inv in invoices if inv.open_cents > 0 and inv.settleable),
                    key=lambda inv: inv.number,
                )
            ),
            assignments,
        )

    @staticmethod
    def _check_account(session: Session, statement: Statement) -> None:
        """Only the billing entity's account receives the payments (R73, R77)."""
        ours = (session.scalar(select(BillingSettings.iban).limit(1)) or "").replace(" ", "")
        ours = ours.upper()
        if ours and statement.account_iban and statement.account_iban != ours:
            raise ValidationError(
                "statement",
                statement.account_iban,
                N_(
                    "this statement is of account {theirs}, not of the billing account {ours}",
                    theirs=statement.account_iban,
                    ours=ours,
                ),
            )

    @staticmethod
    def _plan(session, statement, invoices, assignments) -> list[EntryPlan]:
        entries = [_entry_facts(e) for e in statement.entries]
        keys = [e.key for e in entries]
        refs = sorted({e.entry_ref for e in entries})
        imported: set[str] = set()
        for chunk in _chunks(keys):
            imported.update(
                session.scalars(select(BankEntry.entry_key).where(BankEntry.entry_key.in_(chunk)))
            )
        recorded: set[str] = set()
        for chunk in _chunks(refs):
            recorded.update(
                session.scalars(
                    select(Payment.processor_txn_id).where(Payment.processor_txn_id.in_(chunk))
                )
            )
        return plan_entries(
            entries, invoices, imported=imported, recorded_refs=recorded, assignments=assignments
        )

    # ---- booking ------------------------------------------------------------------------------

    def confirm(self, preview: StatementPreview) -> ImportResult:
        """Book what the preview showed, in one transaction.

        The preview's plan is booked as it stands. Inside the transaction only what it rests on
        is read again (the invoices it pays): a change made since, here or on another PC,
        refuses the whole statement rather than book on stale balances."""
        statement = preview.statement
        label = statement.label or preview.file_name
        rows = [(r.entry, r.plan) for r in preview.rows]
        today = SchoolService(self.db, self.actor).require_school().today()
        with self.write(Permission.EDIT_BILLING, reason=f"bank statement {label}") as session:
            self._check_account(session, statement)
            booked = [(e, p) for e, p in rows if p.outcome in BOOKED]
            self._check_unchanged(session, booked, preview.invoices, label)
            try:
                result = _Booking(session, self.actor.login, statement, label, today).book(
                    rows, preview.invoices
                )
            except IntegrityError:  # another PC booked one of these entries a moment ago
                raise _imported_meanwhile(label) from None
        return result

    @staticmethod
    def _check_unchanged(session: Session, booked, invoices: Mapping[int, InvoiceFacts], label):
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
                    raise _changed(label)
        refs = sorted({e.entry_ref for e, _p in booked})
        for chunk in _chunks(refs):
            if session.scalar(
                select(Payment.id).where(Payment.processor_txn_id.in_(chunk)).limit(1)
            ):
                raise _changed(label)


def _changed(label: str) -> ValidationError:
    return ValidationError(
        "statement",
        label,
        N_(
            "the invoices changed since the preview (another payment or import); "
            "preview the statement again"
        ),
    )


def _imported_meanwhile(label: str) -> ValidationError:
    return ValidationError(
        "statement",
        label,
        N_(
            "another PC imported entries of this statement a moment ago; nothing "
            "was booked; preview the statement again"
        ),
    )


def _invoice_facts(session: Session) -> list[InvoiceFacts]:
    """Every invoice with what matching needs, in Core rows (fast for thousands)."""
    paid = paid_per_invoice(session)
    payers = payer_names(session)
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.reference,
            Invoice.subscription_id,
            Invoice.student_id,
            Invoice.kind,
            Invoice.school_year,
            Invoice.amount_cents,
            Invoice.cancelled_on,
            Subscription.state,
            Subscription.paid_school_year,
            Subscription.ordered_on,
            Subscription.activated_on,
            Subscription.child_first_name,
            Subscription.child_last_name,
        ).join(Subscription, Subscription.id == Invoice.subscription_id)
    )
    return [
        InvoiceFacts(
            r.id,
            r.number,
            r.reference,
            r.subscription_id,
            r.student_id,
            r.kind,
            r.school_year,
            r.amount_cents,
            paid.get(r.id, 0),
            r.cancelled_on is not None,
            r.state,
            r.paid_school_year,
            r.ordered_on,
            r.activated_on,
            f"{r.child_first_name} {r.child_last_name}",
            payers.get(r.subscription_id, ""),
        )
        for r in rows
    ]


class _Move(NamedTuple):
    """A subscription's change of state by one statement (R79)."""

    before: SubscriptionState
    state: SubscriptionState
    paid_school_year: int
    activated_on: date | None


class _Booking:
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
            for chunk in _chunks(ids):
                # The expected state in the WHERE refuses a change made meanwhile elsewhere.
                changed += (
                    s.connection()
                    .execute(
                        update(table)
                        .where(table.c.id.in_(chunk), table.c.state == move.before)
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
            raise _changed(self.label)
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


def summary_counts(rows: Iterable[PreviewRow]) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for row in rows:
        counts[row.plan.outcome] += 1
    return counts
