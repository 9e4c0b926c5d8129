"""Bad input at the edges: one line, a non-zero exit, nothing stored, never a traceback (issue 13).

- Roster files: decoded one way, strictly (a UTF-8 file with a stray byte is refused naming the
  row and the byte, a clean cp1250/cp1257 file is read, garbled text is never stored); damaged
  files, huge cells, folders and workbooks with several sheets are refused in one line.
- Amounts are read one way (desktop.domain.money); dates by `school_day`.
- The settings file and the database file: unreadable or damaged means stop and say which
  file, never a silent new empty database in its place.
- A fuzzed CSV reaches the importer's read/check path and only ever raises the app's own errors.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import json
import threading
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from desktop.cli import main
from desktop.db.models import Student
from desktop.domain.encodings import decode_text, garbled
from desktop.domain.errors import DatabaseError, SchoolOfficeError, ValidationError
from desktop.domain.money import MAX_CENTS, parse_cents
from desktop.domain.roster_import import parse_rows
from desktop.services.daily import DailyJob, DailyService
from desktop.services.tabular import _read_csv
from desktop.settings import Settings, SettingsError, load_settings, settings_path
from tests.bad_input_generators import csv_bytes, header_row, text_cell

HEADER = "first_name;last_name;personal_code;class\n"


def one_error_line(capsys) -> str:
    """What a failing command printed on stderr: exactly one line, no traceback anywhere."""
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# ---- decoding ---------------------------------------------------------------------------------


def test_a_utf8_file_with_a_stray_byte_is_refused_naming_row_and_byte():
    data = (HEADER + "Nataša;Novak;1;1.a\n").encode() + b"Nata\xc5a;Novak;2;1.a\n"
    with pytest.raises(ValidationError) as caught:
        decode_text(data, "SI", "roster.csv")
    assert "row 3: byte 0xC5 is not valid UTF-8" in str(caught.value)


def test_a_lone_stray_byte_in_ascii_text_is_refused_too():
    with pytest.raises(ValidationError, match="row 2: byte 0xC5"):
        decode_text((HEADER.encode() + b"Nata\xc5a;Novak;2;1.a\n"), "SI", "roster.csv")


@pytest.mark.parametrize(
    ("country", "encoding", "text"),
    [("SI", "cp1250", "Nataša;Čeh;Žiga;Đurić"), ("EE", "cp1257", "Jõgi;Šarik;Ülle;Žanna")],
)
def test_a_clean_legacy_file_is_read_in_the_schools_code_page(country, encoding, text):
    assert decode_text((HEADER + text).encode(encoding), country, "r.csv") == HEADER + text


def test_a_truncated_utf16_file_is_refused():
    data = codecs.BOM_UTF16_LE + (HEADER + "Ana;Novak;1;1.a\n").encode("utf-16-le")[:-1]
    with pytest.raises(ValidationError, match="UTF-16 file that is cut off"):
        decode_text(data, "EE", "r.csv")


@pytest.mark.parametrize(
    ("text", "meant"),
    [("NataĹˇa", "Nataša"), ("ÄŚeh", "Čeh"), ("Ã©cole", "école"), ("Oâ€™Brien", "O’Brien")],
)
def test_garbled_text_is_recognised_with_what_it_meant(text, meant):
    assert garbled(text) == meant


@pytest.mark.parametrize("text", ["Nataša", "Čeh", "Jõgi", "ÕUN", "Šarić-Žužek", "Ülle", "Zoë"])
def test_clean_names_are_not_garbled(text):
    assert garbled(text) is None


def test_garbled_names_are_refused_on_their_row():
    parsed = parse_rows(
        ["first_name", "last_name", "birth_date"], [["NataĹˇa", "Novak", "2012-05-17"]], "SI"
    )
    assert [(p.row, p.column) for p in parsed.problems] == [(2, "first_name")]
    assert "Nataša" in parsed.problems[0].reason


# ---- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"), [("20", 2000), ("20,5", 2050), ("1 200,00 €", 120000), ("0,01", 1)]
)
def test_amounts_people_type(text, cents):
    assert parse_cents(text) == cents


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "sNaN",
        "1e3",
        "1e-2",
        "1_000",
        "١٢",
        "１２",
        "-1",
        "0",
        "12,345",
        "1.000,00",
        "",
        "20.",
        str(MAX_CENTS // 100 + 1),
        "9" * 40,
    ],
)
def test_amounts_refused(text):
    with pytest.raises(ValidationError):
        parse_cents(text)


# ---- settings ---------------------------------------------------------------------------------


def test_a_missing_settings_file_means_defaults():
    assert load_settings() == Settings()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "does not hold a JSON object"),
        ('{"database_url": 5}', "database_url must be text"),
    ],
)
def test_an_unreadable_settings_file_stops_with_its_name(content, problem):
    settings_path().write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(settings_path()) in str(caught.value) and problem in str(caught.value)


def test_the_cli_stops_on_an_unreadable_settings_file_and_creates_no_database(capsys):
    from desktop.settings import data_dir

    settings_path().write_text('{"database_url": ', encoding="utf-8")
    assert main(["billing", "list"]) != 0
    line = one_error_line(capsys)
    assert "settings file" in line and str(settings_path()) in line
    assert not list(data_dir().glob("*.sqlite3"))
    assert settings_path().read_text(encoding="utf-8") == '{"database_url": '


@pytest.mark.gui
def test_the_app_stops_on_an_unreadable_settings_file(monkeypatch, capsys):
    from desktop import app
    from desktop.startup import EXIT_SETTINGS

    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    settings_path().write_text("{oops", encoding="utf-8")
    assert app.run_gui(None, demo=False) == EXIT_SETTINGS
    assert "settings file" in capsys.readouterr().err


# ---- the database file -------------------------------------------------------------------------


def test_a_zero_byte_database_file_is_not_made_a_new_database(tmp_path, capsys):
    path = tmp_path / "school.sqlite3"
    path.touch()
    assert main(["--database", f"sqlite:///{path}", "billing", "list"]) != 0
    line = one_error_line(capsys)
    assert "is empty (0 bytes)" in line and "db restore" in line
    assert path.stat().st_size == 0


def test_a_missing_database_file_is_still_created(tmp_path, capsys):
    path = tmp_path / "new.sqlite3"
    main(["--database", f"sqlite:///{path}", "billing", "list"])
    assert path.stat().st_size > 0


@pytest.mark.parametrize("where", ["header", "pages"])
def test_a_damaged_database_file_says_so_and_points_to_restore(
    sqlite_template, tmp_path, capsys, where
):
    path = tmp_path / "school.sqlite3"
    data = bytearray(sqlite_template.read_bytes())
    if where == "header":
        data[:100] = b"x" * 100
    else:
        data[len(data) // 2 :] = b"Z" * (len(data) - len(data) // 2)
    path.write_bytes(bytes(data))
    assert main(["--database", f"sqlite:///{path}", "billing", "list"]) == 3
    line = one_error_line(capsys)
    assert "is damaged" in line and "school-office db restore" in line


def test_restore_replaces_a_damaged_database(sqlite_template, tmp_path, capsys):
    backup = tmp_path / "backup.sqlite3"
    backup.write_bytes(sqlite_template.read_bytes())
    path = tmp_path / "school.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    assert main(["--database", f"sqlite:///{path}", "db", "restore", str(backup)]) == 0
    assert list(tmp_path.glob("school.damaged-*.sqlite3"))
    capsys.readouterr()
    assert main(["--database", f"sqlite:///{path}", "db", "upgrade"]) == 0


# ---- the command line: one line for each bad argument -----------------------------------------


def _files(tmp_path: Path) -> dict[str, Path]:
    files = {"folder": tmp_path}
    files["utf16"] = tmp_path / "u16.csv"
    files["utf16"].write_bytes(
        codecs.BOM_UTF16_LE + (HEADER + "Ana;Novak;1;1.a\n").encode("utf-16-le")[:-1]
    )
    files["long"] = tmp_path / "long.csv"
    files["long"].write_text(HEADER + "A" * 200_000 + ";B;1;1.a\n", encoding="utf-8")
    files["stray"] = tmp_path / "stray.csv"
    files["stray"].write_bytes((HEADER + "Nataša;Novak;1;1.a\n").encode() + b"Nata\xc5a;N;2;1.a\n")
    workbook = Workbook()
    workbook.active.title = "Roster"
    workbook.active.append(["first_name", "last_name", "birth_date", "class"])
    workbook.active.append(["Ana", "Novak", "2012-05-17", "1.a"])
    workbook.create_sheet("Old").append(["Ana", "Old"])
    files["sheets"] = tmp_path / "sheets.xlsx"
    workbook.save(files["sheets"])
    data = files["sheets"].read_bytes()
    files["cut"] = tmp_path / "cut.xlsx"
    files["cut"].write_bytes(data[: len(data) // 2])
    files["xml"] = tmp_path / "xml.xlsx"
    with zipfile.ZipFile(files["sheets"]) as src, zipfile.ZipFile(files["xml"], "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            dst.writestr(
                item, content[: len(content) // 2] if "worksheets/" in item.filename else content
            )
    return files


BAD_ARGUMENTS = [
    *(
        ["billing", "pay", "--reference", "SI12 1", "--amount", a]
        for a in ("NaN", "Infinity", "sNaN", "1e3", "1_000", "١٢", "1e-2", "-5", "10000000")
    ),
    ["billing", "setup", "--iban", "SI56 1910 0000 0123 438", "--price", "2026/27=abc"],
    ["billing", "setup", "--iban", "SI56 1910 0000 0123 438", "--price", "2026/27=-1"],
    ["billing", "setup", "--price", "2026/27=NaN"],
    ["billing", "setup", "--price", "２０２６/27=20"],
    ["daily", "--today", "9999-12-31"],
    ["daily", "--today", "20261207"],
    ["--today", "0001-01-01", "daily"],
    ["billing", "list", "--on", "9999-12-31"],
    ["consent", "status", "--student", "1", "--on", "10000-01-01"],
    ["roster", "import", "{folder}"],
    ["roster", "import", "{utf16}"],
    ["roster", "import", "{long}"],
    ["roster", "import", "{stray}"],
    ["roster", "import", "{sheets}"],
    ["roster", "import", "{sheets}", "--sheet", "nope"],
    ["roster", "import", "{cut}"],
    ["roster", "import", "{xml}"],
    ["roster", "export", "{folder}/missing/roster.csv"],
]


@pytest.mark.db
@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=lambda a: " ".join(a)[:60])
def test_bad_arguments_are_one_line_and_non_zero(db_url, services, tmp_path, capsys, argv):
    files = {k: str(v) for k, v in _files(tmp_path).items()}
    before = _stored(services)
    code = main(["--database", db_url, *(a.format(**files) for a in argv)])
    assert code != 0
    one_error_line(capsys)
    assert _stored(services) == before


def _stored(services):
    with services.db.read() as session:
        students = session.query(Student).count()
    return (
        students,
        services.billing.settings().iban,
        [p.gross_cents for p in services.billing.prices()],
    )


def test_a_postgresql_address_with_a_bad_port(capsys):
    assert (
        main(["--database", "postgresql://office@localhost:notaport/school", "billing", "list"])
        == 3
    )
    assert "not a database address" in one_error_line(capsys)


@pytest.mark.db
def test_a_full_disk_on_export_names_the_file(db_url, services, tmp_path, capsys, monkeypatch):
    def full(self, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "replace", full)
    target = tmp_path / "roster.csv"
    assert main(["--database", db_url, "roster", "export", str(target)]) != 0
    line = one_error_line(capsys)
    assert str(target) in line and "No space left on device" in line
    assert not target.exists() and not list(tmp_path.glob("*.part"))


@pytest.mark.db
def test_a_closed_pipe_ends_quietly(db_url, services, capsys, monkeypatch):
    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["--database", db_url, "billing", "list"]) == 141
    assert capsys.readouterr().err == ""


def test_help_and_usage_errors_return_instead_of_exiting(capsys):
    assert main(["--help"]) == 0
    assert main(["no-such-command"]) == 2
    one_error_line(capsys)


# ---- two daily runs at once --------------------------------------------------------------------


@pytest.mark.db
def test_two_daily_runs_at_once_do_each_job_once(db_url, services):
    from desktop.db.session import Database

    ran: list[str] = []

    def slow_job(session, today):
        ran.append(threading.current_thread().name)
        time.sleep(0.5)
        return "done"

    results: dict[str, object] = {}

    def run(name: str) -> None:
        db = Database(db_url)
        try:
            daily = DailyService(db, services.actor, [DailyJob("probe", slow_job)])
            results[name] = daily.run(date(2026, 12, 7))
        except Exception as exc:  # the assertion below shows it
            results[name] = exc
        finally:
            db.dispose()

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in ("pc1", "pc2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(ran) == 1, results
    flags = sorted(r[0].already_ran for r in results.values())
    assert flags == [False, True], results


# ---- fuzzing the import's read and check path --------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=csv_bytes(), country=st.sampled_from(["EE", "SI"]))
def test_fuzzed_csv_raises_only_the_apps_own_errors(data, country):
    with contextlib.suppress(SchoolOfficeError):
        header, rows = _read_csv(data, country, "fuzz.csv")
        parse_rows(header, rows, country)


_xlsx_cell = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.datetimes(), st.dates(), text_cell
)


@settings(max_examples=200, deadline=None)
@given(
    header=st.one_of(header_row, st.lists(_xlsx_cell, max_size=12)),
    rows=st.lists(st.lists(_xlsx_cell, max_size=13), max_size=5),
    country=st.sampled_from(["EE", "SI"]),
)
def test_fuzzed_spreadsheet_cells_raise_only_the_apps_own_errors(header, rows, country):
    with contextlib.suppress(SchoolOfficeError):
        parse_rows(header, rows, country)


def test_json_settings_round_trip_still_works():
    from desktop.settings import save_settings

    save_settings(Settings(database_url="sqlite:///x.sqlite3", ui_language="sl"))
    assert load_settings().ui_language == "sl"
    assert json.loads(settings_path().read_text(encoding="utf-8"))["ui_language"] == "sl"


def test_damaged_database_error_type():
    from desktop.db.engine import check_sqlite_file

    check_sqlite_file("postgresql://x@y/z")  # not a file: nothing to check
    assert issubclass(DatabaseError, SchoolOfficeError)
