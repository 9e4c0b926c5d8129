"""The student editor: the form on the right of the roster, with status and guardians.

It only shows and collects values (as the secretary typed them); the controller converts
them, calls the service and tells the editor what went wrong and where.
"""

from __future__ import annotations

from datetime import UTC, date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.dates import local_today, school_zone
from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.domain.roster import Language, StudentStatus
from desktop.services.roster import GuardianLink, StudentRecord
from desktop.ui.forms import Banner, DateField, FieldErrors, heading, show_validation
from desktop.ui.tabs.roster.guardians import GuardiansPanel
from desktop.ui.text import _, code_label, code_name, format_date, language_label, status_label

# The form's values as typed (texts, not dates): compared to see what the user changed.
FormValues = dict[str, object]


def record_values(record: StudentRecord, country: str) -> FormValues:
    return {
        "first_name": record.first_name,
        "last_name": record.last_name,
        "personal_code": record.personal_code or "",
        "no_local_code": record.no_local_code,
        "birth_date": format_date(record.birth_date, country),
        "foreign_document_id": record.foreign_document_id,
        "class": record.class_name or "",
        "language": record.language.value if record.language else "",
        "enrolled_on": format_date(record.enrolled_on, country),
    }


def empty_values() -> FormValues:
    return {
        "first_name": "",
        "last_name": "",
        "personal_code": "",
        "no_local_code": False,
        "birth_date": "",
        "foreign_document_id": "",
        "class": "",
        "language": "",
        "enrolled_on": "",
    }


class StudentEditor(QWidget):
    save_requested = Signal()
    discard_requested = Signal()
    mark_left_requested = Signal()
    re_enrol_requested = Signal()

    def __init__(self, country: str, can_edit: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.country = country
        self.can_edit = can_edit
        self.record: StudentRecord | None = None  # None while a new student is being typed
        self.baseline: FormValues = empty_values()
        self._filling = False
        self._dirty = False
        self.errors = FieldErrors(country)

        self.banner = Banner()
        self.title = heading("")
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: palette(mid);")

        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.personal_code = QLineEdit()
        self.personal_code.setMaxLength(20)
        self.no_local_code = QCheckBox(_("No local personal code"))
        self.no_local_code.setToolTip(
            _(
                "For a student who has no {code} (for example, just "
                "arrived from abroad): give the birth date instead."
            ).format(code=code_name(country))
        )
        self.birth_date = DateField(country)
        self.birth_hint = QLabel()
        self.birth_hint.setStyleSheet("color: palette(mid);")
        self.foreign_document_id = QLineEdit()
        self.foreign_document_id.setPlaceholderText(_("Passport or foreign ID number"))
        self.class_name = QComboBox()
        self.class_name.setEditable(True)
        self.class_name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.class_name.setMinimumContentsLength(6)
        self.language = QComboBox()
        self.language.addItem(_("Same as the school"), "")
        for language in Language:
            self.language.addItem(language_label(language), language.value)
        self.enrolled_on = DateField(country)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.mark_left_button = QPushButton(_("Mark as left…"))
        self.re_enrol_button = QPushButton(_("Re-enrol…"))
        self.save_button = QPushButton(_("Save"))
        self.save_button.setDefault(True)
        self.save_button.setToolTip(_("Save the changes (Ctrl+S)"))
        self.discard_button = QPushButton(_("Discard changes"))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        e = self.errors
        form.addRow(_("First name"), e.wrap("first_name", self.first_name))
        form.addRow(_("Last name"), e.wrap("last_name", self.last_name))
        code_row = QHBoxLayout()
        code_row.addWidget(self.personal_code, 1)
        code_row.addWidget(self.no_local_code)
        form.addRow(code_label(country), e.wrap("personal_code", code_row, "no_local_code"))
        birth_row = QHBoxLayout()
        birth_row.addWidget(self.birth_date)
        birth_row.addWidget(self.birth_hint, 1)
        form.addRow(_("Birth date"), e.wrap("birth_date", birth_row))
        self._foreign_label = QLabel(_("Other document"))
        self._foreign_box = e.wrap("foreign_document_id", self.foreign_document_id)
        form.addRow(self._foreign_label, self._foreign_box)
        form.addRow(_("Class"), e.wrap("class", self.class_name))
        form.addRow(_("Language"), e.wrap("language", self.language))
        form.addRow(_("Enrolment date"), e.wrap("enrolled_on", self.enrolled_on))
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.mark_left_button)
        status_row.addWidget(self.re_enrol_button)
        form.addRow(_("Status"), e.wrap("status", status_row))

        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.discard_button)
        actions.addWidget(self.save_button)

        self.guardians = GuardiansPanel(country, can_edit)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.banner)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.guardians, 1)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)

        empty = QLabel(
            _(
                "Choose a student on the left to see and edit their details,\n"
                "or press Ctrl+N to add a new student."
            )
        )
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setStyleSheet("color: palette(mid);")
        empty.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(empty)
        self.pages.addWidget(scroll)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)

        for line in (
            self.first_name,
            self.last_name,
            self.personal_code,
            self.birth_date,
            self.foreign_document_id,
            self.enrolled_on,
        ):
            line.textEdited.connect(self._changed)
        self.class_name.editTextChanged.connect(self._changed)
        self.language.currentIndexChanged.connect(self._changed)
        self.no_local_code.toggled.connect(self._changed)
        self.no_local_code.toggled.connect(self._update_identity_fields)
        self.save_button.clicked.connect(self.save_requested)
        self.discard_button.clicked.connect(self.discard_requested)
        self.mark_left_button.clicked.connect(self.mark_left_requested)
        self.re_enrol_button.clicked.connect(self.re_enrol_requested)
        if not can_edit:
            for line in (
                self.first_name,
                self.last_name,
                self.personal_code,
                self.foreign_document_id,
                self.birth_date,
                self.enrolled_on,
            ):
                line.setReadOnly(True)
            for widget in (self.class_name, self.language, self.no_local_code):
                widget.setEnabled(False)
        self._update_buttons()

    # ---- what the controller calls ------------------------------------------------------

    def show_record(self, record: StudentRecord, class_names: list[str], today: date) -> None:
        self.record = record
        self._fill(record_values(record, self.country), class_names)
        self.title.setText(record.full_name)
        # The school's clock, not UTC: a change at 01:30 in Tallinn is not "yesterday".
        changed = record.updated_at
        if changed.tzinfo is None:
            changed = changed.replace(tzinfo=UTC)
        changed = changed.astimezone(school_zone(self.country))
        self.subtitle.setText(
            _("Last changed by {who} on {when}").format(
                who=record.updated_by,
                when=f"{format_date(changed.date(), self.country)} {changed:%H:%M}",
            )
        )
        self.status.setText(self._status_text(record))
        self.guardians.setEnabled(True)
        self.guardians.set_links(record.guardians, today)
        self.pages.setCurrentIndex(1)

    def show_new(self, class_names: list[str]) -> None:
        self.record = None
        self._fill(empty_values(), class_names)
        self.title.setText(_("New student"))
        self.subtitle.setText(_("Fill in the details and press Save."))
        self.status.setText(_("Enrolled when saved"))
        self.guardians.set_links((), local_today(self.country))
        self.guardians.setEnabled(False)  # guardians are added once the student exists
        self.pages.setCurrentIndex(1)
        self.first_name.setFocus()

    def show_nothing(self) -> None:
        self.record = None
        self._fill(empty_values(), [])
        self.pages.setCurrentIndex(0)

    def set_guardians(self, links: tuple[GuardianLink, ...], today: date) -> None:
        self.guardians.set_links(links, today)

    def form_values(self) -> FormValues:
        return {
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "personal_code": self.personal_code.text(),
            "no_local_code": self.no_local_code.isChecked(),
            "birth_date": self.birth_date.text(),
            "foreign_document_id": self.foreign_document_id.text(),
            "class": self.class_name.currentText(),
            "language": self.language.currentData(),
            "enrolled_on": self.enrolled_on.text(),
        }

    def apply_values(self, values: FormValues) -> None:
        """Put values into the form as if typed (marks the form changed if they differ)."""
        self._set_values(values)
        self._changed()

    def show_errors(self, exc: ValidationError | ValidationErrors) -> None:
        show_validation(self.errors, self.banner, exc)

    def show_problem(self, text: str, kind: str = "error", actions=()) -> None:
        self.banner.show_message(text, kind, list(actions))

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def visible_name(self) -> str:
        return self.title.text()

    # ---- inside ---------------------------------------------------------------------------

    def _fill(self, values: FormValues, class_names: list[str]) -> None:
        self._filling = True
        try:
            self.class_name.clear()
            self.class_name.addItems(class_names)
            self._set_values(values)
        finally:
            self._filling = False
        self.baseline = self.form_values()
        self.errors.clear()
        self.banner.hide()
        self._set_dirty(False)

    def _set_values(self, values: FormValues) -> None:
        self.first_name.setText(values["first_name"])
        self.last_name.setText(values["last_name"])
        self.personal_code.setText(values["personal_code"])
        self.no_local_code.setChecked(bool(values["no_local_code"]))
        self.birth_date.setText(values["birth_date"])
        self.foreign_document_id.setText(values["foreign_document_id"])
        self.class_name.setEditText(values["class"])
        self.language.setCurrentIndex(max(0, self.language.findData(values["language"])))
        self.enrolled_on.setText(values["enrolled_on"])
        self._update_identity_fields()

    def _changed(self) -> None:
        if not self._filling:
            self._set_dirty(self.form_values() != self.baseline)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self._update_buttons()

    def _update_identity_fields(self) -> None:
        """With a code the birth date comes from it; without one, it is typed (R34)."""
        without = self.no_local_code.isChecked()
        self.personal_code.setEnabled(not without)
        self.birth_date.setEnabled(without)
        self._foreign_label.setVisible(without)
        self._foreign_box.setVisible(without)
        self.birth_hint.setText(
            "" if without else _("from the {code}").format(code=code_name(self.country))
        )
        if without and self.personal_code.text() and not self._filling:
            self.personal_code.clear()

    def _update_buttons(self) -> None:
        record = self.record
        enrolled = record is not None and record.status is StudentStatus.ENROLLED
        self.save_button.setEnabled(self.can_edit and (self._dirty or record is None))
        self.discard_button.setEnabled(self._dirty)
        self.mark_left_button.setVisible(record is not None and enrolled)
        self.re_enrol_button.setVisible(record is not None and not enrolled)
        self.mark_left_button.setEnabled(self.can_edit)
        self.re_enrol_button.setEnabled(self.can_edit)

    def _status_text(self, record: StudentRecord) -> str:
        text = status_label(record.status)
        if record.status is StudentStatus.ENROLLED:
            return text
        text += " " + _("on {date}").format(date=format_date(record.left_on, self.country))
        if record.leaving_reason:
            text += f" ({record.leaving_reason})"
        return text
