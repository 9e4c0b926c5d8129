"""The Consent tab's "Record a decision" dialog, driven as a secretary would (issue 11).

A 1.a pupil (7) "accepting" the Moodle terms themself must be refused, in the user's language,
next to the field (R46: the student's own terms need age 13); "by a parent or guardian for the
child" must enable the guardian box, and with a guardian chosen the decision is recorded on the
guardian's consent. Qt hands the combo boxes' enums back as plain strings: this is the path
that once stored a record with no age basis."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop.domain.consent.terms import AcceptanceDecision, OnBehalfBasis
from desktop.domain.roster import Country, Relation
from desktop.i18n import set_ui_language
from desktop.services.roster import GuardianInput
from desktop.ui.tabs.consent import ConsentTab
from desktop.ui.tabs.consent.dialogs.decision import DecisionDialog
from tests.conftest import make_services
from tests.consent_helpers import student_born, terms_document

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.fixture
def school(db, monkeypatch, fixed_clock):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    services = make_services(db, Country.EE)
    terms_document(services, "EE-MOODLE-TERMS", [("1.0", date(2020, 1, 1), None)])
    today = services.school.require_school().today()
    pupil = student_born(
        services, date(today.year - 7, 1, 15), first="Mia", class_name="1.a"
    )  # 7 today, whatever day the tests run
    pupil = services.roster.add_guardian(
        pupil.id,
        GuardianInput("Kadri", "Kask", phone="+372 5123 4567", language="et"),
        Relation.MOTHER,
    )
    return services, pupil


def _open_dialog(qtbot, services, pupil) -> tuple[ConsentTab, DecisionDialog]:
    tab = ConsentTab(services, services.school.require_school())
    qtbot.addWidget(tab)
    tab.resize(1300, 800)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    tab.document.setCurrentIndex(tab.document.findData("EE-MOODLE-TERMS"))
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    row = next(i for i, r in enumerate(tab.persons.records) if r.student_id == pupil.id)
    tab.persons.select(row)
    tab.persons.buttons["record"].click()
    dialog = tab.controller.dialog
    assert isinstance(dialog, DecisionDialog)
    return tab, dialog


def _press_record(qtbot, dialog: DecisionDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("language", ["en", "et"])
def test_a_seven_year_old_is_refused_then_a_guardian_decides(
    qtbot, school, inline_workers, language
):
    services, pupil = school
    set_ui_language(language)
    tab, dialog = _open_dialog(qtbot, services, pupil)
    # The defaults: accepted, by the student themself; no guardian to choose yet.
    assert dialog.decision.currentData() == AcceptanceDecision.ACCEPTED
    assert dialog.basis.currentData() == OnBehalfBasis.SELF
    assert not dialog.on_behalf.isEnabled() and not dialog.given_by.isEnabled()

    _press_record(qtbot, dialog)

    shown = dialog.errors.message("birth_date")  # next to the school-document field
    assert "13" in shown, shown
    if language == "et":
        assert "this needs age" not in shown and "years old" not in shown, shown
    else:
        assert "this needs age 13" in shown, shown
    assert dialog.isVisible()  # the form stays open with what was chosen
    assert services.consent.history(pupil.id) == []

    # "By a parent or guardian for the child" enables the guardian box.
    dialog.basis.setCurrentIndex(dialog.basis.findData(str(OnBehalfBasis.LEGAL_REPRESENTATIVE)))
    assert dialog.on_behalf.isEnabled() and not dialog.given_by.isEnabled()
    assert dialog.on_behalf.currentData() == pupil.guardians[0].guardian_id
    with qtbot.waitSignal(tab.loaded):
        _press_record(qtbot, dialog)

    assert not dialog.isVisible()
    [entry] = services.consent.history(pupil.id)
    assert entry.decision is AcceptanceDecision.ACCEPTED
    assert entry.basis is OnBehalfBasis.LEGAL_REPRESENTATIVE
    assert entry.age_basis == "guardian_consent"
    assert entry.on_behalf_guardian_id == pupil.guardians[0].guardian_id
    assert entry.given_by == "Kadri Kask"


def test_the_institution_admin_enables_only_the_name(qtbot, school, inline_workers):
    services, pupil = school
    _tab, dialog = _open_dialog(qtbot, services, pupil)
    dialog.basis.setCurrentIndex(dialog.basis.findData(str(OnBehalfBasis.INSTITUTION_ADMIN)))
    assert dialog.given_by.isEnabled() and not dialog.on_behalf.isEnabled()
    dialog.basis.setCurrentIndex(dialog.basis.findData(str(OnBehalfBasis.SELF)))
    assert not dialog.given_by.isEnabled() and not dialog.on_behalf.isEnabled()
    # Declining needs no age: recorded from the dialog with no age basis.
    dialog.decision.setCurrentIndex(dialog.decision.findData(str(AcceptanceDecision.DECLINED)))
    _press_record(qtbot, dialog)
    [entry] = services.consent.history(pupil.id)
    assert entry.decision is AcceptanceDecision.DECLINED and entry.age_basis == ""
