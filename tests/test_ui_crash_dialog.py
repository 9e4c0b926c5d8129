"""The crash handler's dialog: the traceback and the log's end in a report, saved and copied,
with the secrets masked."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop import app
from desktop.ui.dialogs import crash
from desktop.ui.dialogs.crash import CrashDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "school-office.log"
    path.write_text(
        "2026-12-07 09:00:00,000 INFO desktop.app: School Office starting\n"
        "2026-12-07 09:00:01,000 WARNING desktop.db: retrying postgresql://office:topsecret@srv/db\n",
        encoding="utf-8",
    )
    return path


def _open_crash_dialog() -> CrashDialog:
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog)]
    return next(w for w in shown if w.isVisible())


def test_the_crash_handler_shows_a_report_that_can_be_saved(
    qtbot, qapp, tmp_path, monkeypatch, log_file
):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "0")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    target = tmp_path / "report.txt"
    monkeypatch.setattr(crash, "ask_report_path", lambda parent, suggested: str(target))
    seen = {}

    def in_the_dialog() -> None:  # runs inside the dialog's exec()
        dialog = _open_crash_dialog()
        try:
            seen["text"] = dialog.details.toPlainText()
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
            seen["status"] = dialog.status.text()
        finally:
            dialog.reject()

    app.install_crash_handler(log_file)
    QTimer.singleShot(0, in_the_dialog)
    try:
        raise RuntimeError("a bug for the report")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())

    assert "Traceback (most recent call last)" in seen["text"]
    assert "RuntimeError: a bug for the report" in seen["text"]
    assert "School Office starting" in seen["text"]  # the end of the log
    assert "topsecret" not in seen["text"] and "office:***@srv" in seen["text"]
    assert target.read_text(encoding="utf-8") == seen["text"]
    assert str(target) in seen["status"]


def test_the_report_is_copied_and_a_failed_save_says_why(qtbot, tmp_path, monkeypatch, log_file):
    dialog = CrashDialog("RuntimeError: copied", log_file)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert "RuntimeError: copied" in QGuiApplication.clipboard().text()
    assert dialog.status.text()  # tells where the report went

    missing = tmp_path / "no such folder" / "report.txt"
    monkeypatch.setattr(crash, "ask_report_path", lambda parent, suggested: str(missing))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert str(missing) in dialog.status.text() and not missing.exists()

    monkeypatch.setattr(crash, "ask_report_path", lambda parent, suggested: "")  # Cancel
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert str(missing) in dialog.status.text()
