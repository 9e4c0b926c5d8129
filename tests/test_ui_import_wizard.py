"""The import wizard: Estonian headers recognised, every bad row listed, commit all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from stdnum.ee import ik

from desktop.ui.dialogs.import_wizard import ImportWizard

pytestmark = [pytest.mark.gui, pytest.mark.db]

HEADER = "Eesnimi;Perekonnanimi;Isikukood;Klass;Vanema eesnimi;Vanema perekonnanimi;Vanema telefon"


def code(body: str) -> str:
    return body + ik.calc_check_digit(body + "0")


GOOD = [
    f"Mari-Liis;Õunapuu;{code('6120517123')};5.b;Kadri;Õunapuu;+372 5123 4567",
    f"Jüri;Tamm;{code('5110712001')};6.a;Toomas;Tamm;+372 5234 5678",
    f"Säde;Kask;{code('6130202000')};4.a;Kersti;Kask;+372 5345 6789",
]
BAD = [
    GOOD[0],
    f";Tamm;{code('5110712001')};6.a;Toomas;Tamm;+372 5234 5678",  # row 3: no first name
    "Säde;Kask;61302020009;4.a;Kersti;Kask;+372 5345 6789",  # row 4: wrong check digit
    f"Uku;Uus;{code('5150505001')};1.a;Malle;Uus;not a phone",  # row 5: bad phone
]


def write(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "nimekiri.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="cp1257", errors="strict")
    return path


@pytest.fixture
def wizard(qtbot, services, inline_workers) -> ImportWizard:
    wizard = ImportWizard(None, services.roster_io, "EE")
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def to_mapping(wizard: ImportWizard, path: Path) -> None:
    wizard.file_page.path.setText(str(path))
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page


def test_mapping_step_recognises_estonian_headers(wizard, tmp_path):
    to_mapping(wizard, write(tmp_path, GOOD))
    chosen = [c.currentData() for c in wizard.mapping_page.combos]
    assert chosen == [
        "first_name",
        "last_name",
        "personal_code",
        "class",
        "guardian_first_name",
        "guardian_last_name",
        "guardian_phone",
    ]
    assert "7 of 7 columns were recognised" in wizard.mapping_page.summary.text()
    assert wizard.mapping_page.combos[2].currentText() == "Student's isikukood"


def test_a_field_comes_from_one_column(wizard, tmp_path):
    to_mapping(wizard, write(tmp_path, GOOD))
    combos = wizard.mapping_page.combos
    combos[4].setCurrentIndex(combos[4].findData("first_name"))
    assert combos[0].currentData() is None
    assert wizard.mapping_page.mapping()["first_name"] == 4


def test_unrecognised_column_can_be_mapped_by_hand(wizard, tmp_path, services):
    header = HEADER.replace("Klass", "Rühm/klass (kool)")
    to_mapping(wizard, write(tmp_path, GOOD, header))
    combos = wizard.mapping_page.combos
    assert combos[3].currentData() is None
    combos[3].setCurrentIndex(combos[3].findData("class"))
    wizard.next()
    assert wizard.check_page.counts.text().startswith("3 to add")


def test_every_bad_row_is_listed_and_import_is_blocked(wizard, tmp_path, services):
    to_mapping(wizard, write(tmp_path, BAD))
    wizard.next()
    page = wizard.check_page
    rows = [page.problems.row(i) for i in range(page.problems.rowCount())]
    assert [(r[0], r[1]) for r in rows] == [(3, "Eesnimi"), (4, "Isikukood"), (5, "Vanema telefon")]
    assert rows[1][2] == "61302020009"
    assert "check digit" in rows[1][3]
    assert page.counts.text() == "3 problems in the file"
    assert not page.isComplete()
    wizard.accept()  # Import is disabled; even a forced accept stores nothing
    assert services.roster.table_rows() == []


def test_check_again_after_fixing_the_file_then_import(qtbot, wizard, tmp_path, services):
    path = write(tmp_path, BAD)
    to_mapping(wizard, path)
    wizard.next()
    write(tmp_path, GOOD)  # the secretary corrects the file in Excel
    wizard.check_page.again.click()
    assert wizard.check_page.counts.text() == "3 to add · 0 to update · 0 unchanged"
    assert wizard.check_page.isComplete()
    with qtbot.waitSignal(wizard.imported) as imported:
        wizard.accept()
    assert imported.args[0].count("add") == 3
    assert not wizard.isVisible()
    names = sorted(r[2] for r in services.roster.table_rows())
    assert names == ["Jüri", "Mari-Liis", "Säde"]


def test_reimport_has_nothing_to_do(wizard, tmp_path, services):
    path = write(tmp_path, GOOD)
    plan = services.roster_io.plan(path)
    services.roster_io.commit(plan)
    to_mapping(wizard, path)
    wizard.next()
    assert wizard.check_page.counts.text() == "0 to add · 0 to update · 3 unchanged"
    assert "Nothing to import" in wizard.check_page.status.text()
    assert not wizard.check_page.isComplete()


def test_cancelled_import_stores_nothing(wizard, tmp_path, services):
    to_mapping(wizard, write(tmp_path, GOOD))
    wizard.next()
    real_commit = services.roster_io.commit

    def commit_then_cancel(plan, progress=None, cancel=None):
        return real_commit(plan, progress, lambda: True)  # the secretary pressed Cancel

    wizard.service.commit = commit_then_cancel
    wizard.accept()
    assert wizard.isVisible()
    assert "cancelled" in wizard.check_page.status.text()
    assert "Nothing was imported" in wizard.check_page.status.text()
    assert services.roster.table_rows() == []


def test_a_file_that_cannot_be_read_is_explained_on_the_first_page(wizard, tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG")
    wizard.file_page.path.setText(str(path))
    wizard.next()
    assert wizard.currentPage() is wizard.file_page
    assert "csv or .xlsx" in wizard.file_page.error.text()
    wizard.file_page.path.setText(str(tmp_path / "missing.csv"))
    wizard.next()
    assert "does not exist" in wizard.file_page.error.text()


def test_check_runs_on_a_worker_thread(qtbot, services, tmp_path):
    """The real thread pool: the check's result arrives through the worker's signals."""
    wizard = ImportWizard(None, services.roster_io, "EE")
    qtbot.addWidget(wizard)
    wizard.show()
    to_mapping(wizard, write(tmp_path, GOOD))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None)
    assert wizard.check_page.counts.text().startswith("3 to add")
