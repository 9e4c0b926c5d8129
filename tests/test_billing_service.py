"""Billing service on SQLite and PostgreSQL: orders (R47, R74, R75), trials (R89), payments
(R65, R79), proposals (R67), refunds (R83–R88), letters (R96–R98, R51/R102), endings (R13,
R15, R48) and the role split (R121)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from desktop.db.models import AuditEntry, Refund
from desktop.domain.billing.letters import GuardianContact, LetterStatus
from desktop.domain.billing.records import (
    LetterChannel,
    LetterKind,
    OrderedBy,
    PaymentMethod,
    ProposalKind,
    ProposalStatus,
    RefundBasis,
)
from desktop.domain.billing.refunds import Outage, OutageCause
from desktop.domain.billing.states import SubscriptionEvent, SubscriptionState, Tier
from desktop.domain.billing.trials import SpecialOffer
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import InvalidTransition, PermissionDenied, ValidationError
from desktop.domain.roles import Permission, Role
from desktop.domain.roster import RestrictionKind, StudentStatus
from desktop.services.base import Actor
from desktop.services.billing import PaymentInput
from desktop.services.billing_letters import ReceivedLetter
from desktop.services.container import Services
from tests.billing_fixtures import (
    PRICE,
    add_family,
    order_input,
    prepare_billing,
    record_terms_notice,
)

pytestmark = pytest.mark.db
S = SubscriptionState


@pytest.fixture
def si(services_si):
    terms = prepare_billing(services_si)
    return services_si, terms


@pytest.fixture
def family(si):
    return add_family(si[0])


def _order(services, terms, family, on=date(2026, 9, 15), **kw):
    return services.billing.order(order_input(family, terms, on, **kw))


def _pay_in_full(services, sub, on):
    [(_id, _number, reference, _amount, owed)] = services.billing.open_invoices(sub.id)
    return services.billing.record_payment(
        PaymentInput(owed, PaymentMethod.TRANSFER, on, reference=reference)
    )


# ---- orders ---------------------------------------------------------------------------------


def test_order_refused_when_popolni_is_disabled_r74(si, family):
    services, terms = si
    services.billing.update_settings(replace(services.billing.settings(), popolni_enabled=False))
    with pytest.raises(ValidationError) as err:
        _order(services, terms, family)
    assert err.value.field == "popolni_enabled" and "not enabled" in err.value.reason
    assert services.billing.current_for_student(family.student_id) is None


def test_order_records_r75_and_issues_an_invoice_with_a_unique_reference(si, family):
    services, terms = si
    sub = _order(services, terms, family, both=True)
    assert sub.state is S.ORDERED and sub.tier is Tier.POPOLNI
    assert (sub.child_first_name, sub.child_last_name, sub.class_name) == ("Ana", "Novak", "7.a")
    assert sub.school_name == "Testna šola" and sub.terms_version_id == terms
    assert sub.warranties_given and sub.free_alternative_disclosed and sub.submitted_at
    assert [(p.full_name, p.mobile, p.is_payer) for p in sub.profiles] == [
        ("Mojca Novak", "041 123 456", True),
        ("Marko Novak", "031 654 321", False),
    ]
    [(_, number, reference, amount, owed)] = services.billing.open_invoices(sub.id)
    assert amount == owed == PRICE and number.startswith("2026-")
    assert reference.startswith("SI12")
    from desktop.domain.payment_refs import is_valid_si12

    assert is_valid_si12(reference)
    other = add_family(services, date(2013, 2, 3), "Luka", "Kranjc", serial=501)
    second = _order(services, terms, other)
    [(_, _, reference2, _, _)] = services.billing.open_invoices(second.id)
    assert reference2 != reference


@pytest.mark.parametrize(
    "change, field",
    [
        ({"warranties_given": False}, "warranties_given"),  # R41
        ({"free_alternative_disclosed": False}, "free_alternative_disclosed"),  # R55
        ({"terms_version_id": None}, "terms_version_id"),  # R44
    ],
)
def test_order_needs_warranties_free_alternative_and_terms(si, family, change, field):
    services, terms = si
    with pytest.raises(ValidationError) as err:
        services.billing.order(replace(order_input(family, terms, date(2026, 9, 15)), **change))
    assert err.value.field == field


def test_at_most_two_profiles_and_only_the_childs_guardians_r14(si, family):
    services, terms = si
    stranger = add_family(services, date(2013, 1, 1), "Eva", "Zupan", serial=502)
    data = order_input(family, terms, date(2026, 9, 15), both=True)
    with pytest.raises(ValidationError, match="parent or guardian profiles"):  # R14
        services.billing.order(replace(data, guardian_ids=(*data.guardian_ids, stranger.mother_id)))
    with pytest.raises(ValidationError, match="is not linked to"):
        services.billing.order(replace(data, guardian_ids=(stranger.mother_id,)))


def test_restricted_guardian_cannot_order_r15(si, family):
    services, terms = si
    services.roster.add_restriction(
        family.mother_link_id,
        RestrictionKind.PROHIBITION,
        permanent=True,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        authority="CSD Ljubljana",
    )
    from desktop.services.roster import ContactRestricted

    with pytest.raises(ContactRestricted):
        _order(services, terms, family)


@pytest.mark.parametrize(
    "on, allowed",
    [
        (date(2027, 5, 16), False),  # the day before the 15th birthday
        (date(2027, 5, 17), True),  # the 15th birthday (R6)
    ],
)
def test_student_under_15_cannot_order_alone_r47(si, family, on, allowed):
    services, terms = si  # Ana was born 17 May 2012
    data = replace(
        order_input(family, terms, on),
        ordered_by=OrderedBy.STUDENT,
        guardian_ids=(),
        student_statement_15=True,
        student_mobile="040 111 222",
    )
    if allowed:
        sub = services.billing.order(data)
        assert sub.ordered_by is OrderedBy.STUDENT and sub.student_statement_15
        assert sub.profiles[0].full_name == "Ana Novak" and sub.profiles[0].guardian_id is None
    else:
        with pytest.raises(ValidationError) as err:
            services.billing.order(data)
        assert err.value.field == "birth_date" and "only a guardian can order" in err.value.reason


def test_student_order_needs_the_15_statement(si, family):
    services, terms = si
    data = replace(
        order_input(family, terms, date(2028, 1, 10)),
        ordered_by=OrderedBy.STUDENT,
        guardian_ids=(),
        student_mobile="040 111 222",
    )
    with pytest.raises(ValidationError) as err:
        services.billing.order(data)
    assert err.value.field == "student_statement_15"


def test_second_order_while_subscribed_is_refused(si, family):
    services, terms = si
    _order(services, terms, family)
    with pytest.raises(ValidationError, match="already has"):
        _order(services, terms, family)


# ---- trials (R89) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end",
    [
        (date(2026, 9, 30), None),  # September: no trial without a special offer (R89(a))
        (date(2026, 10, 1), date(2026, 10, 30)),  # 30 days
        (date(2026, 12, 31), date(2027, 1, 29)),  # the start decides (R89(b))
        (date(2027, 1, 1), date(2027, 1, 7)),  # 7 days
        (date(2027, 3, 31), date(2027, 4, 6)),
        (date(2027, 4, 1), None),  # none from 1 April
    ],
)
def test_trial_windows_r89(si, family, start, end):
    services, _ = si
    if end is None:
        with pytest.raises(ValidationError) as err:
            services.billing.start_trial(
                family.student_id, OrderedBy.GUARDIAN, guardian_id=family.mother_id, on=start
            )
        assert err.value.field == "trial_start"
        return
    sub = services.billing.start_trial(
        family.student_id, OrderedBy.GUARDIAN, guardian_id=family.mother_id, on=start
    )
    assert sub.state is S.TRIAL and sub.trial.ends_on == end
    assert sub.trial.length_days == (end - start).days + 1


def test_one_trial_per_child_per_school_year_across_guardians(si, family):
    services, _ = si
    sub = services.billing.start_trial(
        family.student_id, OrderedBy.GUARDIAN, guardian_id=family.mother_id, on=date(2026, 10, 1)
    )
    [proposal] = _expire_trial(services, date(2026, 10, 31))
    services.billing.confirm(proposal.id, proposal.version, on=date(2026, 10, 31))
    assert services.billing.subscription(sub.id).state is S.MINIMALNI
    with pytest.raises(ValidationError, match="one trial per child"):
        services.billing.start_trial(
            family.student_id,
            OrderedBy.GUARDIAN,
            guardian_id=family.father_id,
            on=date(2027, 1, 5),
        )
    again = services.billing.start_trial(
        family.student_id, OrderedBy.GUARDIAN, guardian_id=family.father_id, on=date(2027, 10, 1)
    )
    assert again.trial.starts_on == date(2027, 10, 1)


def _expire_trial(services, day):
    services.daily.run(day)
    return [p for p in services.billing.proposals() if p.kind is ProposalKind.TRIAL_TO_MINIMALNI]


def test_special_offer_allows_a_september_trial_r89d(si, family):
    services, _ = si
    year = SchoolYear(2026)
    services.billing.add_trial_offer(
        SpecialOffer(year, date(2026, 9, 1), date(2026, 9, 30), 14), "September offer"
    )
    sub = services.billing.start_trial(
        family.student_id, OrderedBy.GUARDIAN, guardian_id=family.mother_id, on=date(2026, 9, 10)
    )
    assert sub.trial.ends_on == date(2026, 9, 23)


def test_student_trial_needs_15_and_trial_converts_to_order(si, family):
    services, terms = si
    with pytest.raises(ValidationError, match="only a guardian can order"):  # R47
        services.billing.start_trial(family.student_id, OrderedBy.STUDENT, on=date(2027, 1, 5))
    sub = services.billing.start_trial(
        family.student_id, OrderedBy.GUARDIAN, guardian_id=family.mother_id, on=date(2027, 1, 5)
    )
    ordered = _order(services, terms, family, on=date(2027, 1, 9))
    assert ordered.id == sub.id and ordered.state is S.ORDERED


# ---- payments (R65, R77, R79) ---------------------------------------------------------------


def test_partial_payment_leaves_ordered_full_activates_overpayment_is_proposed(si, family):
    services, terms = si
    sub = _order(services, terms, family)
    [(_, _, reference, _, _)] = services.billing.open_invoices(sub.id)
    first = services.billing.record_payment(
        PaymentInput(1500, PaymentMethod.TRANSFER, date(2026, 9, 20), reference=reference)
    )
    assert not first.activated and first.outstanding_cents == 500 and first.state is S.ORDERED
    second = services.billing.record_payment(
        PaymentInput(
            700,
            PaymentMethod.CARD,
            date(2026, 9, 22),
            reference=reference,
            processor_txn_id="BANKART-778899",
            card_last_four="4242",
        )
    )
    assert second.activated and second.state is S.ACTIVE and second.overpaid_cents == 200
    record = services.billing.subscription(sub.id)
    assert record.activated_on == date(2026, 9, 22) and record.paid_school_year == SchoolYear(2026)
    [proposal] = services.billing.proposals()
    assert proposal.kind is ProposalKind.REFUND and proposal.amount_cents == 200
    assert proposal.refund_basis is RefundBasis.OVERPAYMENT
    confirmed = services.billing.confirm(proposal.id, proposal.version, on=date(2026, 9, 25))
    assert confirmed.status is ProposalStatus.CONFIRMED
    assert confirmed.decided_by == services.actor.login  # R67: the confirming person
    history = services.billing.money_history(sub.id)
    assert [(m.kind, m.amount_cents) for m in history] == [
        ("invoice", 2000),
        ("payment", 1500),
        ("payment", 700),
        ("refund", 200),
    ]
    assert "•••• 4242" in history[2].text


@pytest.mark.parametrize(
    "field, value",
    [
        ("processor_txn_id", "4111 1111 1111 1111"),
        ("reference", "4111111111111111"),
        ("note", "card 5555-5555-5555-4444 exp 12/29"),
        ("payer_name", "Mojca 4012888888881881"),
        ("card_last_four", "4111111111111111"),
        ("card_last_four", "123"),
    ],
)
def test_card_numbers_are_refused_r65(si, family, field, value):
    services, terms = si
    _order(services, terms, family)
    data = PaymentInput(
        2000, PaymentMethod.CARD, date(2026, 9, 20), processor_txn_id="BK-1", card_last_four="4242"
    )
    with pytest.raises(ValidationError) as err:
        services.billing.record_payment(
            replace(data, **{field: value}),
            services.billing.current_for_student(family.student_id).id,
        )
    assert err.value.field == field
    assert "4111111111111111" not in str(err.value) and "5555" not in str(err.value)


def test_card_payment_needs_txn_id_and_a_txn_is_recorded_once_r122(si, family):
    services, terms = si
    sub = _order(services, terms, family)
    with pytest.raises(ValidationError, match="transaction id"):
        services.billing.record_payment(
            PaymentInput(2000, PaymentMethod.FLIK, date(2026, 9, 20)), sub.id
        )
    services.billing.record_payment(
        PaymentInput(1000, PaymentMethod.FLIK, date(2026, 9, 20), processor_txn_id="FLIK-1"),
        sub.id,
    )
    with pytest.raises(ValidationError, match="already recorded"):
        services.billing.record_payment(
            PaymentInput(1000, PaymentMethod.FLIK, date(2026, 9, 20), processor_txn_id="FLIK-1"),
            sub.id,
        )


def test_unknown_reference_is_refused(si, family):
    services, terms = si
    _order(services, terms, family)
    with pytest.raises(ValidationError, match="no invoice"):
        services.billing.record_payment(
            PaymentInput(2000, PaymentMethod.TRANSFER, date(2026, 9, 20), reference="SI12 1234")
        )


# ---- roles (R121) -----------------------------------------------------------------------------


def test_office_role_sees_no_payer_data_and_cannot_record_payments_r121(si, family, db):
    services, terms = si
    sub = _order(services, terms, family)
    office = Services(db, Actor("tajnica", "Tajnica", frozenset({Role.OFFICE})))
    calls = [
        lambda: office.billing.table_rows(),
        lambda: office.billing.money_history(sub.id),
        lambda: office.billing.subscription(sub.id),
        lambda: office.billing.open_invoices(sub.id),
        lambda: office.billing.proposals(),
        lambda: office.billing.settings(),
        lambda: office.billing.record_payment(
            PaymentInput(2000, PaymentMethod.TRANSFER, date(2026, 9, 20)), sub.id
        ),
        lambda: office.billing.order(order_input(family, terms, date(2026, 9, 15))),
        lambda: office.billing_letters.print_invoice(1),
        lambda: office.billing_letters.print_cancellation_form(family.student_id),
        lambda: office.billing_letters.pending_notices(),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as err:
            call()
        assert err.value.needed == "Billing"
    billing_only = Services(db, Actor("eola", "Billing clerk", frozenset({Role.BILLING})))
    assert billing_only.billing.table_rows()[0].payer == "Mojca Novak"


# ---- proposals and the fee (R67, R81) -----------------------------------------------------------


def test_proposal_cannot_be_decided_twice_or_from_a_stale_read(si, family):
    services, terms = si
    sub = _order(services, terms, family)
    [(_, _, reference, _, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(2100, PaymentMethod.TRANSFER, date(2026, 9, 20), reference=reference)
    )
    [p] = services.billing.proposals()
    with pytest.raises(ValidationError, match="why"):
        services.billing.reject(p.id, p.version, "  ")
    services.billing.reject(p.id, p.version, "kept as credit for next year")
    from desktop.domain.errors import ConflictError

    with pytest.raises(ConflictError):
        services.billing.confirm(p.id, p.version)
    with pytest.raises(InvalidTransition):
        services.billing.confirm(p.id, p.version + 1)


def test_fee_only_after_termination_and_once_per_year(si, family):
    services, terms = si
    sub = _order(services, terms, family, on=date(2025, 10, 1))
    _pay_in_full(services, sub, date(2025, 10, 2))
    with pytest.raises(InvalidTransition, match="only after termination for non-payment"):
        services.billing.charge_fee(sub.id, on=date(2026, 10, 1))
    for day in (date(2026, 9, 1), date(2026, 10, 8), date(2026, 10, 16), date(2026, 10, 24)):
        services.daily.run(day)
    [p] = [p for p in services.billing.proposals() if p.kind is ProposalKind.TERMINATE_NONPAYMENT]
    services.billing.confirm(p.id, p.version, on=date(2026, 10, 24))
    fee_id = services.billing.charge_fee(sub.id, on=date(2026, 10, 25))
    assert fee_id
    with pytest.raises(ValidationError):
        services.billing.charge_fee(sub.id, on=date(2026, 11, 2))
    fees = [m for m in services.billing.money_history(sub.id) if m.kind == "fee"]
    assert [(f.amount_cents, f.school_year) for f in fees] == [(500, SchoolYear(2026))]


# ---- cancellation letters (R95–R99) ------------------------------------------------------------


def _active(services, terms, family, on=date(2024, 9, 10), **kw):
    sub = _order(services, terms, family, on=on, **kw)
    _pay_in_full(services, sub, on)
    return services.billing.subscription(sub.id)


def test_cancellation_received_on_a_friday_takes_effect_saturday_r98(si, family):
    services, terms = si
    sub = _active(services, terms, family)
    friday = date(2025, 2, 28)
    assert friday.weekday() == 4
    result = services.billing_letters.register_letter(
        family.student_id,
        ReceivedLetter(
            LetterKind.CANCEL_ALL,
            friday,
            LetterChannel.LETTER_TO_SCHOOL,
            evidence="scan 2025-02-28-001.pdf",
        ),
    )
    assert result.processed and result.effective_on == date(2025, 3, 1)
    ended = services.billing.subscription(sub.id)
    assert ended.state is S.CANCELLED and ended.tier is Tier.MINIMALNI
    assert ended.ends_on == date(2025, 3, 1)
    produced = services.billing_letters.print_confirmation(result.letter_id)
    assert produced.pdf.startswith(b"%PDF")
    with pytest.raises(ValidationError, match="not refunded"):  # R86: own cancellation
        services.billing.refund(sub.id, RefundBasis.DISCRETIONARY, "goodwill", amount_cents=100)
    with pytest.raises(ValidationError, match=r"already registered|no POPOLNI"):
        services.billing_letters.register_letter(
            family.student_id,
            ReceivedLetter(LetterKind.CANCEL_ALL, friday, LetterChannel.LETTER_TO_SCHOOL),
        )


def test_letter_with_missing_data_changes_nothing_until_corrected_r96(si, family):
    services, terms = si
    sub = _active(services, terms, family, both=True)
    order = services.billing_letters.order_data(sub.id)
    said = replace(order, guardians=(order.guardians[0],))  # the father is missing
    result = services.billing_letters.register_letter(
        family.student_id,
        ReceivedLetter(
            LetterKind.CANCEL_ALL, date(2025, 1, 10), LetterChannel.SCANNED_EMAIL, data=said
        ),
    )
    assert result.status is LetterStatus.DATA_MISSING and not result.processed
    assert any("Marko Novak" in i.item for i in result.issues)
    assert services.billing.subscription(sub.id).state is S.ACTIVE
    fixed = services.billing_letters.correct_letter(result.letter_id, result.version, order, None)
    assert fixed.processed and fixed.effective_on == date(2025, 1, 11)
    assert services.billing.subscription(sub.id).state is S.CANCELLED


def test_unsubscribing_one_guardian_keeps_the_other_r97(si, family):
    services, terms = si
    sub = _active(services, terms, family, both=True)
    father = GuardianContact("Marko", "Novak", "031 654 321")
    result = services.billing_letters.register_letter(
        family.student_id,
        ReceivedLetter(
            LetterKind.UNSUBSCRIBE_ONE,
            date(2025, 3, 14),
            LetterChannel.LETTER_TO_PROVIDER,
            only=father,
        ),
    )
    assert result.processed and result.effective_on == date(2025, 3, 15)
    record = services.billing.subscription(sub.id)
    assert record.state is S.ACTIVE
    assert [(p.full_name, p.active) for p in record.profiles] == [
        ("Mojca Novak", True),
        ("Marko Novak", False),
    ]
    assert record.profiles[1].unsubscribed_on == date(2025, 3, 15)
    with pytest.raises(ValidationError, match="one user only"):
        services.billing_letters.register_letter(
            family.student_id,
            ReceivedLetter(
                LetterKind.UNSUBSCRIBE_ONE,
                date(2025, 3, 20),
                LetterChannel.LETTER_TO_SCHOOL,
                only=GuardianContact("Mojca", "Novak", "041 123 456"),
            ),
        )


# ---- withdrawal after a terms change (R51, R85, R88, R102) ---------------------------------------


@pytest.mark.parametrize("day, ok", [(8, True), (9, False)])
def test_withdrawal_on_day_8_and_day_9_after_the_notice(si, family, day, ok):
    services, terms = si
    sub = _active(services, terms, family, on=date(2024, 9, 1))
    sent = date(2025, 2, 20)
    record_terms_notice(services, family.student_id, terms, sent)
    letter = ReceivedLetter(
        LetterKind.TERMS_WITHDRAWAL,
        sent + timedelta(days=day),
        LetterChannel.SIGNED_EMAIL,
        notice_sent_on=sent,
    )
    if not ok:
        with pytest.raises(ValidationError, match="ended on 2025-02-28"):
            services.billing_letters.register_letter(family.student_id, letter)
        assert services.billing.subscription(sub.id).state is S.ACTIVE
        return
    result = services.billing_letters.register_letter(family.student_id, letter)
    # received Fri 28 Feb 2025 → switched off Sat 1 Mar; R88: 2000 × 184 / 365 = 1008.2 → 1008
    assert result.effective_on == date(2025, 3, 1) and result.refund_cents == 1008
    assert services.billing.subscription(sub.id).state is S.WITHDRAWN_TERMS_CHANGE


@pytest.mark.parametrize(
    "received, activated, refund, days",
    [
        (date(2028, 1, 31), date(2027, 9, 1), 1164, (366, 213)),  # month end → 1 Feb, leap year
        (date(2028, 2, 28), date(2027, 9, 1), 1011, (366, 185)),  # switched off on 29 Feb
        (date(2028, 2, 29), date(2027, 9, 1), 1005, (366, 184)),  # received on 29 Feb
        (date(2027, 2, 28), date(2026, 9, 1), 1008, (365, 184)),  # non-leap: R88's example
        (date(2027, 2, 28), date(2026, 10, 15), 1146, (321, 184)),  # P starts at activation
        (date(2027, 8, 30), date(2026, 9, 1), 5, (365, 1)),  # last day only: 5.48 → 5
        (date(2027, 8, 31), date(2026, 9, 1), 0, None),  # switch-off after the year: nothing
    ],
)
def test_withdrawal_refunds_at_month_ends_and_in_leap_years(
    si, family, received, activated, refund, days
):
    services, terms = si
    _active(services, terms, family, on=activated)
    record_terms_notice(services, family.student_id, terms, received - timedelta(days=3))
    result = services.billing_letters.register_letter(
        family.student_id,
        ReceivedLetter(
            LetterKind.TERMS_WITHDRAWAL,
            received,
            LetterChannel.LETTER_TO_SCHOOL,
            notice_sent_on=received - timedelta(days=3),
        ),
    )
    assert result.refund_cents == refund
    with services.db.read() as session:
        row = session.scalar(select(Refund))
        if days is None:
            assert row is None
        else:
            assert (row.period_days, row.lost_days, row.amount_cents) == (*days, refund)
            assert (
                row.approved_by == services.actor.login
                and row.basis is RefundBasis.TERMS_WITHDRAWAL
            )


def test_school_withdrawal_refund_and_the_cap_r84_r88(si, family):
    services, terms = si
    sub = _active(services, terms, family, on=date(2027, 9, 1))
    ended = services.billing.end_by_provider(
        sub.id,
        sub.version,
        SubscriptionEvent.SCHOOL_WITHDREW,
        "school left POPOLNI",
        on=date(2028, 2, 29),
    )
    assert ended.state is S.ENDED_SCHOOL_WITHDREW and ended.ends_on == date(2028, 3, 1)
    first = services.billing.refund(sub.id, RefundBasis.SCHOOL_WITHDREW, "R84", on=date(2028, 3, 2))
    assert first.amount_cents == 1005  # 2000 × 184 / 366 = 1005.46
    with pytest.raises(ValidationError, match="already made"):
        services.billing.refund(sub.id, RefundBasis.SCHOOL_WITHDREW, "again", on=date(2028, 3, 3))
    with pytest.raises(ValidationError, match="its own proportional refund"):  # R84
        services.billing.refund(sub.id, RefundBasis.DISCRETIONARY, "x", amount_cents=1)
    with pytest.raises(ValidationError, match="reason"):
        services.billing.refund(sub.id, RefundBasis.SCHOOL_WITHDREW, " ")


def test_outage_refund_needs_more_than_30_days_r83(si, family):
    services, terms = si
    sub = _active(services, terms, family, on=date(2026, 9, 1))
    thirty = Outage(date(2026, 11, 1), date(2026, 11, 30), OutageCause.PROVIDER, True)
    with pytest.raises(ValidationError, match="more than 30 consecutive days"):  # R83
        services.billing.refund(sub.id, RefundBasis.OUTAGE, "SMS gateway", outage=thirty)
    longer = Outage(date(2026, 11, 1), date(2026, 12, 1), OutageCause.PROVIDER, True)
    result = services.billing.refund(
        sub.id, RefundBasis.OUTAGE, "SMS gateway", outage=longer, on=date(2026, 12, 5)
    )
    assert result.amount_cents == 170  # 2000 × 31 / 365 = 169.9


def test_discretionary_refund_after_leaving_is_capped_r87(si, family):
    services, terms = si
    sub = _active(services, terms, family, on=date(2026, 9, 1))
    student = services.roster.get(family.student_id)
    services.roster.mark_left(family.student_id, student.version, date(2027, 1, 31), "moved")
    with pytest.raises(ValidationError, match=r"at most 20\.00"):
        services.billing.refund(
            sub.id, RefundBasis.DISCRETIONARY, "moved abroad", amount_cents=2001
        )
    result = services.billing.refund(
        sub.id, RefundBasis.DISCRETIONARY, "moved abroad", amount_cents=800
    )
    assert result.amount_cents == 800


# ---- endings from other areas (R13, R15, R48) ----------------------------------------------------


def test_leaving_the_school_ends_the_subscription_in_the_same_transaction_r13(si, family, db):
    services, terms = si
    sub = _active(services, terms, family, on=date(2026, 9, 1))
    office = Services(db, Actor("tajnica", "Tajnica", frozenset({Role.OFFICE})))
    student = office.roster.get(family.student_id)
    office.roster.mark_left(
        family.student_id, student.version, date(2027, 3, 12), "moved", StudentStatus.LEFT
    )
    ended = services.billing.subscription(sub.id)
    assert ended.state is S.ENDED_LEFT_SCHOOL and ended.ends_on == date(2027, 3, 13)
    with db.read() as session:
        audit = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "subscription", AuditEntry.actor == "tajnica")
        )
    assert audit == 1
    with pytest.raises(ValidationError, match="not enrolled"):
        _order(services, terms, family, on=date(2027, 4, 1))


def test_restriction_on_the_payer_ends_it_on_the_other_guardian_changes_it_r15(si, family):
    services, terms = si
    sub = _active(services, terms, family, on=date(2026, 9, 1), both=True)
    services.roster.add_restriction(
        family.father_link_id,
        RestrictionKind.RESTRICTION,
        permanent=False,
        valid_from=date(2026, 11, 1),
        valid_to=date(2027, 6, 30),
        authority="CSD",
    )
    changed = services.billing.subscription(sub.id)
    assert changed.state is S.ACTIVE
    assert [p.active for p in changed.profiles] == [True, False]
    services.roster.add_restriction(
        family.mother_link_id,
        RestrictionKind.PROHIBITION,
        permanent=True,
        valid_from=date(2026, 11, 5),
        valid_to=None,
        authority="Sodišče",
    )
    ended = services.billing.subscription(sub.id)
    assert ended.state is S.ENDED_AUTHORITY_RESTRICTION and ended.ends_on == date(2026, 11, 5)


def test_adult_prohibition_ends_the_day_after_receipt_r48(si, family):
    services, terms = si
    sub = _active(services, terms, family, on=date(2026, 9, 1))
    with services.billing.write(Permission.EDIT_BILLING) as session:
        assert (
            services.billing.end_for_prohibition(session, family.student_id, date(2030, 6, 3)) == 1
        )
    ended = services.billing.subscription(sub.id)
    assert ended.state is S.ENDED_ADULT_PROHIBITION and ended.ends_on == date(2030, 6, 4)
