from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.billing.age import student_may_act_alone
from desktop.domain.billing.due import (
    BillingAction,
    DueAction,
    SubscriptionFacts,
    due_actions,
    reminder_fee,
)
from desktop.domain.billing.letters import (
    GuardianContact,
    LetterIssue,
    LetterStatus,
    SubscriberData,
    cancellation_effective_date,
    check_letter_data,
    normalise_phone,
    require_terms_withdrawal_in_time,
    terms_withdrawal_deadline,
)
from desktop.domain.billing.policy import BillingPolicy, RenewalCalendar
from desktop.domain.billing.prices import Price, annual_price
from desktop.domain.billing.refunds import (
    Outage,
    OutageCause,
    paid_period,
    proportional_refund,
    refund_after_switch_off,
    refund_for_outage,
    switch_off_date,
)
from desktop.domain.billing.states import (
    END_STATES,
    LIVE_STATES,
    TRANSITIONS,
    RefundPolicy,
    SubscriptionEvent,
    SubscriptionState,
    Tier,
    apply_event,
    refund_policy,
    settle_payment,
)
from desktop.domain.billing.trials import SpecialOffer, plan_trial, trial_end, trial_length
from desktop.domain.billing.vat import VatRate, round_half_up_div, split_vat, vat_rate_on
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.roster import fold

S = SubscriptionState
E = SubscriptionEvent
A = BillingAction
Y2024 = SchoolYear(2024)
Y2025 = SchoolYear(2025)

# --- money (R5) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "rate", "net", "vat"),
    [
        (500, 2200, 410, 90),  # R5 / R81 worked example
        (2000, 2200, 1639, 361),  # 1639.34 → 1639
        (0, 2200, 0, 0),
        (1, 2200, 1, 0),  # 0.82 → 1
        (61, 2200, 50, 11),  # exactly 50.0
        (500, 2000, 417, 83),  # 416.67 → 417 (20 % before Jul 2013)
        (-500, 2200, -410, -90),  # a credit note rounds symmetrically
    ],
)
def test_vat_split(gross, rate, net, vat):
    split = split_vat(gross, rate)
    assert (split.net_cents, split.vat_cents) == (net, vat)
    assert split.net_cents + split.vat_cents == gross


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(1, 2, 1), (3, 2, 2), (5, 4, 1), (7, 4, 2), (-1, 2, -1), (0, 7, 0), (367, 365, 1)],
)
def test_round_half_up_div(num, den, expected):
    assert round_half_up_div(num, den) == expected


@pytest.mark.parametrize("bad", [5.0, 4.1, True, "500"])
def test_money_refuses_floats_and_non_ints(bad):
    with pytest.raises(TypeError, match="integer cents"):
        split_vat(bad, 2200)


@pytest.mark.parametrize(
    ("day", "rate"),
    [(date(2013, 6, 30), 2000), (date(2013, 7, 1), 2200), (date(2025, 1, 1), 2200)],
)
def test_vat_rate_by_date(day, rate):
    assert vat_rate_on(day) == rate


def test_vat_rate_table_is_configurable():
    rates = (VatRate(date(2013, 7, 1), 2200), VatRate(date(2030, 1, 1), 2400))
    assert vat_rate_on(date(2029, 12, 31), rates) == 2200
    assert vat_rate_on(date(2030, 1, 1), rates) == 2400
    with pytest.raises(ValueError, match="no VAT rate"):
        vat_rate_on(date(2000, 1, 1), rates)


@pytest.mark.parametrize(
    ("price", "paid", "full", "outstanding", "over"),
    [
        (2000, 0, False, 2000, 0),
        (2000, 1999, False, 1, 0),
        (2000, 2000, True, 0, 0),
        (2000, 2500, True, 0, 500),
    ],
)
def test_settle_payment_r79(price, paid, full, outstanding, over):
    s = settle_payment(price, paid)
    assert (s.paid_in_full, s.outstanding_cents, s.overpaid_cents) == (full, outstanding, over)


# --- state machine (R76) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "event", "after"),
    [
        (S.TRIAL, E.ORDER_SUBMITTED, S.ORDERED),
        (S.TRIAL, E.TRIAL_EXPIRED, S.MINIMALNI),
        (S.MINIMALNI, E.ORDER_SUBMITTED, S.ORDERED),
        (S.ORDERED, E.PAID_IN_FULL, S.ACTIVE),
        (S.ORDERED, E.FIRST_ORDER_UNPAID, S.LAPSED_UNPAID),
        (S.ACTIVE, E.RENEWAL_INVITED, S.RENEWAL_DUE),
        (S.RENEWAL_DUE, E.PAID_IN_FULL, S.ACTIVE),
        (S.RENEWAL_DUE, E.RENEWAL_UNPAID, S.TERMINATED_NONPAYMENT),
        (S.ACTIVE, E.SUBSCRIBER_CANCELLED, S.CANCELLED),
        (S.TRIAL, E.SUBSCRIBER_CANCELLED, S.CANCELLED),
        (S.ACTIVE, E.LEFT_SCHOOL, S.ENDED_LEFT_SCHOOL),
        (S.RENEWAL_DUE, E.ADULT_PROHIBITION, S.ENDED_ADULT_PROHIBITION),
        (S.ORDERED, E.AUTHORITY_RESTRICTION, S.ENDED_AUTHORITY_RESTRICTION),
        (S.ACTIVE, E.SCHOOL_WITHDREW, S.ENDED_SCHOOL_WITHDREW),
        (S.ACTIVE, E.TERMS_WITHDRAWAL, S.WITHDRAWN_TERMS_CHANGE),
        (S.ACTIVE, E.BREACH, S.DISABLED_BREACH),
    ],
)
def test_legal_transitions(state, event, after):
    assert apply_event(state, event) == after


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.TRIAL, E.PAID_IN_FULL),  # a trial is free; an order comes first (R76, R91)
        (S.ORDERED, E.RENEWAL_INVITED),
        (S.ACTIVE, E.FIRST_ORDER_UNPAID),
        (S.ACTIVE, E.RENEWAL_UNPAID),  # only after the invitation (RENEWAL_DUE)
        (S.ORDERED, E.RENEWAL_UNPAID),
        (S.RENEWAL_DUE, E.FIRST_ORDER_UNPAID),
        (S.TRIAL, E.TERMS_WITHDRAWAL),
        (S.MINIMALNI, E.SUBSCRIBER_CANCELLED),
        (S.ACTIVE, E.TRIAL_EXPIRED),
    ],
)
def test_illegal_transitions_raise(state, event):
    with pytest.raises(InvalidTransition) as info:
        apply_event(state, event)
    assert info.value.entity == "subscription"
    assert info.value.state == state
    assert "present state" in info.value.reason


@pytest.mark.parametrize("ended", sorted(END_STATES))
@pytest.mark.parametrize("event", list(SubscriptionEvent))
def test_end_states_are_terminal(ended, event):
    with pytest.raises(InvalidTransition, match="already ended"):
        apply_event(ended, event)


def test_every_state_is_reachable_and_every_ending_applies_to_live_states():
    reached = {S.TRIAL, S.ORDERED} | set(TRANSITIONS.values())
    assert reached == set(SubscriptionState)
    for event in (E.SUBSCRIBER_CANCELLED, E.LEFT_SCHOOL, E.SCHOOL_WITHDREW, E.BREACH):
        for state in LIVE_STATES:
            assert apply_event(state, event) in END_STATES


@pytest.mark.parametrize(
    ("ending", "policy", "refund"),
    [
        (S.ENDED_SCHOOL_WITHDREW, RefundPolicy.PROPORTIONAL, True),  # R84
        (S.WITHDRAWN_TERMS_CHANGE, RefundPolicy.PROPORTIONAL, True),  # R85
        (S.CANCELLED, RefundPolicy.NONE, False),  # R86
        (S.ENDED_LEFT_SCHOOL, RefundPolicy.DISCRETIONARY, False),  # R87
        (S.ENDED_ADULT_PROHIBITION, RefundPolicy.DISCRETIONARY, False),
        (S.ENDED_AUTHORITY_RESTRICTION, RefundPolicy.DISCRETIONARY, False),
        (S.TERMINATED_NONPAYMENT, RefundPolicy.DISCRETIONARY, False),
        (S.DISABLED_BREACH, RefundPolicy.DISCRETIONARY, False),
        (S.LAPSED_UNPAID, RefundPolicy.DISCRETIONARY, False),
        (S.MINIMALNI, RefundPolicy.DISCRETIONARY, False),  # trial ended
    ],
)
def test_refund_policy_per_ending(ending, policy, refund):
    assert refund_policy(ending) is policy
    assert (policy is RefundPolicy.PROPORTIONAL) is refund


def test_refund_policy_refuses_live_states():
    with pytest.raises(ValueError, match="not an ending"):
        refund_policy(S.ACTIVE)


# --- prices (R78) ----------------------------------------------------------------------------

PRICES = [
    Price(Y2024, Tier.POPOLNI, 2000, date(2024, 6, 1)),
    Price(Y2024, Tier.POPOLNI, 2200, date(2024, 9, 1)),
    Price(Y2025, Tier.POPOLNI, 2400, date(2025, 6, 1)),
]


@pytest.mark.parametrize(
    ("year", "tier", "on", "cents"),
    [
        (Y2024, Tier.POPOLNI, date(2024, 6, 15), 2000),
        (Y2024, Tier.POPOLNI, date(2024, 9, 1), 2200),
        (Y2024, Tier.POPOLNI, date(2025, 8, 20), 2200),  # late order: full price, no pro-rating
        (Y2025, Tier.POPOLNI, date(2025, 9, 1), 2400),
        (Y2025, Tier.MINIMALNI, date(2025, 9, 1), 0),
    ],
)
def test_annual_price(year, tier, on, cents):
    assert annual_price(PRICES, year, tier, on) == cents


def test_annual_price_missing_raises_not_found():
    with pytest.raises(NotFound):
        annual_price(PRICES, Y2025, Tier.POPOLNI, date(2025, 5, 31))


# --- age (R47, R90) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "ok"),
    [
        (date(2010, 10, 1), date(2025, 9, 30), False),
        (date(2010, 10, 1), date(2025, 10, 1), True),  # the 15th birthday itself
        (date(2008, 2, 29), date(2023, 2, 28), False),  # R6: 29 Feb → 1 Mar in non-leap years
        (date(2008, 2, 29), date(2023, 3, 1), True),
        (date(2012, 2, 29), date(2027, 3, 1), True),
    ],
)
def test_student_may_act_alone(birth, on, ok):
    assert student_may_act_alone(birth, on) is ok


# --- trials (R89–R91) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "length", "end"),
    [
        (date(2024, 9, 30), 0, None),  # R89(a): no trial in September
        (date(2024, 9, 1), 0, None),
        (date(2024, 10, 1), 30, date(2024, 10, 30)),
        (date(2024, 12, 31), 30, date(2025, 1, 29)),  # R89(b) worked example
        (date(2025, 1, 1), 7, date(2025, 1, 7)),
        (date(2025, 3, 31), 7, date(2025, 4, 6)),  # R89(b) worked example
        (date(2025, 4, 1), 0, None),
        (date(2025, 8, 31), 0, None),
        (date(2024, 2, 29), 7, date(2024, 3, 6)),  # leap day
    ],
)
def test_trial_length_and_end(start, length, end):
    assert trial_length(start) == length
    if end is not None:
        assert trial_end(start, length) == end


def test_special_offer_overrides_window_within_its_year():
    offer = SpecialOffer(Y2024, date(2024, 9, 1), date(2024, 9, 30), 14)
    assert trial_length(date(2024, 9, 10), [offer]) == 14
    assert trial_length(date(2024, 10, 10), [offer]) == 30  # outside the offer: the default
    assert trial_length(date(2025, 9, 10), [offer]) == 0  # another school year
    summer = SpecialOffer(Y2024, date(2025, 4, 1), date(2025, 6, 30), 10)
    assert trial_end(date(2025, 6, 30), trial_length(date(2025, 6, 30), [summer])) == date(
        2025, 7, 9
    )


@pytest.mark.parametrize(
    ("start", "invitations", "after"),
    [
        (date(2024, 10, 1), (date(2024, 10, 1), date(2024, 10, 28)), date(2024, 10, 31)),
        (date(2024, 12, 31), (date(2024, 12, 31), date(2025, 1, 27)), date(2025, 1, 30)),
        (date(2025, 1, 1), (date(2025, 1, 1), date(2025, 1, 5)), date(2025, 1, 8)),
        (date(2025, 3, 31), (date(2025, 3, 31), date(2025, 4, 4)), date(2025, 4, 7)),
    ],
)
def test_plan_trial_dates(start, invitations, after):
    plan = plan_trial(start)
    assert plan.invitations_on == invitations  # R91: day 1 and 2 days before the end
    assert plan.end_notice_on == plan.switch_to_minimalni_on == after  # the day after the end


@pytest.mark.parametrize("start", [date(2024, 9, 30), date(2025, 4, 1), date(2025, 6, 15)])
def test_plan_trial_refuses_outside_windows(start):
    with pytest.raises(ValidationError, match="no free trial") as info:
        plan_trial(start)
    assert info.value.field == "trial_start"


def test_one_trial_per_child_per_school_year():
    with pytest.raises(ValidationError, match="already had a trial in the school year 2024/25"):
        plan_trial(date(2025, 1, 10), earlier_trial_starts=[date(2024, 10, 5)])
    # the previous school year's trial does not count
    assert plan_trial(date(2024, 10, 5), earlier_trial_starts=[date(2024, 3, 1)]).length_days == 30


def test_student_trial_needs_age_15():
    with pytest.raises(ValidationError, match="under 15") as info:
        plan_trial(date(2024, 10, 1), student_birth_date=date(2009, 10, 2))
    assert info.value.field == "birth_date"
    assert plan_trial(date(2024, 10, 1), student_birth_date=date(2009, 10, 1)).length_days == 30


def test_short_special_offer_has_one_invitation_and_configurable_lead():
    offer = SpecialOffer(Y2024, date(2024, 9, 1), date(2024, 9, 30), 2)
    assert plan_trial(date(2024, 9, 5), offers=[offer]).invitations_on == (date(2024, 9, 5),)
    policy = replace(BillingPolicy.proposed(Y2024), trial_invitation_days_before_end=5)
    plan = plan_trial(date(2024, 10, 1), policy=policy)
    assert plan.invitations_on == (date(2024, 10, 1), date(2024, 10, 25))


# --- configuration ---------------------------------------------------------------------------


def test_proposed_renewal_calendar():
    cal = RenewalCalendar.proposed(Y2025)
    assert (cal.invitation_on, cal.invitation_due) == (date(2025, 9, 1), date(2025, 9, 30))
    assert (cal.reminder1_on, cal.reminder1_due) == (date(2025, 10, 8), date(2025, 10, 15))
    assert (cal.reminder2_on, cal.reminder2_due) == (date(2025, 10, 16), date(2025, 10, 23))
    assert cal.termination_effective == date(2025, 10, 24)


def test_calendar_refuses_dates_out_of_order_or_year():
    cal = RenewalCalendar.proposed(Y2025)
    with pytest.raises(ValueError, match="out of order"):
        replace(cal, reminder1_on=date(2025, 9, 30))
    with pytest.raises(ValueError, match="within"):
        replace(cal, invitation_on=date(2025, 8, 31))
    with pytest.raises(ValueError, match="another school year"):
        BillingPolicy(Y2024, cal)
    with pytest.raises(ValueError, match="reminder days must increase"):  # R80
        replace(BillingPolicy.proposed(Y2025), first_lapse_after_days=20)


# --- what is due (R80, R81, R91) -------------------------------------------------------------


def _days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


_ENTERS = {
    A.SEND_RENEWAL_INVITATION: E.RENEWAL_INVITED,
    A.TERMINATE_FOR_NONPAYMENT: E.RENEWAL_UNPAID,
    A.LAPSE_UNPAID_ORDER: E.FIRST_ORDER_UNPAID,
    A.SWITCH_TRIAL_TO_MINIMALNI: E.TRIAL_EXPIRED,
}


def walk(facts: SubscriptionFacts, first: date, last: date, *, off=(), paid_on=None, policies=None):
    """Run the daily job from `first` to `last` like the service would: (log, final state)."""
    log: list[tuple[date, DueAction]] = []
    for today in _days(first, last):
        if today == paid_on:
            facts = replace(
                facts,
                state=apply_event(facts.state, E.PAID_IN_FULL),
                paid_school_year=SchoolYear.of(today),
                done={},
            )
        if today in off:
            continue  # the office PC was switched off
        for due in due_actions(facts, today, policies):
            log.append((today, due))
            done = {**facts.done, due.action: today}
            state = facts.state
            if due.action in _ENTERS:
                state = apply_event(state, _ENTERS[due.action])
            facts = replace(facts, state=state, done=done)
    return log, facts.state


def _summary(walked):
    log, final = walked
    return [(day, d.action, d.reply_by or d.effective_on) for day, d in log], final


def test_renewal_year_walked_day_by_day():
    facts = SubscriptionFacts(S.ACTIVE, paid_school_year=Y2024)
    steps, final = _summary(walk(facts, date(2025, 7, 1), date(2025, 12, 31)))
    assert steps == [
        (date(2025, 9, 1), A.SEND_RENEWAL_INVITATION, date(2025, 9, 30)),
        (date(2025, 10, 8), A.SEND_RENEWAL_REMINDER_1, date(2025, 10, 15)),
        (date(2025, 10, 16), A.SEND_RENEWAL_REMINDER_2, date(2025, 10, 23)),
        (date(2025, 10, 24), A.TERMINATE_FOR_NONPAYMENT, date(2025, 10, 24)),
    ]
    assert final is S.TERMINATED_NONPAYMENT


def test_renewal_paid_after_first_reminder_stops_everything():
    facts = SubscriptionFacts(S.ACTIVE, paid_school_year=Y2024)
    steps, final = _summary(
        walk(facts, date(2025, 8, 1), date(2026, 8, 31), paid_on=date(2025, 10, 10))
    )
    assert [a for _, a, _ in steps] == [A.SEND_RENEWAL_INVITATION, A.SEND_RENEWAL_REMINDER_1]
    assert final is S.ACTIVE


def test_renewal_catches_up_after_days_off_without_shortening_any_window():
    facts = SubscriptionFacts(S.ACTIVE, paid_school_year=Y2024)
    off = set(_days(date(2025, 9, 1), date(2025, 9, 3))) | set(
        _days(date(2025, 10, 14), date(2025, 10, 20))
    )
    steps, final = _summary(walk(facts, date(2025, 8, 1), date(2025, 11, 30), off=off))
    assert steps == [
        (date(2025, 9, 4), A.SEND_RENEWAL_INVITATION, date(2025, 10, 3)),  # late: +3 days to pay
        (date(2025, 10, 8), A.SEND_RENEWAL_REMINDER_1, date(2025, 10, 15)),
        (date(2025, 10, 21), A.SEND_RENEWAL_REMINDER_2, date(2025, 10, 28)),  # sent 5 days late
        (date(2025, 10, 29), A.TERMINATE_FOR_NONPAYMENT, date(2025, 10, 29)),  # never before
    ]
    assert final is S.TERMINATED_NONPAYMENT


def test_renewal_calendar_is_configurable_per_school_year():
    y = 2025
    custom = RenewalCalendar(
        Y2025,
        invitation_on=date(y, 9, 10),
        invitation_due=date(y, 10, 10),
        reminder1_on=date(y, 10, 11),
        reminder1_due=date(y, 10, 20),
        reminder2_on=date(y, 10, 21),
        reminder2_due=date(y, 10, 31),
        termination_effective=date(y, 11, 1),
    )
    policies = {Y2025: BillingPolicy(Y2025, custom)}
    facts = SubscriptionFacts(S.ACTIVE, paid_school_year=Y2024)
    steps, _ = _summary(walk(facts, date(2025, 8, 1), date(2025, 12, 31), policies=policies))
    assert [d for d, _, _ in steps] == [
        date(y, 9, 10),
        date(y, 10, 11),
        date(y, 10, 21),
        date(y, 11, 1),
    ]


def test_nothing_due_for_a_paid_year_or_ended_states():
    paid = SubscriptionFacts(S.ACTIVE, paid_school_year=Y2025)
    assert due_actions(paid, date(2025, 10, 30)) == []
    assert due_actions(paid, date(2026, 8, 31)) == []
    for state in [*END_STATES, S.MINIMALNI]:
        assert due_actions(SubscriptionFacts(state), date(2025, 10, 30)) == []


def test_first_order_reminders_and_lapse_r80():
    facts = SubscriptionFacts(S.ORDERED, ordered_on=date(2025, 1, 10))
    steps, final = _summary(walk(facts, date(2025, 1, 10), date(2025, 4, 30)))
    assert steps == [
        (date(2025, 1, 25), A.SEND_ORDER_REMINDER_1, date(2025, 2, 8)),  # +15, until day before +30
        (date(2025, 2, 9), A.SEND_ORDER_REMINDER_2, date(2025, 2, 23)),  # +30
        (date(2025, 2, 24), A.LAPSE_UNPAID_ORDER, date(2025, 2, 24)),  # +45
    ]
    assert final is S.LAPSED_UNPAID


def test_first_order_paid_becomes_active_and_no_fee_exists_for_lapse():
    facts = SubscriptionFacts(S.ORDERED, ordered_on=date(2025, 1, 10))
    steps, final = _summary(
        walk(facts, date(2025, 1, 10), date(2025, 4, 30), paid_on=date(2025, 2, 1))
    )
    assert [a for _, a, _ in steps] == [A.SEND_ORDER_REMINDER_1]
    assert final is S.ACTIVE
    with pytest.raises(InvalidTransition, match="termination for non-payment"):
        reminder_fee(S.LAPSED_UNPAID, date(2025, 2, 24), 0)


def test_first_order_lapse_waits_for_the_second_reminder():
    facts = SubscriptionFacts(
        S.ORDERED, ordered_on=date(2025, 1, 10), done={A.SEND_ORDER_REMINDER_1: date(2025, 1, 25)}
    )
    due = due_actions(facts, date(2025, 3, 31))  # long past +45, but reminder 2 never went out
    assert [d.action for d in due] == [A.SEND_ORDER_REMINDER_2]
    assert due[0].reply_by == date(2025, 4, 14)


def test_trial_walked_day_by_day():
    plan = plan_trial(date(2025, 1, 1))
    facts = SubscriptionFacts(S.TRIAL, trial_started_on=plan.starts_on, trial_ends_on=plan.ends_on)
    steps, final = _summary(walk(facts, date(2025, 1, 1), date(2025, 1, 31)))
    assert steps == [
        (date(2025, 1, 1), A.SEND_TRIAL_INVITATION_1, date(2025, 1, 7)),
        (date(2025, 1, 5), A.SEND_TRIAL_INVITATION_2, date(2025, 1, 7)),
        (date(2025, 1, 8), A.SWITCH_TRIAL_TO_MINIMALNI, date(2025, 1, 8)),
        (date(2025, 1, 8), A.SEND_TRIAL_END_NOTICE, None),
    ]
    assert final is S.MINIMALNI


def test_trial_skips_stale_invitation_after_days_off():
    facts = SubscriptionFacts(
        S.TRIAL, trial_started_on=date(2025, 1, 1), trial_ends_on=date(2025, 1, 7)
    )
    assert [d.action for d in due_actions(facts, date(2025, 1, 6))] == [A.SEND_TRIAL_INVITATION_2]


# --- reminder fee (R81) ----------------------------------------------------------------------


def test_reminder_fee_once_per_school_year():
    fee = reminder_fee(S.TERMINATED_NONPAYMENT, date(2025, 10, 24), 0)
    assert (fee.gross_cents, fee.net_cents, fee.vat_cents) == (500, 410, 90)
    with pytest.raises(ValidationError, match="already charged in the school year 2025/26"):
        reminder_fee(S.TERMINATED_NONPAYMENT, date(2025, 10, 24), 1)
    policy = replace(BillingPolicy.proposed(Y2025), reminder_fee_gross_cents=610)
    assert reminder_fee(S.TERMINATED_NONPAYMENT, date(2025, 10, 24), 0, policy).net_cents == 500
    assert BillingPolicy.proposed(Y2025).charge_reminder_fee_by_default is False


# --- refunds (R83, R84, R85, R88) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "year", "activated", "switch_off", "period_days", "lost", "refund"),
    [
        # R88 worked example: 2000 paid 1 Sep 2024, switch-off 1 Mar 2025 → 184/365 → 1008
        (2000, Y2024, date(2024, 9, 1), date(2025, 3, 1), 365, 184, 1008),
        (2000, Y2024, date(2024, 6, 15), date(2025, 3, 1), 365, 184, 1008),  # paid before 1 Sep
        (2000, Y2024, date(2024, 9, 1), date(2024, 9, 1), 365, 365, 2000),  # switched off day 1
        (2000, Y2024, date(2024, 9, 1), date(2025, 8, 31), 365, 1, 5),  # last day: 5.48 → 5
        (2000, Y2024, date(2024, 9, 1), date(2025, 9, 1), 365, 0, 0),  # after the paid year
        (2000, Y2024, date(2024, 9, 1), date(2024, 9, 30), 365, 336, 1841),  # month end
        (2000, Y2024, date(2024, 9, 1), date(2025, 1, 31), 365, 213, 1167),
        # leap year 2023/24 has 366 days
        (2000, SchoolYear(2023), date(2023, 9, 1), date(2024, 3, 1), 366, 184, 1005),
        (2000, SchoolYear(2023), date(2023, 9, 1), date(2024, 2, 29), 366, 185, 1011),
        # activation on 29 Feb 2024 within 2023/24: P = 29 Feb – 31 Aug = 185 days
        (2000, SchoolYear(2023), date(2024, 2, 29), date(2024, 6, 1), 185, 92, 995),
        (2000, SchoolYear(2023), date(2024, 2, 29), date(2024, 2, 29), 185, 185, 2000),
        # exact half rounds up: 1 × 1 / 2
        (1, SchoolYear(2023), date(2024, 8, 30), date(2024, 8, 31), 2, 1, 1),
    ],
)
def test_refund_after_switch_off(paid, year, activated, switch_off, period_days, lost, refund):
    calc = refund_after_switch_off(paid, year, activated, switch_off)
    assert (calc.period_days, calc.lost_days, calc.refund_cents) == (period_days, lost, refund)
    assert calc.period_last == year.last_day


def test_terms_withdrawal_refund_counts_from_the_day_after_receipt():
    received = date(2024, 10, 9)  # day 8 after a notice sent 1 Oct: in time
    require_terms_withdrawal_in_time(date(2024, 10, 1), received)
    calc = refund_after_switch_off(2000, Y2024, date(2024, 9, 1), switch_off_date(received))
    assert calc.lost_days == 326  # 10 Oct 2024 – 31 Aug 2025
    assert calc.refund_cents == 1786  # 1786.3


def test_refund_never_exceeds_what_is_left():
    calc = refund_after_switch_off(
        2000, Y2024, date(2024, 9, 1), date(2025, 3, 1), already_refunded_cents=1500
    )
    assert calc.refund_cents == 500 and calc.capped
    calc = refund_after_switch_off(
        2000, Y2024, date(2024, 9, 1), date(2025, 3, 1), already_refunded_cents=2500
    )
    assert calc.refund_cents == 0


@pytest.mark.parametrize(
    ("first", "last", "cause", "missed", "lost", "refund"),
    [
        (date(2024, 11, 1), date(2024, 12, 1), OutageCause.PROVIDER, True, 31, 170),  # 31 days
        (date(2024, 11, 1), date(2024, 11, 30), OutageCause.PROVIDER, True, 0, 0),  # exactly 30
        (date(2024, 11, 1), date(2024, 12, 31), OutageCause.FORCE_MAJEURE, True, 0, 0),
        (date(2024, 11, 1), date(2024, 12, 31), OutageCause.OPERATOR, True, 0, 0),
        (date(2024, 11, 1), date(2024, 12, 31), OutageCause.PROVIDER, False, 0, 0),  # R83(d)
        # spans the year start: qualifies on its whole length, counts only days within P
        (date(2024, 8, 10), date(2024, 9, 15), OutageCause.PROVIDER, True, 15, 82),
        (date(2025, 8, 1), date(2025, 9, 30), OutageCause.PROVIDER, True, 31, 170),
    ],
)
def test_refund_for_outage(first, last, cause, missed, lost, refund):
    outage = Outage(first, last, cause, missed)
    calc = refund_for_outage(2000, Y2024, date(2024, 9, 1), outage)
    assert (calc.lost_days, calc.refund_cents) == (lost, refund)


def test_paid_period_and_bad_inputs():
    assert paid_period(Y2024, date(2024, 10, 5)) == (date(2024, 10, 5), date(2025, 8, 31))
    with pytest.raises(ValueError, match="after the paid year"):
        paid_period(Y2024, date(2025, 9, 1))
    with pytest.raises(ValueError, match="lost days"):
        proportional_refund(2000, Y2024, date(2024, 9, 1), 366)
    with pytest.raises(TypeError):
        proportional_refund(20.0, Y2024, date(2024, 9, 1), 10)  # type: ignore[arg-type]


_day_in = st.dates(min_value=date(2020, 9, 1), max_value=date(2030, 8, 31))


@given(
    paid=st.integers(min_value=0, max_value=10_000_000),
    refunded=st.integers(min_value=0, max_value=10_000_000),
    activated=_day_in,
    offset=st.integers(min_value=-400, max_value=400),
)
def test_refund_properties(paid, refunded, activated, offset):
    year = SchoolYear.of(activated)
    calc = refund_after_switch_off(
        paid, year, activated, activated + timedelta(days=offset), refunded
    )
    assert 0 <= calc.refund_cents <= max(0, paid - refunded)
    assert calc.refund_cents <= paid
    assert 0 <= calc.lost_days <= calc.period_days
    full = refund_after_switch_off(paid, year, activated, activated)
    assert full.refund_cents == paid  # switched off on the first paid day: everything back


@given(
    gross=st.integers(min_value=0, max_value=10**9), rate=st.integers(min_value=0, max_value=5000)
)
def test_vat_split_properties(gross, rate):
    split = split_vat(gross, rate)
    assert split.net_cents + split.vat_cents == gross
    assert 0 <= split.vat_cents <= gross
    # half-up: net is the closest cent to gross / (1 + rate)
    assert abs(split.net_cents * (10_000 + rate) - gross * 10_000) * 2 <= 10_000 + rate


# --- cancellation and withdrawal (R51, R98, R102) --------------------------------------------


@pytest.mark.parametrize(
    ("received", "effective"),
    [
        (date(2025, 2, 28), date(2025, 3, 1)),  # R98 worked example: Fri → Sat
        (date(2024, 2, 28), date(2024, 2, 29)),
        (date(2024, 12, 31), date(2025, 1, 1)),
        (date(2025, 8, 31), date(2025, 9, 1)),
    ],
)
def test_cancellation_effective_date(received, effective):
    assert cancellation_effective_date(received) == effective


def test_cancellation_received_on_friday_takes_effect_on_saturday():
    received = date(2025, 2, 28)
    assert received.strftime("%A") == "Friday"
    assert cancellation_effective_date(received).strftime("%A %d %b %Y") == "Saturday 01 Mar 2025"


@pytest.mark.parametrize(
    ("received", "ok"),
    [
        (date(2024, 10, 1), True),  # day 0: the sending day
        (date(2024, 10, 8), True),
        (date(2024, 10, 9), True),  # day 8 after sending: last day
        (date(2024, 10, 10), False),  # day 9: refused
        (date(2024, 9, 30), False),  # before the notice
    ],
)
def test_terms_withdrawal_window(received, ok):
    sent = date(2024, 10, 1)
    assert terms_withdrawal_deadline(sent) == date(2024, 10, 9)
    if ok:
        require_terms_withdrawal_in_time(sent, received)
    else:
        with pytest.raises(ValidationError) as info:
            require_terms_withdrawal_in_time(sent, received)
        assert info.value.field == "received_on"


# --- letter data check (R96) -----------------------------------------------------------------

ORDER = SubscriberData(
    "Žiga",
    "Kovačič",
    "OŠ Ivana Cankarja Vrhnika",
    (
        GuardianContact("Ana", "Kovačič", "041 123 456", "ana@example.si"),
        GuardianContact("Marko", "Novak", "+386 31 222 333"),
    ),
)


def test_letter_matching_despite_case_spacing_and_unicode_form():
    decomposed = unicodedata.normalize("NFD", "ŽIGA")
    letter = SubscriberData(
        decomposed,
        "  kovačič ",
        "oš ivana  cankarja vrhnika",
        (
            GuardianContact("ANA", "KOVAČIČ", email="Ana@Example.si"),
            GuardianContact("marko", "novak", "00386 31 222-333"),
        ),
    )
    check = check_letter_data(ORDER, letter)
    assert check.issues == ()
    assert check.status is LetterStatus.READY


def test_letter_missing_and_mismatching_items():
    letter = SubscriberData(
        "Žiga",
        "",
        "OŠ Vrhnika",
        (GuardianContact("Ana", "Kovačič", "041 999 999", ""),),
    )
    check = check_letter_data(ORDER, letter)
    assert check.status is LetterStatus.DATA_MISSING
    assert str(check.status) == "cannot be processed – data missing"
    assert check.issues == (
        LetterIssue("child last name", "missing"),
        LetterIssue("school", "does not match the order"),
        LetterIssue("guardian 1 (Ana Kovačič): mobile", "does not match the order"),
        LetterIssue("guardian 2 (Marko Novak): name", "missing"),
    )


def test_letter_guardian_without_contact_and_stranger():
    letter = replace(
        ORDER,
        guardians=(
            GuardianContact("Ana", "Kovačič"),
            GuardianContact("Marko", "Novak", "031 222 333"),
            GuardianContact("Eva", "Horvat", "040 000 000"),
        ),
    )
    assert check_letter_data(ORDER, letter).issues == (
        LetterIssue("guardian 1 (Ana Kovačič): mobile or e-mail", "missing"),
        LetterIssue("guardian Eva Horvat", "does not match the order"),
    )


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Šime", "šime", True),
        ("Ana  Marija", " ana marija ", True),
        (unicodedata.normalize("NFD", "Čokl"), "Čokl", True),
        ("Straße", "STRASSE", True),  # casefold
        ("Čokl", "Cokl", False),  # diacritics matter
    ],
)
def test_names_compare_folded(a, b, same):
    assert (fold(a) == fold(b)) is same


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("041 123 456", "38641123456"),
        ("+386 41 123 456", "38641123456"),
        ("00386-41-123-456", "38641123456"),
    ],
)
def test_normalise_phone(raw, normal):
    assert normalise_phone(raw) == normal
