"""The demo school's cards and billing (DemoService.fill → demo_cards, demo_billing), checked
through the services: what the services enforce holds in the seeded data (R20–R31 cards,
R72–R103 billing), the Cards and Billing tabs load, `daily` runs for today and the next 60 days,
and a subscriber's data-access export lists the payments (R60)."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from desktop.db.models import AuditEntry, CardSettings, Payment, ProviderOutbox
from desktop.domain.billing.cards import looks_like_card_number
from desktop.domain.billing.letters import LetterStatus
from desktop.domain.billing.records import (
    LetterChannel,
    LetterKind,
    PaymentMethod,
    ProposalKind,
    ProposalStatus,
)
from desktop.domain.billing.states import SubscriptionState, Tier
from desktop.domain.billing.trials import plan_trial
from desktop.domain.cards.activation import normalise_isikukood
from desktop.domain.cards.machines import CardKind
from desktop.domain.cards.numbering import CardNumber
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.dates import SchoolYear
from desktop.domain.payment_refs import validate_si12
from desktop.domain.roster import Country, StudentStatus
from desktop.services.billing import PaymentInput
from desktop.services.billing_letters import ReceivedLetter
from desktop.services.cards.read_models import CardFilter
from desktop.services.demo import DemoService
from tests.conftest import make_services

pytestmark = pytest.mark.db

S = SubscriptionState
STUDENTS = 840
# Early September (nothing paid yet this year), the autumn trial window, the winter one,
# just after it (trials ended days ago), and the summer (every trial long over).
DAYS = (
    date(2026, 9, 1),
    date(2026, 11, 23),
    date(2027, 1, 10),
    date(2027, 4, 2),
    date(2027, 7, 15),
)


def demo(db, country: Country, today: date | None = None):
    services = make_services(db, country)
    DemoService(db, services.actor).fill(country, STUDENTS, today=today)
    return services


def enrolled(services) -> list[tuple]:
    return [r for r in services.roster.table_rows() if r.status == StudentStatus.ENROLLED]


# ---- cards (R20–R31) -------------------------------------------------------------------------


@pytest.mark.parametrize("country", [Country.EE, Country.SI])
@pytest.mark.parametrize("today", DAYS[:2] + DAYS[-1:], ids=str)
def test_cards_hold_what_the_card_service_enforces(db, country, today):
    services = demo(db, country, today)
    year = SchoolYear.of(today)
    rows = services.cards.rows()  # the Cards tab's rows
    cards = {r.id: services.cards.get(r.id) for r in rows}
    physical = [c for c in cards.values() if c.kind is CardKind.PHYSICAL]
    virtual = [c for c in cards.values() if c.kind is CardKind.VIRTUAL]
    students = {r.id: r for r in enrolled(services)}

    # ~95 % of the enrolled students hold a physical card; one held card each (R20, R23).
    holders = {c.student_id for c in physical}
    assert 0.92 < len(holders) / len(students) < 0.98
    held = Counter(c.student_id for c in physical if c.replaced_by_card_id is None)
    assert set(held.values()) == {1}
    statuses = Counter(str(c.status) for c in physical)
    assert statuses["ACTIVE"] > 0.9 * len(holders)
    assert 3 <= statuses["EXPIRED"] <= 20

    # Numbers: valid check digits, never reused, the serial counter at the highest (R23).
    numbers = [CardNumber.parse(c.card_number) for c in physical]
    assert len(set(numbers)) == len(numbers)
    with services.db.read() as session:
        last_serial = session.get(CardSettings, 1).last_serial
    assert max(n.serial for n in numbers) == last_serial == len(numbers)

    for card in physical:
        if str(card.status) in ("ACTIVE", "LOST", "REPLACED"):
            assert card.valid_until == year.last_day  # R21
        if str(card.status) == "EXPIRED":
            assert card.valid_until == SchoolYear(year.start_year - 1).last_day < today
        if str(card.status) == "REPLACED":  # R23: linked to the card issued in its place
            new = cards[card.replaced_by_card_id]
            assert new.student_id == card.student_id and str(new.status) == "ACTIVE"
            assert new.issued_on >= card.issued_on and new.status_reason.endswith(card.card_number)
            assert (
                CardNumber.parse(new.card_number).serial > CardNumber.parse(card.card_number).serial
            )
        else:
            assert card.replaced_by_card_id is None
    if today > year.first_day + timedelta(days=10):
        assert 2 <= statuses["REPLACED"] <= 12 and 1 <= statuses["LOST"] <= 6

    # Virtual cards: Estonian students with an isikukood only (R26, R34), one open each (R20).
    if country is Country.SI:
        assert virtual == []
    else:
        assert len({c.student_id for c in virtual}) == len(virtual)
        for card in virtual:
            student = students[card.student_id]
            assert normalise_isikukood(student[3]) is not None
            assert card.device_binding_ref and card.valid_until == year.last_day
            assert card.issued_on <= today
        share = len(virtual) / len(students)
        assert 0.3 < share < 0.45
        assert 1 <= Counter(str(c.status) for c in virtual)["SUSPENDED"] <= 3

    # The filters the tab offers work on the demo data.
    assert len(services.cards.rows(CardFilter(status="EXPIRED"))) == statuses["EXPIRED"]
    assert len(services.cards.rows(CardFilter(kind=CardKind.VIRTUAL))) == len(virtual)


@pytest.mark.parametrize("country", [Country.EE, Country.SI])
def test_the_provider_has_nothing_waiting_and_new_cards_continue_the_sequence(db, country):
    today = date(2026, 11, 23)
    services = demo(db, country, today)
    status = services.card_sync.status()
    assert not status.configured and status.pending == 0 and status.needs_attention == 0
    with services.db.read() as session:
        states = set(session.scalars(select(ProviderOutbox.state)))
        last_serial = session.get(CardSettings, 1).last_serial
    assert states == ({OutboxState.DELIVERED} if country is Country.EE else set())

    # Nothing is stale: the expiry job has no work, and the extension preview (R21) lists only
    # what an office would really see in November: expired cards, and [EE] the entitlement of
    # students who never had a card.
    with services.db.write(services.actor.login) as session:
        assert services.cards.expire_due(session, today).startswith("0 card(s) expired")
    plan = services.cards.preview_extend_all(today)
    changed = [ch for item in plan.items for ch in item.changes]
    assert changed and all(str(ch.old_status) == "EXPIRED" for ch in changed)
    holders = {r.student_id for r in services.cards.rows()}
    for item in plan.items:
        assert item.changes or (country is Country.EE and item.student_id not in holders)

    # A new card continues the school's serial; R23 links a replacement to it.
    student = next(r.id for r in enrolled(services) if r.id not in holders)
    card = services.cards.issue_physical(student, today)
    assert CardNumber.parse(card.card_number).serial == last_serial + 1
    new = services.cards.report_lost_and_replace(card.id, card.version, today=today)
    assert CardNumber.parse(new.card_number).serial == last_serial + 2
    assert services.cards.get(card.id).replaced_by_card_id == new.id
    # [EE] the new student's entitlement goes to the provider (R7); nothing else is queued.
    assert services.card_sync.status().pending == (1 if country is Country.EE else 0)


def test_a_replaced_card_links_to_its_successor_and_keeps_working(db):
    services = demo(db, Country.EE, date(2026, 11, 23))
    old = next(r for r in services.cards.rows() if r.status == "REPLACED")
    record = services.cards.get(old.id)
    successor = services.cards.get(record.replaced_by_card_id)
    assert successor.student_id == record.student_id and str(successor.status) == "ACTIVE"
    assert successor.status_reason == f"replaces {record.card_number}"
    # The successor is an ordinary card: it can be lost and replaced in turn (R23).
    third = services.cards.report_lost_and_replace(successor.id, successor.version)
    assert services.cards.get(successor.id).replaced_by_card_id == third.id
    # R22: none of this touched the student's virtual card or told the provider anything.
    assert services.card_sync.status().pending == 0


@pytest.mark.parametrize("country", [Country.EE, Country.SI])
def test_a_demo_student_leaving_takes_the_cards_and_the_subscription_along(db, country):
    today = date(2026, 11, 23)
    services = demo(db, country, today)
    if country is Country.EE:  # one with a virtual card: the provider must hear of it (R24)
        rows = services.cards.rows(CardFilter(kind=CardKind.VIRTUAL, status="ACTIVE"))
        student_id = rows[0].student_id
    else:  # one who pays for POPOLNI and holds a card
        holders = {r.student_id for r in services.cards.rows()}
        rows = services.billing.table_rows(today)
        student_id = next(
            r.student_id for r in rows if r.state is S.ACTIVE and r.student_id in holders
        )
    record = services.roster.get(student_id)
    services.roster.mark_left(student_id, record.version, today, "moved away")
    # R7, R24, R31: every physical card revoked, the virtual card closed, in one transaction.
    cards = services.cards.student_cards(student_id)
    assert cards and {str(c.status) for c in cards} <= {"REVOKED", "CLOSED"}
    assert services.card_sync.status().pending == (1 if country is Country.EE else 0)
    if country is Country.SI:  # R13: the subscription ends the day after
        sub = services.billing.current_for_student(student_id)
        assert sub.state is S.ENDED_LEFT_SCHOOL and sub.ends_on == today + timedelta(days=1)


# ---- billing (R72–R103) ----------------------------------------------------------------------


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_billing_holds_what_the_billing_services_enforce(db, today):
    services = demo(db, Country.SI, today)
    billing, letters = services.billing, services.billing_letters
    year = SchoolYear.of(today)
    settings = billing.settings()
    assert settings.popolni_enabled and settings.iban.startswith("SI")  # R74, R77
    prices = {(p.school_year, p.tier): p.gross_cents for p in billing.prices()}
    assert prices[(year, Tier.POPOLNI)] == 2000  # R78

    rows = billing.table_rows(today)
    assert 0.2 < len(rows) / len(enrolled(services)) < 0.3
    states = Counter(r.state for r in rows)
    assert states[S.ACTIVE] + states[S.RENEWAL_DUE] > 0.7 * len(rows)
    assert states[S.ORDERED] >= 4 and 1 <= states[S.CANCELLED] <= 2
    assert states[S.TRIAL] + states[S.MINIMALNI] >= 3
    if today.month in (5, 6, 7, 8, 9):  # R89: the last trials start on 31 Mar, end by April
        assert states[S.TRIAL] == 0

    references = set()
    proposals = billing.proposals(status=None)
    for sub_id, student_id, *_rest in rows:
        sub = billing.subscription(sub_id)
        history = billing.money_history(sub_id)
        invoices = [m for m in history if m.kind == "invoice"]
        paid = Counter()
        for m in history:
            if m.kind == "payment":
                paid[m.reference] += m.amount_cents
        owed = {i.reference: i.amount_cents - paid[i.reference] for i in invoices}
        cancelled = {m.reference for m in history if m.kind == "cancelled"}
        for invoice in invoices:
            assert validate_si12(invoice.reference)  # R77: a reference banks accept
            assert invoice.reference not in references  # R122
            references.add(invoice.reference)
        # The guardian profiles of the order (R14, R75): one or two, the first one pays.
        guardians = {g.guardian_id for g in services.roster.get(student_id).guardians}
        assert 1 <= len(sub.profiles) <= 2 and sub.payer is sub.profiles[0]
        assert all(p.guardian_id in guardians and p.mobile for p in sub.profiles)
        if sub.state is not S.TRIAL and sub.trial is None:
            assert sub.warranties_given and sub.free_alternative_disclosed  # R41, R55
            assert sub.terms_version_id is not None and sub.ordered_on <= today  # R44
        if sub.state is S.ACTIVE:  # R79: paid in full for this year
            assert sub.paid_school_year == year and sub.activated_on <= today
            assert all(v <= 0 for v in owed.values())
        elif sub.state is S.RENEWAL_DUE:  # R81: invited on 1 Sep, not paid yet
            assert sub.paid_school_year == SchoolYear(year.start_year - 1)
            assert sum(v > 0 for v in owed.values()) == 1
        elif sub.state is S.ORDERED:  # R79, R80: nothing or part paid
            [invoice] = invoices
            assert 0 < owed[invoice.reference] <= invoice.amount_cents
        elif sub.state in (S.TRIAL, S.MINIMALNI):  # R89: a trial that fits its window
            assert invoices == [] and sub.trial is not None
            plan = plan_trial(sub.trial.starts_on)
            assert (plan.ends_on, plan.length_days) == (sub.trial.ends_on, sub.trial.length_days)
            if sub.state is S.TRIAL:
                assert sub.trial.starts_on <= today and sub.tier is Tier.POPOLNI
            else:  # R91 via R67: a person confirmed the switch after the trial ended
                assert sub.tier is Tier.MINIMALNI and sub.ends_on > sub.trial.ends_on
                [switch] = [p for p in proposals if p.subscription_id == sub_id]
                assert switch.kind is ProposalKind.TRIAL_TO_MINIMALNI
                assert switch.status is ProposalStatus.CONFIRMED and switch.decided_by
        elif sub.state is S.CANCELLED:  # R95–R98: a registered, complete letter
            [letter] = letters.letters(sub_id)
            assert letter.kind is LetterKind.CANCEL_ALL and letter.status is LetterStatus.READY
            assert sub.ends_on == letter.effective_on == letter.received_on + timedelta(days=1)
            assert sub.tier is Tier.MINIMALNI and letter.received_on < today
            for reference, left in owed.items():  # unpaid invoices were cancelled
                assert (left > 0) == (reference in cancelled)
        else:
            pytest.fail(f"unexpected state {sub.state}")

    # R65/R77: card payments keep the transaction id and the last four digits only.
    with services.db.read() as session:
        payments = session.scalars(select(Payment)).all()
    assert {p.method for p in payments} == set(PaymentMethod)
    for p in payments:
        assert (p.card_last_four is not None) == (p.method is PaymentMethod.CARD)
        assert (p.processor_txn_id is not None) == (p.method is not PaymentMethod.TRANSFER)
        assert not looks_like_card_number(p.processor_txn_id or "")
        assert p.reference in references and p.value_date < today

    # "Due today" before any daily run: the overpayment waits for a person (R67, R79).
    open_proposals = billing.proposals()
    if today > year.first_day + timedelta(days=2):
        [refund] = open_proposals
        assert refund.kind is ProposalKind.REFUND and refund.amount_cents == 2000


def test_the_services_take_over_where_the_demo_left_off(db):
    today = date(2026, 11, 23)
    services = demo(db, Country.SI, today)
    billing = services.billing
    rows = billing.table_rows(today)

    # The overpayment refund is confirmed within what was paid (R88).
    [refund] = billing.proposals()
    billing.confirm(refund.id, refund.version, on=today)
    assert billing.money_history(refund.subscription_id)[-1].kind == "refund"

    # The rest of an order is paid by its reference: activated (R79).
    ordered = next(r for r in rows if r.state is S.ORDERED)
    [invoice] = billing.open_invoices(ordered.id)
    result = billing.record_payment(
        PaymentInput(invoice.owed_cents, PaymentMethod.TRANSFER, today, reference=invoice.reference)
    )
    assert result.activated and result.state is S.ACTIVE

    # A subscriber cancels by the signed pre-filled form: processed at once (R96, R98).
    active = next(r for r in rows if r.state is S.ACTIVE and r.id != refund.subscription_id)
    letter = services.billing_letters.register_letter(
        active.student_id,
        ReceivedLetter(LetterKind.CANCEL_ALL, today, LetterChannel.LETTER_TO_SCHOOL),
    )
    assert letter.processed and billing.subscription(active.id).state is S.CANCELLED


def test_daily_for_sixty_days_brings_reminders_and_proposals(db):
    services = demo(db, Country.SI)  # the school's own today, whatever day the tests run
    today = services.school.require_school().today()
    last = today + timedelta(days=60)
    for offset in range(61):
        for result in services.daily.run(today + timedelta(days=offset)):
            assert not result.already_ran, result
    proposals = Counter(p.kind for p in services.billing.proposals())
    assert proposals[ProposalKind.LAPSE_UNPAID] > 0  # R80: the unpaid orders ran out
    notices = Counter(n.kind for n in services.billing_letters.pending_notices(last))
    assert notices["ORDER_REMINDER_1"] > 0 and notices["ORDER_REMINDER_2"] > 0
    # The letters print: every recipient is a guardian the school may write to (R15, R48).
    batch = services.billing_letters.print_notices(today=last)
    assert batch.printed + batch.skipped == sum(notices.values()) and not batch.refused
    assert batch.printed > 10 and len(PdfReader(io.BytesIO(batch.produced.pdf)).pages)


def test_daily_for_sixty_days_in_an_estonian_demo(db):
    services = demo(db, Country.EE)
    today = services.school.require_school().today()
    for offset in range(61):
        for result in services.daily.run(today + timedelta(days=offset)):
            assert not result.already_ran, result
    assert services.billing.table_rows() == []


def test_a_subscribers_data_access_export_lists_the_payments(db):
    services = demo(db, Country.SI, date(2026, 11, 23))
    sub = next(
        services.billing.subscription(r.id)
        for r in services.billing.table_rows()
        if r.state is S.ACTIVE
    )
    history = services.billing.money_history(sub.id)
    payments = [m for m in history if m.kind == "payment"]
    service = services.access_export
    issued = service.issue_code(sub.student_id, sub.payer.guardian_id)
    result = service.export(sub.student_id, sub.payer.guardian_id, issued.code)
    reader = PdfReader(io.BytesIO(result.produced.pdf))
    sections = json.loads(reader.attachments["access-export.json"][0])["sections"]
    assert len(sections["payments"]["rows"]) == len(payments) > 0
    assert {r["state"] for r in sections["subscriptions"]["rows"]} == {"ACTIVE"}
    invoices = [m for m in history if m.kind == "invoice"]
    assert len(sections["invoices"]["rows"]) == len(invoices)
    assert sum(r["amount_cents"] for r in sections["invoices"]["rows"]) == sum(
        m.amount_cents for m in invoices
    )


@pytest.mark.parametrize("country", [Country.EE, Country.SI])
def test_each_seeding_writes_one_audit_entry_and_ee_has_no_billing(db, country):
    services = demo(db, country, date(2026, 11, 23))
    seeded = {"student": 1, "terms_acceptance": 1, "card": 1}
    if country is Country.EE:
        assert not services.billing.settings().popolni_enabled  # POPOLNI is Slovenian (R72)
        assert services.billing.table_rows() == [] and services.billing.proposals() == []
    else:
        seeded["subscription"] = 1
    with services.db.read() as session:
        entries = session.execute(
            select(AuditEntry.entity, func.count())
            .where(AuditEntry.action == "demo")
            .group_by(AuditEntry.entity)
        ).all()
    assert dict(entries) == seeded


def test_the_area_seedings_can_be_left_out(db):
    services = make_services(db, Country.SI)
    DemoService(db, services.actor).fill(Country.SI, 60, cards=False, billing=False)
    assert services.cards.rows() == []
    assert services.billing.table_rows() == []
    assert not services.billing.settings().popolni_enabled


# ---- the tabs (GUI) --------------------------------------------------------------------------


def _shown(qtbot, tab):
    qtbot.addWidget(tab)
    tab.resize(1300, 820)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    return tab


@pytest.mark.gui
def test_the_cards_tab_shows_the_demo_cards(qtbot, db, inline_workers):
    from desktop.ui.tabs.cards import CardsTab

    services = demo(db, Country.EE, date(2026, 11, 23))
    tab = _shown(qtbot, CardsTab(services, services.school.require_school()))
    assert tab.controller.model.total_count == len(services.cards.rows()) > STUDENTS


@pytest.mark.gui
@pytest.mark.parametrize("country", [Country.EE, Country.SI])
def test_the_billing_tab_says_when_the_paid_tier_is_off(qtbot, db, inline_workers, country):
    from desktop.ui.tabs.billing import BillingTab

    services = demo(db, country, date(2026, 11, 23))
    tab = _shown(qtbot, BillingTab(services, services.school.require_school()))
    if country is Country.SI:
        assert not tab.not_enabled.isVisible() and tab.vertical.isVisible()
        assert tab.controller.model.total_count == len(services.billing.table_rows())
        assert tab.actions_by_key["order"].isEnabled()
        return
    # R74: an empty state that says why, and the way to Settings; no order or trial offered.
    assert tab.not_enabled.isVisible() and not tab.vertical.isVisible()
    assert tab.not_enabled_settings.isEnabled()
    assert not tab.actions_by_key["order"].isEnabled()
    assert not tab.actions_by_key["trial"].isEnabled()
    assert tab.actions_by_key["settings"].isEnabled()
