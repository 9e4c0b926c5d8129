"""The main window's Documents menu: terms management, and printing terms for the student open
in the Roster tab or for a whole class (a batch: progress, Cancel, restricted guardians left out
with the reason, then a preview from which it prints as one job).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QMainWindow, QMenu

from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.ui import messages
from desktop.ui.forms import DateField, FormDialog, read_fields
from desktop.ui.text import _

if TYPE_CHECKING:  # the batch (and the document engine) is imported when a batch starts
    from desktop.ui.dialogs.batch_print import BatchPrint


def install_documents_menu(window: QMainWindow) -> QMenu:
    """Adds "Documents" to the window's menu bar (`window.services`, `.school`, `.roster`)."""
    actor = window.services.actor
    menu = window.menuBar().addMenu(_("&Documents"))
    menu.setObjectName("documents_menu")
    terms = QAction(_("&Terms…"), window)
    terms.setObjectName("action_terms")
    terms.triggered.connect(lambda: open_terms(window))
    student = QAction(_("&Print terms for the selected students…"), window)
    student.setObjectName("action_print_student")
    student.setShortcut(QKeySequence("Ctrl+P"))
    student.triggered.connect(lambda: print_for_student(window))
    klass = QAction(_("Print terms for a &class…"), window)
    klass.setObjectName("action_print_class")
    klass.triggered.connect(lambda: print_for_class(window))
    for action in (student, klass):
        action.setEnabled(actor.can(Permission.PRINT_DOCUMENTS))
    menu.addAction(terms)
    menu.addSeparator()
    menu.addAction(student)
    menu.addAction(klass)
    menu.addSeparator()
    from desktop.ui.dialogs.letters import install_letters_menu  # D6, D9, D11, D16–D20

    install_letters_menu(window, menu)
    return menu


def open_terms(window: QMainWindow) -> None:
    from desktop.ui.dialogs.terms.dialog import TermsDialog

    dialog = TermsDialog(window, window.services, window.school)
    dialog.open()
    window.terms_dialog = dialog


@dataclass(frozen=True)
class BatchChoice:
    key: str
    on: date
    class_name: str | None


class BatchChoiceForm(FormDialog):
    """Which terms, in force on which day, and (for a class batch) which class."""

    def __init__(self, parent, country: str, submit, documents, default_key, today, classes=None):
        """`documents`: (title, key) pairs; the title is shown, the key is what is printed."""
        super().__init__(parent, _("Print terms"), country, submit, _("Print"))
        self.document = QComboBox()
        for title, key in documents:
            self.document.addItem(title, key)
        self.document.setCurrentIndex(max(0, self.document.findData(default_key)))
        self.on = DateField(country)
        self.on.set_date(today)
        self.klass = None
        if classes is not None:
            self.klass = QComboBox()
            self.klass.addItems(classes)
            self.form.addRow(_("Class"), self.errors.wrap("class", self.klass))
        self.form.addRow(_("Terms"), self.document)
        self.form.addRow(_("In force on"), self.errors.wrap("on", self.on))
        self.set_note(
            _(
                "One copy for each guardian, in the guardian's language. Guardians who may not "
                "be contacted are left out and listed."
            )
        )

    def values(self) -> BatchChoice:
        on = read_fields({"on": lambda: self.on.date_value("on", required=True)})["on"]
        klass = self.klass.currentText() if self.klass is not None else None
        return BatchChoice(self.document.currentData(), on, klass)


def _choose(window, on_chosen, classes=None) -> None:
    terms = window.services.terms
    school = window.school
    language = school.default_language.value
    documents = [(d.title(language), d.key) for d in terms.list_documents()]
    keys = [key for _title, key in documents]
    if not keys:
        messages.inform(window, _("Print terms"), _("No terms documents are recorded yet."))
        return
    try:
        default = terms.default_document_key()
    except SchoolOfficeError:
        default = keys[0]

    def check(choice: BatchChoice) -> BatchChoice:
        terms.require_in_force(choice.key, choice.on)  # refused in the form, not later
        return choice

    dialog = BatchChoiceForm(
        window, school.country.value, check, documents, default, school.today(), classes
    )
    dialog.accepted.connect(lambda: on_chosen(dialog.result_value))
    dialog.open()


def _start(window, choice: BatchChoice, pairs, title: str) -> BatchPrint | None:
    from desktop.ui.dialogs.batch_print import start_batch_print

    services = window.services
    if not pairs:
        messages.inform(window, _("Print terms"), _("Nobody to print for."))
        return None
    requests = services.terms.requests_for(choice.key, pairs)
    build = services.terms.batch_builder(choice.key, choice.on)
    job = start_batch_print(
        window,
        services.documents,
        requests,
        build,
        title=title,
        country=window.school.country.value,
    )
    window.batch_job = job
    return job


def print_for_student(window) -> None:
    """The terms for the students selected in the Roster (or the one open in its editor)."""
    student_ids = window.roster.selected_student_ids()
    record = window.roster.editor.record
    if not student_ids and record is not None:
        student_ids = [record.id]
    if not student_ids:
        messages.inform(window, _("Print terms"), _("Select students in the Roster first."))
        return
    label = (
        record.full_name
        if record is not None and student_ids == [record.id]
        else _("{count} students").format(count=len(student_ids))
    )

    def chosen(choice: BatchChoice) -> None:
        pairs = window.services.terms.recipients(student_ids)
        _start(window, choice, pairs, f"{choice.key} – {label}")

    _choose(window, chosen)


def print_for_class(window) -> None:
    classes = window.services.roster.class_names()
    if not classes:
        messages.inform(window, _("Print terms"), _("No classes in the roster yet."))
        return

    def chosen(choice: BatchChoice) -> None:
        pairs = window.services.terms.recipients(class_name=choice.class_name)
        _start(window, choice, pairs, f"{choice.key} – {choice.class_name}")

    current = window.roster.class_filter()
    if current in classes:  # the class the Roster shows comes first
        classes = [current, *(c for c in classes if c != current)]
    _choose(window, chosen, classes)
