"""The crash report a school sends to IT support: versions, the error, the log's end, and
nothing secret (no passwords, keys, tokens, e-mail addresses or personal codes)."""

from __future__ import annotations

import pytest

from desktop import __version__, crash_report
from desktop.crash_report import MASK, Version, build_report, mask_secrets


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("postgresql://mari:Sala-sõna7@db.kool.ee:5432/office", "Sala-sõna7", "mari:***@db.kool"),
        ("postgresql+psycopg://office:pw%40x@server/db", "pw%40x", "office:***@server"),
        ("connect: host=server password=hunter2 dbname=x", "hunter2", "password=***"),
        ("PGPASSWORD=hunter2 school-office db upgrade", "hunter2", "PGPASSWORD=***"),
        ('{"api_key": "k-123456789", "url": "https://cards"}', "k-123456789", '"api_key": "***"'),
        ("headers: X-Api-Key: abcdef123456", "abcdef123456", "X-Api-Key: ***"),
        ("Authorization: Bearer eyJhbGciOi.J9xyz", "eyJhbGciOi", "Bearer ***"),
        ("refresh_token=r0tat3d&client_secret=s3cr3t", "r0tat3d", "client_secret=***"),
        ("sent to mari.tamm+kool@example.com today", "mari.tamm", "***@example.com"),
        ("student 39107142711 and EMŠO 0101006500006", "39107142711", "student *** and"),
        ("EMŠO 0101006500006 is invalid", "0101006500006", "EMŠO ***"),
    ],
)
def test_secrets_are_masked(text, secret, kept):
    masked = mask_secrets(text)
    assert secret not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://office@server.kool.ee/office",  # a login without a password
        'File "desktop/integrations/secrets.py", line 40, in set_secret',
        "password authentication failed for user office",
        "2026-12-07 09:00:00,123 INFO desktop.app: School Office 0.1.0 starting",
        "card TK-00001234-5, invoice 2026-000226, 12,50 €",
    ],
)
def test_what_is_not_secret_stays_readable(text):
    assert mask_secrets(text) == text


def test_the_report_has_versions_the_error_and_the_end_of_the_log(tmp_path, monkeypatch):
    monkeypatch.setattr(crash_report, "_database", "")  # what the test remembers is undone
    log_file = tmp_path / "school-office.log"
    lines = [f"2026-12-07 09:00:{n % 60:02d} INFO desktop: line {n}" for n in range(250)]
    lines.append("WARNING desktop.db: cannot connect to postgresql://office:topsecret@server/db")
    log_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    crash_report.remember_database("postgresql", (16, 4))
    error = (
        'Traceback (most recent call last):\n  File "x.py"\nRuntimeError: a bug (mari@kool.ee)\n'
    )

    report = build_report(error, log_file, [Version("Qt", "6.9.1")])

    assert f"School Office: {__version__}" in report
    for name in ("Python: ", "Qt: 6.9.1", "SQLAlchemy: ", "reportlab: ", "OS: "):
        assert name in report
    assert "Database: PostgreSQL 16.4" in report
    assert "RuntimeError: a bug (***@kool.ee)" in report
    assert "line 249" in report and "line 50\n" not in report  # the last 200 lines
    assert f"the last {crash_report.LOG_LINES} lines of {log_file}" in report
    assert "topsecret" not in report and f"office:{MASK}@server" in report


def test_a_missing_log_still_gives_a_report(tmp_path):
    report = build_report("RuntimeError: x", tmp_path / "none.log")
    assert "RuntimeError: x" in report
    assert "the last 0 lines" in report
    assert "Log: none" in build_report("RuntimeError: x", None)
