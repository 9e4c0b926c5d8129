"""`school-office cards …` and the card-expiry daily job, headless."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.cli import main
from desktop.domain.cards.numbering import CardNumber
from desktop.integrations import secrets
from desktop.services.roster import StudentInput
from desktop.settings import Settings, save_settings
from tests.fake_card_provider import Failure, card_provider  # noqa: F401

pytestmark = pytest.mark.db

CODE = "61205171232"


@pytest.fixture
def url(services):
    services.roster.create_student(StudentInput("Mari", "Tamm", CODE, class_name="5.b"))
    return services.db.engine.url.render_as_string(hide_password=False)


def run(url, *args) -> int:
    return main(["--database", url, "cards", *args])


def test_issue_list_lost_and_extend(url, capsys):
    assert run(url, "issue", "--student", CODE) == 0
    first = capsys.readouterr().out.split()[1].rstrip(",")
    assert first.startswith("TS-")
    assert run(url, "lost", "--card", first) == 0
    out = capsys.readouterr().out
    assert f"{first} blocked as lost; replaced by TS-" in out
    assert run(url, "extend", "--student", CODE) == 0
    capsys.readouterr()
    assert run(url, "list", "--student", CODE) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    number, kind, status, _until = lines[0].split("\t")
    assert (number, kind, status) == (first, "PHYSICAL", "REPLACED")
    assert lines[1].split("\t")[1:3] == ["PHYSICAL", "ACTIVE"]
    assert run(url, "list") == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("\tMari Tamm")


def test_extend_all_enrolled_with_a_dry_run_first(url, services, capsys):
    # Issued last school year: today's run extends it to the next 31 August.
    services.cards.issue_physical(services.roster.table_rows()[0][0], today=date(2024, 10, 1))
    assert run(url, "extend", "--all-enrolled", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Mari Tamm (5.b): 1 card(s)" in out and "would extend 1 card(s)" in out
    assert run(url, "extend", "--all-enrolled") == 0
    assert "extended 1 card(s) of 1 student(s); 1 provider event(s) queued" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("issue", "--student", "51205171231"), "no student with personal code"),
        (("lost", "--card", "XX-1"), "card_number"),
        (("lost", "--card", str(CardNumber("TS", 99))), "no card with number"),
    ],
)
def test_errors_are_one_line_and_non_zero(url, capsys, args, message):
    assert run(url, *args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_issuing_twice_says_what_to_do_instead(url, capsys):
    run(url, "issue", "--student", CODE)
    assert run(url, "issue", "--student", CODE) == 1
    assert "report it lost or replace it" in capsys.readouterr().err


def test_sync_uses_settings_and_keyring(url, capsys, monkeypatch, card_provider):  # noqa: F811
    monkeypatch.setattr(
        secrets,
        "get_secret",
        lambda key: card_provider.token if key == secrets.CARD_PROVIDER_TOKEN_KEY else None,
    )
    save_settings(Settings(card_provider_url=card_provider.base_url))
    run(url, "issue", "--student", CODE)
    capsys.readouterr()
    card_provider.fail_next(Failure.ERROR_500)
    assert run(url, "sync") == 1
    captured = capsys.readouterr()
    assert "1 pending" in captured.out and captured.err.startswith("error: card provider")
    assert card_provider.total_applied == 0


def test_sync_without_settings_is_a_clear_error(url, capsys):
    run(url, "issue", "--student", CODE)
    capsys.readouterr()
    assert run(url, "sync") == 1
    assert "address is not set" in capsys.readouterr().err


def test_sync_delivers(url, capsys, monkeypatch, card_provider):  # noqa: F811
    monkeypatch.setattr(secrets, "get_secret", lambda key: card_provider.token)
    save_settings(Settings(card_provider_url=card_provider.base_url))
    run(url, "issue", "--student", CODE)
    capsys.readouterr()
    assert run(url, "sync") == 0
    assert capsys.readouterr().out.startswith("1 event(s) delivered; 0 pending")
    assert card_provider.total_applied == 1


def test_daily_runs_card_expiry(url, services, capsys):
    services.cards.issue_physical(services.roster.table_rows()[0][0], today=date(2025, 10, 1))
    assert main(["--database", url, "daily", "--today", "2026-09-01"]) == 0
    out = capsys.readouterr().out
    assert "card-expiry: 1 card(s) expired (1 physical, 0 virtual); 1 provider event(s)" in out
