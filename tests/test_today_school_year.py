"""The two demo schools walked through a school year (issue 19): on each notable date the
Today list and `school-office today --json` show exactly what is due, and the service call a
row's button makes clears its line.

The dates: 1 Sep (the renewal invitations, R81; a request comes in), that request's due date
(R57, R58), 8 Oct and 16 Oct (renewal reminders 1 and 2), 24 Oct (termination for non-payment
proposed, R67, R81) and a breach's 72nd hour (R69, R70). A student reaching 18 (and 13 [EE] or
15 [SI]) has a re-consent letter to print (R46–R48). Each step is one row of STEPS; the school
is walked in order, and the clock (`fixed_clock`, the CLI's `--today`) moves with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from desktop.cli import main
from desktop.db.models.documents import GeneratedDocument
from desktop.db.models.roster import Student
from desktop.domain import clock
from desktop.domain.consent.breaches import BREACH_NOTICES
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.domain.dates import SchoolYear, date_of_age, local_date
from desktop.domain.roster import Country, StudentStatus
from desktop.domain.today import Action, ItemKind, Urgency, in_window, threshold_ages
from desktop.services.container import Services
from desktop.services.demo import DemoService
from desktop.services.requests import RequestInput
from desktop.services.staff import resolve_actor
from tests.consent_helpers import student_born

pytestmark = pytest.mark.db

BEFORE = date(2025, 8, 25)  # the demo school is made a week before the school year
STUDENTS = 48
NOW = (Urgency.OVERDUE, Urgency.TODAY)
REQUEST = ItemKind.REQUEST


def at(day: date, hour: int = 10) -> datetime:
    """The CLI's `--today` runs the clock from 10:00 UTC: the walk does the same."""
    return datetime.combine(day, time(hour), UTC)


@dataclass
class Walk:
    services: Services
    url: str
    fixed: clock.FixedClock
    country: str
    output: Callable[[], str]  # what the CLI printed
    story: dict[str, int] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.services.school.require_school().today()

    def lines(self) -> list:
        return list(self.services.today.gather().items)

    def command(self) -> dict:
        """`school-office today --today DAY --json`, then the walk's own clock again."""
        try:
            assert (
                main(["--database", self.url, "today", "--today", str(self.today), "--json"]) == 0
            )
        finally:
            clock.install(self.fixed)
        return json.loads(self.output())


# ---- what each row's button leads to ------------------------------------------------------


def _print_billing_letter(walk: Walk, line) -> None:
    s = walk.services
    if line.action is Action.BILLING_SUBSCRIPTION:  # D19 after an order
        s.letters.print_usage_instructions(line.record_id)
    elif line.record_id is None:  # the round of D11 offers
        s.letters.print_offer_notices(s.letters.offer_notices_due(walk.today).school_year)
    else:
        notices = s.billing_letters.pending_notices(walk.today)
        s.billing_letters.print_notices(
            [n.id for n in notices if n.subscription_id == line.record_id]
        )


def _decide_proposal(walk: Walk, line) -> None:
    billing = walk.services.billing
    for p in billing.proposals():
        if p.subscription_id == line.record_id:
            billing.confirm(p.id, p.version, "decided from the Today list")


def _answer_request(walk: Walk, line) -> None:
    record = walk.services.requests.get(line.record_id)
    walk.services.requests.close(record.id, record.version, "answered by letter")


def _send_breach_notices(walk: Walk, line) -> None:
    for notice in BREACH_NOTICES[walk.country]:
        walk.services.breaches.record_notice(line.record_id, notice, clock.now())


def _print_reconsent_letter(walk: Walk, line) -> None:
    walk.services.today.print_reconsent_letter(line.record_id, line.args["years"])


ACTIONS: dict[ItemKind, Callable[[Walk, object], None]] = {
    ItemKind.BILLING_LETTER: _print_billing_letter,
    ItemKind.BILLING_PROPOSAL: _decide_proposal,
    ItemKind.REQUEST: _answer_request,
    ItemKind.BREACH: _send_breach_notices,
    ItemKind.AGE_THRESHOLD: _print_reconsent_letter,
}


# ---- what is due, read from each area and the rules (not from the Today service) ----------


def expected(walk: Walk) -> set[tuple]:
    """(kind, record, due) of every line that must be on the list today."""
    s, day, country = walk.services, walk.today, walk.country
    due: set[tuple] = set()
    for r in s.requests.list_requests(open_only=True):
        due.add((ItemKind.REQUEST, r.id, r.due_on))
    for incident in s.breaches.incidents(open_only=True):
        status = incident.status(country, clock.now())
        if not status.complete:
            due.add((ItemKind.BREACH, incident.id, local_date(status.deadline, country)))
    if country == "SI":
        for n in s.billing_letters.pending_notices(day):
            due.add((ItemKind.BILLING_LETTER, n.subscription_id, n.due_on))
        for d in s.letters.usage_instructions_due(day):
            due.add((ItemKind.BILLING_LETTER, d.subscription_id, d.ordered_on))
        if (offers := s.letters.offer_notices_due(day)) is not None:
            due.add((ItemKind.BILLING_LETTER, None, offers.due_on))
        for p in s.billing.proposals():
            due.add((ItemKind.BILLING_PROPOSAL, p.subscription_id, p.effective_on or p.proposed_on))
    for document in s.terms.list_documents():
        for v in s.terms.versions(document.key):
            if v.published and v.effective_from is not None and v.effective_from >= day:
                due.add((ItemKind.TERMS_VERSION, v.id, v.effective_from))
    with s.db.read() as session:
        students = session.execute(
            select(Student.id, Student.birth_date).where(Student.status == StudentStatus.ENROLLED)
        ).all()
        printed = set(
            session.scalars(
                select(GeneratedDocument.student_id).where(
                    GeneratedDocument.kind == "re-consent-letter"
                )
            )
        )
    for student_id, birth in students:  # R46–R48: 13 [EE], 15 [SI], 18, in the next 60 days
        for years in threshold_ages(country):
            reached = date_of_age(birth, years)
            if day <= reached <= day + timedelta(days=60) and student_id not in printed:
                due.add((ItemKind.AGE_THRESHOLD, student_id, reached))
    return {d for d in due if in_window(d[0], d[2], day)}


# ---- the steps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    day: date | Callable[[Walk], date]  # a date, or read from the walk's story
    hour: int = 10
    story: Callable[[Walk], None] | None = None  # what happens first
    due_now: frozenset[ItemKind] = frozenset()  # kinds due today or overdue (where they apply)
    act: frozenset[ItemKind] = frozenset()  # the kinds whose due lines are acted on
    check: Callable[[Walk, list], None] | None = None


def _first_day(walk: Walk) -> None:
    """A request received on the first school day; a student reaching 18 on 20 Oct, and one
    reaching 13 [EE] or 15 [SI] on 30 Oct."""
    walk.story["request"] = walk.services.requests.create(
        RequestInput(RequestKind.ACCESS, at(date(2025, 9, 1), 9), "e-mail", "Ana Novak")
    ).id
    walk.story["adult"] = student_born(walk.services, date(2007, 10, 20), first="Maja").id
    young = 13 if walk.country == "EE" else 15
    walk.story["young"] = student_born(walk.services, date(2025 - young, 10, 30), first="Tim").id


def _request_due(walk: Walk) -> date:
    return walk.services.requests.get(walk.story["request"]).due_on


def _answer_due(walk: Walk, lines: list) -> None:
    [line] = [i for i in lines if (i.kind, i.record_id) == (REQUEST, walk.story["request"])]
    assert (line.due, line.urgency) == (walk.today, Urgency.TODAY)
    assert line.describe() == "Answer the request from Ana Novak"


def _age_lines(walk: Walk, lines: list) -> None:
    ages = {i.record_id: i for i in lines if i.kind is ItemKind.AGE_THRESHOLD}
    adult, young = ages[walk.story["adult"]], ages[walk.story["young"]]
    assert (adult.due, adult.urgency) == (date(2025, 10, 20), Urgency.LATER)
    assert adult.describe().startswith("Turns 18")
    assert young.due == date(2025, 10, 30)
    assert young.describe().startswith("Turns 13" if walk.country == "EE" else "Turns 15")


def _letters(kind: str) -> Callable[[Walk, list], None]:
    """R81: the renewal letter of the day is due today for the unpaid renewals."""

    def check(walk: Walk, lines: list) -> None:
        if walk.country == "SI":
            notices = walk.services.billing_letters.pending_notices(walk.today)
            assert any(str(n.kind) == kind and n.due_on == walk.today for n in notices)

    return check


def _terminations(walk: Walk, lines: list) -> None:
    if walk.country == "SI":  # R81: still unpaid after reminder 2: termination proposed (R67)
        proposals = [i for i in lines if i.kind is ItemKind.BILLING_PROPOSAL]
        assert any(i.urgency is Urgency.TODAY for i in proposals)


def _breach(walk: Walk) -> None:
    walk.story["breach"] = walk.services.breaches.record(
        at(date(2025, 11, 3)), "wrong recipient of a class list", [DataCategory.SCHOOL]
    ).id


def _an_hour_before(walk: Walk, lines: list) -> None:
    [line] = [i for i in lines if i.kind is ItemKind.BREACH]
    assert (line.record_id, line.urgency) == (walk.story["breach"], Urgency.TODAY)
    assert line.describe() == "Send the notices: 1 h left"


def _the_72nd_hour(walk: Walk, lines: list) -> None:
    [line] = [i for i in lines if i.kind is ItemKind.BREACH]
    assert line.urgency is Urgency.OVERDUE  # the instant has come
    assert line.describe() == "Notices not sent: the 72 hours are over"


LETTER, PROPOSAL = ItemKind.BILLING_LETTER, ItemKind.BILLING_PROPOSAL
SI_ONLY = frozenset({LETTER, PROPOSAL})
STEPS = (
    Step(date(2025, 9, 1), story=_first_day, due_now=frozenset({LETTER}), act=frozenset({LETTER})),
    Step(
        _request_due,
        due_now=frozenset({ItemKind.REQUEST}),
        check=_answer_due,
        act=frozenset({ItemKind.REQUEST}),
    ),
    Step(date(2025, 10, 1), check=_age_lines, act=frozenset({ItemKind.AGE_THRESHOLD})),
    Step(date(2025, 10, 8), check=_letters("RENEWAL_REMINDER_1"), act=frozenset({LETTER})),
    Step(date(2025, 10, 16), check=_letters("RENEWAL_REMINDER_2"), act=frozenset({LETTER})),
    Step(date(2025, 10, 24), check=_terminations, act=frozenset({LETTER, PROPOSAL})),
    Step(date(2025, 11, 6), hour=9, story=_breach, check=_an_hour_before),
    Step(
        date(2025, 11, 6),
        due_now=frozenset({ItemKind.BREACH}),
        check=_the_72nd_hour,
        act=frozenset({ItemKind.BREACH}),
    ),
)


@pytest.fixture(params=[Country.SI, Country.EE], ids=["SI", "EE"])
def walk(request, db, fixed_clock, capsys) -> Walk:
    fixed_clock.advance(at(BEFORE) - fixed_clock.now())
    services = Services(db, resolve_actor(db, None))  # the CLI's staff member: every role
    DemoService(db, services.actor).fill(request.param, students=STUDENTS)
    if request.param is Country.SI:
        services.billing.set_price(SchoolYear(2025), 2000)  # R78: renewals need the price
    url = db.engine.url.render_as_string(hide_password=False)
    output = lambda: capsys.readouterr().out  # noqa: E731
    return Walk(services, url, fixed_clock, request.param.value, output)


def _key(i) -> tuple:
    return (i.kind, i.record_id, i.due)


def test_a_school_year(walk):
    for step in STEPS:
        day = step.day(walk) if callable(step.day) else step.day
        where = f"{walk.country} {day} {step.hour}:00"
        assert at(day, step.hour) >= walk.fixed.now(), f"{where}: the walk goes forward only"
        walk.fixed.advance(at(day, step.hour) - walk.fixed.now())
        walk.services.daily.run(day)  # the first start of the day runs the daily jobs
        if step.story:
            step.story(walk)
        lines = walk.lines()
        assert {_key(i) for i in lines} == expected(walk), where
        due_now = step.due_now - SI_ONLY if walk.country == "EE" else step.due_now
        assert due_now <= {i.kind for i in lines if i.urgency in NOW}, where
        if step.check:
            step.check(walk, lines)
        if step.hour == 10:  # the command's `--today` clock: the same list, line for line
            shown = [
                (i["kind"], i["record_id"], i["due"], i["urgency"], i["text"])
                for i in walk.command()["items"]
            ]
            assert shown == [
                (str(i.kind), i.record_id, str(i.due), str(i.urgency), i.describe()) for i in lines
            ], where
        # acting from the list clears the line
        for line in lines:
            if line.kind in step.act and (line.urgency in NOW or line.kind not in (LETTER,)):
                ACTIONS[line.kind](walk, line)
        after = walk.lines()
        left = [i for i in after if i.kind in step.act and _key(i) in {_key(j) for j in lines}]
        assert left == [], f"{where}: still listed after acting: {left}"
        assert {_key(i) for i in after} == expected(walk), where
