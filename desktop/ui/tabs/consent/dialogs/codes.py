"""Issuing an access code or a copy of a child's data (R39, R40)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox

from desktop.domain.consent.codes import CodeKind
from desktop.domain.errors import ValidationError
from desktop.services.roster import GuardianLink
from desktop.ui.forms import FormDialog, make_combo, read_fields
from desktop.ui.tabs.consent.dialogs.fields import PickStudent, StudentField
from desktop.ui.tabs.consent.labels import CODE_KINDS
from desktop.ui.text import N_, _


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
        self.kind = make_combo([(_(CODE_KINDS[k]), k) for k in CodeKind])
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
