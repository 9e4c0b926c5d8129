"""The data-access export (D2, R60): choose the child and the requesting guardian, enter the
guardian's 6-digit code, then see the copy and save it. A wrong code is counted (R40): the
message says how many attempts are left."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import SchoolOfficeError
from desktop.services.access_export import AccessExportService, ExportResult, require_code_text
from desktop.services.roster import GuardianLink
from desktop.ui import messages
from desktop.ui.forms import ERROR_COLOUR, Banner
from desktop.ui.tabs.consent.dialogs.fields import PickStudent, StudentField
from desktop.ui.text import _
from desktop.ui.workers import run_with_progress


class ExportWizard(QDialog):
    PICK, CODE, DONE = range(3)

    def __init__(
        self,
        parent,
        country: str,
        service: AccessExportService,
        pick: PickStudent,
        guardians_of: Callable[[int], Sequence[GuardianLink]],
        save: Callable[[ExportResult], None],
    ):
        super().__init__(parent)
        self.setWindowTitle(_("Copy of a child's data"))
        self.setMinimumSize(720, 640)
        self.country = country
        self.service = service
        self._guardians_of = guardians_of
        self._save = save
        self.result: ExportResult | None = None
        self.task = None
        self.pages = QStackedWidget()
        self.banner = Banner()

        pick_page = QWidget()
        form = QFormLayout(pick_page)
        self.student = StudentField(pick, self._student_changed)
        self.guardian = QComboBox()
        form.addRow(_("Child"), self.student)
        form.addRow(_("Requesting guardian"), self.guardian)
        note = QLabel(
            _("Only a guardian whose link to the child is active and unrestricted receives a copy.")
        )
        note.setWordWrap(True)
        form.addRow(note)
        self.pages.addWidget(pick_page)

        code_page = QWidget()
        code_form = QFormLayout(code_page)
        self.code = QLineEdit()
        self.code.setObjectName("export_code")
        self.code.setMaxLength(7)
        self.code.setPlaceholderText("000 000")
        self.code_error = QLabel()
        self.code_error.setObjectName("export_code_error")
        self.code_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.code_error.setWordWrap(True)
        code_form.addRow(_("The guardian's code"), self.code)
        code_form.addRow("", self.code_error)
        self.pages.addWidget(code_page)

        done_page = QWidget()
        done_layout = QVBoxLayout(done_page)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        done_layout.addWidget(self.summary)
        from PySide6.QtPdfWidgets import QPdfView  # loaded when the wizard opens, not at start

        self.preview = QPdfView()
        self.preview.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        done_layout.addWidget(self.preview, 1)
        self.pages.addWidget(done_page)

        self.back_button = QPushButton(_("Back"))
        self.next_button = QPushButton(_("Next"))
        self.save_button = QPushButton(_("Save as PDF…"))
        self.close_button = QPushButton(_("Close"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.save_button, self.close_button):
            buttons.addWidget(button)
        self.back_button.clicked.connect(lambda: self._show(self.PICK))
        self.next_button.clicked.connect(self._next)
        self.save_button.clicked.connect(lambda: self._save(self.result))
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self._show(self.PICK)

    def _student_changed(self, student_id: int) -> None:
        self.guardian.clear()
        for link in self._guardians_of(student_id):
            self.guardian.addItem(link.full_name, link.guardian_id)

    def _show(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self.banner.hide()
        self.back_button.setVisible(page == self.CODE)
        self.next_button.setVisible(page != self.DONE)
        self.next_button.setText(_("Make the copy") if page == self.CODE else _("Next"))
        self.save_button.setVisible(page == self.DONE)
        if page == self.CODE:
            self.code.setFocus()

    def _next(self) -> None:
        if self.pages.currentIndex() == self.PICK:
            if self.student.student_id is None or self.guardian.currentData() is None:
                self.banner.show_message(_("Choose the child and the requesting guardian."))
                return
            self.code.clear()
            self.code_error.clear()
            self._show(self.CODE)
            return
        try:
            code = require_code_text(self.code.text())
        except SchoolOfficeError as exc:
            self._show_error(exc)
            return
        student_id, guardian_id = self.student.student_id, self.guardian.currentData()
        self.next_button.setEnabled(False)
        self.task = run_with_progress(
            self,
            _("Making the copy…"),
            lambda _p, _c: self.service.export(student_id, guardian_id, code),
            self._done,
            self._failed,
            cancellable=False,
        )

    def _done(self, result: ExportResult) -> None:
        self.next_button.setEnabled(True)
        self.result = result
        export = result.export
        self.summary.setText(
            _(
                "Copy {doc} for {guardian} about {child}: {n} sections. Save it and give it to "
                "the guardian; a machine-readable copy is attached inside the PDF."
            ).format(
                doc=result.document_id,
                guardian=export.guardian_name,
                child=export.child_name,
                n=len(export.sections),
            )
        )
        from desktop.ui.dialogs.pdf_preview import load_pdf

        # The buffer must live as long as the document.
        self._document, self._buffer = load_pdf(result.produced.pdf, self)
        self.preview.setDocument(self._document)
        self._show(self.DONE)

    def _failed(self, exc: BaseException) -> None:
        self.next_button.setEnabled(True)
        if not isinstance(exc, SchoolOfficeError):
            raise exc
        self._show_error(exc)

    def _show_error(self, exc: SchoolOfficeError) -> None:
        text = messages.describe(exc, self.country)
        self.code_error.setText(text[:1].upper() + text[1:])
