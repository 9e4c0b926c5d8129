"""Small roster dialogs: leaving, re-enrolling, a guardian, a contact restriction.

Each collects values and hands them to the controller's `submit`; what the service refuses is
shown next to the field concerned, and the dialog stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
)

from desktop.domain.roster import Language, Relation, RestrictionKind, StudentStatus
from desktop.services.roster import GuardianInput, GuardianLink
from desktop.ui.forms import DateField, FormDialog, read_fields
from desktop.ui.text import _, language_label, relation_label, restriction_label, status_label


@dataclass(frozen=True)
class Leaving:
    status: StudentStatus
    left_on: date | None
    reason: str


class LeaveDialog(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        student_name: str,
        today: date,
        submit: Callable[[Leaving], object],
    ):
        super().__init__(
            parent,
            _("Mark {name} as left").format(name=student_name),
            country,
            submit,
            ok_text=_("Mark as left"),
        )
        self.status = QComboBox()
        for status in (StudentStatus.LEFT, StudentStatus.GRADUATED):
            self.status.addItem(status_label(status), status.value)
        self.left_on = DateField(country)
        self.left_on.set_date(today)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(_("For example: moved to another school"))
        self.form.addRow(_("Status"), self.errors.wrap("status", self.status))
        self.form.addRow(_("Last day"), self.errors.wrap("left_on", self.left_on))
        self.form.addRow(_("Reason"), self.errors.wrap("reason", self.reason))
        self.set_note(_("The student's cards are closed and any subscription ends on this date."))

    def values(self) -> Leaving:
        read = read_fields({"left_on": lambda: self.left_on.date_value("left_on")})
        return Leaving(
            StudentStatus(self.status.currentData()), read["left_on"], self.reason.text()
        )


@dataclass(frozen=True)
class ReEnrolment:
    class_name: str
    on: date | None


class ReEnrolDialog(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        student_name: str,
        class_names: list[str],
        today: date,
        submit: Callable[[ReEnrolment], object],
    ):
        super().__init__(
            parent,
            _("Re-enrol {name}").format(name=student_name),
            country,
            submit,
            ok_text=_("Re-enrol"),
        )
        self.class_name = QComboBox()
        self.class_name.setEditable(True)
        self.class_name.addItems(class_names)
        self.class_name.setEditText("")
        self.on = DateField(country)
        self.on.set_date(today)
        self.form.addRow(_("Class"), self.errors.wrap("class", self.class_name))
        self.form.addRow(_("Enrolment date"), self.errors.wrap("enrolled_on", self.on))

    def values(self) -> ReEnrolment:
        read = read_fields(
            {"enrolled_on": lambda: self.on.date_value("enrolled_on", required=True)}
        )
        return ReEnrolment(self.class_name.currentText(), read["enrolled_on"])


@dataclass(frozen=True)
class GuardianValues:
    data: GuardianInput
    relation: Relation
    primary_contact: bool


class GuardianDialog(FormDialog):
    """Add a guardian (link == None) or edit one."""

    def __init__(
        self,
        parent,
        country: str,
        submit: Callable[[GuardianValues], object],
        link: GuardianLink | None = None,
    ):
        title = (
            _("Add a guardian") if link is None else _("Edit {name}").format(name=link.full_name)
        )
        super().__init__(parent, title, country, submit)
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.relation = QComboBox()
        for relation in Relation:
            self.relation.addItem(relation_label(relation), relation.value)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("+372 5123 4567" if country == "EE" else "+386 41 123 456")
        self.email = QLineEdit()
        self.street = QLineEdit()
        self.postal_code = QLineEdit()
        self.postal_code.setMaximumWidth(90)
        self.city = QLineEdit()
        self.country_code = QLineEdit()
        self.country_code.setMaxLength(2)
        self.country_code.setMaximumWidth(50)
        self.language = QComboBox()
        self.language.addItem(_("Same as the school"), None)
        for language in Language:
            self.language.addItem(language_label(language), language.value)
        e = self.errors
        self.form.addRow(_("First name"), e.wrap("first_name", self.first_name))
        self.form.addRow(_("Last name"), e.wrap("last_name", self.last_name))
        self.form.addRow(_("Relation"), e.wrap("guardian", self.relation))
        self.primary = QCheckBox(_("Primary contact for this child"))
        self.form.addRow("", self.primary)
        self.form.addRow(_("Phone"), e.wrap("phone", self.phone))
        self.form.addRow(_("E-mail"), e.wrap("email", self.email))
        self.form.addRow(_("Street"), e.wrap("street", self.street))
        place = QHBoxLayout()
        place.addWidget(self.postal_code)
        place.addWidget(self.city, 1)
        place.addWidget(self.country_code)
        self.form.addRow(
            _("Postcode, city, country"), e.wrap("city", place, "postal_code", "country_code")
        )
        self.form.addRow(_("Letters in"), e.wrap("language", self.language))
        if link is not None:
            self.first_name.setText(link.first_name)
            self.last_name.setText(link.last_name)
            self.relation.setCurrentIndex(self.relation.findData(link.relation.value))
            self.primary.setChecked(link.primary_contact)
            self.phone.setText(link.phone or "")
            self.email.setText(link.email or "")
            self.street.setText(link.street)
            self.postal_code.setText(link.postal_code)
            self.city.setText(link.city)
            self.country_code.setText(link.country_code)
            if link.language:
                self.language.setCurrentIndex(self.language.findData(link.language.value))
        else:
            self.country_code.setText(country)

    def values(self) -> GuardianValues:
        return GuardianValues(
            GuardianInput(
                self.first_name.text(),
                self.last_name.text(),
                self.phone.text(),
                self.email.text(),
                self.street.text(),
                self.postal_code.text(),
                self.city.text(),
                self.country_code.text(),
                self.language.currentData(),
            ),
            Relation(self.relation.currentData()),
            self.primary.isChecked(),
        )


@dataclass(frozen=True)
class RestrictionValues:
    kind: RestrictionKind
    permanent: bool
    valid_from: date | None
    valid_to: date | None
    authority: str
    reference: str


class RestrictionDialog(FormDialog):
    """R15: an authority's measure on this child–guardian link."""

    def __init__(
        self,
        parent,
        country: str,
        guardian_name: str,
        today: date,
        submit: Callable[[RestrictionValues], object],
    ):
        super().__init__(
            parent,
            _("Contact restriction for {name}").format(name=guardian_name),
            country,
            submit,
            ok_text=_("Add restriction"),
        )
        self.kind = QComboBox()
        for kind in RestrictionKind:
            self.kind.addItem(restriction_label(kind), kind.value)
        self.permanent = QRadioButton(_("Permanent"))
        self.temporary = QRadioButton(_("Temporary"))
        self.temporary.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.permanent)
        group.addButton(self.temporary)
        duration = QHBoxLayout()
        duration.addWidget(self.temporary)
        duration.addWidget(self.permanent)
        duration.addStretch(1)
        self.valid_from = DateField(country)
        self.valid_from.set_date(today)
        self.valid_to = DateField(country)
        self.authority = QLineEdit()
        self.authority.setPlaceholderText(_("Court or authority that issued it"))
        self.reference = QLineEdit()
        self.reference.setPlaceholderText(_("Decision number"))
        e = self.errors
        self.form.addRow(_("Measure"), e.wrap("kind", self.kind))
        self.form.addRow(_("Duration"), e.wrap("permanent", duration))
        self.form.addRow(_("From"), e.wrap("valid_from", self.valid_from))
        self.form.addRow(_("Until"), e.wrap("valid_to", self.valid_to))
        self.form.addRow(_("Authority"), e.wrap("authority", self.authority))
        self.form.addRow(_("Reference"), e.wrap("reference", self.reference))
        self.permanent.toggled.connect(lambda on: self.valid_to.setEnabled(not on))
        self.set_note(
            _(
                "While the measure is in force, nothing is sent to this guardian about "
                "this child: no letters, notices or data exports."
            )
        )

    def values(self) -> RestrictionValues:
        read = read_fields(
            {
                "valid_from": lambda: self.valid_from.date_value("valid_from", required=True),
                "valid_to": lambda: (
                    None if self.permanent.isChecked() else self.valid_to.date_value("valid_to")
                ),
            }
        )
        return RestrictionValues(
            RestrictionKind(self.kind.currentData()),
            self.permanent.isChecked(),
            read["valid_from"],
            read["valid_to"],
            self.authority.text(),
            self.reference.text(),
        )


class EndRestrictionDialog(FormDialog):
    """R15: a measure lifted or shortened; it stays on record with its last day."""

    def __init__(
        self, parent, country: str, description: str, today: date, submit: Callable[[date], object]
    ):
        super().__init__(
            parent, _("End a contact restriction"), country, submit, ok_text=_("End restriction")
        )
        self.last_day = DateField(country)
        self.last_day.set_date(today)
        self.form.addRow(_("Measure"), QLabel(description))
        self.form.addRow(_("Last day in force"), self.errors.wrap("valid_to", self.last_day))
        self.set_note(
            _(
                "The restriction stays on record. Letters may go to the guardian again from the "
                "day after its last day."
            )
        )

    def values(self) -> date:
        return read_fields(
            {"valid_to": lambda: self.last_day.date_value("valid_to", required=True)}
        )["valid_to"]
