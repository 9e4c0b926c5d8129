"""The Billing tab's printing: the selected subscription's cancellation letter or invoice, and
every due letter in one batch behind a progress dialog with Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.domain.errors import SchoolOfficeError
from desktop.ui import messages
from desktop.ui.document_output import documents_folder, file_name, show_document
from desktop.ui.tabs.list_detail import ListController
from desktop.ui.text import _, n_
from desktop.ui.workers import run_with_progress


def ask_save_path(parent: QWidget, title: str, suggested: str) -> str:
    """The save dialog (tests replace this function)."""
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, _("PDF files (*.pdf)"))
    return path


class BillingPrinting(ListController):
    """The printing half of BillingController, which sets what it uses: `letters`, `notices`,
    `task`, `preview` and `_done`."""

    def print_cancellation_letter(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        record = self._fetch(lambda: self.billing.subscription(row.id))
        if record is None:
            return
        only = None
        active = record.active_profiles
        if len(active) > 1:
            choices = (
                [("all", _("Whole subscription"))]  # D3
                + [(str(p.id), _("Only {name}").format(name=p.full_name)) for p in active]  # D4
                + [("cancel", _("Cancel"))]
            )
            answer = messages.ask(
                self.view,
                _("Cancellation letter"),
                _("Which letter should be printed?"),
                choices,
                default="all",
                escape="cancel",
            )
            if answer == "cancel":
                return
            only = None if answer == "all" else int(answer)
        self._print(
            lambda out: self.letters.print_cancellation_form(row.student_id, only, out=out),
            _("Cancellation letter"),
            row.child_name,
        )

    def print_invoice(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self._print(
            lambda out: self.letters.print_invoice(
                self.letters.latest_invoice_id(row.student_id), out=out
            ),
            _("Invoice"),
            row.child_name,
        )

    def _print(self, produce, what: str, whom: str) -> None:
        """Where to save first, then print into it: a document is recorded as printed only
        once its file is written, and a cancelled save dialog records nothing. The written
        file then opens in the print preview."""
        path = ask_save_path(self.view, what, self._suggested(what, whom))
        if not path:
            return
        try:
            produce(path)
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, what, self.country)
            return
        self._preview(path, what)
        self.load()

    def _suggested(self, what: str, whom: str = "") -> str:
        return str(documents_folder() / file_name(what, whom, self.today()))

    def _preview(self, path: str, what: str) -> None:
        try:
            pdf = Path(path).read_bytes()
        except OSError as exc:
            messages.warn(self.view, what, str(exc))
            return
        self.preview = show_document(self.view, pdf, what, Path(path).name)
        self.preview.delivered = True  # already saved where the secretary chose
        self.view.show_status(_("Saved {path}").format(path=path))

    def print_due_letters(self) -> None:
        if not self.notices:
            return
        letters, today = self.letters, self.today()
        path = ask_save_path(self.view, _("Letters"), self._suggested(_("Letters")))
        if not path:
            return

        def done(batch) -> None:
            self.task = None
            for child, reason in batch.refused:
                messages.warn(self.view, _("Not printed"), f"{child}: {reason}")
            if batch.printed:
                self._preview(path, _("Letters"))
            self._done(
                n_(
                    "{n} letter printed, {skipped} no longer needed",
                    "{n} letters printed, {skipped} no longer needed",
                    batch.printed,
                ).format(n=batch.printed, skipped=batch.skipped)
            )

        def failed(exc: BaseException) -> None:
            self.task = None
            messages.show_error(self.view, exc, _("The letters were not printed"), self.country)

        self.task = run_with_progress(
            self.view,
            _("Printing the letters…"),
            lambda progress, cancel: letters.print_notices(None, progress, cancel, today, out=path),
            done,
            failed,
        )
