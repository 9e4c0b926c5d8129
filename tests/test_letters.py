"""Issue 15: the letters and forms D6, D9, D11, D16–D20, each rendered and read back as text,
and the records behind them (R17, R18, R34, R43, R48, R50, R51, R57–R61, R69, R70, R73, R100,
R104, R113, R117, R124)."""

from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from desktop.db.models import Guardian, Student
from desktop.domain.billing.records import LetterChannel, LetterKind, PaymentMethod
from desktop.domain.consent.breaches import BreachNotice
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.domain.roster import StudentStatus
from desktop.services.billing import PaymentInput
from desktop.services.billing_letters import ReceivedLetter
from desktop.services.documents import NotForThisCountry
from desktop.services.requests import RequestInput
from desktop.services.terms import DraftInput
from tests.billing_fixtures import add_family, order_input, prepare_billing

pytestmark = pytest.mark.db


def text_of(pdf: bytes, tmp_path, name: str = "doc") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    if keep := os.environ.get("SCHOOL_OFFICE_KEEP_PDFS"):  # to look at them: pdftoppm -png
        Path(keep, f"{name}-{len(list(Path(keep).glob(name + '*')))}.pdf").write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8").replace("\xa0", " ")).strip()


def _english(services) -> None:
    with services.db.write(services.actor.login) as session:
        session.execute(update(Guardian).values(language="en"))
        session.execute(update(Student).values(language="en"))


def _paid(services, terms, family, on):
    sub = services.billing.order(order_input(family, terms, on))
    [(_invoice, _, reference, amount, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(amount, PaymentMethod.TRANSFER, on, reference=reference)
    )
    return sub


def _new_version(services, published_on: date):
    terms = services.terms
    draft = terms.draft_version(
        "SI-POPOLNI-TERMS",
        DraftInput(
            {"sl": "1. Uvodne določbe\nNovo besedilo.", "en": "1. Introduction\nNew text."},
            published_on,
            summary={"en": "The price list moves to the portal.", "sl": "Cenik je na portalu."},
        ),
    )
    return terms.publish(draft.id, draft.version, published_on=published_on)


# ---- D9 and the withdrawal it allows (R50, R51, D10) --------------------------------------


def test_terms_change_notice_records_sent_on_and_withdrawal_uses_it(services_si, tmp_path):
    services = services_si
    terms = prepare_billing(services)
    family = add_family(services)
    _english(services)
    sub = _paid(services, terms, family, date(2026, 9, 1))
    withdrawal = ReceivedLetter(
        LetterKind.TERMS_WITHDRAWAL,
        date(2026, 12, 1),
        LetterChannel.SIGNED_EMAIL,
        notice_sent_on=date(2026, 11, 28),
    )
    # "after a terms change on ..." that never happened: refused, nothing changes
    with pytest.raises(ValidationError, match="no notice of a change of terms"):
        services.billing_letters.register_letter(family.student_id, withdrawal)

    version = _new_version(services, date(2026, 12, 1))
    assert version.effective_from == date(2026, 12, 16)  # R50: published + 15 days
    produced, refused = services.letters.print_terms_change_notices(
        version.id, sent_on=date(2026, 12, 2)
    )
    assert refused == []
    body = text_of(produced.pdf, tmp_path)
    assert "Notice of a change of the general terms" in body
    assert "The price list moves to the portal." in body
    assert "takes effect on 16 Dec 2026" in body
    assert "within 8 days of this notice being sent, that is by 10 Dec 2026" in body
    assert "refunded to you in proportion" in body
    notices = services.letters.terms_notices(sub.id)
    assert {n.sent_on for n in notices} == {date(2026, 12, 2)}
    assert notices[0].deadline == date(2026, 12, 10)
    assert notices[0].document_id in produced.document_ids

    # a date that is not the recorded one is refused; none given → the record's day is used
    with pytest.raises(ValidationError, match="no notice of a change of terms"):
        services.billing_letters.register_letter(family.student_id, withdrawal)
    late = ReceivedLetter(
        LetterKind.TERMS_WITHDRAWAL, date(2026, 12, 11), LetterChannel.LETTER_TO_SCHOOL
    )
    with pytest.raises(ValidationError):
        services.billing_letters.register_letter(family.student_id, late)
    ok = ReceivedLetter(
        LetterKind.TERMS_WITHDRAWAL, date(2026, 12, 5), LetterChannel.LETTER_TO_SCHOOL
    )
    result = services.billing_letters.register_letter(family.student_id, ok)
    assert result.processed and result.effective_on == date(2026, 12, 6)


# ---- D6: the adult student's prohibition and its withdrawal (R48, R100) ------------------


def test_prohibition_form_withdrawal_and_the_student_as_addressee(services_si, tmp_path):
    services = services_si
    adult = add_family(services, birth=date(2006, 1, 1), first="Nina", last="Golob", serial=540)
    _english(services)
    form = text_of(services.letters.print_prohibition_form(adult.student_id).pdf, tmp_path)
    assert "Prohibition of passing my personal data to my parents" in form
    assert "Nina Golob" in form and "Mojca Golob" in form and "Marko Golob" in form
    assert "handwritten signature" in form and "Signature" in form

    today = services.school.require_school().today()
    prohibition = services.consent.register_prohibition(
        adult.student_id, today - timedelta(days=10), handwritten_signature=True
    )
    # R48: letters about her now go to her, not to the parents
    assert services.documents.addressed_to_student(adult.student_id)
    request = services.requests.create(
        RequestInput(
            RequestKind.ACCESS,
            datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
            "e-mail",
            "Mojca Golob",
            requester_guardian_id=adult.mother_id,
            subject_student_id=adult.student_id,
        )
    )
    ack = services.letters.print_request_letter(request.id, "acknowledgement")
    ack_text = text_of(ack.pdf, tmp_path, "ack")
    assert "Nina Golob" in ack_text and "Prešernova" not in ack_text

    services.consent.withdraw_prohibition(prohibition.id, prohibition.version, today)
    letter = text_of(services.letters.print_prohibition_withdrawal(prohibition.id).pdf, tmp_path)
    assert "Your prohibition of passing data to your parents is withdrawn" in letter
    assert "no longer applies from 7 Dec 2026" in letter
    assert not services.documents.addressed_to_student(adult.student_id)


def test_prohibition_form_refused_before_full_capacity(services_si):
    child = add_family(services_si, birth=date(2012, 5, 17))
    with pytest.raises(ValidationError, match="full legal capacity only from"):
        services_si.letters.print_prohibition_form(child.student_id)


def test_daily_job_names_students_who_come_of_age(services_si):
    add_family(services_si, birth=date(2008, 12, 7), first="Tim", last="Kos", serial=41)
    result = services_si.daily.run(date(2026, 12, 7))
    line = next(r for r in result if r.job == "addressee-changes")
    assert "Tim Kos" in line.summary


# ---- D16 (R57–R59) --------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["SI", "EE"])
def test_request_letters_name_dpo_authority_and_deadlines(db, country, tmp_path):
    from desktop.domain.roster import Country
    from desktop.services.letters import Dpo
    from tests.conftest import make_services

    services = make_services(db, Country(country))
    services.letters.set_dpo(Dpo("Ana Kos", "dpo@example.org", "01 123 45 67"))
    request = services.requests.create(
        RequestInput(
            RequestKind.ACCESS,
            datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
            "e-mail",
            "Petra Zupan",
            category=DataCategory.BILLING,
            forward_to="eŠola d.o.o.",
        )
    )
    texts = {}
    for which in ("acknowledgement", "forwarded", "response"):
        pdf = services.letters.print_request_letter(
            request.id, which, answer="We hold no data about you.", language="en"
        ).pdf
        texts[which] = text_of(pdf, tmp_path, which)
    assert (
        "answer it as soon as possible and at the latest by 1 Jan 2027" in texts["acknowledgement"]
    )
    assert "eŠola d.o.o." in texts["forwarded"]
    assert "We hold no data about you." in texts["response"]
    for body in texts.values():
        assert "Ana Kos" in body and "dpo@example.org" in body
        if country == "SI":
            assert "Informacijski pooblaščenec" in body and "Dunajska cesta 22" in body
        else:
            assert "Andmekaitse Inspektsioon" in body and "Informacijski" not in body


# ---- D17 (R69, R70) -------------------------------------------------------------------------


def test_breach_notices_show_the_72_hour_deadline(services, tmp_path):
    family = add_family(services, first="Kati", last="Tamm")
    _english(services)
    detected = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)  # Sun 15:00 in Tallinn
    incident = services.breaches.record(
        detected,
        "A list of pupils was e-mailed to a parent.",
        [DataCategory.SCHOOL],
        "The recipient deleted it.",
    )
    services.breaches.add_affected(incident.id, guardian_id=family.mother_id)
    services.breaches.record_notice(
        incident.id, BreachNotice.HOME_PAGE, detected + timedelta(hours=1)
    )
    home = text_of(services.letters.print_breach_notice(incident.id, "home-page").pdf, tmp_path)
    report = text_of(services.letters.print_breach_notice(incident.id, "report").pdf, tmp_path)
    letters = text_of(services.letters.print_breach_notice(incident.id, "letters").pdf, tmp_path)
    for body in (home, report, letters):
        assert "A list of pupils was e-mailed to a parent." in body
        assert "09.12.2026 15:00" in body or "9 Dec 2026" in body  # detected + 72 h
    assert "Riigi Infosüsteemi Amet" in report and "Andmekaitse Inspektsioon" in report
    assert "Prešernova ulica 5" in letters  # the mother's address in the window


# ---- D20 (R43, R124) ------------------------------------------------------------------------


def test_contact_report_updates_the_contact_and_keeps_the_hour(services_si, tmp_path):
    services = services_si
    family = add_family(services)
    _english(services)
    received = datetime(2026, 12, 4, 13, 25, tzinfo=UTC)  # 14:25 in Ljubljana
    report = services.letters.record_contact_report(
        family.mother_id,
        received,
        "e-mail to the school",
        new_phone="040 999 888",
        student_id=family.student_id,
    )
    assert report.old_phone == "041 123 456" and report.new_phone == "040 999 888"
    student = services.roster.get(family.student_id)
    assert student.guardians[0].phone == "040 999 888"
    body = text_of(
        services.letters.print_contact_report(family.mother_id, report_id=report.id).pdf,
        tmp_path,
    )
    assert "Report of a lost phone or of changed contact data" in body
    assert "14:25" in body and "041 123 456" in body and "040 999 888" in body
    blank = text_of(services.letters.print_contact_report(family.mother_id).pdf, tmp_path, "b")
    assert "Received (day and hour)" in blank


# ---- D11, D19 (SI) and D18 (EE); each country only its own ------------------------------


def test_offer_and_usage_instructions_si(services_si, tmp_path):
    services = services_si
    terms = prepare_billing(services)
    family = add_family(services)
    add_family(services, first="Luka", last="Zupan", serial=10)
    _english(services)
    produced, _refused = services.letters.print_offer_notices(SchoolYear(2027))
    offer = text_of(produced.pdf, tmp_path, "offer")
    assert "Offer: the paid notification service for the school year 2027/28" in offer
    assert "€20.00" in offer and "Flik" in offer and "not compulsory" in offer
    sub = _paid(services, terms, family, date(2026, 9, 1))
    usage = text_of(services.letters.print_usage_instructions(sub.id).pdf, tmp_path, "usage")
    assert "How to sign in" in usage and "text message" in usage and "QR code" in usage


def test_moodle_forms_ee_and_no_slovenian_text(services, tmp_path):
    family = add_family(services, first="Kati", last="Tamm")
    application = services.letters.print_moodle_application(
        "Mari Maasikas", "mari.maasikas", "mari@kool.ee", signatory="Jaan Tamm, direktor"
    )
    text = text_of(application.pdf, tmp_path, "app")
    for item in (
        "Test School",
        "Mari Maasikas",
        "mari.maasikas",
        "mari@kool.ee",
        "moodle@tugi.edu.ee",
    ):
        assert item in text
    retention = services.letters.print_moodle_longer_retention(
        [family.student_id],
        "Matemaatika 7",
        date(2026, 5, 31),
        date(2027, 6, 30),
        "the final assessment is repeated",
    )
    assert "30.11.2026" in text_of(retention.pdf, tmp_path, "ret")  # 31 May + 6 months
    with services.db.write(services.actor.login) as session:
        session.execute(update(Student).values(status=StudentStatus.LEFT))
    deletion = services.letters.print_moodle_deletion(family.student_id, username="kati.tamm")
    assert "kati.tamm" in text_of(deletion.pdf, tmp_path, "del")
    # EE prints no Slovenian-only documents (D6, D7, D9, D11, D19)
    with pytest.raises(NotForThisCountry):
        services.letters.print_prohibition_form(family.student_id)


# ---- the CLI -----------------------------------------------------------------------------


def test_cli_prints_the_form_and_withdraws_the_prohibition(services_si, db_url, tmp_path):
    from desktop.cli import main

    services = services_si
    adult = add_family(services, birth=date(2006, 1, 1), first="Nina", last="Golob", serial=540)
    _english(services)
    code = services.roster.get(adult.student_id).personal_code
    form = tmp_path / "form.pdf"
    base = ["--database", db_url]
    assert main([*base, "print", "prohibition-form", "--student", code, "--out", str(form)]) == 0
    assert "Nina Golob" in text_of(form.read_bytes(), tmp_path, "cli-form")
    today = services.school.require_school().today()
    services.consent.register_prohibition(
        adult.student_id, today - timedelta(days=3), handwritten_signature=True
    )
    out = tmp_path / "withdrawn.pdf"
    args = ["letters", "withdraw-prohibition", "--student", code, "--on", today.isoformat()]
    assert main([*base, *args, "--out", str(out)]) == 0
    assert "is withdrawn" in text_of(out.read_bytes(), tmp_path, "cli-withdrawn")
    assert services.consent.prohibitions(adult.student_id)[0].withdrawn_on == today


# ---- the GUI: the Consent tab's prohibitions page --------------------------------------


@pytest.mark.gui
def test_consent_tab_records_the_withdrawal_and_prints_it(
    qtbot, services_si, inline_workers, monkeypatch
):
    from pypdf import PdfReader

    from desktop.ui.tabs.consent import ConsentTab

    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    services = services_si
    adult = add_family(services, birth=date(2006, 1, 1), first="Nina", last="Golob", serial=540)
    today = services.school.require_school().today()
    services.consent.register_prohibition(
        adult.student_id, today - timedelta(days=3), handwritten_signature=True
    )
    tab = ConsentTab(services, services.school.require_school())
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    tab.prohibitions.select(0)
    tab.prohibitions.buttons["withdraw"].click()
    dialog = tab.controller.dialog
    dialog.accept()
    assert services.consent.prohibitions(adult.student_id)[0].withdrawn_on == today
    preview = tab.controller.preview
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(preview.pdf)).pages)
    assert "Nina Golob" in text
