"""`school-office print terms`: a date's version, a student's accepted version, one-line errors."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from desktop.cli import main
from desktop.domain.roster import Country, Relation
from desktop.services.demo_terms import seed_demo_terms
from desktop.services.roster import GuardianInput, StudentInput
from tests.conftest import make_services

pytestmark = pytest.mark.db


@pytest.fixture
def si_url(db, db_url):
    services = make_services(db, Country.SI)
    seed_demo_terms(services.db, services.actor, Country.SI)
    student = services.roster.create_student(
        StudentInput("Žiga", "Čučković", "0101008505005", class_name="7.a")
    )
    services.roster.add_guardian(
        student.id, GuardianInput("Špela", "Čučković", language="en"), Relation.MOTHER
    )
    return db_url


def _text(path) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


@pytest.mark.parametrize(
    ("on", "label"),
    [("2025-09-01", "1.0"), ("2025-09-02", "1.1"), (None, "1.1")],  # 1.1 in force from 2 Sep
)
def test_print_the_version_in_force_on_a_date(si_url, tmp_path, capsys, on, label):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "terms.pdf"
    args = ["--database", si_url, "print", "terms", "--document", "SI-POPOLNI-TERMS"]
    args += ["--on", on] if on else []
    assert main([*args, "--language", "sl", "--out", str(out)]) == 0
    assert f"Različica {label}" in _text(out)
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and f"SI-POPOLNI-TERMS {label}" in line and "DOC-" in line
    assert [p.name for p in out.parent.iterdir()] == ["terms.pdf"]  # no temporary file left


def test_print_for_a_student_uses_the_guardians_language(si_url, tmp_path, capsys):
    out = tmp_path / "student.pdf"
    assert (
        main(
            [
                "--database",
                si_url,
                "print",
                "terms",
                "--student",
                "0101008505005",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = _text(out)
    assert "General terms for the use of the mojAsistent POPOLNI service" in text
    assert "for Žiga Čučković (en)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--document", "SI-NOPE-TERMS"], "unknown terms document 'SI-NOPE-TERMS'"),
        (
            ["--document", "SI-POPOLNI-TERMS", "--on", "2020-01-01"],
            "no version of Splošni pogoji za uporabo storitve mojAsistent POPOLNI was in force on "
            "2020-01-01",
        ),
        (["--student", "0202009500003"], "unknown student '0202009500003'"),
        ([], "say which terms"),
    ],
)
def test_errors_are_one_line_and_write_nothing(si_url, tmp_path, capsys, args, message):
    out = tmp_path / "x.pdf"
    assert main(["--database", si_url, "print", "terms", *args, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert not out.exists()


def test_unknown_language_is_refused_by_the_parser(si_url, tmp_path):
    # argparse's one-line usage error: main returns 2 rather than exiting
    assert (
        main(
            [
                "--database",
                si_url,
                "print",
                "terms",
                "--document",
                "SI-POPOLNI-TERMS",
                "--language",
                "de",
                "--out",
                str(tmp_path / "x.pdf"),
            ]
        )
        == 2
    )


def test_estonian_terms_default_to_the_schools_language(db, db_url, tmp_path):
    services = make_services(db, Country.EE)
    seed_demo_terms(services.db, services.actor, Country.EE)
    out = tmp_path / "moodle.pdf"
    assert (
        main(
            [
                "--database",
                db_url,
                "print",
                "terms",
                "--document",
                "ee-moodle-terms",
                "--on",
                date(2024, 5, 1).isoformat(),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "Harno Moodle kasutustingimused" in _text(out)


def test_print_the_version_the_guardian_accepted_as_recorded_by_consent(db, si_url, tmp_path):
    """End to end with the consent records: Špela accepted 1.0 in May 2025; 1.1 is in force now."""
    from datetime import UTC, datetime

    from desktop.domain.consent.terms import AcceptanceDecision, Channel
    from desktop.services.consent.recording import WARRANTIES, AcceptanceInput

    services = make_services(db, Country.SI)
    student = services.roster.find_by_code("0101008505005")
    version = services.terms.version_by_label("SI-POPOLNI-TERMS", "1.0")
    services.consent.record(
        AcceptanceInput(
            version.id,
            student.id,
            AcceptanceDecision.ACCEPTED,
            Channel.PAPER_AT_SCHOOL,
            "sl",
            guardian_id=student.guardians[0].guardian_id,
            decided_at=datetime(2025, 5, 5, 9, 0, tzinfo=UTC),
            warranties=WARRANTIES,
            free_alternative_disclosed=True,
        )
    )
    out = tmp_path / "accepted.pdf"
    assert (
        main(
            [
                "--database",
                si_url,
                "print",
                "terms",
                "--student",
                "0101008505005",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = _text(out)
    assert "Version 1.0" in text and "In force until 1 Sept 2025" in text
    assert "Accepted by Špela Čučković" in text and "Accepted on 5 May 2025" in text
