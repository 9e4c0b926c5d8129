"""The requests and deletions pages: data-subject requests and their deadlines (R57–R59), and
Moodle account deletion requests (R19, R61)."""

from __future__ import annotations

from desktop.domain.consent.common import noon_on
from desktop.domain.consent.deletion import DeletionState
from desktop.domain.consent.requests import DeadlineState
from desktop.ui import messages
from desktop.ui.tabs.consent.controller.part import AMBER, GREY, RED, ConsentPart
from desktop.ui.tabs.consent.dialogs.requests import (
    AnswerDialog,
    DeletionDialog,
    ExtendDialog,
    RequestDialog,
    RequestValues,
)
from desktop.ui.tabs.consent.labels import (
    DEADLINES,
    DELETION_STATES,
    REQUEST_KINDS,
    REQUEST_STATUSES,
)
from desktop.ui.text import _, n_


class RequestsPage(ConsentPart):
    def _fill_requests(self) -> None:
        v = self.view
        rows, colours = [], []
        for r in self.data.requests:
            forward = self._date(r.forward_due_on) if r.forward_due_on else ""
            if r.forward_due_on and r.forwarded_at:
                forward = _("forwarded {when}").format(when=self._time(r.forwarded_at))
            elif r.forward_before_weekend:  # R57: the app warns before weekends
                forward = _("{date} (a weekend: forward it before)").format(date=forward)
            rows.append(
                (
                    str(r.id),
                    _(REQUEST_KINDS[r.kind]),
                    r.requester_name,
                    r.subject_name,
                    self._time(r.received_at),
                    forward,
                    self._date(r.due_on),
                    _(REQUEST_STATUSES[r.status]),
                    _(DEADLINES[r.deadline]),
                )
            )
            if r.deadline is DeadlineState.OVERDUE:
                colours.append(RED)
            else:
                colours.append(AMBER if r.forward_before_weekend else None if r.is_open else GREY)
        v.requests.set_records(self.data.requests, rows, colours)
        open_count = sum(r.is_open for r in self.data.requests)
        v.requests.info.setText(
            n_("{n} open request", "{n} open requests", open_count).format(n=open_count)
        )
        rows = [
            (
                r.subject_name,
                self._date(r.received_on),
                _(DELETION_STATES[r.state]),
                self._date(r.due_on),
                self._date(r.user_told_on),
                self._date(r.deleted_on),
                r.confirmed_by,
            )
            for r in self.data.deletions
        ]
        v.deletions.set_records(
            self.data.deletions,
            rows,
            [GREY if r.state is DeletionState.DELETED else None for r in self.data.deletions],
        )

    def new_request(self) -> None:
        from desktop.services.requests import RequestInput

        def submit(values: RequestValues):
            return self.services.requests.create(
                RequestInput(
                    values.kind,
                    noon_on(values.received_on, self.country),
                    values.channel,
                    values.requester_name,
                    values.category,
                    values.requester_guardian_id,
                    values.student_id,
                    values.details,
                    values.forward_to,
                )
            )

        self._open(
            RequestDialog(
                self.view,
                self.country,
                self.school.today(),
                self.pick_student,
                self.guardians_of,
                submit,
            )
        )

    def _selected_request(self):
        record = self.view.requests.selected()
        if record is None:
            messages.inform(self.view, _("Requests"), _("Select a request first."))
        return record

    def _request_step(self, step: str) -> None:
        record = self._selected_request()
        if record is None:
            return
        service = self.services.requests
        if step == "forwarded":
            self._act(
                lambda: service.mark_forwarded(record.id, record.version), _("Marked as forwarded.")
            )
        else:
            self._act(
                lambda: service.mark_informed(record.id, record.version),
                _("Marked: the requester was told."),
            )

    def extend_request(self) -> None:
        record = self._selected_request()
        if record is not None:
            self._open(
                ExtendDialog(
                    self.view,
                    self.country,
                    self.school.today(),
                    lambda v: self.services.requests.extend(
                        record.id, record.version, v.reason, v.notified_on, v.months
                    ),
                )
            )

    def answer_request(self) -> None:
        record = self._selected_request()
        if record is not None:
            self._open(
                AnswerDialog(
                    self.view,
                    self.country,
                    self.school.today(),
                    lambda v: self.services.requests.close(
                        record.id,
                        record.version,
                        v.outcome,
                        refused=v.refused,
                        closed_on=v.closed_on,
                    ),
                )
            )

    def new_deletion(self) -> None:
        self._open(
            DeletionDialog(
                self.view,
                self.country,
                self.school.today(),
                self.pick_student,
                lambda v: self.services.requests.create_deletion(v.student_id, v.day, v.text),
            )
        )

    def _deletion_step(self, step: str) -> None:
        record = self.view.deletions.selected()
        if record is None:
            return
        service = self.services.requests
        if step == "recheck":
            self._act(lambda: service.reassess(record.id, record.version))
        else:
            self._act(lambda: service.record_user_told(record.id, record.version))

    def confirm_deletion(self) -> None:
        record = self.view.deletions.selected()
        if record is None:
            return
        answer = messages.ask(
            self.view,
            _("Confirm deletion"),
            _(
                "The personal data of {name} in this database are anonymised now. This cannot "
                "be undone."
            ).format(name=record.subject_name),
            [("delete", _("Anonymise now")), ("cancel", _("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if answer == "delete":
            self._act(
                lambda: self.services.requests.confirm_deletion(record.id, record.version),
                _("Deletion confirmed."),
            )
