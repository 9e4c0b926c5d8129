"""The codes page: issuing and cancelling access codes (R39, R40) and giving a copy of a child's
data (R60), for the school's authorised person only (R121)."""

from __future__ import annotations

from datetime import timedelta

from desktop.domain.consent.codes import CodeState
from desktop.domain.errors import SchoolOfficeError
from desktop.ui import messages
from desktop.ui.tabs.consent.controller.part import GREEN, GREY, ConsentPart
from desktop.ui.tabs.consent.dialogs.codes import CodeValues, IssueCodeDialog
from desktop.ui.tabs.consent.export_wizard import ExportWizard
from desktop.ui.tabs.consent.labels import CODE_KINDS, CODE_STATES
from desktop.ui.text import _


class CodesPage(ConsentPart):
    def _fill_codes(self) -> None:
        rows = [
            (
                str(c.id),
                c.student_name,
                c.guardian_name,
                _(CODE_KINDS[c.kind]),
                self._time(c.issued_at),
                c.issued_by,
                # expires_at is the first instant it no longer works: show the last valid
                # minute, as the slip does (21.12. 23:59, not 22.12. 00:00).
                self._time(c.expires_at - timedelta(minutes=1)),
                str(c.failed_attempts),
                _(CODE_STATES[c.state]),
            )
            for c in self.data.codes
        ]
        self.view.codes.set_records(
            self.data.codes,
            rows,
            [GREEN if c.state is CodeState.VALID else GREY for c in self.data.codes],
        )

    def issue_code(self) -> None:
        def submit(values: CodeValues):
            issued = self.services.access_export.issue_code(
                values.student_id, values.guardian_id, values.kind
            )
            student = self.services.roster.get(values.student_id).full_name

            def slip_closed(delivered: bool) -> None:
                if delivered:
                    self.view.show_status(
                        _("Code no. {id} issued; hand the slip to the parent.").format(
                            id=issued.code_id
                        )
                    )
                    return
                # A code nobody can be given must not stay valid.
                try:
                    self.services.access_export.slip_not_handed_out(issued.code_id)
                except SchoolOfficeError as exc:
                    self._failed(exc)
                messages.warn(
                    self.view,
                    _("Code cancelled"),
                    _(
                        "The slip was neither printed nor saved, so code no. {id} has been "
                        "cancelled. Issue a new code when you can hand the slip out."
                    ).format(id=issued.code_id),
                )
                self.load()

            self._show_pdf(issued.slip.pdf, _("Code slip"), student, slip_closed)
            return issued

        self._open(
            IssueCodeDialog(self.view, self.country, self.pick_student, self.guardians_of, submit)
        )

    def revoke_code(self) -> None:
        code = self.view.codes.selected()
        if code is not None:
            self._act(
                lambda: self.services.access_export.revoke_code(code.id, code.version),
                _("Code cancelled."),
            )

    def export_copy(self) -> None:
        def save(result) -> None:
            self._show_pdf(result.produced.pdf, _("Copy of the data"))

        wizard = ExportWizard(
            self.view,
            self.country,
            self.services.access_export,
            self.pick_student,
            self.guardians_of,
            save,
        )
        wizard.finished.connect(lambda _r: self.load())
        self._open(wizard, reload=False)
