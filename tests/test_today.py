"""The Today list across the areas (issue 19): the service, role filtering (R121), and
`school-office today [--json]`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from desktop.cli import main
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.domain.roles import Role
from desktop.domain.today import ItemKind, Urgency
from desktop.services.container import Services
from desktop.services.requests import RequestInput
from tests.consent_helpers import noon, student_born

pytestmark = pytest.mark.db

TODAY = date(2026, 12, 7)  # tests.conftest.TEST_START


def seed(services) -> dict[str, int]:
    """A request due this week, a breach whose 72 hours end today, one already past them, and a
    student turning 18 in 13 days."""
    request = services.requests.create(
        RequestInput(RequestKind.ACCESS, noon(date(2026, 11, 10)), "e-mail", "Ana Novak")
    )
    late = services.breaches.record(
        noon(date(2026, 12, 1)), "lost USB stick", [DataCategory.SCHOOL]
    )
    soon = services.breaches.record(
        noon(date(2026, 12, 4)), "wrong recipient", [DataCategory.SCHOOL]
    )
    adult = student_born(services, date(2008, 12, 20), first="Maja")
    return {"request": request.id, "late": late.id, "soon": soon.id, "adult": adult.id}


def with_roles(services, *roles: Role) -> Services:
    return Services(services.db, replace(services.actor, roles=frozenset(roles)))


def test_the_list_across_areas_grouped_by_urgency(services_si):
    ids = seed(services_si)
    listing = with_roles(services_si, *Role).today.gather()
    assert listing.today == TODAY
    by_record = {(i.kind, i.record_id): i for i in listing.items}
    request = by_record[(ItemKind.REQUEST, ids["request"])]
    assert (request.due, request.urgency) == (date(2026, 12, 10), Urgency.THIS_WEEK)
    assert request.describe() == "Answer the request from Ana Novak"
    late = by_record[(ItemKind.BREACH, ids["late"])]
    assert late.urgency is Urgency.OVERDUE
    assert late.describe() == "Notices not sent: the 72 hours are over"
    soon = by_record[(ItemKind.BREACH, ids["soon"])]
    # detected Friday noon in Ljubljana: the 72nd hour is Monday noon, 2 h after 10:00 local
    assert soon.urgency is Urgency.TODAY and soon.describe() == "Send the notices: 2 h left"
    adult = by_record[(ItemKind.AGE_THRESHOLD, ids["adult"])]
    assert (adult.due, adult.urgency, adult.person) == (
        date(2026, 12, 20),
        Urgency.LATER,
        "Maja Kask",
    )
    assert "Turns 18" in adult.describe()
    urgencies = [i.urgency for i in listing.items]
    assert urgencies == sorted(urgencies, key=list(Urgency).index)  # most urgent first
    assert listing.overdue == 1


def test_only_what_the_roles_allow(services_si):  # R121
    seed(services_si)
    billing = with_roles(services_si, Role.BILLING).today.gather()
    kinds = {i.kind for i in billing.items}
    assert ItemKind.REQUEST not in kinds and ItemKind.BREACH not in kinds
    assert ItemKind.AGE_THRESHOLD in kinds  # every role sees the roster
    assert {"requests", "breaches", "cards", "codes"} <= set(billing.skipped)
    office = with_roles(services_si, Role.OFFICE).today.gather()
    assert ItemKind.REQUEST in {i.kind for i in office.items}
    assert {"billing_letters", "billing_proposals", "codes"} <= set(office.skipped)


def test_an_estonian_school_has_no_billing_sources(services):
    listing = services.today.gather()
    assert "billing_letters" not in listing.skipped  # not skipped: not there at all
    assert all(i.kind not in ("billing_letter", "billing_proposal") for i in listing.items)


def test_the_today_command(services_si, capsys):
    ids = seed(services_si)
    url = services_si.db.engine.url.render_as_string(hide_password=False)
    assert main(["--database", url, "today", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["today"] == "2026-12-07"
    assert document["counts"]["overdue"] >= 1
    breach = next(
        i for i in document["items"] if i["record_id"] == ids["late"] and i["kind"] == "breach"
    )
    assert breach["urgency"] == "overdue" and breach["due_at"].startswith("2026-12-04T")
    assert main(["--database", url, "today", "--today", "2026-12-08"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Overdue (")
    assert "Answer the request from Ana Novak" in text
