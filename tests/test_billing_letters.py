"""Billing letters read back from the PDF: pdftotext for the words (exact Slovenian text),
zbarimg for the UPN QR code on an invoice, the CLI print commands, languages and the
restricted-recipient refusal (R15)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from desktop.cli import main
from desktop.domain.billing.records import LetterChannel, LetterKind, OrderedBy, PaymentMethod
from desktop.domain.roles import Role
from desktop.domain.roster import Country, RestrictionKind
from desktop.services.billing import PaymentInput
from desktop.services.billing_letters import ReceivedLetter
from desktop.services.roster import ContactRestricted, GuardianInput
from tests.billing_fixtures import (
    add_family,
    ee_iban,
    order_input,
    prepare_billing,
    record_terms_notice,
    si_iban,
)
from tests.conftest import make_services

pytestmark = pytest.mark.db
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
needs_zbar = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs zbar-tools"
)


def pdf_text(pdf: bytes, tmp_path, name: str = "letter", *, layout: bool = False) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    mode = ["-layout"] if layout else []  # -layout keeps a framed slip's rows together
    out = subprocess.run(["pdftotext", *mode, str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8").replace("\xa0", " ")).strip()


def _url(services) -> str:
    return services.db.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def si(services_si):
    terms = prepare_billing(services_si)
    family = add_family(services_si)
    return services_si, terms, family


def _paid(services, terms, family, on, **kw):
    sub = services.billing.order(order_input(family, terms, on, **kw))
    [(invoice_id, _, reference, amount, _)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(amount, PaymentMethod.TRANSFER, on, reference=reference)
    )
    return sub, invoice_id, reference


@needs_zbar
def test_invoice_upn_qr_is_decoded_by_zbarimg_from_the_rendered_png(si, tmp_path):
    services, terms, family = si
    sub = services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    [(invoice_id, number, reference, _, _)] = services.billing.open_invoices(sub.id)
    pdf = services.billing_letters.print_invoice(invoice_id).pdf
    (tmp_path / "invoice.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(tmp_path / "invoice.pdf"), str(tmp_path / "page")],
        check=True,
    )
    [png] = tmp_path.glob("page*.png")
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, check=True)
    raw = scanned.stdout
    try:  # zbar honours ECI 4 and hands back UTF-8; an older zbar returns ISO 8859-2 bytes
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-2")
    fields = text.split("\n")
    assert fields[0] == "UPNQR"
    assert fields[5:8] == ["Mojca Novak", "Prešernova ulica 5", "1000 Ljubljana"]
    assert fields[8] == "00000002000"  # 20.00 €
    assert fields[11] == "SCVE" and fields[12] == "mojAsistent POPOLNI 2026/27"
    assert fields[13] == "16.10.2026"  # the order date + 14: the day before reminder 1
    assert fields[14] == si_iban() and fields[15] == reference
    assert fields[16:19] == ["eŠola d.o.o.", "Cerkvena ulica 11", "4290 Tržič"]
    body = pdf_text(pdf, tmp_path)
    assert f"Račun {number}: mojAsistent POPOLNI, šolsko leto 2026/27" in body
    assert "Za plačilo 20,00 €" in body and "16,39 € 22 % 3,61 € 20,00 €" in body
    assert "eŠola d.o.o." in body and "ID za DDV: SI12345679" in body
    assert "Testna šola" not in body.split("Pozdravljeni")[0]  # R73: not the school's letterhead


@needs_poppler
def test_estonian_invoice_has_bank_details_and_the_7_3_1_reference(db, tmp_path):
    services = make_services(db, Country.EE)
    terms = prepare_billing(services)
    family = add_family(services)
    services.roster.update_guardian(
        family.mother_id,
        services.roster.get(family.student_id).guardians[0].guardian_version,
        GuardianInput(
            "Mojca",
            "Novak",
            phone="+372 5123 4567",
            street="Tähe 1",
            postal_code="50103",
            city="Tartu",
            language="et",
        ),
    )
    sub = services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    [(invoice_id, number, reference, _, _)] = services.billing.open_invoices(sub.id)
    from desktop.documents.billing_letters import format_reference
    from desktop.domain.payment_refs import is_valid_ee_reference

    assert is_valid_ee_reference(reference)
    body = pdf_text(services.billing_letters.print_invoice(invoice_id).pdf, tmp_path, layout=True)
    assert f"Arve {number}: mojAsistent POPOLNI, õppeaasta 2026/27" in body
    assert f"Viitenumber {format_reference(reference)}" in body
    iban = " ".join(ee_iban()[i : i + 4] for i in range(0, len(ee_iban()), 4))
    assert f"IBAN {iban}" in body and "HABAEE2X" in body
    assert "Palume tasuda pangaülekandega" in body and "UPN" not in body and "Flik" not in body


@needs_poppler
def test_cancellation_confirmation_in_exact_slovenian_r98_r99(si, tmp_path):
    services, terms, family = si
    _paid(services, terms, family, date(2024, 9, 10))
    result = services.billing_letters.register_letter(
        family.student_id,
        ReceivedLetter(LetterKind.CANCEL_ALL, date(2025, 2, 28), LetterChannel.LETTER_TO_SCHOOL),
    )
    body = pdf_text(services.billing_letters.print_confirmation(result.letter_id).pdf, tmp_path)
    assert "Potrdilo o odpovedi naročnine mojAsistent POPOLNI" in body
    assert (
        "Pozdravljeni, dne 28. 2. 2025 smo prejeli vašo pisno odpoved naročnine "
        "mojAsistent POPOLNI. Odpoved začne veljati 1. 3. 2025; od tega dne vam obvestil ne "
        "pošiljamo več. Brezplačni mojAsistent MINIMALNI vam ostane na voljo."
    ) in body
    assert "Dopis prejet 28. 2. 2025 Začne veljati 1. 3. 2025" in body
    assert "V skladu s splošnimi pogoji se že plačani stroški ne vračajo." in body


@needs_poppler
def test_cancellation_forms_d3_and_d4_carry_both_addresses_and_signature_lines(si, tmp_path):
    services, terms, family = si
    sub, _, _ = _paid(services, terms, family, date(2024, 9, 10), both=True)
    d3 = pdf_text(
        services.billing_letters.print_cancellation_form(family.student_id).pdf, tmp_path, "d3"
    )
    assert "Odpoved naročnine mojAsistent POPOLNI" in d3
    assert "Podpisani dopis pošljite na enega od teh naslovov:" in d3
    assert "Testna šola Šolska 1 1000 Ljubljana" in d3  # the school's address block
    assert "eŠola d.o.o. Cerkvena ulica 11 4290 Tržič" in d3  # and eŠola's (R95)
    assert "Mojca Novak 041 123 456 mojca.novak@example.si" in d3
    assert "Marko Novak 031 654 321" in d3  # both profiles (R96)
    assert d3.count("Podpis") >= 2 and "Kraj in datum" in d3
    assert "Potreben je lastnoročni podpis." in d3
    father = services.billing.subscription(sub.id).profiles[1]
    d4 = pdf_text(
        services.billing_letters.print_cancellation_form(family.student_id, father.id).pdf,
        tmp_path,
        "d4",
    )
    assert "Odjava enega uporabnika storitve mojAsistent POPOLNI" in d4
    assert "Odjavi se samo ta uporabnik Ime in priimek Mobilni telefon E-pošta Marko Novak" in d4
    assert "samo spodaj navedeni uporabnik" in d4


@needs_poppler
def test_withdrawal_confirmation_states_the_r88_refund_d10(si, tmp_path):
    services, terms, family = si
    _paid(services, terms, family, date(2024, 9, 1))
    record_terms_notice(services, family.student_id, terms, date(2025, 2, 20))
    result = services.billing_letters.register_letter(
        family.student_id,
        ReceivedLetter(
            LetterKind.TERMS_WITHDRAWAL,
            date(2025, 2, 28),
            LetterChannel.SIGNED_EMAIL,
            notice_sent_on=date(2025, 2, 20),
        ),
    )
    body = pdf_text(services.billing_letters.print_confirmation(result.letter_id).pdf, tmp_path)
    assert "Potrdilo o odstopu od naročila mojAsistent POPOLNI" in body
    assert (
        "Odstop je prispel v 8-dnevnem roku (do 28. 2. 2025) in začne veljati 1. 3. 2025." in body
    )
    assert "Plačano obdobje 1. 9. 2024 – 31. 8. 2025" in body
    assert "Izračun 20,00 € × 184 / 365 Vračilo 10,08 €" in body


@needs_poppler
def test_reminders_and_termination_notice_through_the_cli(si, tmp_path, capsys):
    services, terms, family = si
    _paid(services, terms, family, date(2025, 10, 2))
    url = _url(services)
    for day in ("2026-09-01", "2026-10-08", "2026-10-16", "2026-10-24"):
        assert main(["--database", url, "daily", "--today", day]) == 0
    assert (
        main(
            [
                "--database",
                url,
                "billing",
                "notices",
                "--out",
                str(tmp_path / "r.pdf"),
                "--on",
                "2026-10-16",
            ]
        )
        == 0
    )
    assert "3 letter(s) written" in capsys.readouterr().out
    reminders = pdf_text((tmp_path / "r.pdf").read_bytes(), tmp_path, "r2")
    assert "Poziv k plačilu storitve mojAsistent POPOLNI za šolsko leto 2026/27" in reminders
    assert "Opomin: mojAsistent POPOLNI, šolsko leto 2026/27" in reminders
    assert "Drugi opomin: mojAsistent POPOLNI, šolsko leto 2026/27" in reminders
    assert "Prosimo, da ga poravnate do 23. 10. 2026." in reminders
    assert "prenehanje začne veljati 24. 10. 2026" in reminders
    [proposal] = services.billing.proposals()
    assert (
        main(["--database", url, "billing", "confirm", str(proposal.id), "--on", "2026-10-24"]) == 0
    )
    services.billing.charge_fee(proposal.subscription_id, on=date(2026, 10, 24))
    assert (
        main(
            [
                "--database",
                url,
                "billing",
                "notices",
                "--out",
                str(tmp_path / "t.pdf"),
                "--on",
                "2026-10-24",
            ]
        )
        == 0
    )
    notice = pdf_text((tmp_path / "t.pdf").read_bytes(), tmp_path, "t2")
    assert "Prenehanje naročnine mojAsistent POPOLNI zaradi neplačila" in notice
    assert "za šolsko leto 2026/27 kljub pozivu in dvema opominoma ni bil plačan" in notice
    assert "Vaša naročnina zato preneha 24. 10. 2026." in notice
    assert "preklopi na brezplačni mojAsistent MINIMALNI" in notice  # R103: the downgrade
    assert "zaračunavamo 5,00 € z DDV (4,10 € + 0,90 € DDV)" in notice  # R81 fee


@needs_poppler
def test_trial_end_notice_waits_for_the_confirmed_switch_d14(si, tmp_path):
    services, _, family = si
    services.billing.start_trial(
        family.student_id, OrderedBy.GUARDIAN, guardian_id=family.mother_id, on=date(2026, 10, 1)
    )
    services.daily.run(date(2026, 10, 1))
    services.daily.run(date(2026, 10, 31))
    batch = services.billing_letters.print_notices(today=date(2026, 10, 31))
    assert batch.printed == 1  # the first invitation only: the switch is not confirmed yet
    [p] = services.billing.proposals()
    services.billing.confirm(p.id, p.version, on=date(2026, 11, 2))
    batch = services.billing_letters.print_notices(today=date(2026, 11, 2))
    body = pdf_text(batch.produced.pdf, tmp_path)
    assert "Brezplačni preizkus storitve mojAsistent POPOLNI se je iztekel" in body
    assert "(od 1. 10. 2026 do 30. 10. 2026) se je iztekel" in body
    assert "Za preizkus vam ni bilo nič zaračunano." in body


@needs_poppler
def test_letters_go_out_in_the_guardians_language(si, tmp_path):
    services, terms, family = si
    link = services.roster.get(family.student_id).guardians[0]
    services.roster.update_guardian(
        family.mother_id,
        link.guardian_version,
        GuardianInput(
            "Mojca",
            "Novak",
            phone="041 123 456",
            street="Prešernova ulica 5",
            postal_code="1000",
            city="Ljubljana",
            language="et",
        ),
    )
    sub = services.billing.order(order_input(family, terms, date(2026, 10, 2)))
    [(invoice_id, number, _, _, _)] = services.billing.open_invoices(sub.id)
    body = pdf_text(services.billing_letters.print_invoice(invoice_id).pdf, tmp_path)
    assert f"Arve {number}" in body and "Lugupeetud Mojca Novak" in body
    assert "Kool Testna šola" in body


def test_restricted_guardian_gets_no_billing_letter_and_nothing_is_recorded(si):
    services, terms, family = si
    sub = services.billing.order(order_input(family, terms, date(2026, 9, 15)))
    [(invoice_id, _, _, _, _)] = services.billing.open_invoices(sub.id)
    today = services.school.require_school().today()
    services.roster.add_restriction(
        family.mother_link_id,
        RestrictionKind.PROHIBITION,
        permanent=True,
        valid_from=today,
        valid_to=None,
        authority="CSD Ljubljana",
    )
    for attempt in (
        lambda: services.billing_letters.print_invoice(invoice_id),
        lambda: services.billing_letters.print_cancellation_form(family.student_id),
    ):
        with pytest.raises((ContactRestricted, Exception)) as err:
            attempt()
        assert isinstance(err.value, ContactRestricted) or "no POPOLNI" in str(err.value)
    assert services.documents.history(family.student_id) == []


def test_print_commands_write_pdfs_and_record_them(si, tmp_path, capsys):
    services, terms, family = si
    services.billing.order(order_input(family, terms, date(2026, 10, 2), both=True))
    url = _url(services)
    assert (
        main(
            [
                "--database",
                url,
                "print",
                "invoice",
                "--student",
                family.code,
                "--out",
                str(tmp_path / "i.pdf"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--database",
                url,
                "print",
                "cancellation-letter",
                "--student",
                family.code,
                "--out",
                str(tmp_path / "c.pdf"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--database",
                url,
                "print",
                "cancellation-letter",
                "--student",
                family.code,
                "--only",
                "Marko Novak",
                "--out",
                str(tmp_path / "u.pdf"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "invoice for Ana Novak" in out and "D3 for Ana Novak" in out and "D4" in out
    assert all((tmp_path / n).read_bytes().startswith(b"%PDF") for n in ("i.pdf", "c.pdf", "u.pdf"))
    kinds = sorted(r.kind for r in services.documents.history(family.student_id))
    assert kinds == ["billing-cancellation-letter", "billing-invoice", "billing-unsubscribe-letter"]


def test_cli_order_pay_cancel_list(si, tmp_path, capsys):
    services, _, family = si
    url = _url(services)
    assert (
        main(
            [
                "--database",
                url,
                "billing",
                "order",
                "--student",
                family.code,
                "--guardian",
                "Mojca Novak",
                "--warranties",
                "--free-alternative-disclosed",
                "--on",
                "2026-10-02",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    reference = out.split("reference ")[1].strip()
    assert (
        main(
            [
                "--database",
                url,
                "billing",
                "pay",
                "--reference",
                reference,
                "--amount",
                "15,00",
                "--value-date",
                "2026-10-03",
            ]
        )
        == 0
    )
    assert "5.00 € still due (ORDERED)" in capsys.readouterr().out
    assert (
        main(
            [
                "--database",
                url,
                "billing",
                "pay",
                "--student",
                family.code,
                "--amount",
                "5.00",
                "--method",
                "card",
                "--txn",
                "BK-42",
                "--last4",
                "1234",
                "--value-date",
                "2026-10-04",
            ]
        )
        == 0
    )
    assert "subscription ACTIVE" in capsys.readouterr().out
    assert (
        main(
            [
                "--database",
                url,
                "billing",
                "pay",
                "--student",
                family.code,
                "--amount",
                "5.00",
                "--method",
                "card",
                "--txn",
                "4111111111111111",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "card number" in err and "4111111111111111" not in err
    assert main(["--database", url, "billing", "list", "--state", "active"]) == 0
    assert "1 subscription(s)" in capsys.readouterr().out
    assert (
        main(
            [
                "--database",
                url,
                "billing",
                "cancel",
                "--student",
                family.code,
                "--received",
                "2027-01-15",
                "--confirmation",
                str(tmp_path / "d5.pdf"),
            ]
        )
        == 0
    )
    assert "effective 2027-01-16" in capsys.readouterr().out
    assert (tmp_path / "d5.pdf").read_bytes().startswith(b"%PDF")


def test_cli_refuses_the_office_role(si, db, capsys, monkeypatch):
    services, _, family = si
    services.staff.add("tajnica", "Tajnica", {Role.OFFICE})
    monkeypatch.setattr("desktop.services.staff.os_login", lambda: "tajnica")
    url = _url(services)
    assert main(["--database", url, "billing", "list"]) == 4
    assert "Billing role" in capsys.readouterr().err
    assert (
        main(["--database", url, "billing", "pay", "--student", family.code, "--amount", "20"]) == 4
    )
