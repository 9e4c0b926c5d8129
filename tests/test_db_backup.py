"""`school-office db backup FILE` and `db restore FILE` for the embedded SQLite database.

A backup is a consistent, self-contained copy taken with SQLite's online backup API (the app
may be open). A restore refuses anything but an intact School Office database whose schema
this version knows, refuses while the database is open elsewhere, and keeps the database it
replaces. PostgreSQL is backed up with pg_dump on the server: the commands say so.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop.cli import main
from desktop.db.session import Database


@pytest.fixture
def school(tmp_path) -> str:
    url = f"sqlite:///{(tmp_path / 'school.sqlite3').as_posix()}"
    assert main(["--database", url, "demo", "--students", "12"]) == 0
    return url


def _run(url: str, *args: str) -> int:
    return main(["--database", url, *args])


def _staff(url: str) -> set[str]:
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return {login for (login,) in connection.execute("SELECT login FROM staff_user")}


def test_backup_then_restore_brings_the_old_data_back(school, tmp_path, capsys):
    backup = tmp_path / "backups" / "monday.sqlite3"
    assert _run(school, "db", "backup", str(backup)) == 0
    assert f"backed up to {backup}" in capsys.readouterr().out
    # One self-contained file: no WAL beside it, and SQLite says it is intact.
    assert not Path(f"{backup}-wal").exists()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM student").fetchone()[0] == 12

    assert _run(school, "staff", "add", "kadri", "--role", "office") == 0
    assert "kadri" in _staff(school)
    capsys.readouterr()

    assert _run(school, "db", "restore", str(backup)) == 0
    out = capsys.readouterr().out
    assert "kadri" not in _staff(school)
    kept = next((tmp_path).glob("school.before-restore-*.sqlite3"))
    assert f"kept as {kept}" in out
    assert "kadri" in _staff(f"sqlite:///{kept.as_posix()}")  # nothing is lost by a restore


def test_backup_while_the_app_has_the_database_open(school, tmp_path):
    db = Database(school)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM student")).scalar_one()
            assert _run(school, "db", "backup", str(tmp_path / "open.sqlite3")) == 0
    finally:
        db.dispose()


def test_backup_does_not_overwrite_without_asking(school, tmp_path, capsys):
    target = tmp_path / "b.sqlite3"
    target.write_text("an older backup")
    assert _run(school, "db", "backup", str(target)) == 1
    assert "exists already" in capsys.readouterr().err
    assert target.read_text() == "an older backup"
    assert _run(school, "db", "backup", str(target), "--overwrite") == 0
    assert target.stat().st_size > 1000


def test_restore_refused_while_the_database_is_open(school, tmp_path, capsys):
    backup = tmp_path / "b.sqlite3"
    assert _run(school, "db", "backup", str(backup)) == 0
    before = Path(school.removeprefix("sqlite:///")).read_bytes()
    db = Database(school)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
            capsys.readouterr()
            assert _run(school, "db", "restore", str(backup)) == 1
    finally:
        db.dispose()
    assert "is in use: close School Office" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.before-restore-*"))
    assert Path(school.removeprefix("sqlite:///")).read_bytes() == before


def test_restore_refuses_a_database_from_a_newer_version(school, tmp_path, capsys):
    backup = tmp_path / "future.sqlite3"
    assert _run(school, "db", "backup", str(backup)) == 0
    with sqlite3.connect(backup) as connection:
        connection.execute("INSERT INTO alembic_version VALUES ('9900_from_the_future')")
    capsys.readouterr()
    assert _run(school, "db", "restore", str(backup)) == 1
    err = capsys.readouterr().err
    assert "newer version of School Office" in err and "9900_from_the_future" in err
    assert not list(tmp_path.glob("*.before-restore-*"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [("text", "is not a SQLite database"), ("foreign", "is not a School Office database")],
)
def test_restore_refuses_what_is_not_a_school_office_backup(
    school, tmp_path, capsys, content, reason
):
    source = tmp_path / "other.sqlite3"
    if content == "text":
        source.write_text("name,class\nMari,5A\n" * 100)
    else:
        with sqlite3.connect(source) as connection:
            connection.execute("CREATE TABLE photos (id INTEGER)")
    capsys.readouterr()
    assert _run(school, "db", "restore", str(source)) == 1
    assert reason in capsys.readouterr().err
    assert _staff(school)  # the school's database is untouched


def test_restore_onto_a_new_computer(school, tmp_path, capsys):
    """No database yet (a replaced PC): the backup becomes the database, nothing to keep."""
    backup = tmp_path / "b.sqlite3"
    assert _run(school, "db", "backup", str(backup)) == 0
    fresh = f"sqlite:///{(tmp_path / 'new-pc' / 'school-office.sqlite3').as_posix()}"
    assert _run(fresh, "db", "restore", str(backup)) == 0
    assert "kept as" not in capsys.readouterr().out
    assert _staff(fresh) == _staff(school)


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_postgresql_is_backed_up_with_pg_dump(tmp_path, capsys, command):
    url = "postgresql://office@server.example/school"
    assert _run(url, "db", command, str(tmp_path / "x.dump")) == 1
    err = capsys.readouterr().err
    assert "pg_dump" in err and "pg_restore" in err
