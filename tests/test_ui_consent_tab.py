"""The Consent tab on a Slovenian demo school: counts per class, recording a decision, printing
the terms for those who have not answered, codes only for the authorised person, the export
wizard with a wrong and a right code, the breach countdown, a retention decision."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.domain import clock
from desktop.domain.consent.breaches import BreachNotice
from desktop.domain.consent.codes import CodeState
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.domain.consent.terms import ConsentStatus
from desktop.domain.roles import Role
from desktop.domain.roster import Country, RestrictionKind, fold_search
from desktop.services.container import Services
from desktop.services.demo import DemoService
from desktop.services.requests import RequestInput
from desktop.ui import messages
from desktop.ui.tabs.consent import ConsentTab
from desktop.ui.tabs.consent.dialogs.codes import IssueCodeDialog
from desktop.ui.tabs.consent.dialogs.decision import DecisionDialog
from desktop.ui.tabs.consent.dialogs.retention import TextDialog
from desktop.ui.tabs.consent.export_wizard import ExportWizard
from tests.conftest import make_services
from tests.consent_helpers import noon, staff

pytestmark = [pytest.mark.gui, pytest.mark.db]

STUDENTS = 40


@pytest.fixture
def demo(db, monkeypatch) -> Services:
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    services = make_services(db, Country.SI)
    DemoService(db, services.actor).fill(Country.SI, STUDENTS)
    return services


def open_tab(qtbot, services: Services) -> ConsentTab:
    tab = ConsentTab(services, services.school.require_school())
    qtbot.addWidget(tab)
    tab.resize(1300, 800)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    return tab


@pytest.fixture
def tab(qtbot, demo, inline_workers) -> ConsentTab:
    return open_tab(qtbot, demo)


def _choose_document(qtbot, tab, key: str) -> None:
    combo = tab.document
    combo.setCurrentIndex(combo.findData(key))
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()


def test_counts_and_persons_match_the_service(qtbot, tab, demo):
    _choose_document(qtbot, tab, "SI-POPOLNI-TERMS")
    overview = demo.consent.overview("SI-POPOLNI-TERMS")
    assert tab.persons.model.rowCount() == len(overview.rows) > 0
    total = overview.counts[-1]
    last = tab.counts.model.rowCount() - 1
    cells = tab.counts.model.row(last)
    assert cells[1] == str(total.total)
    accepted = total.count(ConsentStatus.ACCEPTED)
    assert cells[2] == f"{accepted} ({total.percent(ConsentStatus.ACCEPTED):.1f}%)"
    assert "still to answer" in tab.persons.info.text()


def test_record_a_decision_in_the_dialog(qtbot, tab, demo):
    _choose_document(qtbot, tab, "SI-POPOLNI-TERMS")
    row = next(
        i for i, r in enumerate(tab.persons.records) if r.status is ConsentStatus.NOT_ANSWERED
    )
    person = tab.persons.records[row]
    tab.persons.select(row)
    tab.persons.buttons["record"].click()
    dialog = tab.controller.dialog
    assert isinstance(dialog, DecisionDialog)
    dialog.accept()  # no warranties, no free alternative: refused, the dialog stays open
    assert dialog.errors.message("free_alternative_disclosed") or dialog.errors.message(
        "warranties"
    )
    dialog.warranties.setChecked(True)
    dialog.free_alternative.setChecked(True)
    with qtbot.waitSignal(tab.loaded):
        dialog.accept()
    state = demo.consent.status("SI-POPOLNI-TERMS", person.student_id, person.guardian_id)
    assert state.status is ConsentStatus.ACCEPTED
    assert state.latest.channel.value == "PAPER_AT_SCHOOL"


def test_print_the_terms_for_those_who_have_not_answered(qtbot, tab, demo):
    _choose_document(qtbot, tab, "SI-POPOLNI-TERMS")
    overview = tab.controller.data.overview
    first = overview.rows[0].class_name
    tab.class_filter.setCurrentIndex(tab.class_filter.findData(first))
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    pending = tab.controller.data.overview.pending()
    restricted = pending[0]
    link = next(
        g
        for g in demo.roster.get(restricted.student_id).guardians
        if g.guardian_id == restricted.guardian_id
    )
    demo.roster.add_restriction(
        link.link_id,
        RestrictionKind.RESTRICTION,
        permanent=True,
        valid_from=demo.school.require_school().today(),
        valid_to=None,
        authority="CSD",
    )
    with qtbot.waitSignal(tab.loaded):
        tab.persons.buttons["print_pending"].click()
    preview = tab.controller.preview  # the copies open in the print preview
    assert preview.isVisible() and first in preview.file_name
    reader = PdfReader(io.BytesIO(preview.pdf))
    assert len(reader.outline) == len(pending) - 1  # one bookmark per copy; not the restricted
    assert restricted.guardian_name not in "".join(str(o.title) for o in reader.outline)


def test_codes_only_for_the_authorised_person(qtbot, demo, inline_workers):
    office = staff(demo, "tajnica", Role.OFFICE)
    tab = open_tab(qtbot, office)
    assert not tab.codes.buttons["issue"].isEnabled()
    # R60/R121: the copy holds payer data and payments; the office neither sees the codes nor
    # gives copies, so the whole page is hidden.
    assert not tab.codes.buttons["export"].isEnabled()
    assert not tab.pages.isTabVisible(tab.pages.indexOf(tab.codes))
    dpo = open_tab(qtbot, staff(demo, "dpo", Role.DATA_PROTECTION))
    assert dpo.codes.buttons["issue"].isEnabled()
    assert dpo.codes.buttons["export"].isEnabled()
    assert dpo.pages.isTabVisible(dpo.pages.indexOf(dpo.codes))


def test_issue_a_code_and_export_with_the_wizard(qtbot, tab, demo, tmp_path):
    student = demo.roster.get(demo.roster.table_rows()[0][0])
    guardian = student.guardians[0]
    slip_path = tmp_path / "slip.pdf"
    tab.codes.buttons["issue"].click()
    dialog = tab.controller.dialog
    assert isinstance(dialog, IssueCodeDialog)
    dialog.student.set_student(student.id, student.full_name)
    dialog.guardian.setCurrentIndex(dialog.guardian.findData(guardian.guardian_id))
    with qtbot.waitSignal(tab.loaded):
        dialog.accept()
    slip = tab.controller.preview
    assert student.full_name in slip.file_name
    assert slip.save_to(slip_path)  # handed out: saved (or printed) before the preview closes
    slip.close()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(slip_path.read_bytes())).pages)
    code = "".join(re.search(r"\b(\d{3}) (\d{3})\b", text).groups())
    assert tab.codes.model.rowCount() == 1
    assert demo.access_export.codes(student.id)[0].state is CodeState.VALID

    tab.codes.buttons["export"].click()
    wizard = tab.controller.dialog
    assert isinstance(wizard, ExportWizard)
    wizard.student.set_student(student.id, student.full_name)
    wizard.guardian.setCurrentIndex(wizard.guardian.findData(guardian.guardian_id))
    wizard.next_button.click()
    assert wizard.pages.currentIndex() == wizard.CODE
    wizard.code.setText(f"{(int(code) + 1) % 1_000_000:06d}")
    wizard.next_button.click()
    assert "4 attempts left" in wizard.code_error.text()
    wizard.code.setText(f"{code[:3]} {code[3:]}")
    wizard.next_button.click()
    assert wizard.pages.currentIndex() == wizard.DONE and wizard.result is not None
    wizard.save_button.click()
    reader = PdfReader(io.BytesIO(tab.controller.preview.pdf))
    assert "access-export.json" in reader.attachments
    tab.controller.preview.close()
    wizard.close()


def test_a_code_whose_slip_is_neither_printed_nor_saved_is_cancelled(qtbot, tab, demo, monkeypatch):
    student = demo.roster.get(demo.roster.table_rows()[0][0])
    tab.codes.buttons["issue"].click()
    dialog = tab.controller.dialog
    dialog.student.set_student(student.id, student.full_name)
    dialog.guardian.setCurrentIndex(dialog.guardian.findData(student.guardians[0].guardian_id))
    with qtbot.waitSignal(tab.loaded):
        dialog.accept()
    shown = []
    monkeypatch.setattr(messages, "_show", lambda parent, icon, title, text: shown.append(text))
    with qtbot.waitSignal(tab.loaded):
        tab.controller.preview.reject()  # closed without printing or saving
    assert demo.access_export.codes(student.id)[0].state is CodeState.REVOKED
    assert "has been cancelled" in shown[0]


def test_breach_countdown_is_live(qtbot, tab, demo, fixed_clock):
    detected = fixed_clock.now() - timedelta(hours=1)
    demo.breaches.record(detected, "Lost laptop", [DataCategory.SCHOOL])
    fixed_clock.instant = detected + timedelta(hours=71, minutes=59)
    tab.pages.setCurrentIndex(tab.pages.count() - 1)
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    assert tab.clock.isActive()  # ticking while the page is shown
    tab.breaches.select(0)
    assert tab.breaches.model.row(0)[3] == "0 h 01 min 00 s"
    assert "Report to the Information Commissioner: due" in tab.breach_detail.text()
    fixed_clock.instant = detected + timedelta(hours=71, minutes=59, seconds=30)
    with qtbot.waitSignal(tab.clock.timeout, timeout=3000):
        pass
    assert tab.breaches.model.row(0)[3] == "0 h 00 min 30 s"  # the timer moved it on
    fixed_clock.instant = detected + timedelta(hours=72, seconds=1)  # R69: exactly 72 h
    with qtbot.waitSignal(tab.clock.timeout, timeout=3000):
        pass
    assert tab.breaches.model.row(0)[3] == "OVERDUE"
    assert "Report to the Information Commissioner: OVERDUE" in tab.breach_detail.text()
    tab.pages.setCurrentIndex(0)
    assert not tab.clock.isActive()


def test_retention_confirmed_in_the_tab(qtbot, tab, demo):
    with demo.db.write("tester") as session:
        from desktop.db.models import Card

        session.add(
            Card(
                student_id=demo.roster.table_rows()[0][0],
                kind="PHYSICAL",
                card_number="SI-1",
                issued_on=date(2023, 9, 1),
                valid_until=date(2024, 8, 31),
                status="REVOKED",
                status_changed_at=datetime(2024, 10, 1, tzinfo=UTC),
                status_reason="left",
            )
        )
    demo.daily.run(date(2026, 9, 1))
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    assert tab.proposals.model.rowCount() == 1
    tab.proposals.select(0)
    tab.proposals.buttons["confirm"].click()
    dialog = tab.controller.dialog
    assert isinstance(dialog, TextDialog)
    with qtbot.waitSignal(tab.loaded):
        dialog.accept()
    assert tab.proposals.model.rowCount() == 0


def test_breach_actions_use_the_reloaded_incident(qtbot, tab, demo):
    """The countdown refreshes the table in place; the records behind it must be the new ones,
    or the detail stays old and closing meets a version conflict."""
    incident = demo.breaches.record(clock.now() - timedelta(hours=2), "Mail to wrong list")
    tab.pages.setCurrentIndex(tab.pages.count() - 1)
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    tab.breaches.select(0)
    demo.breaches.update(incident.id, incident.version, containment="List recalled")
    demo.breaches.record_notice(incident.id, BreachNotice.HOME_PAGE, clock.now())
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    assert "Notice on the home page: sent" in tab.breach_detail.text()
    with qtbot.waitSignal(tab.loaded):
        tab.breaches.buttons["close_breach"].click()
    assert demo.breaches.get(incident.id).closed_at is not None


def test_request_to_forward_by_a_weekend_is_flagged(qtbot, tab, demo):
    """R57: forwarding is due the next calendar day; the list warns when that is a weekend."""
    today = demo.school.require_school().today()
    friday = today - timedelta(days=(today.weekday() - 4) % 7)
    demo.requests.create(
        RequestInput(RequestKind.ACCESS, noon(friday), "e-mail", "Ana", forward_to="eŠola")
    )
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    row = next(
        tab.requests.model.row(i)
        for i, r in enumerate(tab.requests.records)
        if r.forward_to == "eŠola"
    )
    assert "a weekend: forward it before" in row[5]


def test_search_narrows_the_people_and_ctrl_f_goes_there(qtbot, tab, demo):
    persons = tab.persons
    everyone = persons.model.rowCount()
    assert everyone > 1
    name = persons.records[0].student_name
    tab.activateWindow()
    tab.setFocus()
    qtbot.keyClick(tab, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert persons.search.hasFocus() or QApplication.focusWidget() is persons.search
    persons.search.setText(fold_search(name).upper())  # accents and case do not matter
    assert 0 < persons.model.rowCount() < everyone
    assert all(r.student_name == name for r in persons.records)
    persons.search.clear()
    assert persons.model.rowCount() == everyone
    # one search on the page: the class summary above the people has none of its own
    assert persons.search.isVisibleTo(tab) and not tab.counts.search.isVisibleTo(tab)
