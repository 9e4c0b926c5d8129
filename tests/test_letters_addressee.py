"""R48: once an adult student has forbidden data to the parents, every letter that concerns
them goes to the student (one copy, no guardian on the record); after a withdrawal, and for a
minor, the letters go to the guardians again. The stop notices D7/D8 are tested elsewhere
(tests/test_document_kinds.py): they still go to the guardians."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import select, update

from desktop.db.models import GeneratedDocument, Guardian, Student
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.domain.dates import SchoolYear
from desktop.services.requests import RequestInput
from tests.billing_fixtures import add_family, order_input, prepare_billing
from tests.test_letters import text_of

pytestmark = pytest.mark.db


class Case(NamedTuple):
    kind: str
    # (services, family) → (produced, how many letters the guardians get), before printing
    print: Callable
    prepare: Callable = lambda services, family: prepare_billing(services)  # terms, prices


def _terms_copy(services, family, _ctx):
    return services.terms.print_for_student(family.student_id).produced, 1


def _terms_batch(services, family, _ctx):
    key = services.terms.default_document_key()
    pairs = services.terms.recipients([family.student_id])
    requests, _refused = services.documents.split_contactable(
        services.terms.requests_for(key, pairs)
    )
    return services.terms.print_batch(key, requests), 2


def _offer(services, family, _ctx):
    produced, refused = services.letters.print_offer_notices(SchoolYear(2027))
    assert refused == []
    return produced, 2


def _order(services, family):
    terms_id = prepare_billing(services)
    return services.billing.order(order_input(family, terms_id, date(2026, 11, 2), both=True))


def _usage(services, family, sub):
    return services.letters.print_usage_instructions(sub.id), 2


def _request_letter(services, family, _ctx):
    request = services.requests.create(
        RequestInput(
            RequestKind.ACCESS,
            datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
            "e-mail",
            "Mojca Golob",
            requester_guardian_id=family.mother_id,
            subject_student_id=family.student_id,
        )
    )
    return services.letters.print_request_letter(request.id, "acknowledgement"), 1


def _breach(services, family, _ctx):
    incident = services.breaches.record(
        datetime(2026, 12, 6, 13, 0, tzinfo=UTC),
        "A list of pupils was e-mailed to a parent.",
        [DataCategory.SCHOOL],
        "The recipient deleted it.",
    )
    for guardian_id in (family.mother_id, family.father_id):
        services.breaches.add_affected(
            incident.id, student_id=family.student_id, guardian_id=guardian_id
        )
    return services.letters.print_breach_notice(incident.id, "letters"), 2


CASES = [
    Case("terms", _terms_copy),
    Case("terms-batch", _terms_batch),
    Case("offer-notice", _offer),
    Case("usage-instructions", _usage, _order),
    Case("request-acknowledgement", _request_letter),
    Case("breach-letter", _breach),
]


def _english(services) -> None:
    with services.db.write(services.actor.login) as session:
        session.execute(update(Guardian).values(language="en"))
        session.execute(update(Student).values(language="en"))


def _records(services, produced) -> list[int | None]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(GeneratedDocument.guardian_id).where(
                    GeneratedDocument.document_id.in_(produced.document_ids)
                )
            )
        )


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
@pytest.mark.parametrize("who", ["adult-prohibition", "withdrawn", "minor"])
def test_letters_go_to_the_adult_student_after_a_prohibition(services_si, tmp_path, case, who):
    services = services_si
    birth = date(2012, 5, 17) if who == "minor" else date(2006, 1, 1)
    family = add_family(services, birth=birth, first="Nina", last="Golob", serial=540)
    _english(services)
    ctx = case.prepare(services, family)
    today = services.school.require_school().today()
    if who != "minor":
        prohibition = services.consent.register_prohibition(
            family.student_id, today - timedelta(days=10), handwritten_signature=True
        )
        if who == "withdrawn":
            services.consent.withdraw_prohibition(prohibition.id, prohibition.version, today)

    produced, to_guardians = case.print(services, family, ctx)
    text = text_of(produced.pdf, tmp_path, case.kind)
    records = _records(services, produced)
    if who == "adult-prohibition":
        assert records == [None]  # one copy, to the student; no guardian on the record
        assert "Nina Golob" in text or case.kind == "terms"  # a single copy names nobody
        assert "Prešernova" not in text and "Mojca Golob" not in text
    else:
        assert len(records) == to_guardians
        assert None not in records
        assert set(records) <= {family.mother_id, family.father_id}
        assert "Prešernova" in text or case.kind.startswith("terms")


def test_batch_resolution_puts_the_student_once(services_si):
    from desktop.services.documents import DocumentRequest

    services = services_si
    family = add_family(services, birth=date(2006, 1, 1), first="Nina", last="Golob", serial=540)
    other = add_family(services, first="Tim", last="Kos", serial=41)
    today = services.school.require_school().today()
    services.consent.register_prohibition(
        family.student_id, today, handwritten_signature=True, letter_reference="1/2026"
    )
    requests = [
        DocumentRequest("offer-notice", "x", "sl", f.student_id, g)
        for f in (family, other)
        for g in (f.mother_id, f.father_id)
    ]
    resolved = services.documents.resolve_addressees(requests)
    assert [(r.student_id, r.guardian_id) for r in resolved] == [
        (family.student_id, None),
        (other.student_id, other.mother_id),
        (other.student_id, other.father_id),
    ]
    # D7/D8 still go to each guardian
    stop = DocumentRequest("adult-prohibition-notice", "x", "sl", family.student_id, 1)
    assert services.documents.resolve_addressee(stop) is stop


# ---- D19 after an order, D11 before the school year: what the Today list asks for ----------


def test_usage_instructions_are_due_after_an_order_until_printed(services_si):
    services = services_si
    family = add_family(services)
    terms_id = prepare_billing(services)
    assert services.letters.usage_instructions_due() == []
    sub = services.billing.order(order_input(family, terms_id, date(2026, 11, 20)))
    [due] = services.letters.usage_instructions_due()
    assert (due.subscription_id, due.ordered_on) == (sub.id, date(2026, 11, 20))
    line = next(i for i in services.today.gather().items if i.student_id == family.student_id)
    assert line.describe() == "Send the instructions for signing in"
    assert line.record_id == sub.id

    services.letters.print_usage_instructions(sub.id)
    assert services.letters.usage_instructions_due() == []
    assert not any(i.student_id == family.student_id for i in services.today.gather().items)


def test_offer_notices_are_due_in_june_and_september(services_si):
    services = services_si
    add_family(services)
    prepare_billing(services)
    letters = services.letters
    assert letters.offer_notices_due(date(2026, 10, 15)) is None  # R78: no round in October
    june = letters.offer_notices_due(date(2026, 5, 20))
    assert (june.school_year, june.due_on, june.students) == (
        SchoolYear(2026),
        date(2026, 6, 1),
        1,
    )
    september = letters.offer_notices_due(date(2026, 9, 5))
    assert september.due_on == date(2026, 9, 1)
    [line] = [i for i in services.today.gather(date(2026, 9, 5)).items if "2026/27" in i.describe()]
    assert line.describe() == (
        "Offers for the school year 2026/27 to print; students without the service: 1"
    )
    letters.print_offer_notices(SchoolYear(2026))  # printed (today, 7 Dec) after 1 Sep
    assert letters.offer_notices_due(date(2026, 9, 5)) is None


def test_no_service_letters_are_due_in_estonia(services):
    family = add_family(services)
    assert services.letters.offer_notices_due(date(2026, 6, 1)) is None
    assert services.letters.usage_instructions_due() == []
    assert "service_letters" not in services.today.gather().skipped
    assert not any(i.student_id == family.student_id for i in services.today.gather().items)
