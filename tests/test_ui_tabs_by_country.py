"""Only what applies to the school's country is shown: the paid tier is Slovenian (R72)."""

from __future__ import annotations

import pytest

from desktop.ui import workers
from desktop.ui.main_window import MainWindow
from tests.conftest import make_services

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.mark.parametrize(
    ("country", "tabs"),
    [
        ("EE", ["today", "roster", "cards", "consent"]),
        ("SI", ["today", "roster", "cards", "consent", "billing"]),
    ],
)
def test_the_tabs_follow_the_schools_country(qtbot, db, country, tabs, monkeypatch):
    from desktop.domain.roster import Country

    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    workers.set_inline(True)
    try:
        services = make_services(db, Country(country))
        window = MainWindow(services, services.school.require_school())
        qtbot.addWidget(window)
        assert list(window.pages) == tabs
    finally:
        workers.set_inline(False)
