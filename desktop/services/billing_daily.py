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
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    BillingNotice,
    BillingProposal,
    Invoice,
    Subscription,
    Trial,
)
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
)
from desktop.domain.billing.states import SubscriptionState, Tier
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound
from desktop.i18n import N_  # stored reasons are shown translated by the UI
from desktop.services.billing import (
    load_policies,
    load_prices,
    settings_row,
    settle_ending,
    unsettled_endings,
)
from desktop.services.billing_daily_writer import DayWriter, PayingRow

_S = SubscriptionState
_A = BillingAction

TRIAL_CYCLE = "trial"  # one trial per subscription record (R89(c) is per child and year)
ORDER_CYCLE = "order"  # a subscription is ordered once (later years are renewals)


def renewal_cycle(year: SchoolYear) -> str:
    return f"renewal-{year.start_year}"


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
            PayingRow(r.id, r.student_id, _S.TRIAL, None, None, r.starts_on, r.ends_on)
            for r in session.execute(
                select(Subscription.id, Subscription.student_id, Trial.starts_on, Trial.ends_on)
                .join(Trial, Trial.subscription_id == Subscription.id)
                .where(Subscription.state == _S.TRIAL)
            )
        ]
        done = _notices(session, [_S.TRIAL], [TRIAL_CYCLE])
        proposed = _proposed(session, [_S.TRIAL], ProposalKind.TRIAL_TO_MINIMALNI)
        w = DayWriter(session, today)
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
        w = DayWriter(session, today, settings_row(session).reference_scheme)
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
        w = DayWriter(session, today)
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


def _paying_rows(session: Session) -> list[PayingRow]:
    return [
        PayingRow(r.id, r.student_id, r.state, r.ordered_on, r.paid_school_year)
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


def _cycle(row: PayingRow, today: date) -> str:
    if row.state is _S.ORDERED:
        return ORDER_CYCLE
    return renewal_cycle(renewal_school_year(SchoolYear(row.paid_school_year), today))


def _facts(row: PayingRow, done: dict[BillingAction, date]) -> SubscriptionFacts:
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
