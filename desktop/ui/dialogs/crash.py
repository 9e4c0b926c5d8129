"""The crash dialog: what happened, and a report (desktop.crash_report) to save or copy for IT
support. Shown by the crash handler in desktop/app.py after the error is in the log."""

from __future__ import annotations

from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.crash_report import Version, build_report
from desktop.domain import clock
from desktop.ui.document_output import documents_folder
from desktop.ui.text import _


def ask_report_path(parent: QWidget, suggested: Path) -> str:
    """The file to save the report to ('' if the user cancels); tests replace this."""
    path, _filter = QFileDialog.getSaveFileName(
        parent, _("Save the error report"), str(suggested), _("Text files (*.txt)")
    )
    return path


class CrashDialog(QDialog):
    def __init__(self, error: str, log_file: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(640, 460)
        self.report = build_report(
            error, log_file, [Version("PySide6", pyside_version), Version("Qt", qVersion())]
        )
        intro = QLabel(
            _(
                "Something went wrong inside School Office. What you saved before is safe.\n\n"
                "Please save this error report and send it to your IT support. Passwords, "
                "e-mail addresses and personal codes in it are hidden."
            )
        )
        intro.setWordWrap(True)
        self.details = QPlainTextEdit(self.report)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if log_file is not None:
            self.status.setText(_("The full log is in {folder}").format(folder=log_file.parent))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton(
            _("Save report…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button = buttons.addButton(
            _("Copy report"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.clicked.connect(self.save)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)

    def save(self) -> None:
        suggested = documents_folder() / _("error-report-{time}.txt").format(
            time=f"{clock.now().astimezone():%Y-%m-%d-%H%M}"
        )
        path = ask_report_path(self, suggested)
        if not path:
            return
        try:
            Path(path).write_text(self.report, encoding="utf-8")
        except OSError as exc:
            self.status.setText(
                _("The report could not be saved to {file}: {reason}").format(
                    file=path, reason=exc.strerror or exc
                )
            )
            return
        self.status.setText(_("Saved to {file}").format(file=path))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.status.setText(_("The report is copied: paste it into an e-mail to your IT support."))
