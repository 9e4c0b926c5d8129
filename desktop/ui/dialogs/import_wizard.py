"""Import a roster file: choose it, say what each column holds, check it, import it.

The check (RosterImportService.plan) and the import (commit) run off the GUI thread behind a
progress dialog with Cancel. The service imports everything or nothing, so a cancelled or
failed import leaves the roster exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.domain.errors import Cancelled, SchoolOfficeError
from desktop.domain.roster_import import COLUMNS, cell_text
from desktop.services.roster_import import ImportPlan, RosterImportService
from desktop.ui.forms import ERROR_COLOUR
from desktop.ui.messages import describe
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.text import N_, _, code_name, n_
from desktop.ui.workers import run_with_progress

_FIELD_LABELS = {
    "first_name": N_("Student's first name"),
    "last_name": N_("Student's last name"),
    "class": N_("Class"),
    "status": N_("Status (enrolled, left, graduated)"),
    "birth_date": N_("Birth date"),
    "language": N_("Language for letters"),
    "guardian_first_name": N_("Guardian's first name"),
    "guardian_last_name": N_("Guardian's last name"),
    "guardian_phone": N_("Guardian's phone"),
    "guardian_email": N_("Guardian's e-mail"),
}


def field_choice_label(field: str, country: str) -> str:
    if field == "personal_code":
        return _("Student's {code}").format(code=code_name(country))
    return _(_FIELD_LABELS[field])


def column_title(column: str, country: str) -> str:
    """A problem names the file's column title, or our field name when the file lacks it."""
    return field_choice_label(column, country) if column in COLUMNS else column


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOUR};")
    label.hide()
    return label


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Choose the file"))
        self.setSubTitle(
            _(
                "A CSV or Excel (.xlsx) file with one student per row and the "
                "column names in the first row."
            )
        )
        self.path = QLineEdit()
        self.path.setPlaceholderText(_("No file chosen"))
        self.path.textChanged.connect(self.completeChanged)
        browse = QPushButton(_("Browse…"))
        browse.clicked.connect(self._browse)
        self.error = _error_label()
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _browse(self) -> None:
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose the roster file"),
            start,
            _("Spreadsheets (*.csv *.xlsx *.txt);;All files (*)"),
        )
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        self.error.hide()
        try:
            self._wizard.read_header(Path(self.path.text().strip()))
        except SchoolOfficeError as exc:
            self.error.setText(describe(exc, self._wizard.country))
            self.error.show()
            return False
        except OSError as exc:
            self.error.setText(
                _("The file cannot be opened: {reason}").format(reason=exc.strerror or exc)
            )
            self.error.show()
            return False
        return True


class MappingPage(QWizardPage):
    """Each column of the file with what we think it holds; the secretary can correct it."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("What is in each column?"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.combos: list[QComboBox] = []
        self._rows = QWidget()
        self._form = QFormLayout(self._rows)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._rows)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)

    def initializePage(self) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self.combos = []
        wizard = self._wizard
        by_index = {index: field for field, index in wizard.recognised.items()}
        for index, title in enumerate(wizard.header):
            combo = QComboBox()
            combo.addItem(_("— do not import —"), None)
            for field in COLUMNS:
                combo.addItem(field_choice_label(field, wizard.country), field)
            combo.setCurrentIndex(max(0, combo.findData(by_index.get(index))))
            combo.currentIndexChanged.connect(lambda _i, c=combo: self._chosen(c))
            self.combos.append(combo)
            self._form.addRow(
                cell_text(title) or _("(column {n}, no name)").format(n=index + 1), combo
            )
        found, total = len(wizard.recognised), len(wizard.header)
        self.summary.setText(
            n_(
                "{found} of {total} column was recognised. ",
                "{found} of {total} columns were recognised. ",
                total,
            ).format(found=found, total=total)
            + _("Check each one; columns set to “do not import” are left out.")
        )

    def _chosen(self, combo: QComboBox) -> None:
        """A field comes from one column only: choosing it here frees it elsewhere."""
        field = combo.currentData()
        if field is None:
            return
        for other in self.combos:
            if other is not combo and other.currentData() == field:
                other.setCurrentIndex(0)

    def mapping(self) -> dict[str, int]:
        return {c.currentData(): i for i, c in enumerate(self.combos) if c.currentData()}

    def validatePage(self) -> bool:
        self._wizard.mapping = self.mapping()
        return True


class CheckPage(QWizardPage):
    """Every row is checked before anything is stored; every problem is listed."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Check"))
        self.setSubTitle(_("Nothing is changed until you press Import."))
        self.counts = QLabel()
        self.counts.setObjectName("import_counts")
        font = self.counts.font()
        font.setBold(True)
        self.counts.setFont(font)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.problems = TupleTableModel([_("Row"), _("Column"), _("Value"), _("Problem")])
        self.table = QTableView()
        self.table.setModel(self.problems)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.resizeSection(0, 50)
        header.resizeSection(1, 140)
        header.resizeSection(2, 140)
        self.again = QPushButton(_("Check again"))
        self.again.setToolTip(_("Read the file again, for example after correcting it in Excel"))
        self.again.clicked.connect(self.start_check)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def initializePage(self) -> None:
        self.start_check()

    def start_check(self) -> None:
        wizard = self._wizard
        wizard.plan = None
        self.counts.setText("")
        self.status.setText(_("Checking…"))
        self.problems.set_rows([])
        self.completeChanged.emit()
        service, path, mapping = wizard.service, wizard.path, dict(wizard.mapping)
        run_with_progress(
            self,
            _("Checking {file}…").format(file=path.name),
            lambda progress, cancel: service.plan(path, mapping, progress, cancel),
            self._checked,
            self._failed,
        )

    def _checked(self, plan: ImportPlan) -> None:
        self._wizard.plan = plan
        country = self._wizard.country
        self.problems.set_rows(
            [(p.row, column_title(p.column, country), p.value, _(p.reason)) for p in plan.problems]
        )
        self.table.setVisible(bool(plan.problems))
        if plan.problems:
            count = len(plan.problems)
            self.counts.setText(
                n_("{n} problem in the file", "{n} problems in the file", count).format(n=count)
            )
            self.status.setText(
                _(
                    "Correct the rows below in the file and press “Check again”. Nothing is "
                    "imported while a problem remains."
                )
            )
            self.completeChanged.emit()
            return
        self.counts.setText(
            _("{add} to add · {update} to update · {same} unchanged").format(
                add=plan.count("add"), update=plan.count("update"), same=plan.count("unchanged")
            )
        )
        if self._wizard.has_work():
            self.status.setText(
                _("The file is fine. Press Import to bring these changes into the roster.")
            )
        else:
            self.status.setText(_("Nothing to import: the roster already matches this file."))
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, SchoolOfficeError):
            raise exc
        self.status.setText(
            _("The check was cancelled.")
            if isinstance(exc, Cancelled)
            else describe(exc, self._wizard.country)
        )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._wizard.has_work() and not self._wizard.importing


class ImportWizard(QWizard):
    imported = Signal(object)  # the committed ImportPlan

    def __init__(self, parent: QWidget | None, service: RosterImportService, country: str):
        super().__init__(parent)
        self.service = service
        self.country = country
        self.path = Path()
        self.header: list[object] = []
        self.recognised: dict[str, int] = {}
        self.mapping: dict[str, int] = {}
        self.plan: ImportPlan | None = None
        self.importing = False
        self.setWindowTitle(_("Import the roster"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Import"))
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        for page in (self.file_page, self.mapping_page, self.check_page):
            self.addPage(page)
        self.resize(760, 560)

    def read_header(self, path: Path) -> None:
        self.header, self.recognised = self.service.read_header(path)
        self.path = path

    def has_work(self) -> bool:
        plan = self.plan
        return plan is not None and plan.ok and plan.count("add") + plan.count("update") > 0

    def accept(self) -> None:
        """Import: commit off the GUI thread; the wizard closes only when it is stored."""
        if not self.has_work() or self.importing:
            return
        self.importing = True
        self.check_page.completeChanged.emit()
        plan, service = self.plan, self.service
        run_with_progress(
            self,
            _("Importing {file}…").format(file=self.path.name),
            lambda progress, cancel: service.commit(plan, progress, cancel),
            self._committed,
            self._commit_failed,
        )

    def _committed(self, plan: ImportPlan) -> None:
        self.importing = False
        self.imported.emit(plan)
        super().accept()

    def _commit_failed(self, exc: BaseException) -> None:
        self.importing = False
        self.check_page.completeChanged.emit()
        if not isinstance(exc, SchoolOfficeError):
            raise exc
        prefix = (
            _("The import was cancelled.")
            if isinstance(exc, Cancelled)
            else describe(exc, self.country)
        )
        self.check_page.status.setText(
            prefix + " " + _("Nothing was imported; the roster is as it was.")
        )
