"""One of every document kind in the registry (desktop.documents.kinds), printed through the
services for a demo school in one language: the material of tests/test_printed_text.py.

`render_every_kind(services, language)` fills an empty database with the demo school of its
country (a small roster, no demo billing), adds a few families whose stories reach every
letter (an order paid and withdrawn from, a renewal left unpaid until the termination, a trial,
an adult student's prohibition, an authority's restriction, a data request, a breach, a
changed phone, Harno Moodle forms), sets every guardian's language to
`language` and returns {kind: pdf bytes}.
"""

from __future__ import annotations

import contextlib
from datetime import date

from sqlalchemy import select, update

from desktop.db.models import Guardian, Refund, Student
from desktop.documents.kinds import DOCUMENT_KINDS, applies_in
from desktop.documents.sample_letter import KIND as SAMPLE_KIND
from desktop.documents.sample_letter import TITLE as SAMPLE_TITLE
from desktop.documents.sample_letter import build_sample_letter
from desktop.domain.billing.records import LetterChannel, LetterKind, OrderedBy, PaymentMethod
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roster import Country, Language, RestrictionKind
from desktop.domain.today import threshold_ages
from desktop.services.billing import PaymentInput
from desktop.services.billing_letters import ReceivedLetter
from desktop.services.demo import DemoService
from desktop.services.documents import DocumentRequest
from tests.billing_fixtures import add_family, order_input, prepare_billing, record_terms_notice

KINDS = tuple(kind.key for kind in DOCUMENT_KINDS)


def _paid(services, terms, family, on, **kw):
    sub = services.billing.order(order_input(family, terms, on, **kw))
    [(invoice_id, _, reference, amount, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(amount, PaymentMethod.TRANSFER, on, reference=reference)
    )
    return sub, invoice_id


def _set_language(services, language: str) -> None:
    with services.db.write(services.actor.login) as session:
        session.execute(update(Guardian).values(language=Language(language)))


def render_every_kind(services, country: Country, language: str) -> dict[str, bytes]:
    DemoService(services.db, services.actor).fill(country, students=24, billing=False)
    terms = prepare_billing(services)
    out: dict[str, list[bytes]] = {}

    def keep(kind: str, pdf: bytes) -> None:
        out.setdefault(kind, []).append(pdf)

    a = add_family(services, first="Sara", last="Košir", serial=520)
    _set_language(services, language)
    d = add_family(services, first="Eva", last="Kranjc", serial=530)
    _set_language(services, language)
    if applies_in("billing-invoice", country.value):  # the paid tier is Slovenian
        b, letters = services.billing, services.billing_letters
        # A: paid, both guardians on the order; the forms; withdrawal after a change of terms
        _sub, invoice_id = _paid(services, terms, a, date(2024, 9, 2), both=True)
        keep("billing-invoice", letters.print_invoice(invoice_id).pdf)
        keep("billing-cancellation-letter", letters.print_cancellation_form(a.student_id).pdf)
        father = b.subscription(_sub.id).profiles[1]
        keep(
            "billing-unsubscribe-letter",
            letters.print_cancellation_form(a.student_id, father.id).pdf,
        )
        record_terms_notice(services, a.student_id, terms, date(2025, 2, 20))
        withdrawal = letters.register_letter(
            a.student_id,
            ReceivedLetter(
                LetterKind.TERMS_WITHDRAWAL,
                date(2025, 2, 28),
                LetterChannel.SIGNED_EMAIL,
                notice_sent_on=date(2025, 2, 20),
            ),
        )
        keep(
            "billing-withdrawal-confirmation", letters.print_confirmation(withdrawal.letter_id).pdf
        )
        with services.db.read() as session:
            refund_ids = session.scalars(select(Refund.id).where(Refund.student_id == a.student_id))
            refund_ids = list(refund_ids)
        for refund_id in refund_ids:
            keep("billing-refund-statement", letters.print_refund_statement(refund_id).pdf)

        # B: cancelled by letter (D5)
        c = add_family(services, first="Luka", last="Zupan", serial=10)
        _set_language(services, language)
        _paid(services, terms, c, date(2024, 9, 3))
        cancel = letters.register_letter(
            c.student_id,
            ReceivedLetter(
                LetterKind.CANCEL_ALL, date(2025, 2, 28), LetterChannel.LETTER_TO_SCHOOL
            ),
        )
        keep("billing-cancellation-confirmation", letters.print_confirmation(cancel.letter_id).pdf)

        # C: paid last year, the renewal left unpaid: invitation, reminders, termination (+ fee)
        _paid(services, terms, d, date(2025, 10, 2))
        # D: a trial that ends
        t = add_family(services, first="Jan", last="Horvat", serial=40)
        _set_language(services, language)
        b.start_trial(
            t.student_id, OrderedBy.GUARDIAN, guardian_id=t.mother_id, on=date(2026, 10, 1)
        )
        for day in ("2026-09-01", "2026-10-01", "2026-10-08", "2026-10-16", "2026-10-24"):
            services.daily.run(date.fromisoformat(day))
        _print_notices(services, date(2026, 10, 16), keep)
        _confirm_all(services, date(2026, 10, 24))
        services.daily.run(date(2026, 10, 31))
        _confirm_all(services, date(2026, 11, 2))
        _print_notices(services, date(2026, 11, 2), keep)

    # the data-access export and its code slip (D15, D2), the terms (D1)
    issued = services.access_export.issue_code(a.student_id, a.mother_id)
    keep("access-code-slip", issued.slip.pdf)
    keep(
        "access-export",
        services.access_export.export(a.student_id, a.mother_id, issued.code).produced.pdf,
    )
    keep("terms", services.terms.print_for_student(a.student_id).produced.pdf)

    # D8: an authority restricts the father of C; D7: an adult student forbids
    today = services.school.require_school().today()
    restriction = services.roster.add_restriction(
        d.father_link_id,
        RestrictionKind.PROHIBITION,
        permanent=False,
        valid_from=today,
        valid_to=date(today.year + 1, today.month, 1),
        authority="CSD Ljubljana",
    )
    keep("restriction-notice", services.consent.print_restriction_notice(restriction.id).pdf)
    if applies_in("adult-prohibition-notice", country.value):
        adult = add_family(services, birth=date(2006, 1, 1), first="Nina", last="Golob", serial=540)
        _set_language(services, language)
        prohibition = services.consent.register_prohibition(
            adult.student_id, today, handwritten_signature=True
        )
        keep(
            "adult-prohibition-notice",
            services.consent.print_prohibition_notices(prohibition.id).pdf,
        )

    _letter_samples(services, country, language, a, keep)

    # the re-consent letters to a student reaching 13 [EE], 15 [SI] and 18 (issue 19)
    with services.db.write(services.actor.login) as session:
        session.execute(
            update(Student).where(Student.id == a.student_id).values(language=Language(language))
        )
    for years in threshold_ages(country.value):
        keep("re-consent-letter", services.today.print_reconsent_letter(a.student_id, years).pdf)

    # the print check of the installer
    school = services.documents.letterhead()
    request = DocumentRequest(SAMPLE_KIND, SAMPLE_TITLE, language)
    keep(
        SAMPLE_KIND,
        services.documents.produce(
            request,
            lambda info: build_sample_letter(
                school,
                info,
                language,
                ("Mojca Novak", "Prešernova ulica 5", "1000 Ljubljana"),
                "Mojca Novak",
            ),
        ).pdf,
    )
    return out


def _print_notices(services, day: date, keep) -> None:
    from desktop.services.billing_letters.notices import NOTICE_KINDS

    pending = services.billing_letters.pending_notices(day)
    for notice in pending:
        batch = services.billing_letters.print_notices([notice.id], today=day)
        if batch.produced is not None:
            keep(NOTICE_KINDS[notice.kind], batch.produced.pdf)


def _confirm_all(services, day: date) -> None:
    """A person confirms every proposal (a termination for non-payment with its fee, a
    trial's switch to the free tier)."""
    billing = services.billing
    for proposal in billing.proposals():
        billing.confirm(proposal.id, proposal.version, on=day)
        with contextlib.suppress(SchoolOfficeError):  # a trial's switch has no fee
            billing.charge_fee(proposal.subscription_id, on=day)


# What the secretary types into a letter (an answer, a description, a reason) is written in the
# letter's language: the samples give it in each of them.
_TYPED = {
    "sl": {
        "summary": "Cenik je zdaj objavljen na portalu.",
        "answer": "O vas hranimo le podatke, navedene v priloženem izpisu.",
        "breach": "Seznam učencev je bil po pomoti poslan enemu od staršev.",
        "contained": "Prejemnik je sporočilo izbrisal.",
        "channel": "e-pošta šoli",
        "reason": "ponovno preverjanje znanja",
    },
    "et": {
        "summary": "Hinnakiri on nüüd avaldatud portaalis.",
        "answer": "Teie kohta hoiame ainult lisatud väljavõttes toodud andmeid.",
        "breach": "Õpilaste nimekiri saadeti ekslikult ühele lapsevanemale.",
        "contained": "Saaja kustutas kirja.",
        "channel": "e-kiri koolile",
        "reason": "lõpuhindamist korratakse",
    },
    "en": {
        "summary": "The price list is now on the portal.",
        "answer": "We hold only the data listed in the enclosed copy.",
        "breach": "A list of pupils was e-mailed to a parent by mistake.",
        "contained": "The recipient deleted it.",
        "channel": "e-mail to the school",
        "reason": "the final assessment is repeated",
    },
}


def _letter_samples(services, country: Country, language: str, a, keep) -> None:
    """The letters and forms of issue 15 (D6, D9, D11, D16–D20, D18), each for the country it
    applies to, from small stories on the demo school."""
    from datetime import UTC, datetime, timedelta

    from desktop.db.models import Student
    from desktop.domain.consent.breaches import BreachNotice
    from desktop.domain.consent.requests import RequestKind
    from desktop.domain.consent.retention import DataCategory
    from desktop.domain.dates import SchoolYear
    from desktop.domain.roster import StudentStatus
    from desktop.services.letters import Dpo
    from desktop.services.requests import RequestInput
    from desktop.services.roster import StudentInput
    from desktop.services.terms import DraftInput

    typed = _TYPED[language]
    letters = services.letters
    today = services.school.require_school().today()

    def students_speak() -> None:
        with services.db.write(services.actor.login) as session:
            session.execute(update(Student).values(language=Language(language)))

    if applies_in("terms-change-notice", country.value):
        # D9 to a family that ordered this autumn, then D19 for its order; D11 to a class
        # whose families have not ordered yet
        terms = services.terms.versions("SI-POPOLNI-TERMS")[0].id
        e = add_family(services, first="Maja", last="Vidmar", serial=560, klass="9.c")
        _set_language(services, language)
        sub, _invoice = _paid(services, terms, e, date(2026, 11, 20))
        draft = services.terms.draft_version(
            "SI-POPOLNI-TERMS",
            DraftInput(
                {"sl": "1. Uvodne določbe\nNovo besedilo.", "en": "1. Introduction\nNew text."},
                date(2026, 12, 1),
                summary={lang: _TYPED[lang]["summary"] for lang in _TYPED},
            ),
        )
        version = services.terms.publish(draft.id, draft.version, published_on=date(2026, 12, 1))
        produced, _refused = letters.print_terms_change_notices(
            version.id, sent_on=date(2026, 12, 2), subscription_ids=[sub.id]
        )
        keep("terms-change-notice", produced.pdf)
        keep("usage-instructions", letters.print_usage_instructions(sub.id).pdf)
        add_family(services, first="Lara", last="Kos", serial=570, klass="9.c")
        _set_language(services, language)
        produced, _refused = letters.print_offer_notices(SchoolYear(2027), class_name="9.c")
        keep("offer-notice", produced.pdf)

    if applies_in("adult-prohibition-form", country.value):
        # D6: the form an adult student signs, and the confirmation once she withdraws it
        adult = add_family(services, birth=date(2006, 3, 1), first="Tina", last="Zajc", serial=580)
        _set_language(services, language)
        students_speak()
        keep("adult-prohibition-form", letters.print_prohibition_form(adult.student_id).pdf)
        prohibition = services.consent.register_prohibition(
            adult.student_id, today - timedelta(days=10), handwritten_signature=True
        )
        services.consent.withdraw_prohibition(prohibition.id, prohibition.version, today)
        keep(
            "adult-prohibition-withdrawal",
            letters.print_prohibition_withdrawal(prohibition.id).pdf,
        )

    # D16: a mother asks for her child's data; the request is also forwarded
    letters.set_dpo(Dpo("Ana Kos", "dpo@example.org", "01 123 45 67"))
    forward_to = "eŠola d.o.o." if country.value == "SI" else "Haridus- ja Noorteamet"
    request = services.requests.create(
        RequestInput(
            RequestKind.ACCESS,
            datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
            typed["channel"],
            "Mojca Košir",
            requester_guardian_id=a.mother_id,
            subject_student_id=a.student_id,
            forward_to=forward_to,
        )
    )
    for which in ("acknowledgement", "forwarded", "response"):
        keep(
            f"request-{which}",
            letters.print_request_letter(request.id, which, answer=typed["answer"]).pdf,
        )

    # D17: a breach, its home-page notice, the report to the authority, the letters
    detected = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
    incident = services.breaches.record(
        detected, typed["breach"], [DataCategory.SCHOOL], typed["contained"]
    )
    services.breaches.add_affected(incident.id, guardian_id=a.mother_id)
    services.breaches.record_notice(
        incident.id, BreachNotice.HOME_PAGE, detected + timedelta(hours=1)
    )
    for which in ("home-page", "report", "letters"):
        kind = "breach-letter" if which == "letters" else f"breach-{which}"
        keep(kind, letters.print_breach_notice(incident.id, which).pdf)

    # D20: the blank form, a changed phone number, a lost phone
    keep("contact-report", letters.print_contact_report(a.father_id).pdf)
    for guardian_id, kind, phone in (
        (a.mother_id, "CONTACT_CHANGE", "040 999 888"),
        (a.father_id, "LOST_DEVICE", ""),
    ):
        report = letters.record_contact_report(
            guardian_id,
            datetime(2026, 12, 4, 13, 25, tzinfo=UTC),
            typed["channel"],
            kind=kind,
            new_phone=phone,
            student_id=a.student_id,
        )
        keep("contact-report", letters.print_contact_report(guardian_id, report_id=report.id).pdf)

    if applies_in("moodle-institution-application", country.value):
        # D18: the school joins Harno Moodle; a longer stay on a course; a pupil who left;
        # a pupil without an Estonian personal code
        students_speak()
        keep(
            "moodle-institution-application",
            letters.print_moodle_application(
                "Mari Maasikas", "mari.maasikas", "mari@kool.ee", signatory="Jaan Tamm"
            ).pdf,
        )
        keep(
            "moodle-longer-retention",
            letters.print_moodle_longer_retention(
                [a.student_id],
                "Matemaatika 7",
                date(2026, 5, 31),
                date(2027, 6, 30),
                typed["reason"],
            ).pdf,
        )
        left = add_family(services, first="Kati", last="Tamm", serial=590)
        with services.db.write(services.actor.login) as session:
            session.execute(
                update(Student)
                .where(Student.id == left.student_id)
                .values(status=StudentStatus.LEFT)
            )
        keep(
            "moodle-account-deletion",
            letters.print_moodle_deletion(
                left.student_id, username="kati.tamm", email="kati.tamm@example.ee"
            ).pdf,
        )
        foreign = services.roster.create_student(
            StudentInput(
                "Mia",
                "Kask",
                birth_date=date(2012, 3, 4),
                no_local_code=True,
                class_name="7.a",
                foreign_document_id="C01X00T47",
                language=language,
            )
        )
        keep(
            "moodle-code-exception",
            letters.print_moodle_code_exception(
                foreign.id, username="mia.kask", email="mia.kask@example.ee"
            ).pdf,
        )
