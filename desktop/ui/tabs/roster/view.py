"""The Roster tab: filters and the student table on the left, the student editor on the right."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.roster import StudentStatus
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui.models.roster_model import (
    COLUMN_BIRTH,
    COLUMN_CLASS,
    COLUMN_CODE,
    COLUMN_FIRST,
    COLUMN_LAST,
    COLUMN_STATUS,
)
from desktop.ui.tables import ClassFilter, reset_quietly
from desktop.ui.tabs.list_detail import ListDetailTab, add_shortcut, list_table, size_columns
from desktop.ui.tabs.roster.controller import RosterController
from desktop.ui.tabs.roster.editor import StudentEditor
from desktop.ui.text import _, code_name, status_label

# What the tab shows: students, their guardians and the restrictions on contacting them.
SHOWN_TABLES = ("student", "guardian", "student_guardian", "contact_restriction")

_COLUMN_WIDTHS = {
    COLUMN_LAST: 150,
    COLUMN_FIRST: 130,
    COLUMN_CODE: 120,
    COLUMN_CLASS: 60,
    COLUMN_STATUS: 90,
    COLUMN_BIRTH: 95,
}


class RosterTab(ListDetailTab):
    NAME = "roster"
    SHOWN_TABLES = SHOWN_TABLES

    def __init__(self, services: Services, school: SchoolProfile, parent: QWidget | None = None):
        super().__init__(parent)
        country = school.country.value
        self._remembered_student: int | None = None

        self.search = QLineEdit()
        self.search.setObjectName("roster_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            _("Search by name, {code} or class  (Ctrl+F)").format(code=code_name(country))
        )
        self.class_combo = ClassFilter()
        self.class_combo.setMinimumContentsLength(8)
        self.status_combo = QComboBox()
        self.status_combo.addItem(_("All students"), None)
        for status in StudentStatus:
            self.status_combo.addItem(status_label(status), status.value)
        self.count = QLabel()
        self.count.setObjectName("roster_count")
        self.new_button = QPushButton(_("New student"))
        self.new_button.setToolTip(_("Add a student (Ctrl+N)"))

        # Several rows (Ctrl/Shift+click) for printing; the editor follows the current row.
        self.table = list_table("roster_table", several=True)
        self.controller = RosterController(services, school, self)
        self.editor = StudentEditor(country, self.controller.can_edit)
        self.table.setModel(self.controller.model)
        size_columns(self.table, _COLUMN_WIDTHS, sort_by=COLUMN_LAST)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.class_combo)
        filters.addWidget(self.status_combo)
        footer = QHBoxLayout()
        footer.addWidget(self.count, 1)
        footer.addWidget(self.new_button)
        self.splitter = self.split(filters, self.editor, footer)
        left = self.splitter.widget(0)
        left.setMinimumWidth(360)
        self.editor.setMinimumWidth(400)
        self.splitter.setSizes([720, 540])  # until the secretary's own layout is restored
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)

        self._connect(left)
        self.follow(self.controller)

    def _connect(self, left: QWidget) -> None:
        c, e = self.controller, self.editor
        self.search.textChanged.connect(c.filter_changed)
        self.class_combo.currentIndexChanged.connect(c.filter_changed)
        self.status_combo.currentIndexChanged.connect(c.filter_changed)
        self.table.selectionModel().currentRowChanged.connect(c.current_changed)
        self.table.doubleClicked.connect(lambda _index: e.first_name.setFocus())
        self.new_button.clicked.connect(c.new_student)
        self.new_button.setEnabled(c.can_edit)
        e.save_requested.connect(c.save)
        e.discard_requested.connect(c.discard)
        e.mark_left_requested.connect(c.mark_left)
        e.re_enrol_requested.connect(c.re_enrol)
        e.guardians.add_requested.connect(c.add_guardian)
        e.guardians.edit_requested.connect(c.edit_guardian)
        e.guardians.unlink_requested.connect(c.unlink_guardian)
        e.guardians.restriction_requested.connect(c.add_restriction)
        e.guardians.end_restriction_requested.connect(c.end_restriction)
        c.loaded.connect(self._on_loaded)
        add_shortcut(self, "Ctrl+N", c.new_student)  # Ctrl+F and F5: ListDetailTab
        add_shortcut(self, "Ctrl+S", c.save)
        add_shortcut(left, "Esc", self.clear_search, Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _on_loaded(self) -> None:
        if self._remembered_student is not None and self.editor.record is None:
            self.controller.select_student(self._remembered_student)
            self._remembered_student = None
        self.loaded.emit()

    # ---- what the main window calls -----------------------------------------------------

    def can_close(self) -> bool:
        return self.controller.may_leave_editor()

    def import_roster(self) -> None:
        self.controller.import_roster()

    def export_roster(self) -> None:
        self.controller.export_roster()

    def save_state(self, settings: QSettings) -> None:
        super().save_state(settings)
        record = self.editor.record
        settings.setValue("roster/student", record.id if record else "")

    def restore_state(self, settings: QSettings) -> None:
        super().restore_state(settings)
        student = settings.value("roster/student")
        if student and str(student).isdigit():
            self._remembered_student = int(student)

    # ---- what the controller calls ------------------------------------------------------

    def selected_student_ids(self) -> list[int]:
        """The students selected in the table, in table order (e.g. for printing)."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.controller.model.student_id(row) for row in rows]

    def clear_search(self) -> None:
        self.search.clear()
        self.search.setFocus()

    def search_text(self) -> str:
        return self.search.text()

    def class_filter(self) -> str | None:
        return self.class_combo.currentData()

    def status_filter(self) -> StudentStatus | None:
        value = self.status_combo.currentData()  # Qt hands enums back as plain str
        return StudentStatus(value) if value else None

    def clear_filters(self) -> None:
        reset_quietly(self.search, self.class_combo, self.status_combo)
        self.controller.filter_changed()

    def set_class_names(self, names: list[str]) -> None:
        if not self.class_combo.set_class_names(names):
            self.controller.filter_changed()  # that class is gone: show every class again

    def show_loading(self) -> None:
        self.count.setText(_("Loading the roster…"))
