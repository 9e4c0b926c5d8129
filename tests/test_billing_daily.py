"""The billing calendar walked day by day with `school-office daily --today` (R80, R81, R91):
each letter and proposal appears on its day, exactly once, and a second run of the same day
changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from desktop.cli import main
from desktop.db.models import AuditEntry, BillingNotice, BillingProposal, DailyRun, Invoice
from desktop.domain.billing.policy import BillingPolicy
from desktop.domain.billing.records import NoticeKind, PaymentMethod, ProposalKind
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.dates import SchoolYear
from desktop.services.billing import PaymentInput
from tests.billing_fixtures import add_family, order_input, prepare_billing

pytestmark = pytest.mark.db
S = SubscriptionState
BILLING_JOBS = ("trial-ends", "billing-reminders", "termination-proposals")


@pytest.fixture
def si(services_si):
    return services_si, prepare_billing(services_si)


def _url(services) -> str:
    return services.db.engine.url.render_as_string(hide_password=False)


def _walk(services, first: date, last: date, capsys) -> dict[date, str]:
    """Run `daily --today` for every day; what each day printed for the billing jobs."""
    printed = {}
    day = first
    while day <= last:
        assert main(["--database", _url(services), "daily", "--today", day.isoformat()]) == 0
        out = capsys.readouterr().out
        printed[day] = "\n".join(line for line in out.splitlines() if line.startswith(BILLING_JOBS))
        day += timedelta(days=1)
    return printed


def _events(db) -> list[tuple[date, str]]:
    with db.read() as session:
        notices = [(n.due_on, n.kind.value) for n in session.scalars(select(BillingNotice))]
        proposals = [
            (p.proposed_on, p.kind.value) for p in session.scalars(select(BillingProposal))
        ]
    return sorted(notices + proposals)


def test_renewal_year_walked_day_by_day_r81(si, db, capsys):
    services, terms = si
    family = add_family(services)
    sub = services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    [(_, _, reference, amount, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(amount, PaymentMethod.TRANSFER, date(2026, 10, 5), reference=reference)
    )
    _walk(services, date(2027, 8, 30), date(2027, 10, 26), capsys)
    assert _events(db) == [
        (date(2027, 9, 1), "RENEWAL_INVITATION"),  # R81: 1 Sep, due 30 Sep
        (date(2027, 10, 8), "RENEWAL_REMINDER_1"),  # 8 Oct, due 15 Oct
        (date(2027, 10, 16), "RENEWAL_REMINDER_2"),  # 16 Oct, due 23 Oct
        (date(2027, 10, 24), "TERMINATE_NONPAYMENT"),  # termination takes effect 24 Oct
    ]
    assert services.billing.subscription(sub.id).state is S.RENEWAL_DUE  # a person decides (R67)
    [proposal] = services.billing.proposals()
    assert proposal.effective_on == date(2027, 10, 24) and proposal.school_year == SchoolYear(2027)
    with db.read() as session:
        renewal = session.scalar(select(Invoice).where(Invoice.school_year == 2027))
        assert (renewal.issued_on, renewal.due_on) == (date(2027, 9, 1), date(2027, 9, 30))
        notices = session.scalars(select(BillingNotice).order_by(BillingNotice.due_on)).all()
        assert [n.reply_by for n in notices] == [
            date(2027, 9, 30),
            date(2027, 10, 15),
            date(2027, 10, 23),
        ]
        assert {n.invoice_id for n in notices} == {renewal.id}

    # a person confirms through the CLI; the termination notice (D12) is then due
    assert (
        main(
            [
                "--database",
                _url(services),
                "billing",
                "confirm",
                str(proposal.id),
                "--on",
                "2027-10-25",
            ]
        )
        == 0
    )
    assert "confirmed by" in capsys.readouterr().out
    ended = services.billing.subscription(sub.id)
    assert ended.state is S.TERMINATED_NONPAYMENT and ended.ends_on == date(2027, 10, 25)
    pending = services.billing_letters.pending_notices(date(2027, 10, 25))
    assert [n.kind for n in pending] == [
        NoticeKind.RENEWAL_INVITATION,
        NoticeKind.RENEWAL_REMINDER_1,
        NoticeKind.RENEWAL_REMINDER_2,
        NoticeKind.TERMINATION_NOTICE,
    ]


def test_daily_twice_for_the_same_day_changes_nothing(si, db, capsys):
    services, terms = si
    family = add_family(services)
    services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    first = _walk(services, date(2026, 10, 17), date(2026, 10, 17), capsys)
    assert "0+0 renewal reminder(s) 1+2, 1+0 order reminder(s) 1+2" in first[date(2026, 10, 17)]

    def counts():
        with db.read() as session:
            return [
                session.scalar(select(func.count()).select_from(t))
                for t in (BillingNotice, BillingProposal, Invoice, AuditEntry, DailyRun)
            ]

    before = counts()
    again = _walk(services, date(2026, 10, 17), date(2026, 10, 17), capsys)
    assert counts() == before
    assert all(
        "already ran for 2026-10-17" in line for line in again[date(2026, 10, 17)].splitlines()
    )
    assert len(again[date(2026, 10, 17)].splitlines()) == 3


def test_unpaid_first_order_reminders_and_lapse_r80(si, db, capsys):
    services, terms = si
    family = add_family(services)
    sub = services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    _walk(services, date(2026, 10, 2), date(2026, 11, 20), capsys)
    assert _events(db) == [
        (date(2026, 10, 17), "ORDER_REMINDER_1"),  # order + 15
        (date(2026, 11, 1), "ORDER_REMINDER_2"),  # order + 30
        (date(2026, 11, 16), "LAPSE_UNPAID"),  # order + 45, no fee
    ]
    [proposal] = services.billing.proposals()
    services.billing.confirm(proposal.id, proposal.version, on=date(2026, 11, 18))
    lapsed = services.billing.subscription(sub.id)
    assert lapsed.state is S.LAPSED_UNPAID and lapsed.ends_on == date(2026, 11, 18)
    assert services.billing.open_invoices(sub.id) == []  # the unpaid invoice is cancelled


def test_partial_payment_does_not_stop_the_reminders_full_payment_does(si, db, capsys):
    services, terms = si
    family = add_family(services)
    sub = services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    [(_, _, reference, _, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(500, PaymentMethod.TRANSFER, date(2026, 10, 10), reference=reference)
    )
    _walk(services, date(2026, 10, 17), date(2026, 10, 17), capsys)
    services.billing.record_payment(
        PaymentInput(1500, PaymentMethod.TRANSFER, date(2026, 10, 20), reference=reference)
    )
    _walk(services, date(2026, 10, 18), date(2026, 11, 20), capsys)
    assert _events(db) == [(date(2026, 10, 17), "ORDER_REMINDER_1")]
    assert services.billing.subscription(sub.id).state is S.ACTIVE


def test_trial_walked_day_by_day_r91(si, db, capsys):
    services, _ = si
    family = add_family(services)
    from desktop.domain.billing.records import OrderedBy

    sub = services.billing.start_trial(
        family.student_id, OrderedBy.GUARDIAN, guardian_id=family.mother_id, on=date(2026, 10, 1)
    )
    printed = _walk(services, date(2026, 10, 1), date(2026, 11, 2), capsys)
    assert _events(db) == [
        (date(2026, 10, 1), "TRIAL_INVITATION_1"),  # day 1
        (date(2026, 10, 28), "TRIAL_INVITATION_2"),  # 2 days before the end (30 Oct)
        (date(2026, 10, 31), "TRIAL_END_NOTICE"),  # the day after the end (D14)
        (date(2026, 10, 31), "TRIAL_TO_MINIMALNI"),  # proposed; a person confirms (R67)
    ]
    assert "1 switch(es) to MINIMALNI proposed" in printed[date(2026, 10, 31)]
    assert services.billing.subscription(sub.id).state is S.TRIAL


def test_fee_is_proposed_with_termination_when_the_year_says_so(si, db, capsys):
    services, terms = si
    year = SchoolYear(2027)
    from dataclasses import replace

    services.billing.set_policy(
        replace(BillingPolicy.proposed(year), charge_reminder_fee_by_default=True)
    )
    family = add_family(services)
    sub = services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    [(_, _, reference, amount, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(amount, PaymentMethod.TRANSFER, date(2026, 10, 5), reference=reference)
    )
    for day in (date(2027, 9, 1), date(2027, 10, 8), date(2027, 10, 16), date(2027, 10, 24)):
        services.daily.run(day)
    kinds = {p.kind: p for p in services.billing.proposals()}
    assert set(kinds) == {ProposalKind.TERMINATE_NONPAYMENT, ProposalKind.CHARGE_FEE}
    assert kinds[ProposalKind.CHARGE_FEE].amount_cents == 500
    fee = kinds[ProposalKind.CHARGE_FEE]
    from desktop.domain.errors import InvalidTransition

    with pytest.raises(InvalidTransition):  # terminate first
        services.billing.confirm(fee.id, fee.version, on=date(2027, 10, 24))
    term = kinds[ProposalKind.TERMINATE_NONPAYMENT]
    services.billing.confirm(term.id, term.version, on=date(2027, 10, 24))
    services.billing.confirm(fee.id, fee.version, on=date(2027, 10, 24))
    fees = [m for m in services.billing.money_history(sub.id) if m.kind == "fee"]
    assert [f.amount_cents for f in fees] == [500]


def test_renewal_waits_for_a_price(si, db, capsys):
    services, terms = si
    family = add_family(services)
    sub = services.billing.order(order_input(family, terms, date(2027, 10, 2)))
    [(_, _, reference, amount, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(amount, PaymentMethod.TRANSFER, date(2027, 10, 5), reference=reference)
    )
    [summary] = [
        r.summary for r in services.daily.run(date(2029, 9, 1)) if r.job == "billing-reminders"
    ]
    assert "1 invitation(s) wait for the 2029/30 price" in summary
    assert services.billing.subscription(sub.id).state is S.ACTIVE
