"""The Roster tab's controller: the only place the tab talks to the services.

Widgets tell it what the secretary did; it calls RosterService, and shows the answer or the
typed error where it belongs (next to a field, in the editor's banner, in a message box).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import QAbstractItemView

from desktop.domain.dates import parse_date_cell
from desktop.domain.errors import (
    ConflictError,
    SchoolOfficeError,
    ValidationError,
    ValidationErrors,
)
from desktop.domain.roles import Permission
from desktop.services.container import Services
from desktop.services.roster import GuardianLink, RosterRow, StudentInput, StudentRecord
from desktop.services.school import SchoolProfile
from desktop.ui import messages
from desktop.ui.forms import read_fields
from desktop.ui.models.roster_model import RosterData, RosterModel
from desktop.ui.tables import select_row
from desktop.ui.tabs.list_detail import TabController
from desktop.ui.tabs.roster.dialogs import (
    EndRestrictionDialog,
    GuardianDialog,
    LeaveDialog,
    ReEnrolDialog,
    RestrictionDialog,
)
from desktop.ui.tabs.roster.editor import FormValues, record_values
from desktop.ui.tabs.roster.guardians import open_restrictions, restriction_text
from desktop.ui.text import N_, _, n_
from desktop.ui.workers import run_task


def table_row(record: StudentRecord) -> RosterRow:
    """The record as a RosterService.table_rows() row, to update the table after a save."""
    return RosterRow(
        record.id,
        record.last_name,
        record.first_name,
        record.personal_code,
        record.class_name,
        record.status,
        record.birth_date,
    )


# A change naming at most this many students refreshes their rows, not the whole roster.
FEW_STUDENTS = 200


class RosterController(TabController):
    LOAD_FAILED = N_("The roster could not be loaded")

    def __init__(self, services: Services, school: SchoolProfile, view):
        super().__init__(services, school, view)
        self.model = RosterModel(self.country, self)
        self.can_edit = services.actor.can(Permission.EDIT_ROSTER)

    @property
    def editor(self):
        return self.view.editor

    # ---- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)load every row off the GUI thread; the table keeps its filters and selection."""
        if self._loading:
            return
        self._loading = True
        self.view.show_loading()
        roster, country = self.services.roster, self.country
        run_task(
            lambda _progress, _cancel: RosterData(roster.table_rows(), country),
            self._loaded,
            self._load_failed,
        )

    def _loaded(self, data: RosterData) -> None:
        self._loading = False
        self.model.set_data(data)
        self.view.set_class_names(self.model.class_names())
        self._select_current()
        self.update_count()
        self.refresh_editor()
        self.loaded.emit()
        # The search strings and the name keys are made after the rows are painted, off the
        # GUI thread: a third of the load at 100k students that the first screen does not need.
        QTimer.singleShot(0, lambda: run_task(lambda _progress, _cancel: data.prepare()))

    def apply_change(self, change) -> None:
        """Students changed (here, by an import, or on another PC): show their new rows and,
        if the form shows one of them, its new values. A handful of students are re-read one
        by one; anything bigger or unknown reloads the roster."""
        ids = change.student_ids
        if (
            change.remote
            or "student" in change.unkeyed
            or not ids
            or len(ids) > FEW_STUDENTS
            or not self.model.total_count
        ):
            self.load()
            return
        try:
            rows = self.services.roster.table_rows(sorted(ids))
        except SchoolOfficeError:
            self.load()
            return
        if {row.id for row in rows} != ids:
            self.load()  # a student is gone (anonymised or deleted): start afresh
            return
        for row in rows:
            self.model.put(row)
        self.view.set_class_names(self.model.class_names())
        self.update_count()
        self.refresh_editor()
        self.loaded.emit()

    def refresh_editor(self) -> None:
        """The student in the form changed elsewhere: show the new values, unless the form
        holds unsaved edits; then keep them and say who changed the record."""
        shown = self.editor.record
        if shown is None:
            return
        try:
            latest = self.services.roster.get(shown.id)
        except SchoolOfficeError:
            return  # gone or unreadable: the form keeps what it shows
        if latest == shown:
            return
        today = self.school.today()
        if not self.editor.dirty:
            self.editor.show_record(latest, self.model.class_names(), today)
            return
        self.editor.set_guardians(latest.guardians, today)
        if latest.version != shown.version:
            self._show_conflict(
                ConflictError("student", shown.id, latest.updated_by, latest.updated_at)
            )

    def _load_failed(self, exc: BaseException) -> None:
        self.update_count()
        super()._load_failed(exc)

    # ---- filters ---------------------------------------------------------------------------

    def filter_changed(self) -> None:
        self.model.set_filter(
            self.view.search_text(), self.view.class_filter(), self.view.status_filter()
        )
        self.update_count()

    def update_count(self) -> None:
        shown, total = self.model.visible_count, self.model.total_count
        if self.model.is_filtered:
            text = n_("{shown} of {total} student", "{shown} of {total} students", total)
        else:
            text = n_("{total} student", "{total} students", total)
        self.view.count.setText(
            text.format(shown=f"{shown:,}".replace(",", " "), total=f"{total:,}".replace(",", " "))
        )

    # ---- choosing a student ---------------------------------------------------------------

    def current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            return
        student_id = self.model.student_id(current.row())
        shown = self.editor.record
        if shown is not None and shown.id == student_id:
            return
        if not self.may_leave_editor():
            self._select_current()  # back to the student being edited
            return
        self.open_student(student_id)

    def open_student(self, student_id: int) -> None:
        try:
            record = self.services.roster.get(student_id)
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, country=self.country)
            return
        self.editor.show_record(record, self.model.class_names(), self.school.today())

    def may_leave_editor(self) -> bool:
        """Unsaved changes: save them, drop them, or stay. True when it is fine to move on."""
        if not self.editor.dirty:
            return True
        answer = messages.ask(
            self.view,
            _("Unsaved changes"),
            _("You have changed {name} but not saved.").format(name=self.editor.visible_name),
            [("save", _("Save")), ("discard", _("Discard changes")), ("stay", _("Cancel"))],
            default="stay",
            escape="stay",
        )
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.discard()
            return True
        return False

    def _select_current(self) -> None:
        """Keep the table's selection on the student in the editor (after a load or a cancel)."""
        record = self.editor.record
        row = self.model.row_of(record.id) if record is not None else None
        if row is not None:
            select_row(self.view.table, row)

    def select_student(self, student_id: int) -> None:
        row = self.model.row_of(student_id)
        if row is None and self.model.is_filtered:
            self.view.clear_filters()  # a saved or remembered student hidden by the filters
            row = self.model.row_of(student_id)
        if row is not None:
            self.view.table.selectRow(row)
            self.view.table.scrollTo(
                self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter
            )

    # ---- editing ---------------------------------------------------------------------------

    def new_student(self) -> None:
        if not self.can_edit or not self.may_leave_editor():
            return
        self.view.table.clearSelection()
        self.editor.show_new(self.model.class_names())

    def discard(self) -> None:
        record = self.editor.record
        if record is None:
            self.editor.show_nothing()
        else:
            self.editor.show_record(record, self.model.class_names(), self.school.today())

    def save(self) -> bool:
        if not self.can_edit or self.editor.pages.currentIndex() == 0:
            return False
        record = self.editor.record
        roster = self.services.roster
        try:
            data = self._student_input(self.editor.form_values(), record)
            if record is None:
                saved = roster.create_student(data)
            else:
                saved = roster.update_student(record.id, record.version, data)
        except (ValidationError, ValidationErrors) as exc:
            self.editor.show_errors(exc)
            return False
        except ConflictError as exc:
            self._show_conflict(exc)
            return False
        except SchoolOfficeError as exc:
            self.editor.show_problem(messages.describe(exc, self.country))
            return False
        self._show_saved(saved)
        self.view.show_status(_("Saved {name}.").format(name=saved.full_name))
        return True

    def _show_conflict(self, exc: ConflictError) -> None:
        self.editor.show_problem(
            messages.describe_conflict(exc, self.country)
            + "\n"
            + _("Your changes are still in the form; nothing has been saved yet."),
            "warning",
            [
                (_("Reload their version"), self.reload_theirs),
                (_("Keep editing"), self.keep_editing),
            ],
        )

    def _show_saved(self, record: StudentRecord) -> None:
        self.model.put(table_row(record))  # first: a new class joins the lists below
        class_names = self.model.class_names()
        self.editor.show_record(record, class_names, self.school.today())
        self.view.set_class_names(class_names)
        self.update_count()
        self.select_student(record.id)

    def _student_input(self, values: FormValues, record: StudentRecord | None) -> StudentInput:
        dates = read_fields(
            {
                "birth_date": lambda: (
                    parse_date_cell(values["birth_date"], "birth_date")
                    if values["no_local_code"]
                    else None
                ),  # with a code, the code gives the date
                "enrolled_on": lambda: parse_date_cell(values["enrolled_on"], "enrolled_on"),
            }
        )
        return StudentInput(
            first_name=values["first_name"],
            last_name=values["last_name"],
            personal_code="" if values["no_local_code"] else values["personal_code"],
            birth_date=dates["birth_date"],
            no_local_code=bool(values["no_local_code"]),
            class_name=values["class"],
            language=values["language"] or None,
            foreign_document_id=values["foreign_document_id"] if values["no_local_code"] else "",
            enrolled_on=dates["enrolled_on"],
            # Not on this form: keep what is stored.
            full_capacity_from=record.full_capacity_from if record else None,
        )

    def reload_theirs(self) -> None:
        record = self.editor.record
        if record is not None:
            self.open_student(record.id)
            self.view.show_status(_("Showing the saved version; your changes were dropped."))

    def keep_editing(self) -> None:
        """Take their saved version and put the secretary's own changes on top of it."""
        record = self.editor.record
        if record is None:
            return
        mine, base = self.editor.form_values(), self.editor.baseline
        try:
            latest = self.services.roster.get(record.id)
        except SchoolOfficeError as exc:
            self.editor.show_problem(messages.describe(exc, self.country))
            return
        theirs = record_values(latest, self.country)
        merged = {k: mine[k] if mine[k] != base[k] else theirs[k] for k in mine}
        self.editor.show_record(latest, self.model.class_names(), self.school.today())
        self.editor.apply_values(merged)
        self.editor.show_problem(
            _(
                "Your changes are now on top of {who}'s version. Check them, then press Save."
            ).format(who=latest.updated_by),
            "info",
        )

    # ---- status ----------------------------------------------------------------------------

    def mark_left(self) -> None:
        record = self.editor.record
        if record is None or not self.may_leave_editor():
            return
        roster = self.services.roster

        def submit(v):
            return roster.mark_left(record.id, record.version, v.left_on, v.reason, v.status)

        self._open_dialog(
            LeaveDialog(self.view, self.country, record.full_name, self.school.today(), submit),
            self._show_saved,
        )

    def re_enrol(self) -> None:
        record = self.editor.record
        if record is None or not self.may_leave_editor():
            return
        roster = self.services.roster

        def submit(v):
            return roster.re_enrol(record.id, record.version, v.class_name, v.on)

        self._open_dialog(
            ReEnrolDialog(
                self.view,
                self.country,
                record.full_name,
                self.model.class_names(),
                self.school.today(),
                submit,
            ),
            self._show_saved,
        )

    # ---- guardians -------------------------------------------------------------------------

    def add_guardian(self) -> None:
        record = self.editor.record
        if record is None:
            return
        roster = self.services.roster

        def submit(v):
            return roster.add_guardian(record.id, v.data, v.relation)

        self._open_dialog(GuardianDialog(self.view, self.country, submit), self._guardians_changed)

    def edit_guardian(self, link: GuardianLink) -> None:
        roster = self.services.roster

        def submit(v):
            roster.update_guardian(link.guardian_id, link.guardian_version, v.data)
            if (v.relation, v.primary_contact) != (link.relation, link.primary_contact):
                roster.update_link(link.link_id, link.link_version, v.relation, v.primary_contact)

        self._open_dialog(
            GuardianDialog(self.view, self.country, submit, link),
            lambda _result: self._guardians_changed(),
        )

    def unlink_guardian(self, link: GuardianLink) -> None:
        record = self.editor.record
        answer = messages.ask(
            self.view,
            _("Unlink guardian"),
            _(
                "Remove {guardian} from {student}'s guardians? The guardian's details stay in "
                "the database for other children."
            ).format(guardian=link.full_name, student=record.full_name),
            [("unlink", _("Unlink")), ("cancel", _("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if answer != "unlink":
            return
        try:
            self.services.roster.unlink_guardian(link.link_id, link.link_version)
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, _("Unlink guardian"), self.country)
        self._guardians_changed()

    def add_restriction(self, link: GuardianLink) -> None:
        roster = self.services.roster

        def submit(v):
            return roster.add_restriction(
                link.link_id,
                v.kind,
                permanent=v.permanent,
                valid_from=v.valid_from,
                valid_to=v.valid_to,
                authority=v.authority,
                reference=v.reference,
            )

        self._open_dialog(
            RestrictionDialog(self.view, self.country, link.full_name, self.school.today(), submit),
            lambda _result: self._guardians_changed(),
        )

    def end_restriction(self, link: GuardianLink) -> None:
        restriction = open_restrictions(link, self.school.today())[-1]
        roster = self.services.roster
        description = restriction_text(restriction, self.country, self.school.today())

        def submit(last_day):
            roster.end_restriction(restriction.id, restriction.version, last_day)

        self._open_dialog(
            EndRestrictionDialog(self.view, self.country, description, self.school.today(), submit),
            lambda _result: self._guardians_changed(),
        )

    def _guardians_changed(self, record: StudentRecord | None = None) -> None:
        """Show the new guardian list without touching what is being typed in the form."""
        current = self.editor.record
        if current is None:
            return
        try:
            record = record or self.services.roster.get(current.id)
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, country=self.country)
            return
        if self.editor.dirty:
            self.editor.set_guardians(record.guardians, self.school.today())
        else:
            self.editor.show_record(record, self.model.class_names(), self.school.today())

    def _open_dialog(self, dialog, on_accepted) -> None:
        """Window-modal but not blocking (tests fill it in); on OK, show what was saved."""
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result == dialog.DialogCode.Accepted:
                on_accepted(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    # ---- files -----------------------------------------------------------------------------

    def import_roster(self) -> None:
        from desktop.ui.dialogs.import_wizard import ImportWizard

        if not self.may_leave_editor():
            return
        wizard = ImportWizard(self.view, self.services.roster_io, self.country)
        wizard.imported.connect(self._imported)
        self.dialog = wizard
        wizard.finished.connect(lambda _result: setattr(self, "dialog", None))
        wizard.open()

    def _imported(self, plan) -> None:
        self.load()
        self.view.show_status(
            _("Imported {file}: {add} added, {update} updated.").format(
                file=plan.source, add=plan.count("add"), update=plan.count("update")
            )
        )

    def export_roster(self) -> None:
        from desktop.ui.dialogs.export import export_roster

        export_roster(self.view, self.services.roster_io, self.country)
