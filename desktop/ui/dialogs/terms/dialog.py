"""Documents → Terms…: the providers' terms documents and their versions (R49–R52, R55).

List documents and versions, record a new document, draft a version (starting from the text
of the latest one), publish it (the service computes when it takes effect), and print the version
in force on any date, or one chosen version, with a preview. A published version cannot be
edited: the buttons say so, and the service refuses anyway.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.domain.terms import VersionStatus
from desktop.i18n import LANGUAGES
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.services.terms import PrintedTerms, TermsDocumentRecord, TermsVersionRecord
from desktop.ui import messages
from desktop.ui.dialogs.pdf_preview import PdfPreviewDialog
from desktop.ui.dialogs.terms.forms import (
    RULES,
    DocumentForm,
    LanguageForm,
    PrintChoice,
    PublishForm,
    VersionForm,
)
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.text import N_, _, format_date, language_label
from desktop.ui.workers import run_with_progress

_STATUS = {
    VersionStatus.DRAFT: N_("Draft"),
    VersionStatus.ANNOUNCED: N_("Published, not yet in force"),
    VersionStatus.IN_FORCE: N_("In force"),
    VersionStatus.SUPERSEDED: N_("Superseded"),
}
_HEADERS = (
    N_("Version"),
    N_("Status"),
    N_("Dated"),
    N_("Published"),
    N_("In force from"),
    N_("In force until"),
    N_("Languages"),
)


class TermsDialog(QDialog):
    def __init__(self, parent: QWidget | None, services: Services, school: SchoolProfile):
        super().__init__(parent)
        self.setWindowTitle(_("Terms documents and versions"))
        self.services = services
        self.terms = services.terms
        self.country = school.country.value
        self.school = school
        actor = services.actor
        self.can_manage = actor.can(Permission.MANAGE_TERMS)
        self.can_print = actor.can(Permission.PRINT_DOCUMENTS)
        self.records: dict[str, TermsDocumentRecord] = {}  # by key, as listed
        self.versions: list[TermsVersionRecord] = []
        self.preview: PdfPreviewDialog | None = None

        self.documents = QListWidget()
        self.documents.setObjectName("terms_documents")
        self.documents.setMinimumWidth(300)
        self.documents.setWordWrap(True)
        self.documents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model = TupleTableModel([_(h) for h in _HEADERS])
        self.table = QTableView()
        self.table.setObjectName("terms_versions")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.details = QLabel()
        self.details.setObjectName("terms_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.new_document_button = QPushButton(_("New document…"))
        self.new_version_button = QPushButton(_("New version…"))
        self.edit_button = QPushButton(_("Edit draft…"))
        self.delete_button = QPushButton(_("Delete draft"))
        self.publish_button = QPushButton(_("Publish…"))
        self.print_version_button = QPushButton(_("Print this version…"))
        self.print_on_button = QPushButton(_("Print as of a date…"))
        self.print_on_button.setDefault(True)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.details)
        right_layout.addWidget(self.table, 1)
        buttons = QGridLayout()
        for i, button in enumerate(
            (
                self.new_version_button,
                self.edit_button,
                self.delete_button,
                self.publish_button,
                self.print_version_button,
                self.print_on_button,
            )
        ):
            buttons.addWidget(button, i // 3, i % 3)
        right_layout.addLayout(buttons)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.documents, 1)
        left_layout.addWidget(self.new_document_button)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(close)
        self.resize(1100, 560)

        self.documents.currentItemChanged.connect(lambda *_: self.load_versions())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.update_buttons())
        self.new_document_button.clicked.connect(self.new_document)
        self.new_version_button.clicked.connect(self.new_version)
        self.edit_button.clicked.connect(self.edit_draft)
        self.delete_button.clicked.connect(self.delete_draft)
        self.publish_button.clicked.connect(self.publish)
        self.print_version_button.clicked.connect(self.print_version)
        self.print_on_button.clicked.connect(self.print_as_of)
        self.load_documents()

    # ---- loading -----------------------------------------------------------------------

    def load_documents(self, select: str | None = None) -> None:
        current = select or self.current_key()
        self.documents.blockSignals(True)
        self.documents.clear()
        language = self.school.default_language.value
        self.records = {record.key: record for record in self.terms.list_documents()}
        for record in self.records.values():
            item = QListWidgetItem(record.title(language))
            item.setData(Qt.ItemDataRole.UserRole, record.key)
            self.documents.addItem(item)
            if record.key == current:
                self.documents.setCurrentItem(item)
        if self.documents.currentItem() is None and self.documents.count():
            self.documents.setCurrentRow(0)
        self.documents.blockSignals(False)
        self.load_versions()

    def _title(self, key: str) -> str:
        """A document as people know it: its title in the school's language, never its code."""
        record = self.records.get(key)
        return record.title(self.school.default_language.value) if record else key

    def current_key(self) -> str | None:
        item = self.documents.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def current_document(self) -> TermsDocumentRecord | None:
        return self.records.get(self.current_key())

    def current_version(self) -> TermsVersionRecord | None:
        row = self.table.currentIndex().row()
        return self.versions[row] if 0 <= row < len(self.versions) else None

    def load_versions(self, select_id: int | None = None) -> None:
        document = self.current_document()
        today = self.school.today()
        self.versions = self.terms.versions(document.key) if document else []
        self.model.set_rows([self._row(v, today) for v in self.versions])
        if document is not None:
            provider = document.provider
            self.details.setText(
                _("Provider: {provider}, {address}. New versions take effect {rule}.").format(
                    provider=provider.name,
                    address=", ".join(provider.address_lines),
                    rule=_(RULES[document.amendment_rule]),
                )
                + (
                    "\n" + _("The free-alternative statement is printed with these terms.")
                    if document.free_alternative
                    else ""
                )
            )
        else:
            self.details.setText(_("No terms documents are recorded yet."))
        row = next((i for i, v in enumerate(self.versions) if v.id == select_id), None)
        if row is None:  # the version in force, else the newest
            row = next(
                (
                    i
                    for i, v in enumerate(self.versions)
                    if v.status(today) is VersionStatus.IN_FORCE
                ),
                len(self.versions) - 1,
            )
        if row >= 0:
            self.table.selectRow(row)
        self.update_buttons()

    def _row(self, v: TermsVersionRecord, today: date) -> tuple:
        return (
            v.label,
            _(_STATUS[v.status(today)]),
            format_date(v.dated_on, self.country),
            format_date(v.published_on, self.country),
            format_date(v.effective_from, self.country),
            format_date(v.effective_to, self.country),
            ", ".join(language_label(code) for code in v.texts),
        )

    def update_buttons(self) -> None:
        document, version = self.current_key(), self.current_version()
        draft = version is not None and not version.published
        self.new_document_button.setEnabled(self.can_manage)
        self.new_version_button.setEnabled(self.can_manage and document is not None)
        self.edit_button.setEnabled(self.can_manage and draft)
        self.delete_button.setEnabled(self.can_manage and draft)
        self.publish_button.setEnabled(self.can_manage and draft)
        self.print_version_button.setEnabled(
            self.can_print and version is not None and version.published
        )
        self.print_on_button.setEnabled(self.can_print and any(v.published for v in self.versions))
        if version is not None and version.published:
            self.edit_button.setToolTip(_("A published version cannot change; make a new version."))
        else:
            self.edit_button.setToolTip("")

    # ---- actions -----------------------------------------------------------------------

    def new_document(self) -> None:
        dialog = DocumentForm(self, self.country, self.terms.create_document)
        dialog.accepted.connect(lambda: self.load_documents(dialog.result_value.key))
        dialog.open()

    def new_version(self) -> None:
        key = self.current_key()
        latest = next((v for v in reversed(self.versions) if v.published), None)
        dialog = VersionForm(
            self,
            self.country,
            lambda data: self.terms.draft_version(key, data),
            title=_("New version of {key}").format(key=key),
            label=self.terms.next_label(key),
            texts=dict(latest.texts) if latest else {},
        )
        dialog.accepted.connect(lambda: self.load_versions(dialog.result_value.id))
        dialog.open()

    def edit_draft(self) -> None:
        version = self.current_version()
        dialog = VersionForm(
            self,
            self.country,
            lambda data: self.terms.update_draft(version.id, version.version, data),
            title=_("Draft {label} of {title}").format(
                label=version.label, title=self._title(version.document_key)
            ),
            label=version.label,
            texts=dict(version.texts),
            summary=dict(version.summary),
            dated_on=version.dated_on,
        )
        dialog.accepted.connect(lambda: self.load_versions(version.id))
        dialog.open()

    def delete_draft(self) -> None:
        version = self.current_version()
        answer = messages.ask(
            self,
            _("Delete draft"),
            _("Delete the draft {label}? Its text is lost.").format(label=version.label),
            [("delete", _("Delete")), ("keep", _("Keep"))],
            default="keep",
            escape="keep",
        )
        if answer != "delete":
            return
        try:
            self.terms.delete_draft(version.id, version.version)
        except SchoolOfficeError as exc:
            messages.show_error(self, exc, _("Not deleted"), self.country)
        self.load_versions()

    def publish(self) -> None:
        version = self.current_version()
        document = self.current_document()
        amendment = any(v.published for v in self.versions)
        dialog = PublishForm(
            self,
            self.country,
            lambda v: self.terms.publish(
                version.id, version.version, published_on=v[0], effective_from=v[1]
            ),
            version,
            document,
            amendment,
            self.school.today(),
        )
        dialog.accepted.connect(lambda: self.load_versions(version.id))
        dialog.open()

    def print_version(self) -> None:
        version = self.current_version()
        document = self.current_document()
        dialog = LanguageForm(
            self,
            self.country,
            lambda v: v,
            title=_("Print version {label}").format(label=version.label),
            languages=version.texts,
            default=self.school.default_language.value,
        )
        dialog.accepted.connect(
            lambda: self._print(
                lambda: self.terms.print_version(version.id, dialog.result_value.language),
                document,
            )
        )
        dialog.open()

    def print_as_of(self) -> None:
        document = self.current_document()

        def check(values: PrintChoice) -> PrintChoice:
            self.terms.require_in_force(document.key, values.on)  # the error shows in the form
            return values

        dialog = LanguageForm(
            self,
            self.country,
            check,
            title=_("Print {title} as of a date").format(title=self._title(document.key)),
            languages=LANGUAGES,
            default=self.school.default_language.value,
            on=self.school.today(),
        )
        dialog.accepted.connect(
            lambda: self._print(
                lambda: self.terms.print_in_force(
                    document.key, dialog.result_value.on, dialog.result_value.language
                ),
                document,
            )
        )
        dialog.open()

    def _print(self, produce, document: TermsDocumentRecord) -> None:
        def done(printed: PrintedTerms) -> None:
            title = f"{document.title(printed.language)} {printed.version.label}"
            self.preview = PdfPreviewDialog(
                self, printed.pdf, title, f"{document.key}-{printed.version.label}.pdf"
            )
            self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.preview.open()

        run_with_progress(
            self,
            _("Preparing the terms…"),
            lambda _progress, _cancel: produce(),
            done,
            lambda exc: messages.show_error(self, exc, _("Not printed"), self.country),
            cancellable=False,
        )
