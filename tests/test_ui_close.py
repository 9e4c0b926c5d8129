"""Closing the window lets running background work finish before the database is closed; new
work is refused meanwhile, the window says it is finishing, and a task that never ends is asked
to cancel at the timeout."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer

from desktop.domain.errors import Cancelled
from desktop.ui import workers
from desktop.ui.main_window import MainWindow
from tests.conftest import make_services

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.fixture
def window(qtbot, db, monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    services = make_services(db)
    workers.set_inline(True)  # the first tab loads at once: only the test's task is running
    try:
        window = MainWindow(services, services.school.require_school())
        qtbot.addWidget(window)
        window.show()
    finally:
        workers.set_inline(False)
    assert not workers.busy()
    return window


@pytest.fixture
def events(window, monkeypatch):
    """What happened, in order: the worker's end and the database's disposal."""
    happened = []
    dispose = window.services.db.dispose
    monkeypatch.setattr(
        window.services.db, "dispose", lambda: (happened.append("disposed"), dispose())
    )
    return happened


def _slow_work(release: threading.Event, happened: list[str]):
    def work(progress, cancel):
        while not release.is_set() and not cancel():
            time.sleep(0.005)  # a timed Event.wait never returns under libfaketime
        if cancel():
            raise Cancelled("the test work")
        happened.append("worker finished")
        return "done"

    return work


def test_closing_waits_for_the_running_worker_before_closing_the_database(qtbot, window, events):
    release = threading.Event()
    results, seen, refused = [], {}, []
    workers.run_task(_slow_work(release, events), results.append)

    def while_finishing() -> None:  # runs inside close(), which waits for the worker
        seen["closed too early"] = not window.isVisible() or events != []
        seen["status"] = window.statusBar().currentMessage()
        seen["tabs enabled"] = window.tabs.isEnabled()
        workers.run_task(lambda p, c: refused.append("ran"))  # nothing new starts now
        window.close()  # asked again: still waiting, and the database is closed once
        release.set()

    QTimer.singleShot(workers.SLOW_MS + 300, while_finishing)
    assert window.close()

    assert seen == {
        "closed too early": False,
        "status": "Finishing the work in progress…",
        "tabs enabled": False,
    }
    assert events == ["worker finished", "disposed"]
    assert results == ["done"]  # its callback ran before the database closed
    assert refused == [] and not workers.busy()
    ran = []
    with qtbot.waitSignal(workers.run_task(lambda p, c: ran.append(1)).finished):
        pass  # the window is gone: work may start again (in a test, for another window)
    assert ran == [1]


def test_a_quick_close_does_not_wait(window, events):
    assert window.close()
    assert events == ["disposed"]
    assert window.statusBar().currentMessage() == ""


def test_a_worker_that_outlives_the_timeout_is_asked_to_cancel(qtbot, window, events, monkeypatch):
    monkeypatch.setattr(workers, "FINISH_TIMEOUT_MS", workers.SLOW_MS + 200)
    errors = []
    task = workers.run_task(_slow_work(threading.Event(), events), on_error=errors.append)

    assert window.close()
    assert events == ["disposed"]
    assert task.cancelled
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)  # the worker stopped at its next check
    assert isinstance(errors[0], Cancelled)
