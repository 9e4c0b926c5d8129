"""What is due today (R80, R81, R91): the billing calendar's next steps for one subscription
(invitations, reminders, the switch at a trial's end, lapse and termination) and the optional
reminder fee."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from desktop.domain.billing.policy import BillingPolicy, policy_for
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.billing.vat import SI_VAT_RATES, VatRate, VatSplit, split_vat, vat_rate_on
from desktop.domain.dates import SchoolYear, add_days
from desktop.domain.errors import InvalidTransition, ValidationError
from desktop.i18n import N_  # letter states and amount errors are shown translated by the UI

_S = SubscriptionState


class BillingAction(StrEnum):
    SEND_TRIAL_INVITATION_1 = "SEND_TRIAL_INVITATION_1"  # R91
    SEND_TRIAL_INVITATION_2 = "SEND_TRIAL_INVITATION_2"  # R91
    SEND_TRIAL_END_NOTICE = "SEND_TRIAL_END_NOTICE"  # R91, D14
    SWITCH_TRIAL_TO_MINIMALNI = "SWITCH_TRIAL_TO_MINIMALNI"  # R91
    SEND_ORDER_REMINDER_1 = "SEND_ORDER_REMINDER_1"  # R80
    SEND_ORDER_REMINDER_2 = "SEND_ORDER_REMINDER_2"  # R80
    LAPSE_UNPAID_ORDER = "LAPSE_UNPAID_ORDER"  # R80, no fee
    SEND_RENEWAL_INVITATION = "SEND_RENEWAL_INVITATION"  # R81
    SEND_RENEWAL_REMINDER_1 = "SEND_RENEWAL_REMINDER_1"  # R81
    SEND_RENEWAL_REMINDER_2 = "SEND_RENEWAL_REMINDER_2"  # R81
    TERMINATE_FOR_NONPAYMENT = "TERMINATE_FOR_NONPAYMENT"  # R81, D12


_A = BillingAction


@dataclass(frozen=True)
class SubscriptionFacts:
    """What the billing job needs to know about one subscription.

    `done` maps each action already taken in the *current* cycle (this trial, this first
    order, this renewal year) to the day it was taken.
    """

    state: SubscriptionState
    ordered_on: date | None = None
    trial_started_on: date | None = None
    trial_ends_on: date | None = None
    paid_school_year: SchoolYear | None = None  # latest school year paid in full
    done: Mapping[BillingAction, date] = field(default_factory=dict)


@dataclass(frozen=True)
class DueAction:
    action: BillingAction
    scheduled_on: date  # the day it became due
    reply_by: date | None = None  # letters: the payment deadline to print
    effective_on: date | None = None  # state changes: when they take effect
    rule: str = ""


def _reply_by(sent_on: date, planned_on: date, planned_due: date) -> date:
    # A letter sent late keeps its full answer window (R2: the day of sending not counted).
    return max(planned_due, add_days(sent_on, (planned_due - planned_on).days))


def due_actions(
    facts: SubscriptionFacts,
    today: date,
    policies: Mapping[SchoolYear, BillingPolicy] | None = None,
) -> list[DueAction]:
    """The billing steps due on `today` for one subscription.

    Steps run in order: a reminder is due on its calendar day but never before the previous
    letter's reply-by date has passed, and termination/lapse only once the second reminder has
    gone out (004 B.IV(1): "after the second reminder"). A job that missed days catches up.
    """
    if facts.state is _S.TRIAL:
        return _trial_due(facts, today, policies)
    if facts.state is _S.ORDERED:
        return _first_order_due(facts, today, policies)
    if facts.state in (_S.ACTIVE, _S.RENEWAL_DUE):
        return _renewal_due(facts, today, policies)
    return []


def _trial_due(
    facts: SubscriptionFacts, today: date, policies: Mapping[SchoolYear, BillingPolicy] | None
) -> list[DueAction]:
    start, end = facts.trial_started_on, facts.trial_ends_on
    if start is None or end is None:
        raise ValueError("a TRIAL needs trial_started_on and trial_ends_on")
    policy = policy_for(SchoolYear.of(start), policies)
    second = add_days(end, -policy.trial_invitation_days_before_end)
    if second <= start:
        second = None  # too short a trial for a second invitation
    due: list[DueAction] = []
    if today > end:
        after = add_days(end, 1)
        due.append(
            DueAction(
                _A.SWITCH_TRIAL_TO_MINIMALNI, after, effective_on=max(after, today), rule="R91"
            )
        )
        if _A.SEND_TRIAL_END_NOTICE not in facts.done:
            due.append(DueAction(_A.SEND_TRIAL_END_NOTICE, after, rule="R91"))
        return due
    if second is not None and today >= second:
        if _A.SEND_TRIAL_INVITATION_2 not in facts.done:
            due.append(DueAction(_A.SEND_TRIAL_INVITATION_2, second, reply_by=end, rule="R91"))
    elif today >= start and _A.SEND_TRIAL_INVITATION_1 not in facts.done:
        due.append(DueAction(_A.SEND_TRIAL_INVITATION_1, start, reply_by=end, rule="R91"))
    return due


def _first_order_due(
    facts: SubscriptionFacts, today: date, policies: Mapping[SchoolYear, BillingPolicy] | None
) -> list[DueAction]:
    ordered = facts.ordered_on
    if ordered is None:
        raise ValueError("an ORDERED subscription needs ordered_on")
    p = policy_for(SchoolYear.of(ordered), policies)
    r1_on = add_days(ordered, p.first_reminder1_after_days)
    r2_on = add_days(ordered, p.first_reminder2_after_days)
    lapse_on = add_days(ordered, p.first_lapse_after_days)
    # R80 gives no reply window: each reminder runs until the day before the next step.
    r1_due, r2_due = add_days(r2_on, -1), add_days(lapse_on, -1)

    sent1 = facts.done.get(_A.SEND_ORDER_REMINDER_1)
    if sent1 is None:
        if today < r1_on:
            return []
        reply = _reply_by(today, r1_on, r1_due)
        return [DueAction(_A.SEND_ORDER_REMINDER_1, r1_on, reply_by=reply, rule="R80")]
    reply1 = _reply_by(sent1, r1_on, r1_due)
    step2 = max(r2_on, add_days(reply1, 1))
    sent2 = facts.done.get(_A.SEND_ORDER_REMINDER_2)
    if sent2 is None:
        if today < step2:
            return []
        reply = _reply_by(today, r2_on, r2_due)
        return [DueAction(_A.SEND_ORDER_REMINDER_2, step2, reply_by=reply, rule="R80")]
    step3 = max(lapse_on, add_days(_reply_by(sent2, r2_on, r2_due), 1))
    if today < step3:
        return []
    return [DueAction(_A.LAPSE_UNPAID_ORDER, step3, effective_on=max(step3, today), rule="R80")]


def _renewal_due(
    facts: SubscriptionFacts, today: date, policies: Mapping[SchoolYear, BillingPolicy] | None
) -> list[DueAction]:
    if facts.paid_school_year is None:
        raise ValueError("an ACTIVE or RENEWAL_DUE subscription needs paid_school_year")
    year = renewal_school_year(facts.paid_school_year, today)
    cal = policy_for(year, policies).renewal

    if facts.state is _S.ACTIVE:
        if today < cal.invitation_on:
            return []
        reply = _reply_by(today, cal.invitation_on, cal.invitation_due)
        return [
            DueAction(_A.SEND_RENEWAL_INVITATION, cal.invitation_on, reply_by=reply, rule="R81")
        ]

    # RENEWAL_DUE is entered by sending the invitation; without a record assume it went on time.
    invited = facts.done.get(_A.SEND_RENEWAL_INVITATION, cal.invitation_on)

    step = max(
        cal.reminder1_on, add_days(_reply_by(invited, cal.invitation_on, cal.invitation_due), 1)
    )
    sent1 = facts.done.get(_A.SEND_RENEWAL_REMINDER_1)
    if sent1 is None:
        if today < step:
            return []
        reply = _reply_by(today, cal.reminder1_on, cal.reminder1_due)
        return [DueAction(_A.SEND_RENEWAL_REMINDER_1, step, reply_by=reply, rule="R81")]

    step = max(cal.reminder2_on, add_days(_reply_by(sent1, cal.reminder1_on, cal.reminder1_due), 1))
    sent2 = facts.done.get(_A.SEND_RENEWAL_REMINDER_2)
    if sent2 is None:
        if today < step:
            return []
        reply = _reply_by(today, cal.reminder2_on, cal.reminder2_due)
        return [DueAction(_A.SEND_RENEWAL_REMINDER_2, step, reply_by=reply, rule="R81")]

    reply2 = _reply_by(sent2, cal.reminder2_on, cal.reminder2_due)
    step = max(cal.termination_effective, add_days(reply2, 1))
    if today < step:
        return []
    return [DueAction(_A.TERMINATE_FOR_NONPAYMENT, step, effective_on=max(step, today), rule="R81")]


def reminder_fee(
    ending: SubscriptionState,
    charged_on: date,
    fees_already_charged_this_school_year: int,
    policy: BillingPolicy | None = None,
    vat_rates: Sequence[VatRate] = SI_VAT_RATES,
) -> VatSplit:
    """R81: the optional EUR 5 fee for unanswered renewal reminders, split for the invoice.

    Only after a termination for non-payment (never on first orders, R80), at most once per
    subscription per school year, and never part of the annual price or of an R88 refund.
    """
    policy = policy or BillingPolicy.proposed(SchoolYear.of(charged_on))
    if ending is not _S.TERMINATED_NONPAYMENT:
        raise InvalidTransition(
            "subscription",
            str(ending),
            "charge the reminder fee for",
            N_("the reminder fee applies only after termination for non-payment"),  # R81
        )
    if fees_already_charged_this_school_year:
        raise ValidationError(
            "reminder_fee",
            policy.reminder_fee_gross_cents,
            # R81: at most once a school year
            N_(
                "the reminder fee was already charged in the school year {year}",
                year=str(SchoolYear.of(charged_on)),
            ),
        )
    return split_vat(policy.reminder_fee_gross_cents, vat_rate_on(charged_on, vat_rates))


def renewal_school_year(paid_school_year: SchoolYear, today: date) -> SchoolYear:
    """The year an ACTIVE/RENEWAL_DUE subscription is being renewed for (R81): the one after
    the last paid year, or today's if that is later. Also the cycle of its renewal letters."""
    return max(paid_school_year.next(), SchoolYear.of(today))
