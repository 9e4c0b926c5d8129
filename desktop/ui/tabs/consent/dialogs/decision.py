"""Recording a terms decision for a student or a guardian (R44–R47, R55)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtWidgets import QComboBox, QLineEdit

from desktop.domain.consent.common import noon_on
from desktop.domain.consent.terms import AcceptanceDecision, Channel, OnBehalfBasis, TermsDoc
from desktop.domain.consent_workflow import PersonKind
from desktop.domain.inputs import coerce_enum
from desktop.domain.roster import SCHOOL_LANGUAGE, Country, Language
from desktop.services.consent.recording import WARRANTIES, AcceptanceInput
from desktop.services.consent.records import TermsDocumentInfo
from desktop.services.roster import GuardianLink
from desktop.ui.forms import DateField, FormDialog, WrappingCheckBox, make_combo, read_fields
from desktop.ui.tabs.consent.labels import BASIS, CHANNELS, DECISIONS
from desktop.ui.text import _, language_label


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
        self.decision = make_combo([(_(DECISIONS[d]), d) for d in AcceptanceDecision])
        self.channel = make_combo([(_(CHANNELS[c]), c) for c in Channel])
        self.language = make_combo([(language_label(lang), lang.value) for lang in Language])
        self.language.setCurrentIndex(
            self.language.findData(SCHOOL_LANGUAGE[Country(country)].value)
        )
        self.decided_on = DateField(country)
        self.decided_on.set_date(today)
        self.basis = make_combo([(_(BASIS[b]), b) for b in OnBehalfBasis])
        self.on_behalf = make_combo([(g.full_name, g.guardian_id) for g in guardians])
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
