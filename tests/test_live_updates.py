"""Every view current (issue 11): change notifications after commit, the change counter that
other PCs poll, and names sorted in the school's alphabet."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop.db.changes import Change, ChangeFeed
from desktop.db.session import Database
from desktop.domain.collation import sort_key
from desktop.domain.roster import Country, StudentStatus
from desktop.services.container import Services
from desktop.services.demo import DemoService
from desktop.services.roster import RosterRow, StudentInput
from desktop.ui.changes import POLL_MS
from desktop.ui.collation import name_key, qt_collates
from desktop.ui.main_window import MainWindow
from desktop.ui.models.roster_model import COLUMN_FIRST, RosterData, RosterModel
from tests.conftest import TEST_START, make_services

STUDENTS = 24
TODAY = TEST_START.date()


# ---- the change feed and the counter (no Qt) -------------------------------------------------


@pytest.mark.db
def test_a_commit_announces_its_tables_and_students_once(services):
    seen: list[Change] = []
    services.db.changes.subscribe(seen.append)
    record = services.roster.create_student(
        StudentInput("Mari", "Tamm", "61107120011", class_name="1.a")
    )
    assert len(seen) == 1
    change = seen[0]
    assert {"student"} <= change.tables and record.id in change.student_ids
    assert change.touches("student") and not change.touches("invoice")
    assert change.touches_student(record.id, "student")
    assert not change.touches_student(record.id + 1, "student")
    assert "audit_entry" not in change.tables


@pytest.mark.db
def test_leaving_announces_the_cascade(services):
    record = services.roster.create_student(
        StudentInput("Mari", "Tamm", "61107120011", class_name="1.a")
    )
    card = services.cards.issue_physical(record.id, today=TODAY)
    seen: list[Change] = []
    services.db.changes.subscribe(seen.append)
    services.roster.mark_left(record.id, record.version, TODAY, "moved")
    [change] = seen
    assert change.touches_student(record.id, "card") and change.touches_student(
        record.id, "student"
    )
    assert str(card.id) in change.ids["card"]


@pytest.mark.db
def test_nothing_changed_nothing_announced_and_failures_stay_quiet(services):
    seen: list[Change] = []
    services.db.changes.subscribe(seen.append)
    with services.db.write("someone"):
        pass  # a write that wrote nothing
    before = services.db.change_counter()
    with pytest.raises(ValueError), services.db.write("someone") as session:
        session.execute(text("UPDATE school SET name = 'x'"))
        raise ValueError("rolled back")
    assert seen == [] and services.db.change_counter() == before

    def broken(_change):
        raise RuntimeError("a listener's bug")

    services.db.changes.subscribe(broken)
    services.roster.create_student(StudentInput("Mari", "Tamm", "61107120011", class_name="1.a"))
    assert len(seen) == 1  # the broken listener did not stop the others or the save


@pytest.mark.db
def test_the_counter_tells_our_changes_from_another_pcs(db_url, services):
    ours = services.db.counter_watch()
    other_db = Database(db_url)
    try:
        other = Services(other_db, services.actor)
        theirs = other_db.counter_watch()
        assert ours.poll() is False and theirs.poll() is False  # where it stands now
        before = services.db.change_counter()
        services.roster.create_student(
            StudentInput("Mari", "Tamm", "61107120011", class_name="1.a")
        )
        assert services.db.change_counter() == before + 1
        assert ours.poll() is False  # our own change: our views already know
        assert theirs.poll() is True  # the other PC must reload
        other.roster.create_student(StudentInput("Jaan", "Kask", "51107120010", class_name="1.a"))
        assert ours.poll() is True and theirs.poll() is False
        assert ours.poll() is False  # nothing new since
    finally:
        other_db.dispose()


def test_change_feed_merges_and_unsubscribes():
    feed = ChangeFeed()
    seen: list[Change] = []
    stop = feed.subscribe(seen.append)
    a = Change(frozenset({"student"}), student_ids=frozenset({1}))
    b = Change(frozenset({"card"}), student_ids=frozenset({2}), unkeyed=frozenset({"card"}))
    feed.publish(a)
    stop()
    feed.publish(b)
    assert seen == [a]
    merged = a.merge(b)
    assert merged.tables == {"student", "card"} and merged.student_ids == {1, 2}
    assert merged.touches_student(99, "card") and not merged.touches_student(99, "student")
    assert Change.from_elsewhere().touches("anything")


# ---- the views ---------------------------------------------------------------------------------


@pytest.fixture
def demo(db) -> Services:
    services = make_services(db, Country.EE)
    DemoService(db, services.actor).fill(Country.EE, STUDENTS, cards=False)
    enrolled = [r for r in services.roster.table_rows() if r.personal_code]  # with an isikukood
    for row in enrolled[:4]:
        services.cards.issue_physical(row.id, today=TODAY)
    return services


@pytest.fixture
def window(qtbot, demo, inline_workers, monkeypatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    window = MainWindow(demo, demo.school.require_school())
    qtbot.addWidget(window)
    window.tabs.setCurrentWidget(window.roster)
    with qtbot.waitSignal(window.ready):
        window.show()
    yield window
    # Closed here, while this test's settings and inline workers still hold (qtbot would close
    # it after they are undone); its database closes after it (tests/conftest.py).
    window.close()


def show_tab(qtbot, window: MainWindow, key: str):
    page = window.pages[key]
    if not page._started:
        with qtbot.waitSignal(page.loaded):
            window.tabs.setCurrentWidget(page)
    else:
        window.tabs.setCurrentWidget(page)
    return page


def card_status(tab, card_id: int) -> str:
    model = tab.controller.model
    return next(r.status for r in model.rows if r.id == card_id)


@pytest.mark.gui
@pytest.mark.db
def test_leaving_in_the_roster_shows_the_card_revoked_in_the_cards_tab(qtbot, window, demo):
    cards = show_tab(qtbot, window, "cards")
    active = next(r for r in cards.controller.model.rows if r.status == "ACTIVE")
    card_id, student_id = active.id, active.student_id
    cards.controller.select_card(card_id)

    roster = show_tab(qtbot, window, "roster")
    roster.controller.select_student(student_id)
    assert roster.editor.record.id == student_id
    roster.controller.mark_left()
    dialog = roster.controller.dialog
    dialog.reason.setText("Moved to Tartu")
    dialog.accept()
    assert demo.roster.get(student_id).status is StudentStatus.LEFT

    window.tabs.setCurrentWidget(cards)  # no F5
    qtbot.waitUntil(lambda: card_status(cards, card_id) == "REVOKED")
    assert cards.controller.selected_row().id == card_id  # the selection stayed


@pytest.mark.gui
@pytest.mark.db
def test_a_change_reaches_the_tab_on_screen_without_switching(qtbot, window, demo):
    cards = show_tab(qtbot, window, "cards")
    active = next(r for r in cards.controller.model.rows if r.status == "ACTIVE")
    record = demo.roster.get(active.student_id)
    demo.roster.mark_left(record.id, record.version, TODAY, "moved")  # e.g. from a worker
    qtbot.waitUntil(lambda: card_status(cards, active.id) == "REVOKED")


HEADER = ["first_name", "last_name", "personal_code", "class", "status", "birth_date"]


def _import(services: Services, path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    plan = services.roster_io.plan(path)
    assert plan.ok
    services.roster_io.commit(plan)


@pytest.mark.gui
@pytest.mark.db
def test_an_import_shows_the_new_name_in_the_open_form(qtbot, window, demo, tmp_path):
    roster = window.roster
    row = next(r for r in demo.roster.table_rows() if r.personal_code and r.birth_date is not None)
    student_id, code = row.id, row.personal_code
    roster.controller.select_student(student_id)
    record = roster.editor.record
    assert record.id == student_id and not roster.editor.dirty
    _import(
        demo, tmp_path / "a.csv", [["Renate", record.last_name, code, record.class_name, "", ""]]
    )
    qtbot.waitUntil(lambda: roster.editor.first_name.text() == "Renate")
    model = roster.controller.model
    assert model.data(model.index(model.row_of(student_id), COLUMN_FIRST)) == "Renate"

    # F5 shows the stored record too, and unsaved edits are kept, with the conflict banner.
    qtbot.keyClicks(roster.editor.last_name, "-Typed")
    assert roster.editor.dirty
    _import(demo, tmp_path / "b.csv", [["Reet", record.last_name, code, record.class_name, "", ""]])
    qtbot.waitUntil(lambda: roster.editor.banner.isVisibleTo(roster.editor))
    roster.refresh()
    assert roster.editor.last_name.text() == record.last_name + "-Typed"
    assert roster.editor.first_name.text() == "Renate"  # theirs comes with "Reload their version"
    roster.controller.reload_theirs()
    assert roster.editor.first_name.text() == "Reet" and not roster.editor.dirty


@pytest.mark.gui
@pytest.mark.db
def test_a_change_on_another_pc_shows_within_the_poll_interval(qtbot, window, demo, db_url):
    roster = window.roster
    row = next(r for r in demo.roster.table_rows() if r.birth_date is not None)
    roster.controller.select_student(row.id)
    other_db = Database(db_url)  # another office PC on the same database
    try:
        other = Services(other_db, demo.actor)
        theirs = other.roster.get(row.id)
        other.roster.update_student(
            theirs.id,
            theirs.version,
            StudentInput(
                "Kristel",
                theirs.last_name,
                theirs.personal_code or "",
                birth_date=None if theirs.personal_code else theirs.birth_date,
                no_local_code=theirs.no_local_code,
                class_name=theirs.class_name or "",
                language=theirs.language.value if theirs.language else None,
                foreign_document_id=theirs.foreign_document_id,
                enrolled_on=theirs.enrolled_on,
                full_capacity_from=theirs.full_capacity_from,
            ),
        )
        model = roster.controller.model
        qtbot.waitUntil(
            lambda: model.data(model.index(model.row_of(row.id), COLUMN_FIRST)) == "Kristel",
            timeout=POLL_MS + 2000,
        )
        assert roster.editor.first_name.text() == "Kristel"
    finally:
        other_db.dispose()


@pytest.mark.gui
@pytest.mark.db
def test_a_new_student_appears_in_alphabetical_order(qtbot, window, demo):
    roster = window.roster
    model = roster.controller.model
    roster.controller.new_student()
    editor = roster.editor
    editor.first_name.setText("Ülle")
    editor.last_name.setText("Aaviksoo")
    editor.no_local_code.setChecked(True)
    editor.birth_date.setText("01.02.2015")
    editor.class_name.setCurrentText("1.a")
    assert roster.controller.save(), editor.banner.text()
    row = model.row_of(editor.record.id)
    names = [model.row(r).last_name for r in range(model.rowCount())]
    assert row == names.index("Aaviksoo") and sorted(names, key=name_key("EE")) == names


# ---- the school's alphabet --------------------------------------------------------------------

ORDERS = [
    ("SI", ["Cvet", "Čeh", "Sever", "Šarić", "Zupan", "Žagar"]),
    (
        "EE",
        ["Sepp", "Šmidt", "Zola", "Žukov", "Tamm", "Vaher", "Walter", "Õun", "Ärm", "Öö", "Üla"],
    ),
    ("EE", ["saar", "Saar", "Säde", "Šeiko", "Zeiger", "Žilin", "Tamm"]),
    ("SI", ["Čeh", "Ćosić", "Dolenc", "Đurić", "Erjavec", "Šuštar", "Tomšič", "Zver", "Žnidar"]),
    ("SI", ["Novak", "Novak Kos", "Novak-Kos", "Novaković"]),
]


@pytest.mark.parametrize("use_qt", [True, False], ids=["qcollator", "fallback"])
@pytest.mark.parametrize(("country", "expected"), ORDERS)
def test_names_sort_in_the_school_alphabet(qapp, country, expected, use_qt):
    if use_qt and not qt_collates(country):
        pytest.skip("Qt's collation data lacks this locale here: the fallback key is used")
    key = name_key(country, use_qt=use_qt)
    assert sorted(reversed(expected), key=key) == expected
    assert sorted(sorted(expected), key=key) == expected


def test_this_machine_collates_with_qt_or_says_so(qapp):
    # Which path the app takes here; both give the same orders (the test above).
    assert isinstance(qt_collates("EE"), bool) and isinstance(qt_collates("SI"), bool)
    assert qt_collates("XX") is False


@pytest.mark.parametrize(("country", "expected"), ORDERS)
def test_the_fallback_key_alone(country, expected):
    language = {"EE": "et", "SI": "sl"}[country]
    assert sorted(reversed(expected), key=lambda t: sort_key(t, language)) == expected


@pytest.mark.parametrize(("country", "expected"), ORDERS[:2])
def test_the_roster_table_sorts_in_the_school_alphabet(qapp, country, expected):
    rows = [
        RosterRow(i, last, "Ann", None, "1.a", StudentStatus.ENROLLED, None)
        for i, last in enumerate(reversed(expected))
    ]
    model = RosterModel(country)
    model.set_data(RosterData(rows, country))
    assert [model.row(r).last_name for r in range(model.rowCount())] == expected
