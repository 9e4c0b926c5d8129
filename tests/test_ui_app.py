"""Start-up (composition root), the main window, and the crash handler."""

from __future__ import annotations

import logging
import sys

import pytest

from desktop import app
from desktop.db.session import Database
from desktop.services.container import open_database
from desktop.services.staff import resolve_actor
from desktop.settings import Settings, log_dir, save_settings
from desktop.ui.main_window import TABS
from desktop.ui.state import ui_state

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _no_dialogs_and_clean_logging(monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    save_settings(Settings(ui_language="en"))  # these tests read the English texts
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def start(qtbot, url=None, demo=True):
    _qapp, window = app.start_gui(url, demo)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=10_000):
        pass
    return window


def show_roster(qtbot, window):
    """The app opens on Today (issue 19); the roster loads when its tab is shown."""
    with qtbot.waitSignal(window.roster.loaded, timeout=10_000):
        window.tabs.setCurrentWidget(window.roster)
    return window.roster


def test_demo_start_opens_a_usable_window(qtbot):
    window = start(qtbot)
    assert window.isVisible()
    assert window.tabs.currentWidget() is window.pages["today"]
    # "Overdue: N · " in front when the demo has something overdue on the test's day
    assert window.windowTitle().endswith("Tartu Tähe Kool — School Office")
    assert window.tabs.count() == len([t for t in TABS if "EE" in t.countries])
    show_roster(qtbot, window)
    assert window.roster.controller.model.total_count == 840
    assert window.roster.count.text() == "840 students"
    assert window.database_label.text() == "Database: This PC"
    assert "sqlite:" not in window.database_label.toolTip()  # the file, never a URL
    assert "Administrator" in window.actor_label.toolTip()
    assert window.staff_action.isEnabled() and window.import_action.isEnabled()
    assert (log_dir() / app.LOG_FILE_NAME).read_text(encoding="utf-8").count("starting") == 1


def test_reopening_keeps_the_data_and_the_layout(qtbot):
    window = start(qtbot)
    show_roster(qtbot, window).table.horizontalHeader().resizeSection(1, 201)
    window.resize(790, 480)  # the offscreen screen is 800 × 600
    window.close()
    assert ui_state().value("window/tab") == "roster"
    again = start(qtbot, demo=False)  # the school exists now: no demo, no first-run dialog
    assert again.tabs.currentWidget() is again.pages["today"]  # Today first, whatever was last
    assert show_roster(qtbot, again).controller.model.total_count == 840
    assert again.roster.table.horizontalHeader().sectionSize(1) == 201
    assert (again.width(), again.height()) == (790, 480)


def test_the_first_start_of_a_day_runs_the_daily_jobs_and_a_second_runs_none(qtbot):
    window = start(qtbot)
    line = window.pages["today"].daily_line
    qtbot.waitUntil(lambda: bool(line.text()), timeout=10_000)  # off the GUI thread
    assert window.daily.ran and " date-driven jobs ran at " in line.text()
    assert "Request deadlines (" in line.toolTip()
    window.close()
    again = start(qtbot, demo=False)
    line = again.pages["today"].daily_line
    qtbot.waitUntil(lambda: bool(line.text()), timeout=10_000)
    assert not again.daily.ran
    assert line.text().startswith("Today's date-driven jobs already ran at ")


def test_a_database_that_cannot_be_opened_ends_start_up_with_code_3(qtbot, capsys):
    with pytest.raises(app.StartupAborted) as stop:
        app.start_gui("postgresql://sekretar:topsecret@127.0.0.1:1/school", demo=False)
    assert stop.value.code == app.EXIT_DATABASE
    err = capsys.readouterr().err
    assert "Cannot open the database" in err
    assert "topsecret" not in err


def test_someone_who_is_not_staff_is_told_so(qtbot, capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    db = open_database(url)
    resolve_actor(db, "somebody-else")  # the database already has its administrator
    db.dispose()
    assert app.run_gui(url, demo=False) == app.EXIT_NOT_STAFF
    assert "is not a School Office user" in capsys.readouterr().err


def test_no_school_and_no_dialogs(qtbot, capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert app.run_gui(url, demo=False) == app.EXIT_NO_SCHOOL
    assert "--demo" in capsys.readouterr().err
    Database(url).dispose()


def test_crash_handler_writes_stderr_and_the_log_before_any_dialog(capsys):
    log_file = app.setup_logging()
    app.install_crash_handler(log_file)
    try:
        raise RuntimeError("a bug for the log")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert "RuntimeError: a bug for the log" in capsys.readouterr().err
    assert "RuntimeError: a bug for the log" in log_file.read_text(encoding="utf-8")
