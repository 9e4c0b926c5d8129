"""The Today tab's controller: loads the list off the GUI thread and opens the place where a
line's next step is done (another tab, and the record in it where that tab offers a way), or,
for an age threshold, prints the re-consent letter itself and shows its preview."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from desktop.domain.roles import Permission
from desktop.domain.today import Action, DueItem, Urgency, grouped
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.services.today import TodayList
from desktop.ui import messages
from desktop.ui.document_output import file_name, show_document
from desktop.ui.text import _
from desktop.ui.workers import run_task

log = logging.getLogger(__name__)

# Where each action is done: (the main window's tab, the Consent tab's page attribute or None).
PLACES: dict[Action, tuple[str, str | None]] = {
    Action.CONSENT_REQUESTS: ("consent", "requests"),
    Action.CONSENT_BREACHES: ("consent", "breaches"),
    Action.CONSENT_RETENTION: ("consent", "proposals"),
    Action.CONSENT_CODES: ("consent", "codes"),
    Action.CONSENT_TERMS: ("consent", "counts"),
    Action.BILLING_DUE: ("billing", None),
    Action.BILLING_SUBSCRIPTION: ("billing", None),
    Action.CARDS_CARD: ("cards", None),
    Action.CARDS_ATTENTION: ("cards", None),
}


class TodayController(QObject):
    loaded = Signal()
    counts_changed = Signal(int, int)  # (due by today, overdue): the tab and window titles

    def __init__(self, services: Services, school: SchoolProfile, view):
        super().__init__(view)
        self.services = services
        self.school = school
        self.country = school.country.value
        self.view = view
        self.listing: TodayList | None = None
        self.preview = None  # the last letter's preview (kept: it is not modal)
        self._loading = False

    # ---- loading -----------------------------------------------------------------------

    def load(self) -> None:
        if self._loading:
            return
        self._loading = True
        today = self.services.today
        run_task(lambda _p, _c: today.gather(), self._loaded, self._load_failed)

    def _loaded(self, listing: TodayList) -> None:
        self._loading = False
        self.listing = listing
        self.view.show_items(listing.today, grouped(listing.items))
        overdue = listing.overdue
        due_now = sum(1 for i in listing.items if i.urgency in (Urgency.OVERDUE, Urgency.TODAY))
        self.counts_changed.emit(due_now, overdue)
        self.loaded.emit()

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        messages.show_error(
            self.view, exc, _("The list for today could not be loaded"), self.country
        )
        self.loaded.emit()

    # ---- acting ------------------------------------------------------------------------

    def can_act(self, item: DueItem) -> bool:
        """The button works: printing needs the role to print documents (R121)."""
        if item.action is Action.PRINT_RECONSENT:
            return self.services.actor.can(Permission.PRINT_DOCUMENTS)
        return True

    def open_item(self, item: DueItem | None) -> bool:
        """Do the item's next step: print its letter, or switch to the tab where the step is
        done and select its record. False when there is no such place here."""
        if item is None or not self.can_act(item):
            return False
        if item.action is Action.PRINT_RECONSENT:
            self.print_reconsent_letter(item)
            return True
        window = self.view.window()
        pages = getattr(window, "pages", None)
        tab_key, sub_page = PLACES[item.action]
        if pages is None or tab_key not in pages:
            return False
        page = pages[tab_key]
        window.tabs.setCurrentWidget(page)
        self._when_loaded(page, lambda: self._select(page, item, sub_page))
        return True

    def _when_loaded(self, page, then) -> None:
        controller = getattr(page, "controller", None)
        if controller is not None and getattr(controller, "_loading", False):

            def once() -> None:
                page.loaded.disconnect(once)
                then()

            page.loaded.connect(once)
        else:
            then()

    def _select(self, page, item: DueItem, sub_page: str | None) -> None:
        action = item.action
        if sub_page is not None:  # the Consent tab: its page, then the record's row
            table_page = getattr(page, sub_page, None)
            if table_page is None:
                return
            if item.kind == "deletion":
                table_page = getattr(page, "deletions", table_page)
            container = page.pages
            for index in range(container.count()):
                widget = container.widget(index)
                if widget is table_page or widget.isAncestorOf(table_page):
                    container.setCurrentIndex(index)
                    break
            if item.record_id is not None and hasattr(table_page, "records"):
                table_page.search.clear()
                ids = [getattr(r, "id", None) for r in table_page.records]
                if item.record_id in ids:
                    table_page.select(ids.index(item.record_id))
            return
        controller = page.controller
        if action is Action.CARDS_ATTENTION:
            controller.show_needs_attention()
        elif action is Action.CARDS_CARD and item.record_id is not None:
            controller.select_card(item.record_id)
        elif action in (Action.BILLING_DUE, Action.BILLING_SUBSCRIPTION) and item.record_id:
            controller.select_subscription(item.record_id)

    def print_reconsent_letter(self, item: DueItem) -> None:
        """Produced and recorded off the GUI thread, then the preview (Print, Save); the line
        goes when the list reloads."""
        what = _("Re-consent letter")
        today = self.services.today
        student_id, years = item.record_id, item.args["years"]

        def done(produced) -> None:
            name = file_name(what, item.person, self.school.today())
            self.preview = show_document(self.view, produced.pdf, what, name)
            self.load()

        def failed(exc: BaseException) -> None:
            messages.show_error(self.view, exc, what, self.country)

        run_task(lambda _p, _c: today.print_reconsent_letter(student_id, years), done, failed)
