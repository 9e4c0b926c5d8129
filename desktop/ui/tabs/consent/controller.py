"""The Consent tab's controller: the only place the tab talks to the services.

Everything is read in one worker task (the tab shows a snapshot); every action goes to a
service, and the answer or the typed error is shown in the dialog, a banner or a message box.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from PySide6.QtCore import QObject, Signal

from desktop.domain import clock
from desktop.domain.consent.codes import CodeState
from desktop.domain.consent.common import noon_on
from desktop.domain.consent.deletion import DeletionState
from desktop.domain.consent.requests import DeadlineState
from desktop.domain.dates import school_zone
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.i18n import ui_language
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui import messages
from desktop.ui.document_output import file_name, show_document
from desktop.ui.student_picker import StudentPickerDialog, student_name
from desktop.ui.tabs.consent import dialogs as d
from desktop.ui.tabs.consent.export_wizard import ExportWizard
from desktop.ui.tabs.consent.labels import (
    ACTIONS,
    CATEGORIES,
    CODE_KINDS,
    CODE_STATES,
    DEADLINES,
    DELETION_STATES,
    NOTICE_STATES,
    NOTICES,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    STATUS_COLOURS,
    STATUSES,
)
from desktop.ui.text import _, format_date, format_percent, n_, restriction_label
from desktop.ui.workers import run_task, run_with_progress

log = logging.getLogger(__name__)
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


class ConsentController(QObject):
    loaded = Signal()

    def __init__(self, services: Services, school: SchoolProfile, view):
        super().__init__(view)
        self.services = services
        self.school = school
        self.country = school.country.value
        self.zone = school_zone(self.country)
        self.view = view
        actor = services.actor
        self.can_manage = actor.can(Permission.MANAGE_CONSENT)
        self.can_issue = actor.can(Permission.ISSUE_ACCESS_CODES)
        self.can_export = actor.can(Permission.EXPORT_PERSONAL_DATA)
        self.data = ConsentData()
        self.dialog = None  # the dialog open right now (tests drive it)
        self.task = None
        self.preview = None  # the last document shown in the print preview
        self.remembered_document: str | None = None
        self._roster_rows: list[tuple] | None = None
        self._loading = False

    # ---- wiring -----------------------------------------------------------------------------

    def connect_view(self) -> None:
        v = self.view
        v.as_of.set_date(self.school.today())
        v.show_button.clicked.connect(self.load)
        v.document.activated.connect(lambda _i: self.load())
        v.class_filter.activated.connect(lambda _i: self.load())
        actions: dict[tuple, Callable[[], None]] = {
            (v.persons, "record"): self.record_decision,
            (v.persons, "print_pending"): self.print_pending,
            (v.requests, "new_request"): self.new_request,
            (v.requests, "forwarded"): lambda: self._request_step("forwarded"),
            (v.requests, "informed"): lambda: self._request_step("informed"),
            (v.requests, "extend"): self.extend_request,
            (v.requests, "answered"): self.answer_request,
            (v.deletions, "new_deletion"): self.new_deletion,
            (v.deletions, "recheck"): lambda: self._deletion_step("recheck"),
            (v.deletions, "told"): lambda: self._deletion_step("told"),
            (v.deletions, "confirm_deletion"): self.confirm_deletion,
            (v.codes, "issue"): self.issue_code,
            (v.codes, "revoke"): self.revoke_code,
            (v.codes, "export"): self.export_copy,
            (v.restrictions, "print_d8"): self.print_restriction_notice,
            (v.prohibitions, "prohibit"): self.register_prohibition,
            (v.prohibitions, "print_d7"): self.print_prohibition_notices,
            (v.prohibitions, "print_d6"): self.print_prohibition_form,
            (v.prohibitions, "withdraw"): self.withdraw_prohibition,
            (v.proposals, "confirm"): lambda: self.decide_retention(True),
            (v.proposals, "keep"): lambda: self.decide_retention(False),
            (v.holds, "hold"): self.place_hold,
            (v.holds, "release"): self.release_hold,
            (v.breaches, "new_breach"): self.new_breach,
            (v.breaches, "affected"): self.add_affected,
            (v.breaches, "notice"): self.record_notice,
            (v.breaches, "close_breach"): self.close_breach,
        }
        for (page, key), slot in actions.items():
            page.buttons[key].clicked.connect(slot)
            page.buttons[key].setEnabled(self.can_manage)
        v.codes.buttons["issue"].setEnabled(self.can_issue)
        v.codes.buttons["revoke"].setEnabled(self.can_issue)
        # R60/R121: the copy holds payer data and payments, and the code table is the
        # authorised person's; the office neither sees the codes nor produces copies.
        v.codes.buttons["export"].setEnabled(self.can_export)
        if not self.can_issue:
            v.codes.buttons["issue"].setToolTip(
                _("Only the school's authorised person issues codes.")
            )
        if not self.can_export:
            v.codes.buttons["export"].setToolTip(
                _("Only the school's authorised person gives copies of a child's data.")
            )
        v.pages.setTabVisible(v.pages.indexOf(v.codes), self.can_issue or self.can_export)
        v.breaches.table.selectionModel().currentRowChanged.connect(lambda *_: self.tick())

    # ---- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        if self._loading:
            return
        self._loading = True
        key = self.view.document.currentData() or self.remembered_document
        class_name = self.view.class_filter.currentData()
        try:
            on = self.view.as_of.date_value("as_of") or self.school.today()
        except SchoolOfficeError as exc:
            self._loading = False
            messages.show_error(self.view, exc, country=self.country)
            return
        run_task(
            lambda _p, _c: self._read(key, class_name, on),
            self._loaded,
            self._load_failed,
        )

    def _read(self, key: str | None, class_name: str | None, on: date) -> ConsentData:
        s = self.services
        data = ConsentData()
        data.documents = s.consent.documents_with_versions(ui_language())
        keys = [doc.key for doc in data.documents]
        if key not in keys:
            key = keys[0] if keys else None
        if key is not None:
            data.overview = s.consent.overview(key, on, class_name)
        data.class_names = s.roster.class_names()
        data.restrictions = s.consent.restrictions()
        data.prohibitions = s.consent.prohibitions()
        if self.can_manage:
            data.requests = s.requests.list_requests()
            data.deletions = s.requests.deletions()
            data.codes = s.access_export.codes() if self.can_issue else []
            data.proposals = s.retention.proposals()
            data.holds = s.retention.holds()
            data.incidents = s.breaches.incidents()
        return data

    def _loaded(self, data: ConsentData) -> None:
        self._loading = False
        self._roster_rows = None  # the picker reads the roster afresh after a reload
        self.data = data
        self._fill_terms()
        self._fill_requests()
        self._fill_codes()
        self._fill_restrictions()
        self._fill_retention()
        self.tick()
        self.loaded.emit()

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        messages.show_error(
            self.view, exc, _("The consent records could not be loaded"), self.country
        )
        self.loaded.emit()

    # ---- filling the pages ------------------------------------------------------------------

    def _date(self, value: date | None) -> str:
        return format_date(value, self.country)

    def _time(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        return f"{format_date(local.date(), self.country)} {local:%H:%M}"

    def _fill_terms(self) -> None:
        v, data = self.view, self.data
        current = v.document.currentData() or self.remembered_document
        v.document.blockSignals(True)
        v.document.clear()
        for doc in data.documents:
            v.document.addItem(doc.title, doc.key)
        if data.overview is not None:
            v.document.setCurrentIndex(max(0, v.document.findData(data.overview.document_key)))
        elif current:
            v.document.setCurrentIndex(max(0, v.document.findData(current)))
        v.document.blockSignals(False)
        v.class_filter.set_class_names(data.class_names)
        overview = data.overview
        if overview is None:
            v.counts.set_records([], [])
            v.persons.set_records([], [])
            v.persons.info.setText(
                _("No terms are recorded yet (Terms are added with the terms documents).")
            )
            return
        # The columns follow the counts' own order (consent_workflow.OVERVIEW_ORDER).
        count_rows = [
            (
                counts.label or _("All classes"),
                str(counts.total),
                *(f"{n} ({format_percent(counts.percent(status))})" for status, n in counts.counts),
            )
            for counts in overview.counts
        ]
        v.counts.set_records(list(overview.counts), count_rows)
        rows = [
            (
                r.class_name,
                r.student_name,
                r.guardian_name,
                _(STATUSES[r.status]) + (" " + _("(deemed)") if r.deemed else ""),
                r.version_label,
                self._time(r.decided_at),
            )
            for r in overview.rows
        ]
        v.persons.set_records(
            list(overview.rows), rows, [STATUS_COLOURS[r.status] for r in overview.rows]
        )
        pending = len(overview.pending())
        v.persons.info.setText(
            _("Version in force: {version}. {pending} still to answer.").format(
                version=overview.in_force or "—", pending=pending
            )
        )
        v.persons.buttons["print_pending"].setEnabled(self.can_manage and pending > 0)

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

    def _fill_retention(self) -> None:
        v = self.view
        rows = [
            (
                _(CATEGORIES[p.category]),
                p.label,
                _(ACTIONS[p.action]),
                self._date(p.due_on),
                p.reason,
            )
            for p in self.data.proposals
        ]
        v.proposals.set_records(self.data.proposals, rows)
        rows = [
            (
                h.student_name,
                _(CATEGORIES[h.category]),
                h.reason,
                self._date(h.placed_on),
                h.placed_by,
            )
            for h in self.data.holds
        ]
        v.holds.set_records(self.data.holds, rows)

    def tick(self) -> None:
        """R69: recompute every open incident's time left (called each second on the page)."""
        now = clock.now()
        rows, colours = [], []
        for incident in self.data.incidents:
            status = incident.status(self.country, now)
            done = sum(n.sent_at is not None for n in status.notices)
            if incident.closed_at is not None:
                left, colour = "", GREY
            elif status.complete:
                left, colour = _("all sent"), GREEN
            elif status.overdue:
                left, colour = _("OVERDUE"), RED
            else:
                seconds = int(status.remaining.total_seconds())
                left = f"{seconds // 3600} h {seconds % 3600 // 60:02d} min {seconds % 60:02d} s"
                colour = AMBER if seconds < 12 * 3600 else None
            rows.append(
                (
                    self._time(incident.detected_at),
                    incident.description.splitlines()[0] if incident.description else "",
                    self._time(status.deadline),
                    left,
                    f"{done}/{len(status.notices)}",
                    self._time(incident.closed_at),
                )
            )
            colours.append(colour)
        self.view.breaches.update_records(self.data.incidents, rows, colours, key=3)
        self._show_breach_detail(now)

    def _show_breach_detail(self, now: datetime) -> None:
        incident = self.view.breaches.selected()
        if incident is None:
            self.view.breach_detail.setText(
                _("Select an incident to see each notification and the e-mail list.")
                if self.data.incidents
                else ""
            )
            return
        status = incident.status(self.country, now)
        lines = [
            f"{_(NOTICES[n.notice])}: {_(NOTICE_STATES[n.state])}"
            + (f" ({self._time(n.sent_at)})" if n.sent_at else "")
            for n in status.notices
        ]
        emails = ", ".join(incident.email_list) or _("none yet")
        lines.append(
            _("Persons concerned: {n}; e-mail list: {emails}").format(
                n=len(incident.affected), emails=emails
            )
        )
        if incident.containment:
            lines.append(_("Measures: {text}").format(text=incident.containment))
        self.view.breach_detail.setText("\n".join(lines))

    # ---- helpers ----------------------------------------------------------------------------

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

    # ---- terms ------------------------------------------------------------------------------

    def record_decision(self) -> None:
        person = self.view.persons.selected()
        overview = self.data.overview
        if person is None or overview is None:
            messages.inform(self.view, _("Record a decision"), _("Select a person first."))
            return
        document = next(doc for doc in self.data.documents if doc.key == overview.document_key)
        guardians = self.guardians_of(person.student_id)
        self._open(
            d.DecisionDialog(
                self.view,
                self.country,
                document,
                person.student_id,
                person.student_name,
                guardians,
                person.guardian_id,
                self.school.today(),
                self.services.consent.record,
            )
        )

    def print_pending(self) -> None:
        overview = self.data.overview
        if overview is None:
            return
        consent = self.services.consent
        class_name = self.view.class_filter.currentData()
        title = next(
            (doc.title for doc in self.data.documents if doc.key == overview.document_key),
            _("Terms"),
        )

        def work(progress, cancel):
            return consent.print_pending_terms(
                overview.document_key, class_name, overview.on, progress, cancel
            )

        def done(result) -> None:
            produced, refused = result
            if refused:
                messages.inform(
                    self.view,
                    _("Terms printed"),
                    _("Not printed (contact not allowed):")
                    + "\n"
                    + "\n".join(reason for _request, reason in refused),
                )
            if produced is not None:
                self._show_pdf(produced.pdf, title, class_name or "")
            self.load()

        self.task = run_with_progress(
            self.view, _("Preparing the terms…"), work, done, self._failed
        )

    # ---- requests ---------------------------------------------------------------------------

    def new_request(self) -> None:
        from desktop.services.requests import RequestInput

        def submit(values: d.RequestValues):
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
            d.RequestDialog(
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
                d.ExtendDialog(
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
                d.AnswerDialog(
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
            d.DeletionDialog(
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

    # ---- codes and copies ---------------------------------------------------------------------

    def issue_code(self) -> None:
        def submit(values: d.CodeValues):
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
            d.IssueCodeDialog(self.view, self.country, self.pick_student, self.guardians_of, submit)
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

    # ---- restrictions and prohibitions ------------------------------------------------------

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
            d.ProhibitionDialog(
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

    # ---- retention --------------------------------------------------------------------------

    def decide_retention(self, confirm: bool) -> None:
        proposal = self.view.proposals.selected()
        if proposal is None:
            return
        retention = self.services.retention
        title = _("Confirm: {what}") if confirm else _("Keep: {what}")
        label = _("Note") if confirm else _("Why the data are kept")
        self._open(
            d.TextDialog(
                self.view,
                self.country,
                title.format(what=proposal.label),
                label,
                _("Confirm") if confirm else _("Keep the data"),
                lambda note: retention.decide(
                    proposal.id, proposal.version, confirm=confirm, note=note
                ),
            )
        )

    def place_hold(self) -> None:
        self._open(
            d.HoldDialog(
                self.view,
                self.country,
                self.pick_student,
                lambda v: self.services.retention.place_hold(v.student_id, v.category, v.reason),
            )
        )

    def release_hold(self) -> None:
        hold = self.view.holds.selected()
        if hold is not None:
            self._act(
                lambda: self.services.retention.release_hold(hold.id, hold.version),
                _("Legal hold released."),
            )

    # ---- breaches ---------------------------------------------------------------------------

    def new_breach(self) -> None:
        self._open(
            d.BreachDialog(
                self.view,
                self.country,
                lambda v: self.services.breaches.record(
                    v.detected_at, v.description, v.categories, v.containment
                ),
            )
        )

    def _incident(self):
        incident = self.view.breaches.selected()
        if incident is None:
            messages.inform(self.view, _("Breaches"), _("Select an incident first."))
        return incident

    def add_affected(self) -> None:
        incident = self._incident()
        if incident is not None:
            self._open(
                d.AffectedDialog(
                    self.view,
                    self.country,
                    lambda v: self.services.breaches.add_affected(
                        incident.id, name=v.name, email=v.email
                    ),
                )
            )

    def record_notice(self) -> None:
        incident = self._incident()
        if incident is None:
            return
        pending = [n for n in incident.required if n not in incident.sent]
        if not pending:
            messages.inform(self.view, _("Breaches"), _("Every notification is recorded."))
            return
        self._open(
            d.NoticeSentDialog(
                self.view,
                self.country,
                pending,
                lambda v: self.services.breaches.record_notice(incident.id, v.notice, v.sent_at),
            )
        )

    def close_breach(self) -> None:
        incident = self._incident()
        if incident is not None:
            self._act(
                lambda: self.services.breaches.close(incident.id, incident.version),
                _("Incident closed."),
            )
