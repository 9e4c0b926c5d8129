"""`school-office billing import-statement FILE [--dry-run] [--accept-suggestions]`.

One line per bank entry (what it books, or why not), then one line of totals. Entries without
a usable reference are left for a person unless --accept-suggestions books them on the invoice
their payer's name and amount suggest (the person running the command decides, R67).
"""

from __future__ import annotations

import argparse

from desktop.domain.bank_matching import (
    BOOKED,
    OUTCOME_LABELS,
    Outcome,
    with_suggestions_accepted,
)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d} €"


def describe(row, invoices) -> str:
    entry, plan = row.entry, row.plan
    head = f"{entry.entry_ref}  {_money(entry.amount_cents)}  {entry.debtor_name or '—'}: "
    if plan.outcome in BOOKED:
        parts = []
        for a in plan.allocations:
            text = f"invoice {a.invoice_number} {_money(a.amount_cents)}"
            if a.left_cents:
                text += f", {_money(a.left_cents)} left"
            parts.append(text)
        text = head + OUTCOME_LABELS[plan.outcome] + " – " + "; ".join(parts)
        if plan.surplus_cents:
            text += f"; refund proposed: {_money(plan.surplus_cents)}"
        if plan.assigned:
            text += " (assigned)"
        return text
    text = head + OUTCOME_LABELS[plan.outcome] + f" – {plan.reason}"
    if plan.suggestion is not None:
        text += f" (suggested: invoice {invoices[plan.suggestion].number})"
    return text


def import_statement(args: argparse.Namespace, services) -> int:
    with services:
        bank = services.bank_statements
        preview = bank.preview_file(args.file)
        if args.accept_suggestions:
            preview = bank.reassign(
                preview, with_suggestions_accepted(p.plan for p in preview.rows)
            )
        for row in preview.rows:
            print(describe(row, preview.invoices))
        counts = {o: preview.count(o) for o in Outcome}
        summary = (
            f"{preview.statement.kind} {preview.statement.label}: "
            f"{preview.to_book} to book ({_money(preview.booked_cents)}), "
            f"{counts[Outcome.UNMATCHED]} unmatched, {counts[Outcome.ALREADY]} already imported, "
            f"{counts[Outcome.REFUSED]} not payments"
        )
        if args.dry_run:
            print(summary + "; dry run: nothing was recorded")
            return 0
        result = bank.confirm(preview)
    print(
        f"{result.statement_label}: {result.entries_booked} entries booked as "
        f"{result.payments} payments ({_money(result.booked_cents)}), "
        f"{result.refund_proposals} refunds proposed, {result.activated} subscriptions active, "
        f"{result.left} left unmatched, {result.already} already imported"
    )
    return 0
