"""The first start on an empty database: the school's name and country."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QRadioButton, QWidget

from desktop.domain.roster import Country
from desktop.ui.forms import FormDialog
from desktop.ui.text import _


@dataclass(frozen=True)
class NewSchool:
    name: str
    country: Country


class FirstRunDialog(FormDialog):
    def __init__(self, parent: QWidget | None, submit: Callable[[NewSchool], object]):
        super().__init__(parent, _("Welcome to School Office"), "EE", submit, ok_text=_("Start"))
        self.set_note(
            _(
                "Tell us about your school. The country decides the personal codes "
                "(isikukood or EMŠO), the language of letters and the time zone. It "
                "cannot be changed once students are added."
            )
        )
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("e.g. Tartu Tähe Kool"))
        self.estonia = QRadioButton(_("Estonia"))
        self.slovenia = QRadioButton(_("Slovenia"))
        self.estonia.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.estonia)
        group.addButton(self.slovenia)
        countries = QHBoxLayout()
        countries.addWidget(self.estonia)
        countries.addWidget(self.slovenia)
        countries.addStretch(1)
        self.form.addRow(_("School name"), self.errors.wrap("name", self.name, "school"))
        self.form.addRow(_("Country"), self.errors.wrap("country", countries))

    def values(self) -> NewSchool:
        return NewSchool(self.name.text(), Country.SI if self.slovenia.isChecked() else Country.EE)
