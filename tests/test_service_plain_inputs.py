"""Services own their inputs (DESIGN.md, "Trust at the edges"): a widget hands a StrEnum back as a
plain str, a script types "STUDENT"; every service write must refuse and accept exactly what it
does with the enum members. Each case runs with the enums and with plain strings, on SQLite and
PostgreSQL; an unknown value is refused with its field, in words a form can show.

Regression for the Record-a-decision dialog: a 7-year-old "accepting" the Moodle terms
themself was stored with no age basis (R46), because `"ACCEPTED" is AcceptanceDecision.ACCEPTED`
is False."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

import pytest
from sqlalchemy import select

from desktop.db.models import ProviderOutbox
from desktop.domain import clock
from desktop.domain.billing.records import (
    CommunicationMode,
    LetterChannel,
    LetterKind,
    OrderChannel,
    OrderedBy,
    PaymentMethod,
    ProposalStatus,
    RefundBasis,
)
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.cards.events import ProviderEventKind, SuspendReason
from desktop.domain.cards.machines import CardKind
from desktop.domain.consent.breaches import BreachNotice
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.domain.consent.terms import AcceptanceDecision, Channel, OnBehalfBasis
from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.domain.inputs import coerce_enum, coerce_enums
from desktop.domain.roles import Role
from desktop.domain.roster import Country, Relation, RestrictionKind, StudentStatus
from desktop.domain.terms import AmendmentRule
from desktop.i18n import Message
from desktop.services.billing import OrderInput, PaymentInput
from desktop.services.billing_letters import ReceivedLetter
from desktop.services.cards.read_models import CardFilter
from desktop.services.consent.recording import WARRANTIES, AcceptanceInput
from desktop.services.requests import RequestInput
from desktop.services.roster import ContactRestricted, GuardianInput, StudentInput
from desktop.services.school import SchoolProfile
from tests.billing_fixtures import add_family, order_input, prepare_billing
from tests.consent_helpers import noon, popolni, si_family, student_born, terms_document

pytestmark = pytest.mark.db

STYLES = ("enum", "str", "lower")  # as the code has it, as Qt hands it back, as someone types it


def given(value, style: str):
    """`value` the way a caller in `style` passes it: enum members become their plain text."""
    if isinstance(value, tuple | list | set | frozenset):
        return type(value)(given(v, style) for v in value)
    if style == "enum" or not isinstance(value, Enum):
        return value
    text = str(value.value)
    return text.lower() if style == "lower" else text


@pytest.fixture(params=STYLES)
def style(request) -> str:
    return request.param


# ---- the helper itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (OnBehalfBasis.LEGAL_REPRESENTATIVE, OnBehalfBasis.LEGAL_REPRESENTATIVE),
        ("LEGAL_REPRESENTATIVE", OnBehalfBasis.LEGAL_REPRESENTATIVE),
        (" legal_representative ", OnBehalfBasis.LEGAL_REPRESENTATIVE),
    ],
)
def test_coerce_accepts_member_value_and_name(value, expected):
    assert coerce_enum(OnBehalfBasis, "basis", value) is expected


def test_coerce_refuses_an_unknown_value_with_a_translatable_reason():
    with pytest.raises(ValidationError) as info:
        coerce_enum(OnBehalfBasis, "basis", "MAYBE")
    error = info.value
    assert (error.field, error.value) == ("basis", "MAYBE")
    assert isinstance(error.reason, Message) and "LEGAL_REPRESENTATIVE" in error.reason
    assert not any(word.startswith("R") and word[1:].isdigit() for word in error.reason.split())
    assert coerce_enums(DataCategory, "categories", "SCHOOL") == (DataCategory.SCHOOL,)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: AcceptanceInput(1, 1, "MAYBE", Channel.PORTAL, "et"), "decision"),
        (lambda: AcceptanceInput(1, 1, "ACCEPTED", "PIGEON", "et"), "channel"),
        (lambda: AcceptanceInput(1, 1, "ACCEPTED", "PORTAL", "et", basis="NEIGHBOUR"), "basis"),
        (
            lambda: OrderInput(1, "TEACHER", OrderChannel.ELECTRONIC, CommunicationMode.SMS),
            "ordered_by",
        ),
        (lambda: OrderInput(1, "GUARDIAN", "FAX", "SMS"), "channel"),
        (lambda: OrderInput(1, "GUARDIAN", "ELECTRONIC", None), "communication_mode"),
        (lambda: PaymentInput(100, "CASH", date(2026, 9, 1)), "method"),
        (lambda: RequestInput("GOSSIP", clock.now(), "e-mail", "Ana"), "kind"),
        (lambda: RequestInput("ACCESS", clock.now(), "e-mail", "Ana", "SECRETS"), "category"),
        (lambda: ReceivedLetter("PLEASE_STOP", date(2026, 1, 5), "LETTER_TO_SCHOOL"), "kind"),
        (lambda: CardFilter(kind="PAPER"), "kind"),
        (lambda: SchoolProfile("School", "FI"), "country"),
        (lambda: SchoolProfile("School", "EE", language="fi"), "language"),
    ],
)
def test_input_records_refuse_unknown_values_with_the_field(make, field):
    with pytest.raises(ValidationError) as info:
        make()
    assert info.value.field == field


def test_input_records_hold_enum_members_whatever_was_passed():
    data = AcceptanceInput(1, 2, "ACCEPTED", "portal", "et", basis="LEGAL_REPRESENTATIVE")
    assert data.decision is AcceptanceDecision.ACCEPTED and data.channel is Channel.PORTAL
    assert data.basis is OnBehalfBasis.LEGAL_REPRESENTATIVE
    order = OrderInput(1, "STUDENT", "ELECTRONIC", "SMS_AND_EMAIL", guardian_ids=[3])
    assert order.ordered_by is OrderedBy.STUDENT and order.guardian_ids == (3,)
    assert CardFilter().kind is None and CardFilter(kind="VIRTUAL").kind is CardKind.VIRTUAL
    assert SchoolProfile("School", "SI", language="").language is None


# ---- consent decisions (R41, R46, R47) ---------------------------------------------------------


@pytest.fixture
def moodle(services):
    return terms_document(services, "EE-MOODLE-TERMS", [("1.0", date(2020, 1, 1), None)])


def _moodle(services, student_id, on, style, **kw):
    version = services.consent.document("EE-MOODLE-TERMS").in_force(on)
    kw = {k: given(v, style) for k, v in kw.items()}
    return services.consent.record(
        AcceptanceInput(
            version.id,
            student_id,
            kw.pop("decision", given(AcceptanceDecision.ACCEPTED, style)),
            given(Channel.PAPER_AT_SCHOOL, style),
            "et",
            decided_at=noon(on, "EE"),
            **kw,
        )
    )


def test_a_seven_year_old_cannot_accept_the_moodle_terms_themself(services, moodle, style):
    pupil = student_born(services, date(2017, 3, 1), class_name="1.a")
    with pytest.raises(ValidationError) as info:
        _moodle(services, pupil.id, date(2024, 9, 2), style, basis=OnBehalfBasis.SELF)
    assert info.value.field == "birth_date" and "13" in info.value.reason
    assert services.consent.history(pupil.id) == []
    # Declining needs no age: recorded, without an age basis.
    entry = _moodle(
        services, pupil.id, date(2024, 9, 2), style, decision=AcceptanceDecision.DECLINED
    )
    assert entry.decision is AcceptanceDecision.DECLINED and entry.age_basis == ""


def test_a_guardian_accepts_the_moodle_terms_for_the_child(services, moodle, style):
    pupil = student_born(services, date(2017, 3, 1), class_name="1.a")
    pupil = services.roster.add_guardian(
        pupil.id, GuardianInput("Ana", "Kask", phone="+372 5123 4567"), Relation.MOTHER
    )
    mother_id = pupil.guardians[0].guardian_id
    entry = _moodle(
        services,
        pupil.id,
        date(2024, 9, 2),
        style,
        basis=OnBehalfBasis.LEGAL_REPRESENTATIVE,
        on_behalf_guardian_id=mother_id,
    )
    assert (
        entry.age_basis == "guardian_consent" and entry.basis is OnBehalfBasis.LEGAL_REPRESENTATIVE
    )
    assert entry.given_by == "Ana Kask" and entry.channel is Channel.PAPER_AT_SCHOOL
    with pytest.raises(ValidationError) as info:  # a guardian chosen, but no guardian given
        _moodle(
            services,
            pupil.id,
            date(2024, 9, 3),
            style,
            basis=OnBehalfBasis.LEGAL_REPRESENTATIVE,
        )
    assert info.value.field == "on_behalf_guardian_id"


def test_a_fourteen_year_old_accepts_on_their_age(services, moodle, style):
    pupil = student_born(services, date(2010, 3, 1))
    entry = _moodle(services, pupil.id, date(2024, 9, 2), style)
    assert entry.age_basis == "age" and entry.decision is AcceptanceDecision.ACCEPTED


def test_popolni_acceptance_needs_the_warranties_whatever_the_type(services_si, style):
    popolni(services_si)
    family = si_family(services_si)
    version = services_si.consent.document("SI-POPOLNI-TERMS").versions[0]

    def accept(**kw):
        return services_si.consent.record(
            AcceptanceInput(
                version.id,
                family.student.id,
                given(AcceptanceDecision.ACCEPTED, style),
                given(Channel.LETTER, style),
                "sl",
                guardian_id=family.mother_id,
                decided_at=noon(date(2025, 1, 10)),
                free_alternative_disclosed=True,
                **kw,
            )
        )

    with pytest.raises(ValidationError) as info:
        accept()
    assert info.value.field == "warranties"
    entry = accept(warranties=WARRANTIES)
    assert entry.decision is AcceptanceDecision.ACCEPTED and set(entry.warranties) == set(
        WARRANTIES
    )


# ---- roster ----------------------------------------------------------------------------------


def test_leaving_with_a_plain_status(services, style):
    student = services.roster.create_student(
        StudentInput("Mari", "Tamm", "61205171232", class_name="5.b")
    )
    card = services.cards.issue_physical(student.id, today=date(2025, 10, 1))
    with pytest.raises(ValidationError) as info:  # "ENROLLED" is not a way of leaving
        services.roster.mark_left(
            student.id, student.version, date(2026, 2, 1), "", given(StudentStatus.ENROLLED, style)
        )
    assert info.value.field == "status"
    assert services.cards.get(card.id).status == "ACTIVE"  # the cards were not closed
    left = services.roster.mark_left(
        student.id, student.version, date(2026, 2, 1), "moved", given(StudentStatus.LEFT, style)
    )
    assert left.status is StudentStatus.LEFT
    assert services.cards.get(card.id).status == "REVOKED"


def test_guardians_and_restrictions_with_plain_values(services, style):
    student = services.roster.create_student(
        StudentInput("Mari", "Tamm", "61205171232", class_name="5.b", language=given("et", style))
    )
    student = services.roster.add_guardian(
        student.id,
        GuardianInput("Kadri", "Tamm", phone="+372 5123 4567", language="ET"),
        given(Relation.MOTHER, style),
    )
    link = student.guardians[0]
    assert link.relation is Relation.MOTHER
    student = services.roster.update_link(
        link.link_id, link.link_version, given(Relation.GUARDIAN, style), True
    )
    assert student.guardians[0].relation is Relation.GUARDIAN
    with pytest.raises(ValidationError) as info:
        services.roster.add_guardian(student.id, GuardianInput("Jaan", "Tamm"), "UNCLE")
    assert info.value.field == "relation"
    services.roster.add_restriction(
        link.link_id,
        given(RestrictionKind.PROHIBITION, style),
        permanent=True,
        valid_from=date(2025, 1, 1),
        valid_to=None,
        authority="Court",
    )
    with pytest.raises(ContactRestricted):
        services.roster.assert_may_contact(student.id, link.guardian_id, date(2025, 6, 1))


# ---- billing (R47, R77, R83–R88, R90) ---------------------------------------------------------


@pytest.fixture
def si(services_si):
    return services_si, prepare_billing(services_si)


def test_a_student_under_15_cannot_order_with_plain_values(si, style):
    services, terms = si
    family = add_family(services)  # born 17 May 2012
    on = date(2026, 9, 15)
    alone = OrderInput(
        family.student_id,
        given(OrderedBy.STUDENT, style),
        given(OrderChannel.ELECTRONIC, style),
        given(CommunicationMode.SMS_AND_EMAIL, style),
        terms_version_id=terms,
        warranties_given=True,
        free_alternative_disclosed=True,
        student_statement_15=True,
        student_mobile="040 111 222",
        ordered_on=on,
    )
    with pytest.raises(ValidationError) as info:
        services.billing.order(alone)
    assert info.value.field == "birth_date"
    assert services.billing.current_for_student(family.student_id) is None
    by_guardian = OrderInput(
        family.student_id,
        given(OrderedBy.GUARDIAN, style),
        given(OrderChannel.ELECTRONIC, style),
        given(CommunicationMode.SMS, style),
        guardian_ids=[family.mother_id],
        terms_version_id=terms,
        warranties_given=True,
        free_alternative_disclosed=True,
        ordered_on=on,
    )
    sub = services.billing.order(by_guardian)
    assert sub.ordered_by is OrderedBy.GUARDIAN and sub.state is SubscriptionState.ORDERED
    assert [p.guardian_id for p in sub.profiles] == [family.mother_id]


def test_trials_with_plain_values(si, style):
    services, _terms = si
    family = add_family(services)
    on = date(2027, 1, 5)  # Ana is 14
    with pytest.raises(ValidationError) as info:
        services.billing.start_trial(family.student_id, given(OrderedBy.STUDENT, style), on=on)
    assert info.value.field == "birth_date"
    sub = services.billing.start_trial(
        family.student_id,
        given(OrderedBy.GUARDIAN, style),
        guardian_id=family.mother_id,
        on=on,
        channel=given(OrderChannel.ELECTRONIC, style),
    )
    assert sub.state is SubscriptionState.TRIAL and sub.trial is not None
    assert [p.guardian_id for p in sub.profiles] == [family.mother_id]


def test_payments_and_refunds_with_plain_values(si, style):
    services, terms = si
    family = add_family(services)
    sub = services.billing.order(order_input(family, terms, date(2026, 9, 15)))
    [(_, _, reference, _, owed)] = services.billing.open_invoices(sub.id)
    with pytest.raises(ValidationError) as info:  # a card payment needs the processor's id
        services.billing.record_payment(
            PaymentInput(
                owed, given(PaymentMethod.CARD, style), date(2026, 9, 20), reference=reference
            )
        )
    assert info.value.field == "processor_txn_id"
    paid = services.billing.record_payment(
        PaymentInput(
            owed, given(PaymentMethod.TRANSFER, style), date(2026, 9, 20), reference=reference
        )
    )
    assert paid.activated and paid.state is SubscriptionState.ACTIVE
    with pytest.raises(ValidationError) as info:  # overpayments are proposed, never typed
        services.billing.refund(sub.id, given(RefundBasis.OVERPAYMENT, style), "typed")
    assert info.value.field == "basis"
    with pytest.raises(ValidationError) as info:
        services.billing.refund(sub.id, "BECAUSE", "typed")
    assert info.value.field == "basis"
    assert services.billing.proposals(given(ProposalStatus.OPEN, style)) == (
        services.billing.proposals()
    )


def test_a_letter_with_plain_values_is_processed(si, style):
    services, terms = si
    family = add_family(services)
    sub = services.billing.order(order_input(family, terms, date(2026, 9, 15)))
    [(_, _, reference, _, owed)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(owed, PaymentMethod.TRANSFER, date(2026, 9, 20), reference=reference)
    )
    result = services.billing_letters.register_letter(
        family.student_id,
        ReceivedLetter(
            given(LetterKind.CANCEL_ALL, style),
            date(2027, 2, 26),
            given(LetterChannel.LETTER_TO_SCHOOL, style),
        ),
    )
    assert result.processed and result.effective_on == date(2027, 2, 27)


# ---- cards ------------------------------------------------------------------------------------


def test_cards_with_plain_values(services, db, style):
    student = services.roster.create_student(
        StudentInput("Mari", "Tamm", "61205171232", class_name="5.b")
    )
    today = date(2025, 10, 1)
    card = services.cards.issue_physical(student.id, today=today)
    new = services.cards.report_lost_and_replace(card.id, card.version, today=today)
    assert services.cards.get(card.id).status == "REPLACED" and new.status == "ACTIVE"
    rows = services.cards.rows(CardFilter(kind=given(CardKind.PHYSICAL, style)))
    assert len(rows) == 2
    assert services.cards.rows(CardFilter(kind=given(CardKind.VIRTUAL, style))) == []
    services.cards.record_activation(student.id, "61205171232", today=today)
    services.cards.request_suspension(student.id, given(SuspendReason.LOST_PHONE, style))
    assert services.cards.history(student.id)[-1].action == "suspension_requested"
    with pytest.raises(ValidationError) as info:
        services.cards.request_suspension(student.id, "BORED")
    assert info.value.field == "reason"
    with db.read() as session:
        kinds = session.scalars(select(ProviderOutbox.kind).order_by(ProviderOutbox.id)).all()
    assert kinds[-1] is ProviderEventKind.SUSPEND_ENTITLEMENT


# ---- requests, holds, breaches, codes (R57, R58, R64, R69, R39) --------------------------------


def test_requests_and_holds_with_plain_values(services, style):
    student = services.roster.create_student(
        StudentInput("Mari", "Tamm", "61205171232", class_name="5.b")
    )
    record = services.requests.create(
        RequestInput(
            given(RequestKind.ACCESS, style),
            clock.now() - timedelta(hours=1),
            "e-mail",
            "Kadri Tamm",
            given(DataCategory.SCHOOL, style),
            subject_student_id=student.id,
        )
    )
    assert record.kind is RequestKind.ACCESS and record.category is DataCategory.SCHOOL
    hold = services.retention.place_hold(
        student.id, given(DataCategory.BILLING, style), "court case"
    )
    assert hold.category is DataCategory.BILLING
    with pytest.raises(ValidationError) as info:
        services.retention.place_hold(student.id, "EVERYTHING", "court case")
    assert info.value.field == "category"


def test_breaches_with_plain_values(services, style):
    incident = services.breaches.record(
        clock.now() - timedelta(hours=3),
        "A list was e-mailed to the wrong parent",
        given((DataCategory.SCHOOL, DataCategory.CARDS), style),
    )
    assert incident.categories == (DataCategory.SCHOOL, DataCategory.CARDS)
    one = services.breaches.record(
        clock.now() - timedelta(hours=3), "A laptop was lost", given(DataCategory.BILLING, style)
    )
    assert one.categories == (DataCategory.BILLING,)  # one value, not its letters
    updated = services.breaches.record_notice(
        incident.id, given(BreachNotice.RIA, style), clock.now() - timedelta(hours=1)
    )
    assert BreachNotice.RIA in updated.sent
    with pytest.raises(ValidationError) as info:  # a Slovenian authority, in an Estonian school
        services.breaches.record_notice(
            incident.id, given(BreachNotice.INFORMATION_COMMISSIONER, style), clock.now()
        )
    assert info.value.field == "notice"
    with pytest.raises(ValidationError) as info:
        services.breaches.record_notice(incident.id, "NEWSPAPER", clock.now())
    assert info.value.field == "notice"


# ---- school, staff, terms ----------------------------------------------------------------------


def test_school_staff_and_terms_with_plain_values(services, style):
    profile = SchoolProfile("Kool", given(Country.EE, style), language=given("et", style))
    assert profile.country is Country.EE and profile.language == "et"
    member = services.staff.add("kadri", "Kadri", given({Role.OFFICE}, style))
    assert member.roles == frozenset({Role.OFFICE})
    with pytest.raises(ValidationError) as info:
        services.staff.add("jaan", "Jaan", {"janitor"})
    assert info.value.field == "roles"
    document = terms_document(
        services, "EE-MOODLE-TERMS", [], rule=given(AmendmentRule.PUBLISHED_PLUS_15, style)
    )
    assert document.key == "EE-MOODLE-TERMS"
    assert (
        services.terms.document("EE-MOODLE-TERMS").amendment_rule is AmendmentRule.PUBLISHED_PLUS_15
    )


def test_a_form_gets_every_bad_value_of_the_consent_settings(services):
    """Not an enum, but the same edge: a typo in the settings is refused, never ignored."""
    with pytest.raises(ValidationErrors):
        services.consent.update_settings(0, audiences={"EE-MOODLE-TERMS": "PARENTS"})
