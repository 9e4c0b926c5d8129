"""The Cards tab's controller: the only place the tab talks to the services.

Buttons call it; it calls CardService / CardSyncService and shows the answer or the typed
error. Long work (printing, the yearly extension, the provider sync) runs in a worker behind a
progress dialog with Cancel; the provider sync also runs quietly every few minutes.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.domain.cards.machines import CardKind, PhysicalAction, VirtualAction, allows
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.services.cards.read_models import CardHistoryEntry, CardRow
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui import messages
from desktop.ui.document_output import file_name, show_document
from desktop.ui.tabs.cards.dialogs import (
    Activation,
    ActivationDialog,
    CardSettingsDialog,
    CardSettingsValues,
    ExtendPreviewDialog,
    NeedsAttentionDialog,
    ReasonDialog,
    ReferDialog,
)
from desktop.ui.tabs.cards.labels import local_time, status_label
from desktop.ui.tabs.cards.model import CardsModel
from desktop.ui.tabs.list_detail import ListController
from desktop.ui.text import N_, _, format_date, n_
from desktop.ui.workers import run_task, run_with_progress

log = logging.getLogger(__name__)

AUTO_SYNC_MS = 5 * 60 * 1000  # a provider outage costs one request per interval


def ask_open_path(parent: QWidget, title: str) -> str:
    """The open dialog for a photo (tests replace this function)."""
    path, _filter = QFileDialog.getOpenFileName(
        parent, title, "", _("Pictures (*.jpg *.jpeg *.png)")
    )
    return path


class CardsController(ListController):
    synced = Signal(object)  # a sync run finished (its SyncReport), manual or automatic
    PERMISSION = Permission.MANAGE_CARDS
    LOAD_FAILED = N_("The cards could not be loaded")

    def __init__(self, services: Services, school: SchoolProfile, view):
        super().__init__(services, school, view)
        self.model = CardsModel(self.country, self)
        self.can_manage = self.allowed
        self.student_id: int | None = None  # whose panel is shown
        self._syncing = False
        self.task = None  # the long-running task under way, if any
        self.preview = None  # the last document shown in the print preview
        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_SYNC_MS)
        self.timer.timeout.connect(self.auto_sync)

    # ---- loading -----------------------------------------------------------------------

    def reader(self):
        cards, sync = self.services.cards, self.services.card_sync
        return lambda: (cards.rows(), sync.status())

    def show_loaded(self, data) -> None:
        rows, status = data
        self.show_rows(rows)
        self.view.show_link_status(status)

    def refresh_status(self) -> None:
        try:
            self.view.show_link_status(self.services.card_sync.status())
        except SchoolOfficeError as exc:
            log.warning("card provider status: %s", exc)

    # ---- filters and selection ---------------------------------------------------------

    def filter_changed(self) -> None:
        try:
            before = self.view.expiring_before()
        except SchoolOfficeError:
            before = None  # half-typed date: the field turns red, the filter waits
            self.view.mark_expiry_invalid(True)
        else:
            self.view.mark_expiry_invalid(False)
        self.model.set_filter(
            self.view.search_text(), self.view.status_filter(), self.view.class_filter(), before
        )
        self.view.count.setText(
            _("{shown} of {total} cards").format(
                shown=self.model.visible_count, total=self.model.total_count
            )
        )
        self.current_changed()

    def selected_rows(self) -> list[int]:
        return [i.row() for i in self.view.table.selectionModel().selectedRows()]

    select_card = ListController.select_record  # what the Today tab calls

    def student_of(self, row: CardRow) -> int:
        return row.student_id

    def current_changed(self, *_args) -> None:
        row = self.selected_row()
        student_id = row.student_id if row else None
        if student_id != self.student_id:
            self.student_id = student_id
            self.show_student(row)
        self.update_actions()

    def show_student(self, row: CardRow | None) -> None:
        if row is None:
            self.view.show_student(None, [], None)
            return
        cards = self.services.cards
        shown = self._fetch(lambda: (cards.history(row.student_id), cards.photo(row.student_id)))
        if shown is None:
            return
        history, photo = shown
        title = f"{row.first_name} {row.last_name}" + (
            f" · {row.class_name}" if row.class_name else ""
        )
        self.view.show_student(title, [self.history_row(h) for h in history], photo)

    def history_row(self, entry: CardHistoryEntry) -> tuple:
        change = self.change_text(entry)
        return (
            local_time(entry.at, self.country),
            entry.actor,
            entry.card_label,
            f"{change} ({entry.reason})" if entry.reason else change,
        )

    def change_text(self, entry: CardHistoryEntry) -> str:
        if entry.action == "print":
            return _("Printed")
        if entry.action == "suspension_requested":
            return _("Suspension requested from the provider")
        parts = []
        if entry.action == "insert":
            parts.append(_("Issued: {status}").format(status=status_label(entry.status_after)))
        elif entry.status_after:
            parts.append(
                f"{status_label(entry.status_before)} → {status_label(entry.status_after)}"
            )
        if entry.valid_until_after:
            until = format_date(date.fromisoformat(entry.valid_until_after), self.country)
            parts.append(_("valid until {date}").format(date=until))
        return ", ".join(parts)

    def update_actions(self) -> None:
        row = self.selected_row()

        def can(action: PhysicalAction | VirtualAction) -> bool:  # R31, from the machines
            return row is not None and allows(row.kind, row.status, action)

        printable = bool(self.model.printable_ids(self.selected_rows()))
        self.view.enable_actions(
            {
                "issue": self.can_manage,
                "lost": can(PhysicalAction.REPORT_LOST),
                "replace": can(PhysicalAction.REPLACE),
                # A revoked or lost card is never extended; the student's other cards are.
                "extend": can(PhysicalAction.EXTEND) or can(VirtualAction.EXTEND),
                "revoke": can(PhysicalAction.REVOKE),
                "activation": self.can_manage,
                "suspension": can(VirtualAction.SUSPEND_CONFIRMED),
                "close": can(VirtualAction.CLOSE),
                "photo": row is not None,
                "print_cards": printable,
                "print_sheet": printable,
                "extend_all": self.can_manage,
            }
        )

    # ---- physical card actions ---------------------------------------------------------

    def issue(self) -> None:
        self._pick_student(_("Issue a card"), _("Issue card"), self._issue_for)

    def _issue_for(self, student_id: int) -> None:
        card = self.services.cards.issue_physical(student_id)
        self.view.show_status(
            _("Card {number} issued, valid until {date}.").format(
                number=card.card_number, date=format_date(card.valid_until, self.country)
            )
        )
        self.load(select=card.id)

    def report_lost(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        answer = messages.ask(
            self.view,
            _("Report lost"),
            _(
                "Block card {number} of {name} as lost and issue a new card? The lost number is "
                "never used again. The virtual card is not affected."
            ).format(number=row.card_number, name=f"{row.first_name} {row.last_name}"),
            [("replace", _("Block and replace")), ("cancel", _("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if answer == "replace":
            self._act(
                lambda: self.services.cards.report_lost_and_replace(row.id, row.version),
                _("Card {old} blocked; the new card is {new}."),
                row,
            )

    def replace(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        answer = messages.ask(
            self.view,
            _("Replace card"),
            _("Issue a new card in place of {number}? The old card stops working.").format(
                number=row.card_number
            ),
            [("replace", _("Replace")), ("cancel", _("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if answer == "replace":
            self._act(
                lambda: self.services.cards.replace(row.id, row.version, "damaged"),
                _("Card {old} replaced; the new card is {new}."),
                row,
            )

    def _act(self, action, done_text: str, row: CardRow) -> None:
        try:
            new = action()
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, country=self.country)
            self.load()
            return
        self.view.show_status(done_text.format(old=row.card_number, new=new.card_number))
        self.load(select=new.id)

    def revoke(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self._reason_dialog(
            _("Revoke card {number}").format(number=row.card_number),
            _("The card stops working for good. The student's virtual card is not affected."),
            _("Revoke"),
            lambda reason: self.services.cards.revoke(row.id, row.version, reason),
        )

    def extend(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        item = self._fetch(lambda: self.services.cards.extend(row.student_id))
        if item is None:
            return
        until = format_date(item.new_valid_until, self.country)
        if item.empty:
            self.view.show_status(_("Already valid until {date}.").format(date=until))
        else:
            self.view.show_status(_("Extended until {date}.").format(date=until))
        self.load()

    # ---- virtual card actions ------------------------------------------------------------

    def record_activation(self) -> None:
        self._pick_student(_("Virtual card"), _("Next"), self._activation_for)

    def _activation_for(self, student_id: int) -> None:
        record = self.services.roster.get(student_id)

        def submit(values: Activation):
            card = self.services.cards.record_activation(
                student_id, values.smart_id_code, values.device_ref
            )
            self._select_after_load = card.id
            return card

        self._open(ActivationDialog(self.view, self.country, record.full_name, submit), reload=True)

    def confirm_suspension(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        answer = messages.ask(
            self.view,
            _("Suspension confirmed"),
            _(
                "Record the virtual card of {name} as suspended? Only the card provider "
                "suspends virtual cards: ask it now, or record a confirmation it sent you."
            ).format(name=f"{row.first_name} {row.last_name}"),
            [
                ("check", _("Ask the provider")),
                ("record", _("It confirmed to me")),
                ("cancel", _("Cancel")),
            ],
            default="cancel",
            escape="cancel",
        )
        if answer == "cancel":
            return
        try:
            if answer == "check":
                self.services.card_sync.confirm_suspension(row.id, row.version)
            else:
                self.services.cards.record_suspension(
                    row.id, row.version, "suspension confirmed by the provider to the office"
                )
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, country=self.country)
            return
        self.view.show_status(_("The virtual card is recorded as suspended."))
        self.load()

    def close_virtual(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self._reason_dialog(
            _("Close the virtual card of {name}").format(name=f"{row.first_name} {row.last_name}"),
            _(
                "The card provider closes the card on the student's phone. A closed card stays "
                "closed; the student can activate a new one later."
            ),
            _("Close card"),
            lambda reason: self.services.cards.close_virtual(row.id, row.version, reason),
        )

    def refer(self) -> None:
        """R25/R29: where to send a student with a lost phone or who wants out."""
        row = self.selected_row()
        settings = self._fetch(self.services.cards.settings)
        if settings is None:
            return
        contacts = settings.support_contacts
        request = None
        name = None
        if row is not None and row.kind is CardKind.VIRTUAL and row.status == "ACTIVE":
            name = f"{row.first_name} {row.last_name}"

            def request(reason):
                self.services.cards.request_suspension(row.student_id, reason)
                self.view.show_status(_("Logged: suspension requested."))
                self.refresh_status()

        self._open(ReferDialog(self.view, contacts, name, request))

    # ---- photo and printing ------------------------------------------------------------

    def import_photo(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        path = ask_open_path(
            self.view, _("Photo of {name}").format(name=f"{row.first_name} {row.last_name}")
        )
        if not path:
            return
        try:
            with open(path, "rb") as f:
                data = f.read(3 * 1024 * 1024)  # the service refuses anything over 2 MB
            self.services.cards.import_photo(row.student_id, data)
        except OSError as exc:
            messages.warn(
                self.view,
                _("Photo"),
                _("The file could not be read: {error}").format(error=exc.strerror or exc),
            )
            return
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, _("Photo"), self.country)
            return
        self.student_id = None  # show the new picture
        self.current_changed()
        self.view.show_status(_("Photo saved."))

    def print_cards(self, sheet: bool) -> None:
        rows = self.selected_rows()
        ids = self.model.printable_ids(rows)
        if not ids:
            return
        cards = self.services.cards
        what = _("Cards (A4 sheet)") if sheet else _("Cards")
        # One card: the file is named after its holder (the selection may hold other rows).
        one = [r for r in map(self.model.row, rows) if r.id == ids[0]] if len(ids) == 1 else []
        whom = f"{one[0].first_name} {one[0].last_name}" if one else ""

        def work(progress, cancel):
            return cards.print_cards(ids, sheet=sheet, progress=progress, cancel=cancel)

        def done(pdf: bytes) -> None:
            self.preview = show_document(
                self.view, pdf, what, file_name(what, whom, self.school.today())
            )
            self.current_changed()

        self.task = run_with_progress(
            self.view, _("Preparing the cards…"), work, done, self._failed
        )

    # ---- the yearly extension (R21) ----------------------------------------------------

    def extend_all(self) -> None:
        cards = self.services.cards
        self.task = run_with_progress(
            self.view,
            _("Working out what changes…"),
            lambda _p, _c: cards.preview_extend_all(),
            self._show_plan,
            self._failed,
            cancellable=False,
        )

    def _show_plan(self, plan) -> None:
        dialog = ExtendPreviewDialog(self.view, plan, self.country)
        dialog.accepted.connect(lambda: self._apply_plan(plan))
        self._open(dialog)

    def _apply_plan(self, plan) -> None:
        cards = self.services.cards

        def done(applied) -> None:
            self.view.show_status(
                n_("{n} card extended", "{n} cards extended", applied.card_count).format(
                    n=applied.card_count
                )
                + "; "
                + n_(
                    "{n} change queued for the provider.",
                    "{n} changes queued for the provider.",
                    applied.event_count,
                ).format(n=applied.event_count)
            )
            self.load()

        # One transaction: it is applied completely or not at all, so there is no Cancel.
        self.task = run_with_progress(
            self.view,
            _("Extending the cards…"),
            lambda progress, _c: cards.apply_extension(plan, progress),
            done,
            self._failed,
            cancellable=False,
        )

    # ---- the card provider -------------------------------------------------------------

    def sync_now(self) -> None:
        if self._syncing:
            return
        self._syncing = True
        sync = self.services.card_sync
        self.task = run_with_progress(
            self.view,
            _("Sending changes to the card provider…"),
            lambda progress, cancel: sync.run(progress, cancel),
            self._synced,
            self._sync_failed,
        )

    def auto_sync(self) -> None:
        """Quietly, in the background: a failure only shows in the link status."""
        if self._syncing or not self.can_manage:
            return
        sync = self.services.card_sync
        status = sync.status()
        if not status.configured or not status.pending:
            return
        self._syncing = True
        run_task(lambda p, c: sync.run(p, c), self._synced_quietly, self._sync_failed_quietly)

    def _synced(self, report) -> None:
        self._syncing = False
        self.view.show_status(_("Card provider: {report}").format(report=str(report)))
        self.refresh_status()
        self.synced.emit(report)

    def _synced_quietly(self, report) -> None:
        self._syncing = False
        self.refresh_status()
        self.synced.emit(report)

    def _sync_failed(self, exc: BaseException) -> None:
        self._syncing = False
        self.refresh_status()
        messages.show_error(self.view, exc, _("Card provider"), self.country)
        self.synced.emit(None)

    def _sync_failed_quietly(self, exc: BaseException) -> None:
        self._syncing = False
        if not isinstance(exc, SchoolOfficeError):
            raise exc
        log.warning("automatic card provider sync: %s", exc)
        self.refresh_status()
        self.synced.emit(None)

    def open_settings(self) -> None:
        cards, sync = self.services.cards, self.services.card_sync
        found = self._fetch(lambda: (cards.settings(), sync.link_settings()))
        if found is None:
            return
        settings, (url, has_token) = found

        def submit(values: CardSettingsValues) -> None:
            sync.check_link(values.provider_url, values.token)  # before anything is saved
            cards.update_settings(settings.version, values.school_code, values.contacts)
            sync.configure_link(values.provider_url, values.token)

        dialog = CardSettingsDialog(self.view, self.country, settings, url, has_token, submit)
        dialog.accepted.connect(self.refresh_status)
        self._open(dialog)

    def show_needs_attention(self) -> None:
        sync = self.services.card_sync
        dialog = NeedsAttentionDialog(
            self.view, self.country, sync.needs_attention, sync.retry_now, sync.discard
        )
        dialog.finished.connect(lambda _r: self.refresh_status())
        self._open(dialog)

    # ---- helpers -----------------------------------------------------------------------

    def _reason_dialog(self, title: str, note: str, ok_text: str, submit) -> None:
        self._open(ReasonDialog(self.view, self.country, title, note, ok_text, submit), reload=True)

    def _failed(self, exc: BaseException) -> None:
        messages.show_error(self.view, exc, country=self.country)
        self.load()
