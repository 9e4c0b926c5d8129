"""Data-subject requests: a new one, an extension, the answer (R57, R58, R61), and a deletion
request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QSpinBox

from desktop.domain.consent.requests import RequestKind
from desktop.domain.consent.retention import DataCategory
from desktop.services.roster import GuardianLink
from desktop.ui.forms import DateField, FormDialog, make_combo, read_fields
from desktop.ui.tabs.consent.dialogs.fields import PickStudent, StudentDateValues, StudentField
from desktop.ui.tabs.consent.labels import CATEGORIES, REQUEST_KINDS
from desktop.ui.text import _


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
        self.kind = make_combo([(_(REQUEST_KINDS[k]), k) for k in RequestKind])
        self.received = DateField(country)
        self.received.set_date(today)
        self.channel = QComboBox()
        self.channel.setEditable(True)
        self.channel.addItems([_("e-mail"), _("letter"), _("at the school"), _("portal")])
        self.student = StudentField(pick, self._student_changed)
        self.requester = make_combo([(_("Someone else (type the name)"), None)])
        self.requester.currentIndexChanged.connect(self._requester_changed)
        self.requester_name = QLineEdit()
        self.category = make_combo([(_(CATEGORIES[c]), c) for c in DataCategory])
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
