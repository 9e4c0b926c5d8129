"""Batch printing: the same document for a whole class or a selection, as one PDF.

    job = start_batch_print(parent, services.documents, requests, build, title="Terms 5.b")

`requests` are DocumentRequests (one per recipient); `build(requests, infos, progress, cancel)`
makes the PDF for the requests that may be printed (e.g. TermsService.batch_builder). Before
anything is built, a pre-flight list (DocumentService.preflight) names the recipients who cannot
be sent the document (may not be contacted, R15, R48; no name; for letters that go by post, no
postal address), each with its reason, and the secretary goes on without them or stops.
The PDF is built and recorded by DocumentService.produce_batch in a worker,
with a progress bar and Cancel; a cancelled batch records nothing and writes no file, and a
finished one is written atomically (temporary file, then rename) or shown in the preview, from
where it can be printed as one job.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from desktop.documents import save_atomic
from desktop.domain.errors import Cancelled
from desktop.services.documents import BatchBuild, DocumentRequest, DocumentService, Produced
from desktop.ui import messages
from desktop.ui.messages import sentence
from desktop.ui.text import _, n_
from desktop.ui.workers import CancelCheck, Progress, Task, run_task

log = logging.getLogger(__name__)


@dataclass
class BatchOutcome:
    requested: int
    skipped: list[tuple[DocumentRequest, str]] = field(default_factory=list)
    produced: Produced | None = None
    path: Path | None = None  # where the PDF was saved, if a target was given

    @property
    def printed(self) -> int:
        return len(self.produced.document_ids) if self.produced else 0


class BatchPrint(QObject):
    """One batch: check the recipients, build and record in a worker, save or preview."""

    progressed = Signal(int, int)
    finished = Signal(object)  # BatchOutcome, after a successful batch (or nobody to print)
    cancelled = Signal()
    stopped = Signal()  # the secretary stopped at the pre-flight list: nothing was printed
    failed = Signal(object)  # the exception, already shown to the user

    def __init__(
        self,
        parent: QWidget,
        documents: DocumentService,
        requests: Sequence[DocumentRequest],
        build: BatchBuild,
        *,
        title: str,
        target: Path | None = None,
        preview: bool = True,
        country: str = "EE",
        postal: bool = False,
    ):
        super().__init__(parent)
        self.parent_widget = parent
        self.documents = documents
        self.requests = list(requests)
        self.build = build
        self.title = title
        self.target = target
        self.preview = preview
        self.country = country
        self.postal = postal  # letters that go by post: a postal address is needed
        self.task: Task | None = None
        self.preflight_dialog: PreflightDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.preview_dialog: QDialog | None = None
        self.outcome = BatchOutcome(len(self.requests))
        self._cancel = threading.Event()  # also settable while an inline (test) task runs

    def start(self) -> None:
        allowed, self.outcome.skipped = self.documents.split_contactable(
            self.requests, postal=self.postal
        )
        if self.outcome.skipped and messages.dialogs_enabled():
            dialog = PreflightDialog(self.parent_widget, self.outcome, len(allowed))
            dialog.accepted.connect(lambda: self._go(allowed))
            dialog.rejected.connect(self._stop)
            self.preflight_dialog = dialog
            dialog.open()
            return
        self._go(allowed)

    def _stop(self) -> None:
        self.preflight_dialog = None
        self.stopped.emit()

    def _go(self, allowed: list[DocumentRequest]) -> None:
        if not allowed:
            self._report()
            self.finished.emit(self.outcome)
            return
        self.progress_dialog = dialog = QProgressDialog(
            _("Preparing {title}…").format(title=self.title),
            _("Cancel"),
            0,
            len(allowed),
            self.parent_widget,
        )
        dialog.setObjectName("batch_progress")
        dialog.setWindowTitle(_("Printing"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(self.cancel)
        self.task = run_task(
            lambda progress, cancel: self._work(allowed, progress, cancel),
            self._done,
            self._failed,
            self._progress,
        )

    def cancel(self) -> None:
        self._cancel.set()
        if self.task is not None:
            self.task.cancel()

    # ---- worker ------------------------------------------------------------------------

    def _work(self, allowed: list[DocumentRequest], progress: Progress, cancel: CancelCheck):
        def stop() -> bool:
            return cancel() or self._cancel.is_set()

        produced = self.documents.produce_batch(
            allowed, lambda infos, p, c: self.build(allowed, infos, p, c), progress, stop
        )
        path = save_atomic(produced.pdf, self.target) if self.target else None
        return produced, path

    # ---- GUI thread --------------------------------------------------------------------

    def _progress(self, done: int, total: int) -> None:
        if self.progress_dialog is not None and not self.progress_dialog.wasCanceled():
            self.progress_dialog.setMaximum(total)
            self.progress_dialog.setValue(done)
            self.progress_dialog.setLabelText(
                _("{title}: {done} of {total}").format(title=self.title, done=done, total=total)
            )
        self.progressed.emit(done, total)

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.reset()
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _done(self, result) -> None:
        self._close_progress()
        self.outcome.produced, self.outcome.path = result
        self._report()
        if self.preview and self.outcome.path is None:
            from desktop.ui.dialogs.pdf_preview import PdfPreviewDialog

            preview = PdfPreviewDialog(
                self.parent_widget, self.outcome.produced.pdf, self.title, f"{self.title}.pdf"
            )
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            preview.open()
            self.preview_dialog = preview
        self.finished.emit(self.outcome)

    def _failed(self, exc: BaseException) -> None:
        self._close_progress()
        if isinstance(exc, Cancelled):
            messages.inform(
                self.parent_widget,
                _("Printing cancelled"),
                _("Printing was cancelled. Nothing was saved or recorded."),
            )
            self.cancelled.emit()
            return
        if isinstance(exc, OSError):
            messages.warn(
                self.parent_widget,
                _("Not saved"),
                _("{file} could not be written: {reason}.").format(
                    file=self.target, reason=exc.strerror or exc
                ),
            )
        else:
            messages.show_error(self.parent_widget, exc, _("Printing failed"), self.country)
        self.failed.emit(exc)

    def _report(self) -> None:
        """Who was left out and why (only when someone was, and the pre-flight list did not
        show it already)."""
        if not self.outcome.skipped or self.preflight_dialog is not None:
            return
        if not messages.dialogs_enabled():
            for request, reason in self.outcome.skipped:
                log.warning("not printed (%s): %s", request.title, reason)
            return
        SkippedDialog(self.parent_widget, self.outcome).open()


class SkippedDialog(QDialog):
    """'Printed 27; not printed for 2:' with each reason."""

    def __init__(self, parent: QWidget, outcome: BatchOutcome):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Not printed for everyone"))
        text = _(
            "Printed: {printed} of {total}. Left out because they may not be contacted: {n}."
        ).format(printed=outcome.printed, total=outcome.requested, n=len(outcome.skipped))
        label = QLabel(text)
        label.setObjectName("skipped_text")
        label.setWordWrap(True)
        reasons = QListWidget()
        reasons.setObjectName("skipped_list")
        reasons.setWordWrap(True)
        reasons.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        reasons.addItems([_(reason) for _request, reason in outcome.skipped])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(reasons, 1)
        layout.addWidget(buttons)
        self.resize(560, 320)


class PreflightDialog(QDialog):
    """Before a batch: who cannot be sent it and why; go on without them, or stop."""

    def __init__(self, parent: QWidget, outcome: BatchOutcome, can_print: int):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("preflight")
        self.setWindowTitle(_("Before printing"))
        n = len(outcome.skipped)
        text = n_(
            "{n} of {total} cannot be sent this document:",
            "{n} of {total} cannot be sent this document:",
            n,
        ).format(n=n, total=outcome.requested)
        label = QLabel(text)
        label.setObjectName("preflight_text")
        label.setWordWrap(True)
        reasons = QListWidget()
        reasons.setObjectName("preflight_list")
        reasons.setWordWrap(True)
        reasons.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        reasons.addItems([sentence(_(reason)) for _request, reason in outcome.skipped])
        buttons = QDialogButtonBox()
        go_on = buttons.addButton(
            n_("Print the other {n}", "Print the other {n}", can_print).format(n=can_print),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        go_on.setObjectName("preflight_go_on")
        go_on.setEnabled(can_print > 0)
        stop = buttons.addButton(_("Stop"), QDialogButtonBox.ButtonRole.RejectRole)
        stop.setObjectName("preflight_stop")
        (go_on if can_print else stop).setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(reasons, 1)
        layout.addWidget(buttons)
        self.resize(600, 340)


def start_batch_print(
    parent: QWidget,
    documents: DocumentService,
    requests: Sequence[DocumentRequest],
    build: BatchBuild,
    *,
    title: str,
    target: Path | None = None,
    preview: bool = True,
    country: str = "EE",
    postal: bool = False,
) -> BatchPrint:
    """Start a batch (see the module text); connect to the job's signals for the outcome."""
    job = BatchPrint(
        parent,
        documents,
        requests,
        build,
        title=title,
        target=target,
        preview=preview,
        country=country,
        postal=postal,
    )
    job.start()
    return job
