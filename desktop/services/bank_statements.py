"""Payments from the bank statement: read a camt.053/.054 file, preview what it would book,
and book it in one transaction (R77, R79, R67, R122).

`preview` changes nothing: it reads the file and every invoice, and plans each entry
(desktop.domain.bank_matching). `confirm` books the preview's plan in one write transaction:
it refuses if an invoice the plan pays changed since the preview (or the unique entry key says
an entry was booked meanwhile); the writes are desktop.services.bank_booking's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.bulk import in_values
from desktop.db.models import BankEntry, BillingSettings, Invoice, Payment, Subscription
from desktop.domain.bank_matching import (
    BOOKED,
    EntryFacts,
    EntryPlan,
    InvoiceFacts,
    Outcome,
    plan_entries,
)
from desktop.domain.errors import ValidationError
from desktop.domain.roles import Permission
from desktop.i18n import N_  # refusals are shown translated by the UI
from desktop.integrations.camt import Statement, StatementEntry, read_statement
from desktop.services.bank_booking import Booking, ImportResult, check_unchanged
from desktop.services.base import Service
from desktop.services.billing import paid_per_invoice, payer_names
from desktop.services.school import SchoolService

MAX_FILE_BYTES = 64 * 1024 * 1024  # a year of a school's statements is a few megabytes


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
        for where in in_values(session, BankEntry.entry_key, keys):
            imported.update(session.scalars(select(BankEntry.entry_key).where(where)))
        recorded: set[str] = set()
        for where in in_values(session, Payment.processor_txn_id, refs):
            recorded.update(session.scalars(select(Payment.processor_txn_id).where(where)))
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
            check_unchanged(session, booked, preview.invoices, label)
            try:
                result = Booking(session, self.actor.login, statement, label, today).book(
                    rows, preview.invoices
                )
            except IntegrityError:  # another PC booked one of these entries a moment ago
                raise _imported_meanwhile(label) from None
        return result


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


def summary_counts(rows: Iterable[PreviewRow]) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for row in rows:
        counts[row.plan.outcome] += 1
    return counts
