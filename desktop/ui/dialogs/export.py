"""Export the roster to a CSV file that Excel opens and that the import reads back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.domain.dates import local_today
from desktop.services.roster_import import RosterImportService
from desktop.ui import messages
from desktop.ui.text import _, n_
from desktop.ui.workers import run_with_progress


def export_roster(parent: QWidget, service: RosterImportService, country: str) -> None:
    folder = Path(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    )
    suggested = folder / _("roster-{date}.csv").format(date=local_today(country).isoformat())
    path, _filter = QFileDialog.getSaveFileName(
        parent, _("Export the roster"), str(suggested), _("CSV for Excel (*.csv)")
    )
    if not path:
        return
    target = Path(path)

    def done(count: int) -> None:
        messages.inform(
            parent,
            _("Roster exported"),
            n_(
                "{n} student was saved to {file}.", "{n} students were saved to {file}.", count
            ).format(n=count, file=target),
        )

    def failed(exc: BaseException) -> None:
        if isinstance(exc, OSError):  # a locked file (open in Excel), a read-only folder
            messages.warn(
                parent,
                _("Export failed"),
                _(
                    "{file} could not be written: {reason}. If it is open in Excel, close it "
                    "and try again."
                ).format(file=target, reason=exc.strerror or exc),
            )
            return
        messages.show_error(parent, exc, _("Export failed"), country)

    run_with_progress(
        parent,
        _("Exporting the roster…"),
        lambda _progress, _cancel: service.export(target),
        done,
        failed,
        cancellable=False,
    )
