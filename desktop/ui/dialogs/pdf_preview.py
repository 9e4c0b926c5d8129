"""Print preview of a generated PDF (QtPdf), with Print, Save as PDF and Open in PDF viewer.

The PDF is already recorded by DocumentService when it reaches this dialog; the dialog only
shows, prints or saves those exact bytes. Printing renders each page with PDFium at the printer's
resolution into the printer's painter, off the GUI thread (QPainter on a QPrinter and QtPdf's
rendering both work from a worker thread), with progress and Cancel. Saving is atomic.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QShortcut,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.documents import save_atomic
from desktop.domain.errors import Cancelled
from desktop.ui import messages
from desktop.ui.document_output import documents_folder
from desktop.ui.text import _
from desktop.ui.workers import CancelCheck, Progress, run_with_progress

MAX_PRINT_DPI = 600  # one page image at 600 dpi is ~140 MB; no office printer needs more


def load_pdf(pdf: bytes, parent=None) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument over the bytes (the buffer must live as long as the document)."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument(parent)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready:
        raise ValueError(f"not a readable PDF ({document.error().name})")
    return document, buffer


def print_pdf(
    pdf: bytes,
    printer: QPrinter,
    first: int = 1,
    last: int | None = None,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> int:
    """Pages first..last (1-based) on `printer`; returns the number printed.

    Runs on a worker thread: it opens its own QPdfDocument, so nothing is shared with the view.
    Cancel aborts the print job (the spooler drops it).
    """
    document, buffer = load_pdf(pdf)
    try:
        last = min(last or document.pageCount(), document.pageCount())
        pages = range(max(first, 1) - 1, last)
        printer.setFullPage(True)  # our pages carry their own margins
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("the printer could not be opened")
        try:
            for done, page in enumerate(pages):
                if cancel is not None and cancel():
                    printer.abort()
                    raise Cancelled("printing")
                if done:
                    printer.newPage()
                _draw_page(painter, printer, document, page, dpi)
                if progress is not None:
                    progress(done + 1, len(pages))
        finally:
            painter.end()
        return len(pages)
    finally:
        document.close()
        buffer.close()


def _draw_page(
    painter: QPainter, printer: QPrinter, document: QPdfDocument, page: int, dpi: int
) -> None:
    """The page as an image at printer resolution, fitted (not stretched) to the paper."""
    points = document.pagePointSize(page)
    pixels = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
    image = document.render(page, pixels)
    paper = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
    scale = min(paper.width() / points.width(), paper.height() / points.height())
    width, height = points.width() * scale, points.height() * scale
    target = QRectF((paper.width() - width) / 2, (paper.height() - height) / 2, width, height)
    painter.drawImage(target, image)


class PdfPreviewDialog(QDialog):
    def __init__(self, parent: QWidget | None, pdf: bytes, title: str, file_name: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.pdf = pdf
        self.file_name = file_name or "document.pdf"
        self.delivered = False  # printed or saved: what a caller may record as handed out
        self.saved_path: Path | None = None
        self.document, self._buffer = load_pdf(pdf, self)

        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.pages_label = QLabel(_("Pages: {n}").format(n=self.page_count()))
        self.pages_label.setObjectName("pdf_pages")

        self.print_button = QPushButton(_("&Print…"))
        self.save_button = QPushButton(_("&Save as PDF…"))
        self.open_button = QPushButton(_("&Open in PDF viewer"))
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as)
        self.open_button.clicked.connect(self.open_in_viewer)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        bar = QHBoxLayout()
        bar.addWidget(self.pages_label, 1)
        for button in (self.print_button, self.save_button, self.open_button):
            bar.addWidget(button)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_document)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save_as)
        available = (parent.screen() if parent else self.screen()).availableGeometry()
        self.resize(min(820, available.width() - 40), min(960, available.height() - 80))

    def page_count(self) -> int:
        return self.document.pageCount()

    # ---- print -------------------------------------------------------------------------

    def new_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setDocName(self.windowTitle())
        printer.setFromTo(1, self.page_count())
        return printer

    def print_document(self) -> None:
        printer = self.new_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, self.page_count())
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter):
        """Print on a configured printer in a worker (its page range, if any); returns the task."""
        first, last = printer.fromPage(), printer.toPage()
        if printer.printRange() != QPrinter.PrintRange.PageRange or first == 0:
            first, last = 1, self.page_count()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, Cancelled):
                return  # the job was dropped; nothing to tell
            if isinstance(exc, OSError):
                messages.warn(self, _("Printing failed"), str(exc))
                return
            messages.show_error(self, exc, _("Printing failed"))

        self.delivered = True  # the job is with the printer; a failure is shown to the user
        return run_with_progress(
            self,
            _("Printing…"),
            lambda progress, cancel: print_pdf(self.pdf, printer, first, last, progress, cancel),
            on_error=failed,
        )

    # ---- save and open ------------------------------------------------------------------

    def save_as(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save as PDF"),
            str(documents_folder() / self.file_name),
            _("PDF documents (*.pdf)"),
        )
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        try:
            save_atomic(self.pdf, path)
        except OSError as exc:
            messages.warn(
                self,
                _("Not saved"),
                _(
                    "{file} could not be written: {reason}. If it is open in a PDF viewer, close "
                    "it and try again."
                ).format(file=path, reason=exc.strerror or exc),
            )
            return False
        self.delivered = True
        self.saved_path = path
        return True

    def open_in_viewer(self) -> Path:
        """A copy in a temporary folder, opened with the computer's PDF viewer."""
        folder = Path(tempfile.mkdtemp(prefix="school-office-"))
        path = save_atomic(self.pdf, folder / self.file_name)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(os.fspath(path))):
            messages.warn(
                self,
                _("No PDF viewer"),
                _("No program to open PDF files was found. The file is at {file}.").format(
                    file=path
                ),
            )
        return path
