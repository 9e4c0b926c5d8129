"""The Consent tab's small forms. Each collects values and hands them to `submit`; what the
service refuses is shown next to the field, and the dialog stays open (FormDialog)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop.domain import clock
from desktop.domain.consent.breaches import BreachNotice
from desktop.domain.consent.codes import CodeKind
from desktop.domain.consent.common import noon_on
from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.domain.consent.terms import AcceptanceDecision, Channel, OnBehalfBasis, TermsDoc
from desktop.domain.consent_workflow import PersonKind
from desktop.domain.dates import school_zone
from desktop.domain.errors import ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roster import SCHOOL_LANGUAGE, Country, Language
from desktop.services.consent.recording import WARRANTIES, AcceptanceInput
from desktop.services.consent.records import TermsDocumentInfo
from desktop.services.roster import GuardianLink
from desktop.ui.forms import DateField, FormDialog, WrappingCheckBox, read_fields
from desktop.ui.tabs.consent.labels import (
    BASIS,
    CATEGORIES,
    CHANNELS,
    CODE_KINDS,
    DECISIONS,
    NOTICES,
    REQUEST_KINDS,
)
from desktop.ui.text import N_, _, language_label

PickStudent = Callable[[Callable[[int], object]], None]  # opens the picker, then calls back


def _combo(items: Sequence[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    for label, data in items:
        combo.addItem(label, data)
    return combo


class StudentField(QWidget):
    """The chosen student's name and a Choose… button that opens the student picker."""

    def __init__(self, pick: PickStudent, changed: Callable[[int], None] | None = None):
        super().__init__()
        self.student_id: int | None = None
        self._pick = pick
        self._changed = changed
        self.label = QLineEdit()
        self.label.setReadOnly(True)
        self.label.setPlaceholderText(_("No student chosen"))
        self.button = QPushButton(_("Choose…"))
        self.button.clicked.connect(lambda: self._pick(self.set_student))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)

    def set_student(self, student_id: int, name: str = "") -> None:
        self.student_id = student_id
        self.label.setText(name or str(student_id))
        if self._changed:
            self._changed(student_id)

    def value(self, field: str = "student") -> int:
        if self.student_id is None:
            raise ValidationError(field, "", N_("choose a student"))
        return self.student_id


# ---- terms decisions (R44–R47, R55) ----------------------------------------------------------


class DecisionDialog(FormDialog):
    """Record one decision for a person of the overview (a student, or a guardian of one)."""

    def __init__(
        self,
        parent,
        country: str,
        document: TermsDocumentInfo,
        student_id: int,
        student_name: str,
        guardians: Sequence[GuardianLink],
        guardian_id: int | None,
        today: date,
        submit: Callable[[AcceptanceInput], object],
    ):
        person = student_name
        if guardian_id is not None:
            name = next((g.full_name for g in guardians if g.guardian_id == guardian_id), "")
            person = f"{name} ({student_name})"
        super().__init__(
            parent,
            _("Record a decision: {person}").format(person=person),
            country,
            submit,
            ok_text=_("Record"),
        )
        self._student_id = student_id
        self._guardian_id = guardian_id
        self._document = document
        self.version = QComboBox()
        in_force = document.in_force(today)
        for v in reversed(document.versions):
            self.version.addItem(v.label, v.id)
        if in_force is not None:
            self.version.setCurrentIndex(self.version.findData(in_force.id))
        self.decision = _combo([(_(DECISIONS[d]), d) for d in AcceptanceDecision])
        self.channel = _combo([(_(CHANNELS[c]), c) for c in Channel])
        self.language = _combo([(language_label(lang), lang.value) for lang in Language])
        self.language.setCurrentIndex(
            self.language.findData(SCHOOL_LANGUAGE[Country(country)].value)
        )
        self.decided_on = DateField(country)
        self.decided_on.set_date(today)
        self.basis = _combo([(_(BASIS[b]), b) for b in OnBehalfBasis])
        self.on_behalf = _combo([(g.full_name, g.guardian_id) for g in guardians])
        self.given_by = QLineEdit()
        self.given_by.setPlaceholderText(_("Name of the person who decided"))
        self.school_document = QLineEdit()
        self.school_document.setPlaceholderText(_("Only for a student under the age limit"))
        self.warranties = WrappingCheckBox(
            _("Confirms that the data are correct and the phone and e-mail are their own")
        )
        self.free_alternative = WrappingCheckBox(
            _("Was told that the service is optional and the information is available free")
        )
        self.note = QLineEdit()
        e = self.errors
        self.form.addRow(_("Version"), e.wrap("terms_version", self.version))
        self.form.addRow(_("Decision"), e.wrap("decision", self.decision))
        self.form.addRow(_("Date"), e.wrap("decided_at", self.decided_on))
        self.form.addRow(_("How"), e.wrap("channel", self.channel))
        self.form.addRow(_("Language shown"), e.wrap("language_shown", self.language))
        if guardian_id is None:
            self.form.addRow(_("Given"), e.wrap("basis", self.basis))
            self.form.addRow(_("Guardian"), e.wrap("on_behalf_guardian_id", self.on_behalf))
            self.form.addRow(_("By"), e.wrap("given_by", self.given_by))
            self.form.addRow(_("School document"), e.wrap("birth_date", self.school_document))
            self.basis.currentIndexChanged.connect(self._basis_changed)
            self._basis_changed()
        if document.key == TermsDoc.SI_POPOLNI_TERMS or document.free_alternative:
            self.form.addRow("", e.wrap("warranties", self.warranties))
            self.form.addRow("", e.wrap("free_alternative_disclosed", self.free_alternative))
        self.form.addRow(_("Note"), e.wrap("note", self.note))
        audience = (
            _("the student's own terms")
            if document.audience == PersonKind.STUDENT
            else _("terms a guardian accepts")
        )
        self.set_note(
            _(
                "{title}: {audience}. A decision is never changed later; a withdrawal is "
                "recorded as a new decision."
            ).format(title=document.title, audience=audience)
        )

    def _basis(self) -> OnBehalfBasis:
        """Qt hands the StrEnum back as a plain str: make it the enum again."""
        if self._guardian_id is not None:
            return OnBehalfBasis.SELF  # a guardian decides for themself
        return coerce_enum(OnBehalfBasis, "basis", self.basis.currentData())

    def _basis_changed(self) -> None:
        basis = self._basis()
        self.on_behalf.setEnabled(basis == OnBehalfBasis.LEGAL_REPRESENTATIVE)
        self.given_by.setEnabled(basis == OnBehalfBasis.INSTITUTION_ADMIN)

    def values(self) -> AcceptanceInput:
        read = read_fields(
            {"decided_at": lambda: self.decided_on.date_value("decided_at", required=True)}
        )
        basis = self._basis()
        return AcceptanceInput(
            self.version.currentData(),
            self._student_id,
            self.decision.currentData(),
            self.channel.currentData(),
            self.language.currentData(),
            guardian_id=self._guardian_id,
            decided_at=noon_on(read["decided_at"], self.country),
            basis=basis,
            on_behalf_guardian_id=(
                self.on_behalf.currentData()
                if basis == OnBehalfBasis.LEGAL_REPRESENTATIVE
                else None
            ),
            given_by=self.given_by.text() if basis == OnBehalfBasis.INSTITUTION_ADMIN else "",
            school_document=self.school_document.text() if self._guardian_id is None else "",
            warranties=WARRANTIES if self.warranties.isChecked() else (),
            free_alternative_disclosed=self.free_alternative.isChecked(),
            note=self.note.text(),
        )


# ---- requests (R57, R58, R61) ----------------------------------------------------------------


@dataclass(frozen=True)
class RequestValues:
    kind: RequestKind
    received_on: date
    channel: str
    requester_name: str
    requester_guardian_id: int | None
    student_id: int | None
    category: DataCategory
    details: str
    forward_to: str


class RequestDialog(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        today: date,
        pick: PickStudent,
        guardians_of: Callable[[int], Sequence[GuardianLink]],
        submit: Callable[[RequestValues], object],
    ):
        super().__init__(
            parent, _("New data protection request"), country, submit, ok_text=_("Record")
        )
        self._guardians_of = guardians_of
        self.kind = _combo([(_(REQUEST_KINDS[k]), k) for k in RequestKind])
        self.received = DateField(country)
        self.received.set_date(today)
        self.channel = QComboBox()
        self.channel.setEditable(True)
        self.channel.addItems([_("e-mail"), _("letter"), _("at the school"), _("portal")])
        self.student = StudentField(pick, self._student_changed)
        self.requester = _combo([(_("Someone else (type the name)"), None)])
        self.requester.currentIndexChanged.connect(self._requester_changed)
        self.requester_name = QLineEdit()
        self.category = _combo([(_(CATEGORIES[c]), c) for c in DataCategory])
        self.forward_to = QLineEdit()
        self.forward_to.setPlaceholderText(_("Empty if the school answers it itself"))
        self.details = QPlainTextEdit()
        self.details.setFixedHeight(70)
        e = self.errors
        self.form.addRow(_("Request"), e.wrap("kind", self.kind))
        self.form.addRow(_("Received on"), e.wrap("received_at", self.received))
        self.form.addRow(_("How"), e.wrap("channel", self.channel))
        self.form.addRow(_("About the student"), e.wrap("student", self.student))
        self.form.addRow(_("From"), e.wrap("requester_guardian_id", self.requester))
        self.form.addRow(_("Requester's name"), e.wrap("requester_name", self.requester_name))
        self.form.addRow(_("Data concerned"), e.wrap("category", self.category))
        self.form.addRow(_("Forward to"), e.wrap("forward_to", self.forward_to))
        self.form.addRow(_("Details"), e.wrap("details", self.details))
        self.set_note(
            _(
                "The answer is due one calendar month after receipt. A request that must go "
                "to someone else is forwarded at the latest on the next day."
            )
        )

    def _student_changed(self, student_id: int) -> None:
        self.requester.blockSignals(True)
        self.requester.clear()
        for link in self._guardians_of(student_id):
            self.requester.addItem(link.full_name, link.guardian_id)
        self.requester.addItem(_("Someone else (type the name)"), None)
        self.requester.blockSignals(False)
        self._requester_changed()

    def _requester_changed(self) -> None:
        guardian = self.requester.currentData()
        self.requester_name.setEnabled(guardian is None)
        if guardian is not None:
            self.requester_name.setText(self.requester.currentText())

    def values(self) -> RequestValues:
        read = read_fields(
            {"received_at": lambda: self.received.date_value("received_at", required=True)}
        )
        return RequestValues(
            self.kind.currentData(),
            read["received_at"],
            self.channel.currentText(),
            self.requester_name.text(),
            self.requester.currentData(),
            self.student.student_id,
            self.category.currentData(),
            self.details.toPlainText(),
            self.forward_to.text(),
        )


@dataclass(frozen=True)
class ExtensionValues:
    reason: str
    notified_on: date
    months: int


class ExtendDialog(FormDialog):
    def __init__(self, parent, country: str, today: date, submit):
        super().__init__(parent, _("Extend the deadline"), country, submit, ok_text=_("Extend"))
        self.reason = QLineEdit()
        self.notified = DateField(country)
        self.notified.set_date(today)
        self.months = QSpinBox()
        self.months.setRange(1, 2)
        self.months.setValue(2)
        e = self.errors
        self.form.addRow(_("Reason"), e.wrap("reason", self.reason))
        self.form.addRow(_("Requester told on"), e.wrap("requester_notified_on", self.notified))
        self.form.addRow(_("More months"), e.wrap("months", self.months))
        self.set_note(
            _(
                "Only with a reason, and the requester must be told within the first "
                "month (GDPR Art. 12(3))."
            )
        )

    def values(self) -> ExtensionValues:
        read = read_fields(
            {
                "requester_notified_on": lambda: self.notified.date_value(
                    "requester_notified_on", required=True
                )
            }
        )
        return ExtensionValues(
            self.reason.text(), read["requester_notified_on"], self.months.value()
        )


@dataclass(frozen=True)
class AnswerValues:
    outcome: str
    refused: bool
    closed_on: date


class AnswerDialog(FormDialog):
    def __init__(self, parent, country: str, today: date, submit):
        super().__init__(parent, _("Request answered"), country, submit, ok_text=_("Save"))
        self.outcome = QPlainTextEdit()
        self.outcome.setFixedHeight(80)
        self.refused = QCheckBox(_("The request was refused, with reasons"))
        self.closed = DateField(country)
        self.closed.set_date(today)
        e = self.errors
        self.form.addRow(_("What was answered"), e.wrap("outcome", self.outcome))
        self.form.addRow("", self.refused)
        self.form.addRow(_("Answered on"), e.wrap("closed_on", self.closed))

    def values(self) -> AnswerValues:
        read = read_fields(
            {"closed_on": lambda: self.closed.date_value("closed_on", required=True)}
        )
        return AnswerValues(self.outcome.toPlainText(), self.refused.isChecked(), read["closed_on"])


@dataclass(frozen=True)
class StudentDateValues:
    student_id: int
    day: date
    text: str
    flag: bool = False


class DeletionDialog(FormDialog):
    def __init__(self, parent, country: str, today: date, pick: PickStudent, submit):
        super().__init__(parent, _("New deletion request"), country, submit, ok_text=_("Record"))
        self.student = StudentField(pick)
        self.received = DateField(country)
        self.received.set_date(today)
        self.note = QLineEdit()
        e = self.errors
        self.form.addRow(_("Student"), e.wrap("student", self.student))
        self.form.addRow(_("Received on"), e.wrap("received_on", self.received))
        self.form.addRow(_("Note"), e.wrap("note", self.note))
        self.set_note(
            _(
                "While the student still studies here the request waits; the "
                "two-week deadline starts when it becomes valid."
            )
        )

    def values(self) -> StudentDateValues:
        read = read_fields(
            {
                "student": self.student.value,
                "received_on": lambda: self.received.date_value("received_on", required=True),
            }
        )
        return StudentDateValues(read["student"], read["received_on"], self.note.text())


class ProhibitionDialog(FormDialog):
    """R48/R100: the adult student's handwritten letter."""

    def __init__(self, parent, country: str, today: date, pick: PickStudent, submit):
        super().__init__(
            parent,
            _("Register an adult student's prohibition"),
            country,
            submit,
            ok_text=_("Register"),
        )
        self.student = StudentField(pick)
        self.received = DateField(country)
        self.received.set_date(today)
        self.signed = QCheckBox(_("The letter is signed by hand"))
        self.reference = QLineEdit()
        e = self.errors
        self.form.addRow(_("Student"), e.wrap("student", self.student))
        self.form.addRow(_("Received on"), e.wrap("received_on", self.received))
        self.form.addRow("", e.wrap("handwritten_signature", self.signed))
        self.form.addRow(_("Reference"), e.wrap("letter_reference", self.reference))
        self.set_note(
            _(
                "From the day it is received nothing about the student goes to any "
                "parent or guardian; their subscription ends the next day. Print the "
                "notices to the guardians afterwards."
            )
        )

    def values(self) -> StudentDateValues:
        read = read_fields(
            {
                "student": self.student.value,
                "received_on": lambda: self.received.date_value("received_on", required=True),
            }
        )
        return StudentDateValues(
            read["student"], read["received_on"], self.reference.text(), self.signed.isChecked()
        )


@dataclass(frozen=True)
class HoldValues:
    student_id: int
    category: DataCategory
    reason: str


class HoldDialog(FormDialog):
    def __init__(self, parent, country: str, pick: PickStudent, submit):
        super().__init__(parent, _("Place a legal hold"), country, submit, ok_text=_("Place"))
        self.student = StudentField(pick)
        self.category = _combo([(_(CATEGORIES[c]), c) for c in DataCategory])
        self.reason = QLineEdit()
        e = self.errors
        self.form.addRow(_("Student"), e.wrap("student", self.student))
        self.form.addRow(_("Data"), e.wrap("category", self.category))
        self.form.addRow(_("Reason"), e.wrap("reason", self.reason))

    def values(self) -> HoldValues:
        read = read_fields({"student": self.student.value})
        return HoldValues(read["student"], self.category.currentData(), self.reason.text())


class TextDialog(FormDialog):
    """One line of text: why data are kept (R67), a note."""

    def __init__(
        self,
        parent,
        country: str,
        title: str,
        label: str,
        ok_text: str,
        submit,
        field: str = "note",
    ):
        super().__init__(parent, title, country, submit, ok_text=ok_text)
        self.text = QLineEdit()
        self.form.addRow(label, self.errors.wrap(field, self.text))

    def values(self) -> str:
        return self.text.text()


# ---- codes (R39, R40) ------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeValues:
    student_id: int
    guardian_id: int
    kind: CodeKind


class IssueCodeDialog(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        pick: PickStudent,
        guardians_of: Callable[[int], Sequence[GuardianLink]],
        submit,
    ):
        super().__init__(
            parent,
            _("Issue a verification code"),
            country,
            submit,
            ok_text=_("Issue and print the slip"),
        )
        self._guardians_of = guardians_of
        self.student = StudentField(pick, self._student_changed)
        self.guardian = QComboBox()
        self.kind = _combo([(_(CODE_KINDS[k]), k) for k in CodeKind])
        e = self.errors
        self.form.addRow(_("Student"), e.wrap("student", self.student))
        self.form.addRow(_("Guardian"), e.wrap("guardian", self.guardian))
        self.form.addRow(_("Code for"), e.wrap("kind", self.kind))
        self.set_note(
            _(
                "The code is printed once, on the slip; the school keeps only a "
                "fingerprint of it. It works once, for 14 days, for this guardian and "
                "child; 5 wrong attempts lock it. A new code replaces an older one."
            )
        )

    def _student_changed(self, student_id: int) -> None:
        self.guardian.clear()
        for link in self._guardians_of(student_id):
            self.guardian.addItem(link.full_name, link.guardian_id)

    def values(self) -> CodeValues:
        read = read_fields({"student": self.student.value})
        if self.guardian.currentData() is None:
            raise ValidationError("guardian", "", N_("choose the guardian"))
        return CodeValues(read["student"], self.guardian.currentData(), self.kind.currentData())


# ---- breaches (R69, R70) ---------------------------------------------------------------------


def _datetime_edit(country: str) -> QDateTimeEdit:
    edit = QDateTimeEdit(
        QDateTime(clock.now().astimezone(school_zone(country)).replace(tzinfo=None))
    )
    edit.setDisplayFormat("dd.MM.yyyy HH:mm" if country == "EE" else "d. M. yyyy HH:mm")
    edit.setCalendarPopup(True)
    edit.setTimeSpec(Qt.TimeSpec.LocalTime)
    return edit


def _instant(edit: QDateTimeEdit, country: str) -> datetime:
    """What was typed, read as the school's local time (R1), as an aware instant."""
    value = edit.dateTime()
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=school_zone(country))


@dataclass(frozen=True)
class BreachValues:
    detected_at: datetime
    description: str
    categories: tuple[DataCategory, ...]
    containment: str


class BreachDialog(FormDialog):
    def __init__(self, parent, country: str, submit):
        super().__init__(parent, _("Record a data breach"), country, submit, ok_text=_("Record"))
        self.detected = _datetime_edit(country)
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(70)
        self.categories = {c: QCheckBox(_(CATEGORIES[c])) for c in DataCategory}
        boxes = QWidget()
        layout = QHBoxLayout(boxes)
        layout.setContentsMargins(0, 0, 0, 0)
        for category in (DataCategory.SCHOOL, DataCategory.BILLING, DataCategory.CARDS):
            layout.addWidget(self.categories[category])
        self.containment = QPlainTextEdit()
        self.containment.setFixedHeight(60)
        e = self.errors
        self.form.addRow(_("Detected at"), e.wrap("detected_at", self.detected))
        self.form.addRow(_("What happened"), e.wrap("description", self.description))
        self.form.addRow(_("Data concerned"), e.wrap("categories", boxes))
        self.form.addRow(_("Measures taken"), e.wrap("containment", self.containment))
        self.set_note(
            _("The notifications are due within 72 hours of detection, weekends included.")
        )

    def values(self) -> BreachValues:
        return BreachValues(
            _instant(self.detected, self.country),
            self.description.toPlainText(),
            tuple(c for c, box in self.categories.items() if box.isChecked()),
            self.containment.toPlainText(),
        )


@dataclass(frozen=True)
class AffectedValues:
    name: str
    email: str


class AffectedDialog(FormDialog):
    def __init__(self, parent, country: str, submit):
        super().__init__(parent, _("Person concerned"), country, submit, ok_text=_("Add"))
        self.name = QLineEdit()
        self.email = QLineEdit()
        e = self.errors
        self.form.addRow(_("Name"), e.wrap("name", self.name))
        self.form.addRow(_("E-mail"), e.wrap("email", self.email))

    def values(self) -> AffectedValues:
        return AffectedValues(self.name.text(), self.email.text())


@dataclass(frozen=True)
class NoticeValues:
    notice: BreachNotice
    sent_at: datetime


class NoticeSentDialog(FormDialog):
    def __init__(self, parent, country: str, pending: Sequence[BreachNotice], submit):
        super().__init__(parent, _("Notification sent"), country, submit, ok_text=_("Save"))
        self.notice = _combo([(_(NOTICES[n]), n) for n in pending])
        self.sent = _datetime_edit(country)
        e = self.errors
        self.form.addRow(_("Notification"), e.wrap("notice", self.notice))
        self.form.addRow(_("Sent at"), e.wrap("sent_at", self.sent))

    def values(self) -> NoticeValues:
        return NoticeValues(self.notice.currentData(), _instant(self.sent, self.country))
