"""Off-GUI-thread work: results, errors and progress arrive on the GUI thread; Cancel works."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread

from desktop.domain.errors import Cancelled
from desktop.ui import workers

pytestmark = pytest.mark.gui


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, qapp):
    seen = {}

    def work(progress, cancel):
        seen["worker"] = QThread.currentThread()
        for i in range(3):
            progress(i + 1, 3)
        return 42

    def done(result):
        seen["result"] = result
        seen["done_thread"] = QThread.currentThread()

    steps = []
    task = workers.run_task(work, done, on_progress=lambda d, t: steps.append((d, t)))
    with qtbot.waitSignal(task.finished):
        pass
    assert seen["result"] == 42
    assert seen["done_thread"] is qapp.thread()
    assert seen["worker"] is not qapp.thread()
    assert steps == [(1, 3), (2, 3), (3, 3)]


def test_cancel_sets_the_flag_the_work_polls(qtbot):
    started = threading.Event()
    errors = []

    def work(progress, cancel):
        started.set()
        while not cancel():
            time.sleep(0.001)  # a timed Event.wait never returns under libfaketime
        raise Cancelled("the test work")

    task = workers.run_task(work, on_error=errors.append)
    assert started.wait(5)
    with qtbot.waitSignal(task.finished):
        task.cancel()
    assert task.cancelled
    assert isinstance(errors[0], Cancelled)


def test_inline_mode_runs_at_once_on_the_calling_thread(qapp):
    workers.set_inline(True)
    try:
        results = []
        workers.run_task(lambda p, c: QThread.currentThread(), results.append)
        assert results == [qapp.thread()]
    finally:
        workers.set_inline(False)


def test_progress_dialog_closes_and_reports(qtbot):
    def work(progress, cancel):
        progress(1, 2)
        return "ok"

    workers.set_inline(True)
    try:
        results, errors = [], []
        workers.run_with_progress(None, "Working…", work, results.append, errors.append)
        workers.run_with_progress(
            None, "Working…", lambda p, c: 1 / 0, results.append, errors.append
        )
    finally:
        workers.set_inline(False)
    assert results == ["ok"]
    assert isinstance(errors[0], ZeroDivisionError)


_FIRST_WORKER = """
import json, sys
from PySide6.QtWidgets import QApplication
from desktop.ui import workers
from desktop.db.base import Base

app = QApplication([])
seen = {}


class Pool:  # the first worker thread: what is loaded when it would start
    def start(self, work):
        seen["areas"] = sorted(m for m in sys.modules if m.startswith("desktop.db.models."))
        seen["configured"] = not Base.registry._new_mappers
        work()


workers.QThreadPool.globalInstance = staticmethod(lambda: Pool())
from desktop.db.models import Student  # one area only, as a tab's first use would load

seen["before"] = sorted(m for m in sys.modules if m.startswith("desktop.db.models."))
workers.run_task(lambda progress, cancel: None)
print(json.dumps(seen))
"""


def test_every_model_is_loaded_and_configured_before_the_first_worker_starts():
    """Models load per area when first used. A worker making an object while the GUI thread is
    half-way through importing another area failed every mapper for good (SQLAlchemy configures
    new mappers then), so all of them load, on the GUI thread, before the first worker."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from desktop.db import models

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_WORKER],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        timeout=120,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    every = sorted(f"desktop.db.models.{area}" for area in models._AREAS)
    assert set(seen["before"]) < set(every)
    assert seen["areas"] == every
    assert seen["configured"]
