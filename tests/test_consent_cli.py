"""The consent commands: record a decision, the status per class, a prohibition and its
notices, the restriction notice, the requests list; one line per problem."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.cli import main
from desktop.domain.roster import RestrictionKind
from tests.consent_helpers import EMSO, popolni, si_family

pytestmark = pytest.mark.db

ADULT = "0101006500006"  # EMŠO: 01.01.2006


def test_record_and_status(services_si, db_url, capsys):
    popolni(services_si)
    si_family(services_si)
    base = ["--database", db_url, "consent"]
    record = [
        *base,
        "record",
        "--document",
        "SI-POPOLNI-TERMS",
        "--student",
        EMSO,
        "--guardian",
        "ana.novak@example.si",
        "--decision",
        "accepted",
        "--language",
        "sl",
        "--on",
        "2024-10-01",
    ]
    assert main(record) == 1  # R41/R55 not given
    assert "confirms that the data are correct" in capsys.readouterr().err
    assert main([*record, "--warranties", "--free-alternative-disclosed"]) == 0
    assert "Ana Novak accepted SI-POPOLNI-TERMS 1.0 (2024-10-01)" in capsys.readouterr().out
    assert main([*base, "status", "--document", "SI-POPOLNI-TERMS", "--list"]) == 0
    out = capsys.readouterr().out
    assert "7.a: 2 — accepted 1 (50.0%)" in out and "not answered 1 (50.0%)" in out
    assert "Marko Novak\tNOT_ANSWERED" in out


def test_prohibition_and_notices(services_si, db_url, tmp_path, capsys):
    family = si_family(services_si, code=ADULT)
    base = ["--database", db_url]
    today = services_si.school.require_school().today().isoformat()
    assert main([*base, "consent", "prohibit", "--student", ADULT, "--received", today]) == 1
    assert "signed by hand" in capsys.readouterr().err
    assert (
        main([*base, "consent", "prohibit", "--student", ADULT, "--received", today, "--signed"])
        == 0
    )
    capsys.readouterr()
    out = tmp_path / "d7.pdf"
    assert main([*base, "print", "prohibition-notice", "--student", ADULT, "--out", str(out)]) == 0
    assert "2 notice(s) D7" in capsys.readouterr().out and out.exists()
    link = family.student.guardians[1]
    services_si.roster.add_restriction(
        link.link_id,
        RestrictionKind.PROHIBITION,
        permanent=True,
        valid_from=date(2024, 1, 1),
        valid_to=None,
        authority="CSD",
    )
    d8 = tmp_path / "d8.pdf"
    assert (
        main(
            [
                *base,
                "print",
                "restriction-notice",
                "--student",
                ADULT,
                "--guardian",
                "marko@example.si",
                "--out",
                str(d8),
            ]
        )
        == 0
    )
    assert d8.read_bytes().startswith(b"%PDF")
    # Everything else is refused to both parents now (R48), in one line
    assert (
        main(
            [
                *base,
                "consent",
                "code",
                "issue",
                "--student",
                ADULT,
                "--guardian",
                "ana.novak@example.si",
                "--out",
                str(tmp_path / "slip.pdf"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "forbade passing data" in err and "R48" not in err


def test_requests_list(services_si, db_url, capsys):
    assert main(["--database", db_url, "consent", "requests"]) == 0
    assert capsys.readouterr().out.strip() == "no requests"
