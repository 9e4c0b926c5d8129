"""The Today tab (issue 19): first in the window, lines grouped by urgency, counts in the
titles, one click to the place where the next step is done, only what the roles allow."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.consent.retention import DataCategory
from desktop.domain.roles import Role
from desktop.domain.today import ItemKind
from desktop.ui.main_window import MainWindow
from tests.consent_helpers import noon
from tests.test_today import seed, with_roles

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.fixture(autouse=True)
def _no_dialogs(monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")


def open_window(qtbot, services):
    window = MainWindow(services, services.school.require_school())
    qtbot.addWidget(window)
    window.show()
    today = window.pages["today"]
    qtbot.waitUntil(lambda: today.controller.listing is not None, timeout=10_000)
    return window, today


def test_the_app_opens_on_today_with_the_lines_grouped(qtbot, services_si, inline_workers):
    ids = seed(services_si)
    window, today = open_window(qtbot, with_roles(services_si, *Role))
    assert next(iter(window.pages)) == "today"
    assert window.tabs.currentWidget() is today
    assert today.group_titles() == ["Overdue (1)", "Today (1)", "This week (1)", "Later (1)"]
    assert [(i.kind, i.record_id) for i in today.rows()] == [
        (ItemKind.BREACH, ids["late"]),
        (ItemKind.BREACH, ids["soon"]),
        (ItemKind.REQUEST, ids["request"]),
        (ItemKind.AGE_THRESHOLD, ids["adult"]),
    ]
    # counted: what is due by today; the window title says what is overdue
    assert window.tabs.tabText(0) == "Today (2)"
    assert window.windowTitle() == "Overdue: 1 · Testna šola — School Office"


def test_acting_opens_the_place_and_the_record(qtbot, services_si, inline_workers):
    ids = seed(services_si)
    window, today = open_window(qtbot, with_roles(services_si, *Role))
    tree = today.tree
    request_row = tree.topLevelItem(2).child(0)
    tree.setCurrentItem(request_row)
    assert today.open_button.text() == "Open the request"
    today.open_button.click()
    consent = window.pages["consent"]
    assert window.tabs.currentWidget() is consent
    assert consent.pages.currentWidget().isAncestorOf(consent.requests)
    assert consent.requests.selected().id == ids["request"]


def test_an_age_row_prints_the_re_consent_letter(qtbot, services_si, inline_workers):
    ids = seed(services_si)
    services = with_roles(services_si, *Role)
    window, today = open_window(qtbot, services)
    tree = today.tree
    tree.setCurrentItem(tree.topLevelItem(3).child(0))
    assert today.open_button.text() == "Print the letter"
    today.open_item(tree.currentItem())  # a double-click does the same as the button
    assert window.tabs.currentWidget() is today
    assert today.controller.preview is not None  # the preview, with Print and Save
    [record] = services.documents.history(ids["adult"])
    assert record.kind == "re-consent-letter"
    qtbot.waitUntil(lambda: ItemKind.AGE_THRESHOLD not in {i.kind for i in today.rows()})
    today.controller.preview.close()


def test_a_change_elsewhere_updates_the_list(qtbot, services_si, inline_workers):
    seed(services_si)
    services = with_roles(services_si, *Role)
    window, today = open_window(qtbot, services)
    services.breaches.record(noon(date(2026, 11, 20)), "a third one", [DataCategory.SCHOOL])
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "Today (3)", timeout=10_000)
    assert today.group_titles()[0] == "Overdue (2)"
    assert window.windowTitle().startswith("Overdue: 2 ·")


def test_only_what_the_roles_allow(qtbot, services_si, inline_workers):  # R121
    seed(services_si)
    window, today = open_window(qtbot, with_roles(services_si, Role.BILLING))
    assert [i.kind for i in today.rows()] == [ItemKind.AGE_THRESHOLD]
    assert window.tabs.tabText(0) == "Today"
    assert window.windowTitle() == "Testna šola — School Office"


def test_no_letter_without_the_role_to_print(qtbot, services_si, inline_workers):  # R121
    seed(services_si)
    _window, today = open_window(qtbot, with_roles(services_si, Role.ADMIN))
    today.tree.setCurrentItem(today.tree.topLevelItem(0).child(0))
    assert today.current_item().kind is ItemKind.AGE_THRESHOLD
    assert not today.open_button.isEnabled()
    assert today.controller.open_item(today.current_item()) is False
