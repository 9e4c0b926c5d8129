"""Ordering a subscription (R75, R47, R41, R55, R14) and starting a trial."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from desktop.domain.billing.records import CommunicationMode, OrderChannel, OrderedBy
from desktop.services.billing import OrderInput
from desktop.services.roster import StudentRecord
from desktop.ui.forms import (
    DateField,
    FormDialog,
    WrappingCheckBox,
    combo_enum,
    make_combo,
    read_fields,
)
from desktop.ui.text import N_, _

_MODES = {
    CommunicationMode.SMS_AND_EMAIL: N_("SMS + e-mail"),
    CommunicationMode.SMS: N_("SMS"),
    CommunicationMode.EMAIL: N_("E-mail"),
}


def _ordered_by_combo() -> QComboBox:
    """Who orders or starts a trial: a guardian, or the student from 15 (R47, R90)."""
    return make_combo(
        [
            (_("A parent or guardian"), OrderedBy.GUARDIAN),
            (_("The student (15 or older)"), OrderedBy.STUDENT),
        ]
    )


class OrderDialog(FormDialog):
    def __init__(
        self,
        parent: QWidget | None,
        country: str,
        student: StudentRecord,
        terms: Sequence[tuple[int, str]],
        default_terms: int | None,
        today: date,
        submit: Callable[[OrderInput], object],
    ):
        super().__init__(parent, _("New POPOLNI order"), country, submit, ok_text=_("Save order"))
        self.student = student
        self.set_note(
            _(
                "Order for {name} ({klass}). The invoice is issued at once; the service is "
                "finally activated when it is paid in full."
            ).format(name=student.full_name, klass=student.class_name or "—")
        )
        self.ordered_by = _ordered_by_combo()
        guardians = [
            (g.full_name + (f"  ·  {g.phone}" if g.phone else ""), g.guardian_id)
            for g in student.guardians
        ]
        self.guardian1 = make_combo(guardians)
        self.guardian2 = make_combo([(_("— none —"), None), *guardians])
        self.student_mobile = QLineEdit()
        self.student_email = QLineEdit()
        self.statement = WrappingCheckBox(_("The student states that they have reached 15"))
        self.terms = make_combo([(label, version_id) for version_id, label in terms])
        if default_terms is not None:
            self.terms.setCurrentIndex(max(0, self.terms.findData(default_terms)))
        self.channel = make_combo(
            [
                (_("Electronic registration"), OrderChannel.ELECTRONIC),
                (_("Parents' portal"), OrderChannel.PORTAL),
                (_("At the school"), OrderChannel.AT_SCHOOL),
                (_("By letter"), OrderChannel.LETTER),
            ]
        )
        self.mode = make_combo([(_(text), mode) for mode, text in _MODES.items()])
        self.warranties = WrappingCheckBox(
            _(
                "The orderer confirmed that the data are correct and the phone and e-mail are "
                "their own"
            )
        )
        self.free_alternative = WrappingCheckBox(
            _(
                "The orderer was told that POPOLNI is optional and the same information is free "
                "through other routes"
            )
        )
        self.ordered_on = DateField(country)
        self.ordered_on.set_date(today)
        e = self.errors
        self.form.addRow(_("Ordered by"), self.ordered_by)
        self.form.addRow(_("Guardian (payer)"), e.wrap("guardians", self.guardian1, "mobile"))
        self.form.addRow(_("Second guardian"), self.guardian2)
        self.form.addRow(_("Student's mobile"), self.student_mobile)
        self.form.addRow(_("Student's e-mail"), self.student_email)
        self.form.addRow("", e.wrap("student_statement_15", self.statement, "birth_date"))
        self.form.addRow(_("Accepted terms"), e.wrap("terms_version_id", self.terms))
        self.form.addRow(_("Channel"), self.channel)
        self.form.addRow(_("Notifications"), self.mode)
        self.form.addRow(_("Order date"), e.wrap("ordered_on", self.ordered_on))
        self.form.addRow("", e.wrap("warranties_given", self.warranties))
        self.form.addRow(
            "",
            e.wrap(
                "free_alternative_disclosed",
                self.free_alternative,
                "popolni_enabled",
                "subscription",
                "status",
            ),
        )
        self.ordered_by.currentIndexChanged.connect(self._by_changed)
        self._by_changed()
        self.setMinimumWidth(560)

    def _by_changed(self) -> None:
        by_student = combo_enum(self.ordered_by, OrderedBy) is OrderedBy.STUDENT
        for widget in (self.student_mobile, self.student_email, self.statement):
            widget.setEnabled(by_student)
        self.guardian1.setEnabled(not by_student)

    def values(self) -> OrderInput:
        read = read_fields({"ordered_on": lambda: self.ordered_on.date_value("ordered_on")})
        by = combo_enum(self.ordered_by, OrderedBy)
        ids: tuple[int, ...] = ()
        if by is OrderedBy.GUARDIAN:
            ids = tuple(
                i
                for i in (self.guardian1.currentData(), self.guardian2.currentData())
                if i is not None
            )
        elif self.guardian2.currentData() is not None:
            ids = (self.guardian2.currentData(),)
        return OrderInput(
            student_id=self.student.id,
            ordered_by=by,
            channel=combo_enum(self.channel, OrderChannel),
            communication_mode=combo_enum(self.mode, CommunicationMode),
            guardian_ids=ids,
            terms_version_id=self.terms.currentData(),
            warranties_given=self.warranties.isChecked(),
            free_alternative_disclosed=self.free_alternative.isChecked(),
            student_statement_15=by is OrderedBy.STUDENT and self.statement.isChecked(),
            student_mobile=self.student_mobile.text(),
            student_email=self.student_email.text(),
            ordered_on=read["ordered_on"],
        )


@dataclass(frozen=True)
class TrialValues:
    started_by: OrderedBy
    guardian_id: int | None
    on: date | None


class TrialDialog(FormDialog):
    def __init__(self, parent, country: str, student: StudentRecord, today: date, submit):
        super().__init__(parent, _("Start a free trial"), country, submit, ok_text=_("Start trial"))
        self.set_note(
            _(
                "Trials start 1 Oct–31 Mar (30 days until 31 Dec, then 7 days), once per child "
                "and school year, unless the school has a special offer."
            )
        )
        self.started_by = _ordered_by_combo()
        self.guardian = make_combo([(g.full_name, g.guardian_id) for g in student.guardians])
        self.start = DateField(country)
        self.start.set_date(today)
        e = self.errors
        self.form.addRow(_("Student"), QLabel(student.full_name))
        self.form.addRow(_("Started by"), e.wrap("birth_date", self.started_by))
        self.form.addRow(_("Guardian"), e.wrap("guardians", self.guardian))
        self.form.addRow(
            _("First day"), e.wrap("trial_start", self.start, "popolni_enabled", "status")
        )
        self.started_by.currentIndexChanged.connect(
            lambda: self.guardian.setEnabled(
                combo_enum(self.started_by, OrderedBy) is OrderedBy.GUARDIAN
            )
        )

    def values(self) -> TrialValues:
        read = read_fields(
            {"trial_start": lambda: self.start.date_value("trial_start", required=True)}
        )
        by = combo_enum(self.started_by, OrderedBy)
        return TrialValues(
            by,
            self.guardian.currentData() if by is OrderedBy.GUARDIAN else None,
            read["trial_start"],
        )
