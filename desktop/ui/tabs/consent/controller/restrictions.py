"""The restrictions and prohibitions pages: an authority's contact restriction and its notice
(R15, D8), and the adult student's prohibition, its notices, form and withdrawal (R48, D6, D7)."""

from __future__ import annotations

from desktop.domain.errors import SchoolOfficeError
from desktop.ui.tabs.consent.controller.part import RED, ConsentPart
from desktop.ui.tabs.consent.dialogs.restrictions import ProhibitionDialog
from desktop.ui.text import _, restriction_label


class RestrictionsPage(ConsentPart):
    def _fill_restrictions(self) -> None:
        v = self.view
        rows = [
            (
                r.student_name,
                r.class_name,
                r.guardian_name,
                restriction_label(r.kind),
                self._date(r.valid_from),
                self._date(r.valid_to) if r.valid_to else _("permanent"),
                r.authority,
                _("yes") if r.active else _("no"),
                ", ".join(r.notices) or _("none"),
            )
            for r in self.data.restrictions
        ]
        v.restrictions.set_records(
            self.data.restrictions,
            rows,
            [RED if r.active and not r.notices else None for r in self.data.restrictions],
        )
        rows = [
            (
                p.student_name,
                self._date(p.received_on),
                self._date(p.subscription_ends_on),
                _("full age") if p.age_basis == "age" else _("court decision / early capacity"),
                p.letter_reference,
                self._date(p.withdrawn_on),
            )
            for p in self.data.prohibitions
        ]
        v.prohibitions.set_records(self.data.prohibitions, rows)

    def print_restriction_notice(self) -> None:
        record = self.view.restrictions.selected()
        if record is None:
            return
        try:
            produced = self.services.consent.print_restriction_notice(record.id)
        except SchoolOfficeError as exc:
            self._failed(exc)
            return
        self._show_pdf(produced.pdf, _("Notice of a contact restriction"))
        self.load()

    def register_prohibition(self) -> None:
        self._open(
            ProhibitionDialog(
                self.view,
                self.country,
                self.school.today(),
                self.pick_student,
                lambda v: self.services.consent.register_prohibition(
                    v.student_id, v.day, handwritten_signature=v.flag, letter_reference=v.text
                ),
            )
        )

    def print_prohibition_notices(self) -> None:
        record = self.view.prohibitions.selected()
        if record is None:
            return
        try:
            produced = self.services.consent.print_prohibition_notices(record.id)
        except SchoolOfficeError as exc:
            self._failed(exc)
            return
        self._show_pdf(
            produced.pdf, _("Notices of the adult student's prohibition"), record.student_name
        )
        self.load()

    def print_prohibition_form(self) -> None:
        """D6: the form an adult student signs by hand, pre-filled from the roster."""

        def chosen(student_id: int, name: str) -> None:
            try:
                produced = self.services.letters.print_prohibition_form(student_id)
            except SchoolOfficeError as exc:
                self._failed(exc)
                return
            self._show_pdf(produced.pdf, _("Prohibition letter for an adult student"), name)

        self.pick_student(chosen)

    def withdraw_prohibition(self) -> None:
        """The adult student allows data to the parents again: recorded, then the
        confirmation to the student is printed."""
        from desktop.ui.dialogs.letters import Field, LetterDialog

        record = self.view.prohibitions.selected()
        if record is None:
            return
        consent, letters = self.services.consent, self.services.letters

        def submit(values):
            withdrawn = consent.withdraw_prohibition(record.id, record.version, values["on"])
            return letters.print_prohibition_withdrawal(withdrawn.id)

        dialog = LetterDialog(
            self.view,
            _("Record the withdrawal of the prohibition"),
            self.country,
            [Field("on", _("Withdrawn from"), "date", default=self.school.today())],
            submit,
            _("From that day data about the student may again go to the parents."),
        )
        dialog.accepted.connect(
            lambda: self._show_pdf(
                dialog.result_value.pdf, _("Prohibition withdrawn"), record.student_name
            )
        )
        self._open(dialog)
