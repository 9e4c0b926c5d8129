"""The Consent tab's controller: the only place the tab talks to the services.

Everything is read in one worker task (the tab shows a snapshot); every action goes to a
service, and the answer or the typed error is shown in the dialog, a banner or a message box.

ConsentController wires the view's buttons and loads the snapshot; it is assembled from one part
per page group, each filling its pages and carrying out their actions:

- terms: who accepted the terms, recording a decision, printing for those who have not answered;
- requests: data-subject requests and deletion requests;
- codes: access codes and copies of a child's data;
- restrictions: contact restrictions and the adult student's prohibitions;
- retention: purge proposals and legal holds;
- breaches: incidents and their notification deadlines.

What they share (the snapshot, the colours, the picker, opening dialogs) is in `part.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal

from desktop.domain.dates import school_zone
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.i18n import ui_language
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui import messages
from desktop.ui.tabs.consent.controller.breaches import BreachesPage
from desktop.ui.tabs.consent.controller.codes import CodesPage
from desktop.ui.tabs.consent.controller.part import ConsentData
from desktop.ui.tabs.consent.controller.requests import RequestsPage
from desktop.ui.tabs.consent.controller.restrictions import RestrictionsPage
from desktop.ui.tabs.consent.controller.retention import RetentionPage
from desktop.ui.tabs.consent.controller.terms import TermsPage
from desktop.ui.text import _
from desktop.ui.workers import run_task


class ConsentController(
    QObject, TermsPage, RequestsPage, CodesPage, RestrictionsPage, RetentionPage, BreachesPage
):
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
