"""What every page of the Consent tab's controller shares: the snapshot it shows, the colours,
dates and times in the school's zone, the student picker, and opening a dialog, acting on a
record or showing a document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from desktop.domain.errors import SchoolOfficeError
from desktop.ui import messages
from desktop.ui.document_output import file_name, show_document
from desktop.ui.student_picker import StudentPickerDialog, student_name
from desktop.ui.text import _, format_date

RED, AMBER, GREEN, GREY = "#b3261e", "#8a5a00", "#1e5e2e", "#777777"


@dataclass
class ConsentData:
    """One snapshot of everything the tab shows."""

    documents: list = field(default_factory=list)
    overview: object = None
    class_names: list[str] = field(default_factory=list)
    requests: list = field(default_factory=list)
    deletions: list = field(default_factory=list)
    codes: list = field(default_factory=list)
    restrictions: list = field(default_factory=list)
    prohibitions: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    holds: list = field(default_factory=list)
    incidents: list = field(default_factory=list)


class ConsentPart:
    """The state the parts share is set up by ConsentController.__init__."""

    def _date(self, value: date | None) -> str:
        return format_date(value, self.country)

    def _time(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        return f"{format_date(local.date(), self.country)} {local:%H:%M}"

    def _rows(self) -> list[tuple]:
        if self._roster_rows is None:
            self._roster_rows = self.services.roster.table_rows()
        return self._roster_rows

    def pick_student(self, then: Callable[..., object]) -> None:
        """The student picker; `then(student_id, name)` once one is chosen."""
        picker = StudentPickerDialog(
            self.view,
            _("Choose a student"),
            _("Choose"),
            self._rows(),
            self.country,
            lambda row: then(row[0], student_name(row)),
            enrolled_only=False,
        )
        self.dialog = picker
        picker.open()

    def guardians_of(self, student_id: int):
        return self.services.roster.get(student_id).guardians

    def _open(self, dialog, reload: bool = True) -> None:
        self.dialog = dialog
        if reload:
            dialog.accepted.connect(self.load)
        dialog.open()

    def _failed(self, exc: BaseException) -> None:
        messages.show_error(self.view, exc, country=self.country)

    def _act(self, action: Callable[[], object], done: str = "") -> None:
        """A direct action on the selected record: show the error, else reload."""
        try:
            action()
        except SchoolOfficeError as exc:
            self._failed(exc)
            return
        if done:
            self.view.show_status(done)
        self.load()

    def _show_pdf(self, pdf: bytes, what: str, whom: str = "", on_closed=None) -> None:
        """Every document opens in the print preview (Print, Save as PDF)."""
        self.preview = show_document(
            self.view, pdf, what, file_name(what, whom, self.school.today()), on_closed
        )
