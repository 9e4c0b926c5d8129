"""Roster import: exact row/column problems, all-or-nothing, idempotent re-import, round trip."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from desktop.cli import main
from desktop.domain.errors import Cancelled
from desktop.domain.roster import StudentStatus

pytestmark = pytest.mark.db

HEADER = [
    "first_name",
    "last_name",
    "personal_code",
    "class",
    "status",
    "birth_date",
    "language",
    "guardian_first_name",
    "guardian_last_name",
    "guardian_phone",
    "guardian_email",
]


def write_csv(path: Path, rows, header=HEADER, delimiter=",", encoding="utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


GOOD = [
    [
        "Mari-Liis",
        "Õunapuu",
        "61205171232",
        "5.b",
        "",
        "",
        "et",
        "Kadri",
        "Õunapuu",
        "+372 5123 4567",
        "kadri@example.com",
    ],
    [
        "Jüri",
        "Ääremaa-Šmidt",
        "51205171231",
        "5.b",
        "",
        "",
        "",
        "Kadri",
        "Õunapuu",
        "+372 5123 4567",
        "kadri@example.com",
    ],  # sibling: same guardian
    ["D'Artagnan", "O'Brien", "", "2.a", "", "2018-03-04", "en", "", "", "", ""],  # no local code
]


def test_import_adds_students_guardians_and_shared_guardian(services, tmp_path):
    plan = services.roster_io.plan(write_csv(tmp_path / "r.csv", GOOD))
    assert plan.ok, plan.problems
    services.roster_io.commit(plan)
    assert plan.summary() == "added 3, updated 0, unchanged 0"
    rows = services.roster.table_rows()
    assert {r[2] for r in rows} == {"Mari-Liis", "Jüri", "D'Artagnan"}
    mari = services.roster.find_by_code("61205171232")
    juri = services.roster.find_by_code("51205171231")
    assert mari.guardians[0].guardian_id == juri.guardians[0].guardian_id  # one Kadri
    assert mari.language.value == "et"
    obrien = next(r for r in rows if r[2] == "D'Artagnan")
    assert obrien[3] is None and obrien[6] == date(2018, 3, 4)


def test_reimporting_the_same_file_changes_nothing(services, tmp_path):
    path = write_csv(tmp_path / "r.csv", GOOD)
    services.roster_io.commit(services.roster_io.plan(path))
    again = services.roster_io.plan(path)
    assert again.summary(done=False) == "would add 0, would update 0, unchanged 3"


def test_changed_class_is_an_update_and_left_status_cascades(services, tmp_path):
    services.roster_io.commit(services.roster_io.plan(write_csv(tmp_path / "a.csv", GOOD)))
    left = []
    services.roster.leaving_handlers.append(lambda s, st, on: left.append(st.id))
    changed = [list(r) for r in GOOD]
    changed[0][3] = "6.b"
    changed[1][4] = "LEFT"
    plan = services.roster_io.plan(write_csv(tmp_path / "b.csv", changed))
    services.roster_io.commit(plan)
    assert plan.summary() == "added 0, updated 2, unchanged 1"
    assert services.roster.find_by_code("61205171232").class_name == "6.b"
    juri = services.roster.find_by_code("51205171231")
    assert juri.status is StudentStatus.LEFT and left == [juri.id]


BAD = [
    ["Mari", "Tamm", "61205171233", "1.a", "", "", "", "", "", "", ""],  # check digit
    ["", "Kask", "61205171232", "1.a", "", "", "", "", "", "", ""],  # no first name
    ["Mart", "Mägi", "60902290019", "1.a", "", "", "", "", "", "", ""],  # 29 Feb 2009
    ["Liis", "Lepp", "61205170047", "1.a", "", "17.05.2013", "", "", "", "", ""],  # DOB mismatch
    ["Liis", "Lepp", "61205170047", "1.a", "", "", "", "", "", "", ""],  # valid
    ["Liisa", "Lepp", "61205170047", "1.a", "", "", "", "", "", "", ""],  # same code, other name
    ["Kai", "Kuusk", "61205171680", "1.a", "maybe", "", "xx", "Ann", "Kuusk", "12", "not-mail"],
    ["Toomas", "Tamm", "", "1.a", "", "", "", "", "", "", ""],  # neither code nor DOB
    ["Ann", "Saar", "51205171231", "", "", "", "", "", "", "", ""],  # new student, no class
]


def test_every_bad_row_is_reported_and_nothing_is_stored(services, tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", BAD)
    url = services.db.engine.url.render_as_string(hide_password=False)
    assert main(["--database", url, "roster", "import", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:-1] == [
        "row 2: personal_code: 61205171233: the check digit (last digit) is wrong",
        "row 3: first_name: : is required",
        "row 4: personal_code: 60902290019: digits 2–7 (090229) are not a real date of birth",
        "row 5: birth_date: 17.05.2013: does not match the birth date in the isikukood "
        "(2012-05-17)",
        "row 7: personal_code: 61205170047: the same student is on row 6 with other details",
        "row 8: status: maybe: use ENROLLED, LEFT or GRADUATED",
        "row 8: language: xx: use et, sl or en",
        "row 8: guardian_phone: 12: is not a phone number (e.g. +386 41 123 456)",
        "row 8: guardian_email: not-mail: is not an e-mail address (name@example.com)",
        "row 9: personal_code: : give the isikukood, or the birth date for a student without one",
        "row 10: class: : an enrolled student needs a class",
    ]
    assert out[-1] == "nothing imported: 11 problem(s) in bad.csv"
    assert services.roster.table_rows() == []


def test_duplicate_identical_rows(services, tmp_path):
    plan = services.roster_io.plan(write_csv(tmp_path / "d.csv", [GOOD[0], GOOD[0]]))
    assert [str(p) for p in plan.problems] == [
        "row 3: personal_code: 61205171232: duplicate of row 2"
    ]


def test_header_in_estonian_with_semicolons_and_cp1257(services, tmp_path):
    header = [
        "Eesnimi",
        "Perekonnanimi",
        "Isikukood",
        "Klass",
        "Vanema eesnimi",
        "Vanema perekonnanimi",
        "Vanema telefon",
    ]
    rows = [["Õie", "Sööt", "61205171232", "3.a", "Ülle", "Sööt", "+372 5555 1234"]]
    path = write_csv(tmp_path / "et.csv", rows, header, delimiter=";", encoding="cp1257")
    plan = services.roster_io.plan(path)
    assert plan.ok, plan.problems
    services.roster_io.commit(plan)
    assert services.roster.find_by_code("61205171232").full_name == "Õie Sööt"


def test_slovenian_xlsx_with_numeric_emso_and_date_cells(services_si, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Ime",
            "Priimek",
            "EMŠO",
            "Razred",
            "Datum rojstva",
            "Ime starša",
            "Priimek starša",
            "Telefon starša",
            "E-pošta starša",
        ]
    )
    # Excel stored the EMŠO as a number and lost its leading zero.
    sheet.append(
        [
            "Živa",
            "Kovačič",
            101006500006,
            "7.a",
            datetime(2006, 1, 1),
            "Mojca",
            "Kovačič",
            38641123456,
            "mojca@example.si",
        ]
    )
    sheet.append(
        ["Đorđe", "Savić", "1705012505121", "7.a", None, "Nataša", "Savić", "+386 41 222 333", None]
    )
    path = tmp_path / "sl.xlsx"
    book.save(path)
    plan = services_si.roster_io.plan(path)
    assert plan.ok, plan.problems
    services_si.roster_io.commit(plan)
    ziva = services_si.roster.find_by_code("0101006500006")
    assert ziva.full_name == "Živa Kovačič" and ziva.guardians[0].phone == "38641123456"


def test_export_round_trip_is_formula_safe(services, tmp_path):
    rows = [list(GOOD[0])]
    rows[0][9] = "+372 5123 4567"
    rows.append(["Toomas", "Tamm", "51205171231", '=HYPERLINK("x")', "", "", "", "", "", "", ""])
    plan = services.roster_io.plan(write_csv(tmp_path / "in.csv", rows))
    assert plan.ok, plan.problems
    services.roster_io.commit(plan)
    out = tmp_path / "out.csv"
    assert services.roster_io.export(out) == 2
    text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+372 5123 4567" in text
    again = services.roster_io.plan(out)
    assert again.ok and again.count("unchanged") == 2


def test_cancel_during_commit_stores_nothing(services, tmp_path):
    plan = services.roster_io.plan(write_csv(tmp_path / "r.csv", GOOD))
    with pytest.raises(Cancelled):
        services.roster_io.commit(plan, cancel=lambda: True)
    assert services.roster.table_rows() == []


def test_dry_run_stores_nothing(services, tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", GOOD)
    url = services.db.engine.url.render_as_string(hide_password=False)
    assert main(["--database", url, "roster", "import", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == "would add 3, would update 0, unchanged 0"
    assert services.roster.table_rows() == []


def test_imported_rows_are_stamped_and_audited(services, tmp_path):
    from sqlalchemy import select

    from desktop.db.models import AuditEntry

    services.roster_io.commit(services.roster_io.plan(write_csv(tmp_path / "r.csv", GOOD)))
    mari = services.roster.find_by_code("61205171232")
    assert mari.updated_by == services.actor.login and mari.version == 1
    with services.db.read() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.student_id == mari.id)).all()
    assert {e.entity for e in entries} == {"student", "student_guardian"}
    student_entry = next(e for e in entries if e.entity == "student")
    assert student_entry.entity_id == str(mari.id)
    assert student_entry.after["personal_code"] == "61205171232"
    assert "version" not in student_entry.after
    assert student_entry.reason == "roster import r.csv"


def test_unusual_emso_is_imported_with_a_warning(services_si, tmp_path, capsys):
    rows = [["Ana", "Novak", "1705012500120", "6.a", "", "", "", "", "", "", ""]]  # R37: r = 1
    path = write_csv(tmp_path / "w.csv", rows)
    url = services_si.db.engine.url.render_as_string(hide_password=False)
    assert main(["--database", url, "roster", "import", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "added 1, updated 0, unchanged 0"
    assert out[1].startswith("row 2: personal_code: 1705012500120: warning: ")
    assert "check digit would be 10" in out[1]
