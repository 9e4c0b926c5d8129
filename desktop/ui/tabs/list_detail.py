"""The skeleton the tabs share, so that each tab holds only what is its own.

`LiveTab`: loads when first shown, reloads when a change touches its `SHOWN_TABLES` (here or
on another PC, through `TabFollower`), shows results in the status bar and remembers its
splitters and columns. `ListDetailTab` adds the list-and-detail layout of Roster, Cards and
Billing: the filters, the table and its count on the left, the chosen record on the right.

`TabController`: the one place a tab talks to the services. `ListController` adds the load of
a filtered table: off the GUI thread, refused without the tab's permission, keeping the
selection on the same record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLayout,
    QMainWindow,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.ui import messages
from desktop.ui.changes import TabFollower
from desktop.ui.student_picker import StudentPickerDialog
from desktop.ui.tables import select_row
from desktop.ui.text import _
from desktop.ui.workers import run_task

# ---- widgets -------------------------------------------------------------------------------


def list_table(object_name: str, *, several: bool = False) -> QTableView:
    """A read-only table of records, a whole row at a time (`several`: Ctrl/Shift+click)."""
    table = QTableView()
    table.setObjectName(object_name)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if several
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setShowGrid(False)
    rows = table.verticalHeader()
    rows.hide()
    # Fixed row heights: the view never measures 100,000 rows.
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def size_columns(
    table: QTableView, widths: Mapping[int, int] | tuple[int, ...], sort_by: int | None = None
) -> None:
    """Starting widths (the secretary's own layout is restored over them). With `sort_by`, the
    columns sort on a click and may be dragged into another order."""
    header = table.horizontalHeader()
    for column, width in widths.items() if isinstance(widths, Mapping) else enumerate(widths):
        header.resizeSection(column, width)
    if sort_by is not None:
        header.setSectionsMovable(True)
        header.setSortIndicator(sort_by, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)


def add_shortcut(
    widget: QWidget,
    keys: str,
    slot: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QAction:
    """A key for `slot`; Qt ignores a window-wide key while its tab is hidden behind another."""
    action = QAction(widget)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(context)
    action.triggered.connect(slot)
    widget.addAction(action)
    return action


# ---- views ---------------------------------------------------------------------------------


class LiveTab(QWidget):
    """What the main window calls on a tab: `refresh`, `data_changed`, `save_state`,
    `restore_state`, and `loaded` once the data are shown. A subclass sets SHOWN_TABLES,
    builds its controller and then calls `follow(controller)`."""

    loaded = Signal()
    SHOWN_TABLES: tuple[str, ...] = ()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._started = False
        self._remembered: dict[str, QSplitter | QHeaderView] = {}
        self.last_status = ""  # the last message shown in the status bar (tests read it)

    def follow(self, controller: QObject) -> None:
        self.follower = TabFollower(self, self.SHOWN_TABLES, controller)

    def remember(self, key: str, part: QSplitter | QHeaderView) -> None:
        """Keep `part`'s layout (splitter sizes, column order and widths) across sessions."""
        self._remembered[key] = part

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._started:  # load when first shown: the window paints before the data
            self._started = self.follower.started = True
            self.first_shown()
        else:
            self.follower.shown()

    def first_shown(self) -> None:
        self.controller.load()

    # ---- what the main window calls -----------------------------------------------------

    def refresh(self) -> None:
        self.controller.load()

    def data_changed(self, change) -> None:
        """Someone (here or on another PC) changed data: reload what this tab shows."""
        self.follower.changed(change)

    def save_state(self, settings: QSettings) -> None:
        for key, part in self._remembered.items():
            settings.setValue(key, part.saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, part in self._remembered.items():
            if state := settings.value(key):
                part.restoreState(state)

    # ---- what the controller calls ------------------------------------------------------

    def show_status(self, text: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text)  # stays until the next result
        self.last_status = text


class ListDetailTab(LiveTab):
    """A subclass names itself (NAME: object names and settings keys), makes `self.search`,
    `self.table` and `self.count`, and puts them beside its detail pane with `split`.
    Ctrl+F goes to the search and F5 reloads."""

    NAME: str

    def split(self, filters: QLayout, detail: QWidget, footer: QWidget | QLayout) -> QSplitter:
        """Filters, table and footer on the left, `detail` on the right; both remembered."""
        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        if isinstance(footer, QLayout):
            layout.addLayout(footer)
        else:
            layout.addWidget(footer)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName(f"{self.NAME}_splitter")
        splitter.addWidget(left)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.remember(f"{self.NAME}/splitter", splitter)
        self.remember(f"{self.NAME}/columns", self.table.horizontalHeader())
        add_shortcut(self, "Ctrl+F", self.focus_search)
        add_shortcut(self, "F5", self.refresh)
        return splitter

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()


# ---- controllers ---------------------------------------------------------------------------


class TabController(QObject):
    """Widgets tell it what the secretary did; it calls the services and shows the answer or
    the typed error. A dialog it opens is `self.dialog` while open (tests fill it in)."""

    loaded = Signal()  # fresh data are shown (after the first load and every reload)
    LOAD_FAILED: str  # the title of the message when the tab's data cannot be read (N_)

    def __init__(self, services: Services, school: SchoolProfile, view: QWidget):
        super().__init__(view)
        self.services = services
        self.school = school
        self.country = school.country.value
        self.view = view
        self.dialog = None
        self._loading = False  # TabFollower reads it: a change during a load loads again

    def today(self) -> date:
        return self.school.today()

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        messages.show_error(self.view, exc, _(self.LOAD_FAILED), self.country)
        self.loaded.emit()

    def _fetch(self, read: Callable[[], object]):
        """What `read` returns, or None after showing why it could not be read."""
        try:
            return read()
        except SchoolOfficeError as exc:
            messages.show_error(self.view, exc, country=self.country)
            return None

    def _open(self, dialog, reload: bool = False) -> None:
        """Window-modal but not blocking; with `reload`, OK reloads the tab."""
        self.dialog = dialog
        if reload:
            dialog.accepted.connect(self.load)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:  # the picker's OK may already have opened the next form
            self.dialog = None


class ListController(TabController):
    """The rows of `self.model` (a FilteredTableModel: rows with their id first) in
    `view.table`. A subclass sets PERMISSION, makes the model, and gives `reader`,
    `show_loaded`, `filter_changed`, `update_actions` and `student_of`."""

    PERMISSION: Permission  # without it the tab says so instead of loading

    def __init__(self, services: Services, school: SchoolProfile, view: QWidget):
        super().__init__(services, school, view)
        self.allowed = services.actor.can(self.PERMISSION)
        self._select_after_load: int | None = None

    # ---- loading -----------------------------------------------------------------------

    def load(self, select: int | None = None) -> None:
        """Read the rows off the GUI thread; then select `select`, else the record selected
        now."""
        if select is not None:
            self._select_after_load = select
        elif (row := self.selected_row()) is not None:
            self._select_after_load = row[0]
        if not self.allowed:
            self.view.show_no_permission()
            self.loaded.emit()
            return
        if self._loading:
            return
        self._loading = True
        read = self.reader()
        run_task(lambda _p, _c: read(), self._loaded, self._load_failed)

    def reader(self) -> Callable[[], object]:
        """What to read on the worker thread: it may touch the services, never a widget."""
        raise NotImplementedError

    def _loaded(self, data) -> None:
        self._loading = False
        self.show_loaded(data)
        if self._select_after_load is not None:
            self.select_record(self._select_after_load)
            self._select_after_load = None
        self.update_actions()
        self.loaded.emit()

    def show_loaded(self, data) -> None:
        """Show what `reader` read; the rows through `show_rows`."""
        self.show_rows(data)

    def show_rows(self, rows) -> None:
        self.model.set_rows(rows)
        self.view.class_combo.set_class_names(self.model.class_names())
        self.filter_changed()

    def filter_changed(self) -> None:
        raise NotImplementedError

    def update_actions(self) -> None:
        raise NotImplementedError

    # ---- selection ---------------------------------------------------------------------

    def selected_row(self) -> tuple | None:
        index = self.view.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.visible_count:
            return None
        return self.model.row(index.row())

    def select_record(self, record_id: int) -> None:
        row = self.model.row_of(record_id)
        if row is not None:
            select_row(self.view.table, row)

    def student_of(self, row: tuple) -> int:
        raise NotImplementedError

    def _pick_student(self, title: str, ok_text: str, then: Callable[[int], object]) -> None:
        """Choose a student (the selected row's first); `then` gets the student's id."""
        row = self.selected_row()
        students = self._fetch(self.services.roster.table_rows)
        if students is None:
            return
        self._open(
            StudentPickerDialog(
                self.view,
                title,
                ok_text,
                students,
                self.country,
                lambda student: then(student[0]),
                preselect=self.student_of(row) if row else None,
            )
        )
