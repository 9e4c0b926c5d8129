"""The Roster tab on a demo school: search, editing, errors next to fields, conflicts, leaving."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from stdnum.ee import ik

from desktop.domain.roles import Role
from desktop.domain.roster import Country, RestrictionKind, StudentStatus
from desktop.services.container import Services
from desktop.services.demo import DemoService
from desktop.services.roster import StudentInput
from desktop.services.staff import resolve_actor
from desktop.ui import messages
from desktop.ui.models.roster_model import COLUMN_STATUS
from desktop.ui.tabs.roster import RosterTab
from desktop.ui.tabs.roster.dialogs import (
    EndRestrictionDialog,
    GuardianDialog,
    LeaveDialog,
    RestrictionDialog,
)
from tests.conftest import make_services

pytestmark = [pytest.mark.gui, pytest.mark.db]

STUDENTS = 60


@pytest.fixture
def demo(db) -> Services:
    services = make_services(db, Country.EE)
    DemoService(db, services.actor).fill(Country.EE, STUDENTS)
    return services


def open_tab(qtbot, services: Services) -> RosterTab:
    tab = RosterTab(services, services.school.require_school())
    qtbot.addWidget(tab)
    tab.resize(1300, 800)
    with qtbot.waitSignal(tab.loaded):
        tab.show()  # the tab loads when first shown
    return tab


@pytest.fixture
def tab(qtbot, demo, inline_workers, monkeypatch) -> RosterTab:
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    return open_tab(qtbot, demo)


def choose(tab: RosterTab, row: int = 0):
    tab.table.selectRow(row)
    return tab.editor.record


def other_office_user(services: Services, login: str = "kadri") -> Services:
    services.staff.add(login, "Kadri Tamm", {Role.OFFICE})
    return Services(services.db, resolve_actor(services.db, login))


def test_tab_opens_with_every_student(tab):
    assert tab.controller.model.rowCount() == STUDENTS
    assert tab.count.text() == f"{STUDENTS} students"
    assert tab.class_combo.count() == 1 + len(tab.controller.model.class_names())
    assert tab.table.isSortingEnabled()
    assert tab.editor.pages.currentIndex() == 0  # "choose a student" until one is chosen


def test_loading_on_the_thread_pool_reaches_the_gui_thread(qtbot, demo, monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    tab = open_tab(qtbot, demo)  # real worker thread: waitSignal above
    assert tab.controller.model.rowCount() == STUDENTS


def test_search_as_you_type(qtbot, tab):
    model = tab.controller.model
    surname = model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole)
    qtbot.keyClicks(tab.search, surname.lower())
    shown = model.rowCount()
    assert 0 < shown < STUDENTS
    assert all(
        surname.lower()
        in " ".join(
            model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) for c in range(2)
        ).lower()
        for r in range(shown)
    )
    assert tab.count.text() == f"{shown} of {STUDENTS} students"
    tab.clear_search()
    assert model.rowCount() == STUDENTS
    assert tab.count.text() == f"{STUDENTS} students"


def test_search_ignores_accents(qtbot, tab, demo):
    record = demo.roster.create_student(
        StudentInput("Ana", "Šarić", "", birth_date=date(2014, 3, 4), class_name="4.a")
    )
    tab.refresh()
    qtbot.keyClicks(tab.search, "saric")
    model = tab.controller.model
    assert [model.student_id(r) for r in range(model.rowCount())] == [record.id]


def test_class_and_status_filters(tab):
    model = tab.controller.model
    first_class = model.class_names()[0]
    tab.class_combo.setCurrentIndex(tab.class_combo.findData(first_class))
    in_class = model.rowCount()
    assert 0 < in_class < STUDENTS
    assert tab.count.text() == f"{in_class} of {STUDENTS} students"
    tab.status_combo.setCurrentIndex(tab.status_combo.findData(StudentStatus.LEFT.value))
    assert model.rowCount() == 0
    tab.clear_filters()
    assert model.rowCount() == STUDENTS


def test_choosing_a_row_fills_the_editor(qtbot, tab, demo):
    record = choose(tab, 3)
    student_id = tab.controller.model.student_id(3)
    assert record.id == student_id
    stored = demo.roster.get(student_id)
    editor = tab.editor
    assert editor.pages.currentIndex() == 1
    assert editor.first_name.text() == stored.first_name
    assert editor.last_name.text() == stored.last_name
    assert editor.personal_code.text() == (stored.personal_code or "")
    assert editor.class_name.currentText() == stored.class_name
    assert editor.title.text() == stored.full_name
    assert editor.guardians.model.rowCount() == len(stored.guardians)
    assert not editor.save_button.isEnabled()  # nothing changed yet
    qtbot.mouseDClick(
        tab.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=tab.table.visualRect(tab.controller.model.index(3, 0)).center(),
    )
    assert tab.controller.model.student_id(tab.table.currentIndex().row()) == student_id


def test_edit_and_save(qtbot, tab, demo):
    record = choose(tab, 0)
    editor = tab.editor
    editor.first_name.clear()
    qtbot.keyClicks(editor.first_name, "Kristiina")
    assert editor.dirty and editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    stored = demo.roster.get(record.id)
    assert stored.first_name == "Kristiina"
    assert stored.version == record.version + 1
    assert not editor.dirty
    model = tab.controller.model
    row = model.row_of(record.id)
    assert model.data(model.index(row, 1), Qt.ItemDataRole.DisplayRole) == "Kristiina"


def test_ctrl_s_saves_and_ctrl_f_focuses_search(qtbot, tab, demo):
    record = choose(tab, 1)
    tab.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is tab)
    tab.editor.last_name.setFocus()
    tab.editor.last_name.setText("Uusnimi")
    tab.editor.last_name.textEdited.emit("Uusnimi")
    qtbot.keyClick(tab.editor.last_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert demo.roster.get(record.id).last_name == "Uusnimi"
    qtbot.keyClick(tab.editor.last_name, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search.hasFocus()
    qtbot.keyClicks(tab.search, "uusnimi")
    assert tab.controller.model.rowCount() == 1
    qtbot.keyClick(tab.search, Qt.Key.Key_Escape)
    assert tab.search.text() == ""


def test_validation_errors_appear_next_to_their_fields(qtbot, tab, demo):
    record = choose(tab, 0)
    editor = tab.editor
    editor.first_name.clear()
    editor.personal_code.setText("12345")
    editor.apply_values(editor.form_values())
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.errors.message("first_name") == "First name is required"
    assert "11 digits" in editor.errors.message("personal_code")
    label = editor.findChild(type(editor.title), "error_personal_code")
    assert label.isVisible()
    assert editor.errors.message("class") == ""
    assert editor.personal_code.text() == "12345"  # what was typed stays
    assert demo.roster.get(record.id).version == record.version  # nothing saved


def test_a_date_that_is_not_a_date_is_marked_on_its_field(qtbot, tab):
    choose(tab, 0)
    editor = tab.editor
    editor.enrolled_on.setText("31.02.2020")
    editor.apply_values(editor.form_values())
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "not a real date" in editor.errors.message("enrolled_on")


def test_conflict_keeps_what_was_typed(qtbot, tab, demo):
    record = choose(tab, 0)
    kadri = other_office_user(demo)
    theirs = kadri.roster.get(record.id)
    kadri.roster.update_student(
        record.id,
        theirs.version,
        StudentInput(
            theirs.first_name,
            "Kadrimuudetud",
            theirs.personal_code or "",
            class_name=theirs.class_name or "",
        ),
    )
    editor = tab.editor
    editor.first_name.clear()
    qtbot.keyClicks(editor.first_name, "Minumuudetud")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "changed by kadri at " in editor.banner.text()
    assert editor.first_name.text() == "Minumuudetud"  # nothing the user typed is lost
    assert editor.dirty
    assert demo.roster.get(record.id).first_name == theirs.first_name

    qtbot.mouseClick(editor.banner.button("Keep editing"), Qt.MouseButton.LeftButton)
    assert editor.first_name.text() == "Minumuudetud"  # mine
    assert editor.last_name.text() == "Kadrimuudetud"  # theirs, not overwritten
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    stored = demo.roster.get(record.id)
    assert (stored.first_name, stored.last_name) == ("Minumuudetud", "Kadrimuudetud")


def test_conflict_reload_their_version(qtbot, tab, demo):
    record = choose(tab, 0)
    kadri = other_office_user(demo)
    kadri.roster.update_student(
        record.id,
        record.version,
        StudentInput(
            "Teisenimi",
            record.last_name,
            record.personal_code or "",
            class_name=record.class_name or "",
        ),
    )
    tab.editor.last_name.setText("Minu")
    tab.editor.apply_values(tab.editor.form_values())
    tab.controller.save()
    qtbot.mouseClick(tab.editor.banner.button("Reload their version"), Qt.MouseButton.LeftButton)
    assert tab.editor.first_name.text() == "Teisenimi"
    assert tab.editor.last_name.text() == record.last_name
    assert not tab.editor.dirty


def test_mark_as_left(qtbot, tab, demo):
    record = choose(tab, 0)
    qtbot.mouseClick(tab.editor.mark_left_button, Qt.MouseButton.LeftButton)
    dialog = tab.controller.dialog
    assert isinstance(dialog, LeaveDialog)
    dialog.reason.setText("Moved to Tallinn")
    dialog.status.setCurrentIndex(dialog.status.findData(StudentStatus.LEFT.value))
    dialog.accept()
    stored = demo.roster.get(record.id)
    assert stored.status is StudentStatus.LEFT
    assert stored.leaving_reason == "Moved to Tallinn"
    assert tab.editor.status.text().startswith("Left on ")
    assert tab.editor.re_enrol_button.isVisibleTo(tab.editor)
    assert not tab.editor.mark_left_button.isVisibleTo(tab.editor)
    model = tab.controller.model
    row = model.row_of(record.id)
    assert model.data(model.index(row, COLUMN_STATUS), Qt.ItemDataRole.DisplayRole) == "Left"


def test_mark_as_left_with_a_bad_date_stays_open_with_the_reason(qtbot, tab, demo):
    record = choose(tab, 0)
    tab.controller.mark_left()
    dialog = tab.controller.dialog
    dialog.left_on.setText("01.01.1990")
    dialog.accept()
    assert dialog.isVisible()
    assert "before the enrolment date" in dialog.errors.message("left_on")
    assert demo.roster.get(record.id).status is StudentStatus.ENROLLED
    dialog.reject()


def test_new_student(qtbot, tab, demo):
    tab.controller.new_student()
    editor = tab.editor
    assert editor.title.text() == "New student"
    assert editor.first_name.hasFocus() or not tab.isActiveWindow()
    qtbot.keyClicks(editor.first_name, "Uku")
    qtbot.keyClicks(editor.last_name, "Uus")
    code = "5150505001" + ik.calc_check_digit("51505050010")
    qtbot.keyClicks(editor.personal_code, code)
    editor.class_name.setEditText("1.a")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.errors.message("personal_code") == "", editor.banner.text()
    assert tab.controller.model.total_count == STUDENTS + 1
    assert tab.count.text() == f"{STUDENTS + 1} students"
    stored = demo.roster.find_by_code(code)
    assert stored.birth_date == date(2015, 5, 5)
    assert tab.editor.record.id == stored.id
    assert tab.controller.model.student_id(tab.table.currentIndex().row()) == stored.id


def test_new_student_without_a_local_code_needs_a_birth_date(qtbot, tab):
    tab.controller.new_student()
    editor = tab.editor
    qtbot.keyClicks(editor.first_name, "John")
    qtbot.keyClicks(editor.last_name, "Smith")
    editor.no_local_code.setChecked(True)
    assert editor.birth_date.isEnabled() and not editor.personal_code.isEnabled()
    editor.class_name.setEditText("3.a")
    tab.controller.save()
    assert "birth date" in editor.errors.message("personal_code")
    editor.birth_date.setText("04.05.2016")
    tab.controller.save()
    assert editor.record is not None and editor.record.no_local_code


def test_guardians_and_a_contact_restriction(qtbot, tab, demo):
    record = choose(tab, 0)
    before = len(record.guardians)
    qtbot.mouseClick(tab.editor.guardians.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.controller.dialog
    assert isinstance(dialog, GuardianDialog)
    dialog.first_name.setText("Malle")
    dialog.last_name.setText("Mets")
    dialog.email.setText("not an address")
    dialog.accept()
    assert "not an e-mail address" in dialog.errors.message("email")
    dialog.email.setText("malle.mets@example.com")
    dialog.accept()
    panel = tab.editor.guardians
    assert panel.model.rowCount() == before + 1

    panel.select_link(before)
    assert panel.selected_link().full_name == "Malle Mets"
    qtbot.mouseClick(panel.restriction_button, Qt.MouseButton.LeftButton)
    dialog = tab.controller.dialog
    assert isinstance(dialog, RestrictionDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData(RestrictionKind.PROHIBITION.value))
    dialog.permanent.setChecked(True)
    dialog.accept()
    assert "authority" in dialog.errors.message("authority")
    dialog.authority.setText("Tartu Maakohus")
    dialog.reference.setText("2-25-1234")
    dialog.accept()
    name_item = panel.model.item(before, 0)
    restriction_text = name_item.child(0).text()
    assert "Prohibition of contact" in restriction_text
    assert "permanent" in restriction_text and "Tartu Maakohus" in restriction_text
    assert "2-25-1234" in restriction_text
    today = demo.school.require_school().today()
    assert not demo.roster.get(record.id).guardians[before].may_contact(today)

    # The authority lifts it: the restriction stays on record, ending today.
    panel.select_link(before)
    assert panel.end_restriction_button.isEnabled()
    qtbot.mouseClick(panel.end_restriction_button, Qt.MouseButton.LeftButton)
    dialog = tab.controller.dialog
    assert isinstance(dialog, EndRestrictionDialog)
    dialog.accept()
    link = demo.roster.get(record.id).guardians[before]
    assert len(link.restrictions) == 1 and link.restrictions[0].valid_to == today
    assert link.may_contact(today + timedelta(days=1))


def test_unlink_asks_first(qtbot, tab, demo, monkeypatch):
    record = choose(tab, 0)
    panel = tab.editor.guardians
    panel.select_link(0)
    answers = iter(["cancel", "unlink"])
    monkeypatch.setattr(messages, "ask", lambda *a, **k: next(answers))
    qtbot.mouseClick(panel.unlink_button, Qt.MouseButton.LeftButton)
    assert len(demo.roster.get(record.id).guardians) == len(record.guardians)
    qtbot.mouseClick(panel.unlink_button, Qt.MouseButton.LeftButton)
    assert len(demo.roster.get(record.id).guardians) == len(record.guardians) - 1
    assert panel.model.rowCount() == len(record.guardians) - 1


def test_unsaved_changes_are_not_lost_when_choosing_another_student(qtbot, tab, monkeypatch):
    first = choose(tab, 0)
    tab.editor.first_name.setText("Muudetud")
    tab.editor.apply_values(tab.editor.form_values())
    monkeypatch.setattr(messages, "ask", lambda *a, **k: "stay")
    tab.table.selectRow(5)
    assert tab.editor.record.id == first.id
    assert tab.editor.first_name.text() == "Muudetud"
    assert tab.controller.model.student_id(tab.table.currentIndex().row()) == first.id
    monkeypatch.setattr(messages, "ask", lambda *a, **k: "discard")
    tab.table.selectRow(5)
    assert tab.editor.record.id == tab.controller.model.student_id(5)


def test_without_the_office_role_the_roster_is_read_only(qtbot, demo, inline_workers, monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    demo.staff.add("arve", "Arve Raamat", {Role.BILLING})
    billing = Services(demo.db, resolve_actor(demo.db, "arve"))
    tab = open_tab(qtbot, billing)
    choose(tab, 0)
    editor = tab.editor
    assert not tab.new_button.isEnabled()
    assert editor.first_name.isReadOnly()
    assert not editor.save_button.isEnabled()
    assert not editor.mark_left_button.isEnabled()
    assert not editor.guardians.add_button.isEnabled()
    # The service is what counts: even a forced save is refused and explained.
    editor.save_button.setEnabled(True)
    tab.controller.can_edit = True
    editor.first_name.setReadOnly(False)
    editor.first_name.setText("X")
    editor.apply_values(editor.form_values())
    tab.controller.save()
    assert "Office role" in editor.banner.text()


def test_layout_is_remembered(qtbot, tab, demo, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    record = choose(tab, 2)
    tab.table.horizontalHeader().resizeSection(0, 222)
    tab.splitter.setSizes([700, 600])
    sizes = tab.splitter.sizes()
    tab.save_state(settings)
    again = open_tab(qtbot, demo)
    again.restore_state(settings)
    assert again.table.horizontalHeader().sectionSize(0) == 222
    assert again.splitter.sizes() == sizes
    again.refresh()
    assert again.editor.record.id == record.id


def test_import_from_the_tab_reloads_the_table(qtbot, tab, tmp_path):
    code = "5150505001" + ik.calc_check_digit("51505050010")
    path = tmp_path / "uued.csv"
    path.write_text(
        f"Eesnimi;Perekonnanimi;Isikukood;Klass\nUku;Uus;{code};1.a\n", encoding="utf-8"
    )
    tab.import_roster()
    wizard = tab.controller.dialog
    wizard.file_page.path.setText(str(path))
    wizard.next()
    wizard.next()
    wizard.accept()
    assert tab.controller.model.total_count == STUDENTS + 1
    assert tab.count.text() == f"{STUDENTS + 1} students"


def test_several_students_can_be_selected_for_printing(tab):
    model = tab.controller.model
    selection = tab.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 2, 4):
        selection.select(model.index(row, 0), flags)
    assert tab.selected_student_ids() == [model.student_id(r) for r in (0, 2, 4)]
