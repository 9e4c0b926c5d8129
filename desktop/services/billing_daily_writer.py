"""The billing daily jobs' rows and their bulk writer: the day's notices, proposals, invoices
and renewals gathered, then written with a few executemany statements, each with its audit
entry (R122), in the job's transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from desktop.db.bulk import allocate_ids, bulk_insert
from desktop.db.insert_many import insert_many
from desktop.db.models import (
    AuditEntry,
    BillingNotice,
    BillingProposal,
    Invoice,
    Subscription,
)
from desktop.db.session import ACTOR_KEY, jsonable
from desktop.domain import clock
from desktop.domain.billing.records import (
    InvoiceKind,
    NoticeKind,
    ProposalKind,
    ProposalStatus,
    ReferenceScheme,
    make_payment_reference,
)
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.billing.vat import split_vat, vat_rate_on
from desktop.domain.dates import SchoolYear
from desktop.services.billing import invoice_number

_S = SubscriptionState


@dataclass(frozen=True)
class PayingRow:
    """A subscription the billing calendar looks at today."""

    id: int
    student_id: int
    state: SubscriptionState
    ordered_on: date | None
    paid_school_year: int | None
    trial_start: date | None = None
    trial_end: date | None = None


class DayWriter:
    """Collects the day's rows and writes them with a few executemany statements."""

    def __init__(self, session: Session, today: date, scheme: ReferenceScheme | None = None):
        self.session = session
        self.today = today
        self.scheme = scheme  # the payment reference of new invoices (R77)
        self.actor = session.info[ACTOR_KEY]
        self.now = clock.now()
        self.notices: list[dict[str, Any]] = []
        self.proposals: list[dict[str, Any]] = []
        self.invoices: list[dict[str, Any]] = []
        self.renewals: list[PayingRow] = []
        self.counts: Counter = Counter()

    def _stamps(self) -> dict[str, Any]:
        return {
            "version": 1,
            "created_at": self.now,
            "created_by": self.actor,
            "updated_at": self.now,
            "updated_by": self.actor,
        }

    def notice(
        self,
        row: PayingRow,
        kind: NoticeKind,
        cycle: str,
        reply_by: date | None,
        invoice_id: int | None = None,
    ) -> None:
        self.notices.append(
            {
                "subscription_id": row.id,
                "student_id": row.student_id,
                "kind": kind,
                "cycle": cycle,
                "due_on": self.today,
                "reply_by": reply_by,
                "invoice_id": invoice_id,
                "document_id": None,
                "printed_at": None,
                "skipped_reason": "",
            }
        )
        self.counts[kind] += 1

    def proposal(
        self,
        row: PayingRow,
        kind: ProposalKind,
        cycle: str,
        *,
        effective_on: date,
        school_year: SchoolYear,
        reason: str,
        amount_cents: int | None = None,
    ) -> None:
        self.proposals.append(
            {
                "subscription_id": row.id,
                "student_id": row.student_id,
                "kind": kind,
                "cycle": cycle,
                "status": ProposalStatus.OPEN,
                "proposed_on": self.today,
                "effective_on": effective_on,
                "school_year": school_year.start_year,
                "amount_cents": amount_cents,
                "refund_basis": None,
                "reason": reason,
                "decided_by": None,
                "decided_at": None,
                "decision_note": "",
                **self._stamps(),
            }
        )
        self.counts[kind] += 1

    def invoice(
        self, row: PayingRow, year: SchoolYear, gross_cents: int, due_on: date | None
    ) -> int:
        """A renewal invoice; returns a temporary (negative) id that flush() replaces."""
        split = split_vat(gross_cents, vat_rate_on(self.today))
        self.invoices.append(
            {
                "id": -(len(self.invoices) + 1),
                "subscription_id": row.id,
                "student_id": row.student_id,
                "school_year": year.start_year,
                "kind": InvoiceKind.ANNUAL,
                "issued_on": self.today,
                "due_on": due_on or self.today,
                "amount_cents": gross_cents,
                "net_cents": split.net_cents,
                "vat_cents": split.vat_cents,
                "vat_rate_bp": split.rate_basis_points,
                "cancelled_on": None,
            }
        )
        return self.invoices[-1]["id"]

    def renewal_due(self, row: PayingRow) -> None:
        """R81: the invitation moves ACTIVE to RENEWAL_DUE."""
        if row.state is _S.ACTIVE:
            self.renewals.append(row)

    def flush(self) -> None:
        s = self.session
        audit: list[dict[str, Any]] = []
        if self.invoices:
            # Numbers and references come from the ids, so the ids are allocated first.
            real = dict(
                zip(
                    (r["id"] for r in self.invoices),
                    allocate_ids(s, Invoice.__table__, len(self.invoices)),
                    strict=True,
                )
            )
            rows = []
            for r in self.invoices:
                year, new_id = SchoolYear(r["school_year"]), real[r["id"]]
                reference = make_payment_reference(self.scheme, year, new_id).replace(" ", "")
                rows.append(
                    {
                        **r,
                        "id": new_id,
                        "number": invoice_number(year, new_id),
                        "reference": reference,
                    }
                )
            insert_many(s, Invoice.__table__, rows)
            audit += [self._audit("invoice", r["id"], r) for r in rows]
            for notice in self.notices:
                if notice["invoice_id"] is not None and notice["invoice_id"] < 0:
                    notice["invoice_id"] = real[notice["invoice_id"]]
        for table, rows in (
            (BillingNotice.__table__, self.notices),
            (BillingProposal.__table__, self.proposals),
        ):
            ids = bulk_insert(s, table, rows)
            audit += [
                self._audit(table.name, i, {**r, "id": i}) for r, i in zip(rows, ids, strict=True)
            ]
        if self.renewals:
            ids = [r.id for r in self.renewals]
            for start in range(0, len(ids), 1000):
                s.execute(
                    update(Subscription)
                    .where(Subscription.id.in_(ids[start : start + 1000]))
                    .values(
                        state=_S.RENEWAL_DUE,
                        version=Subscription.version + 1,
                        updated_at=self.now,
                        updated_by=self.actor,
                    )
                    .execution_options(synchronize_session=False)
                )
            audit += [
                {
                    **self._audit("subscription", r.id, {"state": _S.RENEWAL_DUE}, r.student_id),
                    "action": "update",
                    "before": {"state": _S.ACTIVE.value},
                }
                for r in self.renewals
            ]
        if audit:
            insert_many(s, AuditEntry.__table__, audit)

    def _audit(
        self, entity: str, entity_id: int, values: dict[str, Any], student_id: int | None = None
    ) -> dict[str, Any]:
        return {
            "at": self.now,
            "actor": self.actor,
            "action": "insert",
            "entity": entity,
            "entity_id": str(entity_id),
            "student_id": values.get("student_id", student_id),
            "before": None,
            "after": {k: jsonable(v) for k, v in values.items() if k not in _STAMP_KEYS},
            "reason": "daily",
        }


_STAMP_KEYS = frozenset({"version", "created_at", "created_by", "updated_at", "updated_by"})
