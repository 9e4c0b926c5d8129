"""The pre-flight list of a batch (issue 12, item 5): before anything is printed, the batch
dialog names the recipients who cannot be sent the document, each with its reason, and the
secretary goes on without them or stops."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton

from desktop.ui.dialogs.batch_print import BatchOutcome, start_batch_print
from tests import test_ui_printing as printing

# The 7.a class of the batch-printing tests: four pupils, the last guardian under a prohibition.
si, klass, _inline = printing.si, printing.klass, printing._inline
_batch, _recorded = printing._batch, printing._recorded

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.fixture
def dialogs(monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "0")


def _start(qtbot, services, tmp_path):
    parent, requests, build = _batch(qtbot, services)
    target = tmp_path / "7a.pdf"
    job = start_batch_print(
        parent, services.documents, requests, build, title="7.a", target=target, country="SI"
    )
    return job, target


def test_the_preflight_list_shows_who_is_left_out_and_goes_on_without_them(
    qtbot,
    klass,
    tmp_path,
    dialogs,
):
    job, target = _start(qtbot, klass, tmp_path)
    dialog = job.preflight_dialog
    assert dialog is not None and dialog.isVisible()
    assert _recorded(klass) == 0 and not target.exists()  # nothing before the answer
    assert dialog.findChild(object, "preflight_text").text().startswith("1 of 4")
    reasons = dialog.findChild(object, "preflight_list")
    assert reasons.count() == 1
    assert "Nika Šolar may not receive anything about Ćamil Šolar" in reasons.item(0).text()
    outcomes: list[BatchOutcome] = []
    job.finished.connect(outcomes.append)
    go_on = dialog.findChild(QPushButton, "preflight_go_on")
    assert go_on.text() == "Print the other 3"
    with qtbot.waitSignal(job.finished, timeout=10000):
        go_on.click()
    [outcome] = outcomes
    assert outcome.printed == 3 and len(outcome.skipped) == 1
    assert target.read_bytes() == outcome.produced.pdf and _recorded(klass) == 3


def test_stopping_at_the_preflight_list_prints_nothing(qtbot, klass, tmp_path, dialogs):
    job, target = _start(qtbot, klass, tmp_path)
    with qtbot.waitSignal(job.stopped, timeout=5000):
        job.preflight_dialog.findChild(QPushButton, "preflight_stop").click()
    assert job.outcome.produced is None
    assert _recorded(klass) == 0 and not target.exists()
