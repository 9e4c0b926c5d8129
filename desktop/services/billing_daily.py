"""The billing calendar's daily jobs (R80, R81, R91; R67 for what needs a person).

Four DailyJobs, each run once per day inside the transaction that records it in daily_run:

- ``settle-endings``: the money side (unpaid invoices cancelled, open proposals obsolete) of
  subscriptions that an office colleague ended, since the office may not touch billing data
  (R121; desktop.services.billing.settle_ending);
- ``trial-ends``: trial invitations, the end-of-trial notice (D14) and the proposal to switch
  an expired trial to MINIMALNI (R91);
- ``billing-reminders``: reminders 1 and 2 of unpaid first orders (R80), the renewal
  invitation with its invoice (the subscription becomes RENEWAL_DUE) and renewal reminders
  1 and 2 (R81);
- ``termination-proposals``: after the second reminder, the proposal to terminate for
  non-payment (with the optional fee, R81) or to let an unpaid first order lapse (R80).

Letters are recorded as due (billing_notice) and printed from the Billing tab; the day a
notice is recorded is the day its step was taken, so the next step waits for its reply-by
date (domain.due_actions). Unique keys on (subscription, kind, cycle) make every step happen
once even if two PCs run `daily` at the same moment.

Rows go in with Core bulk statements (5,000 subscriptions in well under a second) and an
explicit audit entry per row, as the ORM hooks would have written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desktop.db.bulk import allocate_ids, bulk_insert
from desktop.db.insert_many import insert_many
from desktop.db.models import (
    AuditEntry,
    BillingNotice,
    BillingProposal,
    Invoice,
    Subscription,
    Trial,
)
from desktop.db.session import ACTOR_KEY, jsonable
from desktop.domain import clock
from desktop.domain.billing.due import (
    BillingAction,
    SubscriptionFacts,
    due_actions,
    renewal_school_year,
)
from desktop.domain.billing.policy import policy_for
from desktop.domain.billing.prices import annual_price
from desktop.domain.billing.records import (
    ACTION_FOR_NOTICE,
    NOTICE_FOR_ACTION,
    InvoiceKind,
    NoticeKind,
    ProposalKind,
    ProposalStatus,
    ReferenceScheme,
    make_payment_reference,
)
from desktop.domain.billing.states import SubscriptionState, Tier
from desktop.domain.billing.vat import split_vat, vat_rate_on
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound
from desktop.i18n import N_  # stored reasons are shown translated by the UI
from desktop.services.billing import (
    invoice_number,
    load_policies,
    load_prices,
    settings_row,
    settle_ending,
    unsettled_endings,
)

_S = SubscriptionState
_A = BillingAction

TRIAL_CYCLE = "trial"  # one trial per subscription record (R89(c) is per child and year)
ORDER_CYCLE = "order"  # a subscription is ordered once (later years are renewals)


def renewal_cycle(year: SchoolYear) -> str:
    return f"renewal-{year.start_year}"


@dataclass(frozen=True)
class _Row:
    id: int
    student_id: int
    state: SubscriptionState
    ordered_on: date | None
    paid_school_year: int | None
    trial_start: date | None = None
    trial_end: date | None = None


class BillingDaily:
    """The billing jobs; `DailyJob(name, job.run)` in the container."""

    # ---- settle-endings (R76, R121) ----------------------------------------------------------

    def settle_endings(self, session: Session, today: date) -> str:
        """The money side of subscriptions an office colleague ended (a student left, a
        restriction, an adult's prohibition): the office may not touch invoices or proposals
        (R121), so billing's run does it, with the rules of every other ending."""
        settled = sum(settle_ending(session, sub) for sub in unsettled_endings(session))
        return f"{settled} ended subscription(s) settled"

    # ---- trial-ends (R91) ----------------------------------------------------------------

    def trial_ends(self, session: Session, today: date) -> str:
        policies = load_policies(session)
        rows = [
            _Row(r.id, r.student_id, _S.TRIAL, None, None, r.starts_on, r.ends_on)
            for r in session.execute(
                select(Subscription.id, Subscription.student_id, Trial.starts_on, Trial.ends_on)
                .join(Trial, Trial.subscription_id == Subscription.id)
                .where(Subscription.state == _S.TRIAL)
            )
        ]
        done = _notices(session, [_S.TRIAL], [TRIAL_CYCLE])
        proposed = _proposed(session, [_S.TRIAL], ProposalKind.TRIAL_TO_MINIMALNI)
        w = _Writer(session, today)
        for row in rows:
            facts = SubscriptionFacts(
                _S.TRIAL,
                trial_started_on=row.trial_start,
                trial_ends_on=row.trial_end,
                done=done.get((row.id, TRIAL_CYCLE), {}),
            )
            for action in due_actions(facts, today, policies):
                if action.action is _A.SWITCH_TRIAL_TO_MINIMALNI:
                    if (row.id, TRIAL_CYCLE) not in proposed:
                        w.proposal(
                            row,
                            ProposalKind.TRIAL_TO_MINIMALNI,
                            TRIAL_CYCLE,
                            effective_on=action.effective_on,
                            school_year=SchoolYear.of(row.trial_start),
                            reason=str(
                                N_(
                                    "the trial ended on {date} without an order",
                                    date=row.trial_end.isoformat(),
                                )
                            ),
                        )
                else:
                    w.notice(row, NOTICE_FOR_ACTION[action.action], TRIAL_CYCLE, action.reply_by)
        w.flush()
        c = w.counts
        return (
            f"{c[NoticeKind.TRIAL_INVITATION_1] + c[NoticeKind.TRIAL_INVITATION_2]} trial "
            f"invitation(s), {c[NoticeKind.TRIAL_END_NOTICE]} end-of-trial notice(s) to print; "
            f"{c[ProposalKind.TRIAL_TO_MINIMALNI]} switch(es) to MINIMALNI proposed"
        )

    # ---- billing-reminders (R80, R81) ------------------------------------------------------

    def reminders(self, session: Session, today: date) -> str:
        policies = load_policies(session)
        prices = load_prices(session)
        rows = _paying_rows(session)
        cycles = {_cycle(row, today) for row in rows}
        done = _notices(session, [_S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE], cycles)
        invoices = {
            (r.subscription_id, r.school_year): r.id
            for r in session.execute(
                select(Invoice.id, Invoice.subscription_id, Invoice.school_year)
                .join(Subscription, Subscription.id == Invoice.subscription_id)
                .where(
                    Invoice.kind == InvoiceKind.ANNUAL,
                    Subscription.state.in_([_S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE]),
                )
            )
        }
        w = _Writer(session, today, settings_row(session).reference_scheme)
        no_price: Counter[str] = Counter()
        for row in rows:
            cycle = _cycle(row, today)
            facts = _facts(row, done.get((row.id, cycle), {}))
            for action in due_actions(facts, today, policies):
                if action.action in (_A.SEND_ORDER_REMINDER_1, _A.SEND_ORDER_REMINDER_2):
                    invoice_id = invoices.get((row.id, SchoolYear.of(row.ordered_on).start_year))
                    w.notice(
                        row, NOTICE_FOR_ACTION[action.action], cycle, action.reply_by, invoice_id
                    )
                elif action.action is _A.SEND_RENEWAL_INVITATION:
                    year = renewal_school_year(SchoolYear(row.paid_school_year), today)
                    invoice_id = invoices.get((row.id, year.start_year))
                    if invoice_id is None:
                        try:
                            price = annual_price(prices, year, Tier.POPOLNI, today)
                        except NotFound:
                            no_price[year.label] += 1  # waits until a price is set (R78)
                            continue
                        invoice_id = w.invoice(row, year, price, action.reply_by)
                    w.notice(row, NoticeKind.RENEWAL_INVITATION, cycle, action.reply_by, invoice_id)
                    w.renewal_due(row)
                elif action.action in (_A.SEND_RENEWAL_REMINDER_1, _A.SEND_RENEWAL_REMINDER_2):
                    year = renewal_school_year(SchoolYear(row.paid_school_year), today)
                    w.notice(
                        row,
                        NOTICE_FOR_ACTION[action.action],
                        cycle,
                        action.reply_by,
                        invoices.get((row.id, year.start_year)),
                    )
        w.flush()
        c = w.counts
        summary = (
            f"{c[NoticeKind.RENEWAL_INVITATION]} renewal invitation(s) with invoice, "
            f"{c[NoticeKind.RENEWAL_REMINDER_1]}+{c[NoticeKind.RENEWAL_REMINDER_2]} renewal "
            f"reminder(s) 1+2, {c[NoticeKind.ORDER_REMINDER_1]}+{c[NoticeKind.ORDER_REMINDER_2]} "
            "order reminder(s) 1+2 to print"
        )
        for label, count in sorted(no_price.items()):
            summary += f"; {count} invitation(s) wait for the {label} price"
        return summary

    # ---- termination-proposals (R80, R81, R67) --------------------------------------------

    def termination_proposals(self, session: Session, today: date) -> str:
        policies = load_policies(session)
        rows = [r for r in _paying_rows(session) if r.state in (_S.ORDERED, _S.RENEWAL_DUE)]
        cycles = {_cycle(row, today) for row in rows}
        done = _notices(session, [_S.ORDERED, _S.RENEWAL_DUE], cycles)
        lapses = _proposed(session, [_S.ORDERED], ProposalKind.LAPSE_UNPAID)
        terminations = _proposed(session, [_S.RENEWAL_DUE], ProposalKind.TERMINATE_NONPAYMENT)
        w = _Writer(session, today)
        for row in rows:
            cycle = _cycle(row, today)
            facts = _facts(row, done.get((row.id, cycle), {}))
            for action in due_actions(facts, today, policies):
                if action.action is _A.LAPSE_UNPAID_ORDER and (row.id, cycle) not in lapses:
                    w.proposal(
                        row,
                        ProposalKind.LAPSE_UNPAID,
                        cycle,
                        effective_on=action.effective_on,
                        school_year=SchoolYear.of(row.ordered_on),
                        reason=N_(
                            "the first order is still unpaid after the second reminder; no fee"
                        ),
                    )
                elif (
                    action.action is _A.TERMINATE_FOR_NONPAYMENT
                    and (row.id, cycle) not in terminations
                ):
                    year = renewal_school_year(SchoolYear(row.paid_school_year), today)
                    w.proposal(
                        row,
                        ProposalKind.TERMINATE_NONPAYMENT,
                        cycle,
                        effective_on=action.effective_on,
                        school_year=year,
                        reason=str(
                            N_(
                                "the school year {year} is still unpaid after the second reminder",
                                year=str(year),
                            )
                        ),
                    )
                    policy = policy_for(year, policies)
                    if policy.charge_reminder_fee_by_default:
                        w.proposal(
                            row,
                            ProposalKind.CHARGE_FEE,
                            cycle,
                            effective_on=action.effective_on,
                            school_year=year,
                            amount_cents=policy.reminder_fee_gross_cents,
                            reason=N_(
                                "fee for the unanswered reminders, once termination is confirmed"
                            ),
                        )
        w.flush()
        c = w.counts
        return (
            f"{c[ProposalKind.TERMINATE_NONPAYMENT]} termination(s) for non-payment and "
            f"{c[ProposalKind.LAPSE_UNPAID]} lapse(s) of unpaid orders proposed; "
            f"{c[ProposalKind.CHARGE_FEE]} fee(s) proposed"
        )


# ---- reading the facts ---------------------------------------------------------------------


def _paying_rows(session: Session) -> list[_Row]:
    return [
        _Row(r.id, r.student_id, r.state, r.ordered_on, r.paid_school_year)
        for r in session.execute(
            select(
                Subscription.id,
                Subscription.student_id,
                Subscription.state,
                Subscription.ordered_on,
                Subscription.paid_school_year,
            ).where(Subscription.state.in_([_S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE]))
        )
    ]


def _cycle(row: _Row, today: date) -> str:
    if row.state is _S.ORDERED:
        return ORDER_CYCLE
    return renewal_cycle(renewal_school_year(SchoolYear(row.paid_school_year), today))


def _facts(row: _Row, done: dict[BillingAction, date]) -> SubscriptionFacts:
    return SubscriptionFacts(
        row.state,
        ordered_on=row.ordered_on,
        paid_school_year=SchoolYear(row.paid_school_year) if row.paid_school_year else None,
        done=done,
    )


def _notices(
    session: Session, states: list[SubscriptionState], cycles
) -> dict[tuple[int, str], dict[BillingAction, date]]:
    """What each subscription's current cycle has already sent, for SubscriptionFacts.done."""
    out: dict[tuple[int, str], dict[BillingAction, date]] = {}
    cycles = list(cycles)
    if not cycles:
        return out
    for sub_id, kind, cycle, due_on in session.execute(
        select(
            BillingNotice.subscription_id,
            BillingNotice.kind,
            BillingNotice.cycle,
            BillingNotice.due_on,
        )
        .join(Subscription, Subscription.id == BillingNotice.subscription_id)
        .where(Subscription.state.in_(states), BillingNotice.cycle.in_(cycles))
    ):
        action = ACTION_FOR_NOTICE.get(kind)
        if action is not None:
            out.setdefault((sub_id, cycle), {})[action] = due_on
    return out


def _proposed(
    session: Session, states: list[SubscriptionState], kind: ProposalKind
) -> set[tuple[int, str]]:
    """(subscription, cycle) pairs that already have this proposal, whatever its status."""
    return {
        (sub_id, cycle)
        for sub_id, cycle in session.execute(
            select(BillingProposal.subscription_id, BillingProposal.cycle)
            .join(Subscription, Subscription.id == BillingProposal.subscription_id)
            .where(Subscription.state.in_(states), BillingProposal.kind == kind)
        )
    }


# ---- writing in bulk, with the audit trail ----------------------------------------------------


class _Writer:
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
        self.renewals: list[_Row] = []
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
        row: _Row,
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
        row: _Row,
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

    def invoice(self, row: _Row, year: SchoolYear, gross_cents: int, due_on: date | None) -> int:
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

    def renewal_due(self, row: _Row) -> None:
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
