"""Verification codes (R39, R40) and the data-access export (D2, R60): a demo student's export
read back with pypdf and pdftotext, its JSON attachment compared with the database; codes tried
wrong five times, expired, reused; restricted guardians refused; the headless command."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from desktop.cli import main
from desktop.db.models import AccessCode, AuditEntry, GeneratedDocument, Student
from desktop.domain import clock
from desktop.domain.consent.codes import AttemptResult, CodeKind, CodeState
from desktop.domain.errors import PermissionDenied
from desktop.domain.roles import Role
from desktop.domain.roster import RestrictionKind
from desktop.services.access_export import CodeRefused
from desktop.services.documents import printed_name
from desktop.services.roster import ContactRestricted
from tests.consent_helpers import EMSO, accept_popolni, popolni, si_family, staff

pytestmark = pytest.mark.db


@pytest.fixture
def family(services_si):
    popolni(services_si)
    family = si_family(services_si)
    accept_popolni(services_si, family, family.mother_id, date(2024, 10, 1))
    accept_popolni(services_si, family, family.father_id, date(2024, 10, 2))
    return family


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _code_on_slip(pdf: bytes) -> str:
    match = re.search(r"\b(\d{3}) (\d{3})\b", _text(pdf))
    return match.group(1) + match.group(2)


# ---- issuing -------------------------------------------------------------------------------


def test_only_the_authorised_person_issues_codes(services_si, family):
    office = staff(services_si, "tajnica", Role.OFFICE)
    with pytest.raises(PermissionDenied, match="Authorised person"):
        office.access_export.issue_code(family.student.id, family.mother_id)
    # R60/R121: the copy holds payer data and payments, which the office may not see; nor
    # does it read the codes (the server's grants say the same, tests/test_server_identity.py)
    for call in (
        lambda: office.access_export.export(family.student.id, family.mother_id, "123456"),
        lambda: office.access_export.check_code(family.student.id, family.mother_id, "123456"),
        lambda: office.access_export.collect(family.student.id, family.mother_id),
        lambda: office.access_export.codes(),
    ):
        with pytest.raises(PermissionDenied, match="Authorised person"):
            call()
    dpo = staff(services_si, "pooblascenec", Role.DATA_PROTECTION)
    issued = dpo.access_export.issue_code(family.student.id, family.mother_id)
    assert re.fullmatch(r"\d{6}", issued.code)
    text = _text(issued.slip.pdf)
    assert _code_on_slip(issued.slip.pdf) == issued.code
    assert "Žiga Novak" in text and "Ana Novak" in text
    assert EMSO not in text
    with services_si.db.read() as session:
        row = session.scalar(select(AccessCode))
        assert issued.code not in row.code_hash and row.code_hash.startswith("scrypt$")
        assert row.issued_by == "pooblascenec" and row.slip_document_id
        issue_log = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "issue-code")
        ).all()
        assert len(issue_log) == 1 and issued.code not in json.dumps(issue_log[0].after)
        assert all(
            issued.code not in json.dumps([e.before, e.after])
            for e in session.scalars(select(AuditEntry))
        )
    # R40: valid 14 days, to the end of the 14th local day
    issued_on = issued.expires_at - timedelta(days=15)
    assert issued.expires_at.astimezone().hour in (0, 23, 1)  # midnight Ljubljana, in UTC
    assert issued_on < clock.now()


def test_a_new_code_replaces_the_old_one(services_si, family):
    first = services_si.access_export.issue_code(family.student.id, family.mother_id)
    second = services_si.access_export.issue_code(family.student.id, family.mother_id)
    states = {c.id: c.state for c in services_si.access_export.codes(family.student.id)}
    assert states == {first.code_id: CodeState.REVOKED, second.code_id: CodeState.VALID}
    if first.code != second.code:
        with pytest.raises(CodeRefused):
            services_si.access_export.export(family.student.id, family.mother_id, first.code)


# ---- trying codes --------------------------------------------------------------------------


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_five_wrong_attempts_lock_the_code(services_si, family):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    service = services_si.access_export
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeRefused) as info:
            service.export(family.student.id, family.mother_id, _wrong(issued.code))
        assert info.value.result is AttemptResult.WRONG and info.value.attempts_left == left
        assert f"{left} attempt{'' if left == 1 else 's'} left" in str(info.value)
    with pytest.raises(CodeRefused) as info:
        service.export(family.student.id, family.mother_id, _wrong(issued.code))
    assert info.value.result is AttemptResult.LOCKED
    with pytest.raises(CodeRefused, match="locked"):  # even the right code now
        service.export(family.student.id, family.mother_id, issued.code)
    with services_si.db.read() as session:
        assert session.scalar(select(AccessCode.failed_attempts)) == 5
        assert (
            session.scalar(
                select(GeneratedDocument.id).where(GeneratedDocument.kind == "access-export")
            )
            is None
        )


def test_expired_code(services_si, family, fixed_clock):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    fixed_clock.instant = issued.expires_at
    with pytest.raises(CodeRefused, match="expired"):
        services_si.access_export.export(family.student.id, family.mother_id, issued.code)
    fixed_clock.instant = issued.expires_at - timedelta(seconds=1)
    result = services_si.access_export.export(family.student.id, family.mother_id, issued.code)
    assert result.code_id == issued.code_id


def test_a_code_works_once(services_si, family):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    services_si.access_export.export(family.student.id, family.mother_id, issued.code)
    with pytest.raises(CodeRefused, match="already been used"):
        services_si.access_export.export(family.student.id, family.mother_id, issued.code)


def test_a_code_is_bound_to_its_guardian(services_si, family):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    with pytest.raises(CodeRefused, match="no code has been issued"):
        services_si.access_export.export(family.student.id, family.father_id, issued.code)


def test_restricted_guardian_gets_no_code_and_no_export(services_si, family):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    link = family.student.guardians[0]
    services_si.roster.add_restriction(
        link.link_id,
        RestrictionKind.RESTRICTION,
        permanent=True,
        valid_from=services_si.school.require_school().today(),
        valid_to=None,
        authority="Center za socialno delo",
    )
    with pytest.raises(ContactRestricted):
        services_si.access_export.export(family.student.id, family.mother_id, issued.code)
    with pytest.raises(ContactRestricted):
        services_si.access_export.issue_code(family.student.id, family.mother_id)
    with services_si.db.read() as session:  # the refused try was not counted, nothing issued
        assert session.scalars(select(AccessCode.failed_attempts)).all() == [0]


# ---- the export ----------------------------------------------------------------------------


def test_export_read_back_and_compared_with_the_database(services_si, family):
    service = services_si.access_export
    issued = service.issue_code(family.student.id, family.mother_id)
    result = service.export(family.student.id, family.mother_id, issued.code)
    pdf = result.produced.pdf
    reader = PdfReader(io.BytesIO(pdf))
    data = json.loads(reader.attachments["access-export.json"][0])
    assert data["format"] == "school-office/access-export"

    # R60 header: child, school, guardian, generated at/by, period, the code's number only
    header = data["header"]
    assert header["child"] == "Žiga Novak" and header["requesting_guardian"] == "Ana Novak"
    assert header["school"] == "Testna šola" and header["verification_code_id"] == issued.code_id
    # a staff member's full name, never a login: "" when only the login is known (the page
    # then says "Tajništvo")
    assert header["generated_by"] == printed_name(services_si.actor) == ""
    assert header["period"]["to"] == services_si.school.require_school().today().isoformat()

    sections = data["sections"]
    with services_si.db.read() as session:
        student = session.get(Student, family.student.id)
        [child] = sections["child"]["rows"]
        assert (child["first_name"], child["last_name"], child["birth_date"]) == (
            student.first_name,
            student.last_name,
            student.birth_date.isoformat(),
        )
        assert child["class_name"] == student.class_name and child["status"] == "ENROLLED"
        documents = session.scalars(
            select(GeneratedDocument.document_id).where(
                GeneratedDocument.student_id == student.id, GeneratedDocument.sha256 != ""
            )
        ).all()
        audit_count = len(
            session.scalars(select(AuditEntry.id).where(AuditEntry.student_id == student.id)).all()
        )
    assert [d["document_id"] for d in sections["documents"]["rows"]] == documents[:1]  # the slip
    # Only the requester's own decision and contact details; the father's are his data.
    assert [d["version"] for d in sections["terms_decisions"]["rows"]] == ["1.0"]
    mother, father = sections["guardians"]["rows"]
    assert mother["email"] == "ana.novak@example.si" and father["email"] is None
    assert father["name"] == "Marko Novak"
    trail = sections["audit_trail"]["rows"]
    assert 0 < len(trail) < audit_count  # the father's link and decision are left out
    assert not any("marko@example.si" in row["changes"] for row in trail)
    [code] = sections["verification_codes"]["rows"]
    assert code["id"] == issued.code_id and code["used_at"]

    # R38: the EMŠO is on no page and in no byte of the JSON
    text = _text(pdf)
    assert EMSO not in text and EMSO not in json.dumps(data)
    assert "(ni prikazano)" in text  # "(withheld)", in the guardian's Slovenian
    # Readable: the guardian's language (Slovenian) and the same data as the JSON
    assert "Žiga Novak" in text and "Ana Novak" in text and "17. 5. 2012" in text
    assert result.export.language == "sl"

    # Logged: the document record and an audit entry naming it
    with services_si.db.read() as session:
        record = session.scalar(
            select(GeneratedDocument).where(GeneratedDocument.kind == "access-export")
        )
        assert record.guardian_id == family.mother_id and record.sha256 == result.produced.sha256
        logged = session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
        assert logged.after["document_id"] == result.document_id
        assert logged.student_id == family.student.id


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_export_text_with_pdftotext_and_pdfdetach(services_si, family, tmp_path):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    result = services_si.access_export.export(family.student.id, family.mother_id, issued.code)
    path = tmp_path / "export.pdf"
    path.write_bytes(result.produced.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Žiga Novak" in text and "Testna šola" in text and EMSO not in text
    if shutil.which("pdfdetach"):
        listing = subprocess.run(
            ["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert "access-export.json" in listing


def test_a_failed_build_gives_the_code_back(services_si, family, monkeypatch):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)

    def broken(session, ctx):
        raise RuntimeError("disk full")

    from desktop.services.export_sections.common import ExportSection

    services_si.access_export.sections.append(ExportSection("broken", 99, broken))
    with pytest.raises(RuntimeError):
        services_si.access_export.export(family.student.id, family.mother_id, issued.code)
    services_si.access_export.sections.pop()
    services_si.access_export.export(family.student.id, family.mother_id, issued.code)


# ---- the headless command ------------------------------------------------------------------


def test_cli_issue_and_export(services_si, family, db_url, tmp_path, capsys):
    slip, out = tmp_path / "slip.pdf", tmp_path / "export.pdf"
    base = ["--database", db_url]
    assert (
        main(
            [
                *base,
                "consent",
                "code",
                "issue",
                "--student",
                EMSO,
                "--guardian",
                "ANA.NOVAK@example.si",
                "--out",
                str(slip),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    code = _code_on_slip(slip.read_bytes())
    assert "code no." in printed and code not in printed  # the code only on the slip
    export = [
        *base,
        "print",
        "access-export",
        "--student",
        EMSO,
        "--guardian",
        "041 123 456",
        "--out",
        str(out),
    ]
    assert main([*export, "--code", _wrong(code)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wrong" in err and "4 attempts left" in err
    assert not out.exists()
    assert main([*export, "--code", code, "--json", str(tmp_path / "x.json")]) == 0
    assert out.read_bytes().startswith(b"%PDF") and "DOC-" in capsys.readouterr().out
    data = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert data["header"]["child"] == "Žiga Novak"
    assert main([*export, "--code", code]) == 1
    assert "already been used" in capsys.readouterr().err
    assert main([*export, "--code", "12345"]) == 1  # not a code at all: not counted
    assert "six digits" in capsys.readouterr().err


def test_cli_expired_and_locked(services_si, family, db_url, tmp_path, capsys):
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    with services_si.db.write("tester") as session:
        row = session.get(AccessCode, issued.code_id)
        row.expires_at = row.issued_at  # as if 14 days had passed
    export = [
        "--database",
        db_url,
        "print",
        "access-export",
        "--student",
        EMSO,
        "--guardian",
        "ana.novak@example.si",
        "--out",
        str(tmp_path / "e.pdf"),
        "--code",
        issued.code,
    ]
    assert main(export) == 1
    assert "expired" in capsys.readouterr().err
    issued = services_si.access_export.issue_code(family.student.id, family.mother_id)
    export[-1] = _wrong(issued.code)
    for _ in range(5):
        main(export)
    capsys.readouterr()
    export[-1] = issued.code
    assert main(export) == 1
    assert "locked" in capsys.readouterr().err
    assert services_si.access_export.codes()[0].kind is CodeKind.EXPORT
