"""R64 [SI] + R67: payer data are kept 5 years after the subscription ended, proposed for
deletion the next day by the daily job, and removed only when a person confirms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desktop.db.models import Payment, Subscription, SubscriptionProfile
from desktop.domain.billing.records import PaymentMethod
from desktop.domain.consent.retention import APP_RETENTION_CATEGORIES, DataCategory
from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.services.billing import PaymentInput
from desktop.services.retention_sources import ANONYMISED
from tests.billing_fixtures import add_family, order_input, prepare_billing

pytestmark = pytest.mark.db


@pytest.fixture
def ended(services_si):
    """A paid subscription whose child left on 10 Feb 2025: the service ends that day."""
    terms = prepare_billing(services_si)
    family = add_family(services_si)
    sub = services_si.billing.order(order_input(family, terms, date(2024, 10, 2)))
    [(_, _, reference, _, owed)] = services_si.billing.open_invoices(sub.id)
    services_si.billing.record_payment(
        PaymentInput(
            owed,
            PaymentMethod.TRANSFER,
            date(2024, 10, 3),
            reference=reference,
            payer_name="Mojca Novak",
        )
    )
    student = services_si.roster.get(family.student_id)
    services_si.roster.mark_left(student.id, student.version, date(2025, 2, 10))
    with services_si.db.read() as session:
        ends_on = session.get(Subscription, sub.id).ends_on
    return services_si, sub.id, ends_on


def _propose(services, day: date) -> str:
    with services.db.write("tester") as session:
        return services.retention.propose_due(session, day)


def test_payer_data_are_proposed_the_day_after_five_years(ended):
    services, sub_id, ends_on = ended
    last_day = ends_on - timedelta(days=1)  # the last day with the service
    assert _propose(services, date(last_day.year + 5, last_day.month, last_day.day)).startswith(
        "0 new"
    )
    assert _propose(services, ends_on.replace(year=ends_on.year + 5)).startswith("1 new")
    [proposal] = services.retention.proposals()
    assert proposal.category is DataCategory.BILLING and proposal.record_id == str(sub_id)
    with services.db.read() as session:  # a proposal only: nothing removed yet (R67)
        assert session.get(Subscription, sub_id).child_first_name != ANONYMISED


def test_confirming_removes_the_payers_identity_and_keeps_the_amounts(ended):
    services, sub_id, _ends_on = ended
    _propose(services, date(2032, 1, 1))  # long after: still proposed, once
    [proposal] = services.retention.proposals()
    services.retention.decide(proposal.id, proposal.version, confirm=True)
    with services.db.read() as session:
        profiles = session.scalars(
            select(SubscriptionProfile).where(SubscriptionProfile.subscription_id == sub_id)
        ).all()
        assert {(p.first_name, p.last_name, p.mobile, p.email) for p in profiles} == {
            (ANONYMISED, "", "", "")
        }
        payments = session.scalars(select(Payment).where(Payment.subscription_id == sub_id)).all()
        assert [(p.payer_name, p.amount_cents > 0) for p in payments] == [("", True)]
    assert _propose(services, date(2032, 1, 2)).startswith("0 new")  # not proposed again


def test_a_legal_hold_keeps_the_payer_data(ended):
    services, sub_id, _ends_on = ended
    with services.db.read() as session:
        student_id = session.get(Subscription, sub_id).student_id
    services.retention.place_hold(student_id, DataCategory.BILLING, "enforced recovery")
    assert _propose(services, date(2032, 1, 1)).startswith("0 new")


def test_every_retention_setting_has_a_job_behind_it(services):
    """Issue: each category with a period has a retention source, or is not in the settings."""
    from desktop.services.retention_sources import DEFAULT_SOURCES

    settings = services.consent.settings()
    sources = {source.category for source in DEFAULT_SOURCES}
    assert {rule.category for rule in settings.retention_rules} <= sources
    assert sources == APP_RETENTION_CATEGORIES
    moodle = {
        "category": "COURSE_MEMBERSHIP",
        "action": "DELETE",
        "amount": 6,
        "unit": "MONTHS",
        "act_next_day": False,
        "rule_ref": "",
        "description": "",
    }
    rules = [r.to_dict() for r in settings.retention_rules] + [moodle]
    with pytest.raises((ValidationError, ValidationErrors)):
        services.consent.update_settings(settings.version, retention_rules=rules)
