"""The main window: one tab per area, the File and Help menus, and a status bar.

A tab is any QWidget built by `factory(services, school)` when it is first shown (or asked for
through `pages`): the start builds, imports and loads only the tab on screen. It may offer
`loaded` (a signal), `refresh()`, `can_close()`, `save_state(QSettings)`,
`restore_state(QSettings)` and `data_changed(Change)`; the window uses whichever it has. A new
area plugs in with one line in TABS. Every committed change, ours or (polled every few
seconds) another PC's, reaches each built tab's `data_changed` on the GUI thread
(desktop.ui.changes).
"""

from __future__ import annotations

import importlib
import platform
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from desktop import APP_NAME, __version__
from desktop.domain.roles import Permission
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.settings import log_dir
from desktop.ui import workers
from desktop.ui.changes import ChangeBridge
from desktop.ui.documents_menu import install_documents_menu
from desktop.ui.state import ui_state
from desktop.ui.text import N_, _, role_label


def database_place(url) -> tuple[str, str]:
    """Where the data live, in words: (\"This PC\" or the server's name, the file or database).

    The status bar shows the first, its tooltip the second; never a URL.
    """
    from sqlalchemy.engine import make_url

    url = make_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite":
        return _("This PC"), url.database or ""
    host = url.host or "localhost"
    return host, f"{host}/{url.database}" if url.database else host


def _tab(module: str, name: str) -> Callable[[Services, SchoolProfile], QWidget]:
    """A tab's factory that imports the tab's module (and so its area) when first called."""

    def build(services: Services, school: SchoolProfile) -> QWidget:
        return getattr(importlib.import_module(module), name)(services, school)

    build.__qualname__ = name
    return build


@dataclass(frozen=True)
class TabSpec:
    key: str
    title: str  # marked with N_, translated when shown
    factory: Callable[[Services, SchoolProfile], QWidget]
    permission: Permission | None = None  # shown only to staff with it (R121: billing)
    countries: frozenset[str] = frozenset({"EE", "SI"})  # where the area applies at all


TABS: list[TabSpec] = [
    # Every deadline and waiting decision; the app opens on it (issue 19).
    TabSpec("today", N_("Today"), _tab("desktop.ui.tabs.today", "TodayTab")),
    TabSpec("roster", N_("Roster"), _tab("desktop.ui.tabs.roster", "RosterTab")),
    TabSpec("cards", N_("Cards"), _tab("desktop.ui.tabs.cards", "CardsTab")),
    TabSpec("consent", N_("Consent"), _tab("desktop.ui.tabs.consent", "ConsentTab")),
    # The paid tier exists only for Slovenian schools (R72): an Estonian one never sees it.
    TabSpec(
        "billing",
        N_("Billing"),
        _tab("desktop.ui.tabs.billing", "BillingTab"),
        Permission.VIEW_BILLING,
        frozenset({"SI"}),
    ),
]


class Pages(Mapping[str, QWidget]):
    """The window's tab pages by key, in tab order; a page is built when first asked for.

    `built()` gives the pages that exist so far without building the others."""

    def __init__(self, build: Callable[[str], QWidget], keys: list[str]):
        self._build = build
        self._keys = keys
        self._built: dict[str, QWidget] = {}

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._built:
            if key not in self._keys:
                raise KeyError(key)
            self._built[key] = self._build(key)
        return self._built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def built(self) -> dict[str, QWidget]:
        return {key: self._built[key] for key in self._keys if key in self._built}


class MainWindow(QMainWindow):
    ready = Signal()  # the first tab has its data: the window is usable

    def __init__(self, services: Services, school: SchoolProfile):
        super().__init__()
        self.services = services
        self.school = school
        self._ready_sent = False
        self._closing = False  # waiting for the running tasks before the database closes
        self.setWindowTitle(f"{school.name} — {APP_NAME}")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._specs: dict[str, TabSpec] = {}
        self._placeholders: dict[str, QWidget] = {}  # a tab not built yet
        for spec in TABS:
            if school.country.value not in spec.countries:
                continue
            if spec.permission is not None and not services.actor.can(spec.permission):
                continue
            self._specs[spec.key] = spec
            placeholder = QWidget()
            placeholder.setObjectName(f"placeholder_{spec.key}")
            self._placeholders[spec.key] = placeholder
            self.tabs.addTab(placeholder, _(spec.title))
        self.pages = Pages(self._build_page, list(self._specs))
        self.setCentralWidget(self.tabs)
        self.changes = ChangeBridge(services.db, self)
        self.changes.changed.connect(self._data_changed)
        self.changes.start_polling()
        self._build_menus()
        self._build_status_bar()
        self._default_size()
        self._restore_state()
        self.tabs.currentChanged.connect(self._tab_shown)
        self._tab_shown(self.tabs.currentIndex())
        self._announce_ready()

    def _default_size(self) -> None:
        """1280 × 800, or less on a small school laptop (1366 × 768 is common)."""
        screen = self.screen().availableGeometry()
        self.resize(min(1280, int(screen.width() * 0.92)), min(800, int(screen.height() * 0.9)))

    @property
    def roster(self):  # desktop.ui.tabs.roster.RosterTab
        return self.pages["roster"]

    def _key_at(self, index: int) -> str:
        return list(self._specs)[index]

    def _tab_shown(self, index: int) -> None:
        if index >= 0:
            self.pages.get(self._key_at(index))  # builds the page in place

    def _build_page(self, key: str) -> QWidget:
        """Build a tab's page and put it where its placeholder was."""
        page = self._specs[key].factory(self.services, self.school)
        page.setObjectName(f"tab_{key}")
        placeholder = self._placeholders.pop(key)
        index = self.tabs.indexOf(placeholder)
        shown = self.tabs.currentIndex() == index
        title = self.tabs.tabText(index)
        blocked = self.tabs.blockSignals(True)  # the same tab stays current: no new signal
        try:
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, page, title)
            if shown:
                self.tabs.setCurrentIndex(index)
        finally:
            self.tabs.blockSignals(blocked)
        placeholder.deleteLater()
        if hasattr(page, "restore_state"):
            page.restore_state(ui_state())
        if hasattr(page, "loaded") and not self._ready_sent:
            page.loaded.connect(self._first_load_done)
        if hasattr(page, "counts_changed"):  # "Today (3)", and the overdue in the window title
            page.counts_changed.connect(lambda due, overdue: self._show_counts(key, due, overdue))
        return page

    def _show_counts(self, key: str, due: int, overdue: int) -> None:
        title = _(self._specs[key].title)
        page = self.pages.built().get(key)
        if page is not None:
            self.tabs.setTabText(self.tabs.indexOf(page), f"{title} ({due})" if due else title)
        title = f"{self.school.name} — {APP_NAME}"
        if overdue:
            title = _("Overdue: {n}").format(n=overdue) + f" · {title}"
        self.setWindowTitle(title)

    # ---- building ----------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut: str = "", enabled: bool = True) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        action.setEnabled(enabled)
        return action

    def _build_menus(self) -> None:
        actor = self.services.actor
        file_menu = self.menuBar().addMenu(_("&File"))
        self.import_action = self._action(
            _("&Import roster…"), self.import_roster, "Ctrl+I", actor.can(Permission.EDIT_ROSTER)
        )
        self.export_action = self._action(_("&Export roster…"), self.export_roster)
        self.settings_action = self._action(_("&Settings…"), self.open_settings)
        self.staff_action = self._action(
            _("S&taff accounts…"), self.open_staff, enabled=actor.can(Permission.MANAGE_STAFF)
        )
        self.quit_action = self._action(_("&Quit"), self.close, "Ctrl+Q")
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.staff_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.documents_menu = install_documents_menu(self)
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_menu.addAction(self._action(_("&About School Office"), self.about))

    def _build_status_bar(self) -> None:
        actor = self.services.actor
        place, where = database_place(self.services.db.engine.url)
        self.database_label = QLabel(_("Database: {place}").format(place=place))
        self.database_label.setToolTip(where)
        roles = ", ".join(sorted(role_label(r) for r in actor.roles))
        # Short, so the results shown on the left are not cut off; the roles are a hover away.
        self.actor_label = QLabel(_("Signed in as {name}").format(name=actor.display_name))
        self.actor_label.setToolTip(_("Roles: {roles}").format(roles=roles))
        bar = self.statusBar()
        for label in (self.database_label, self.actor_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)

    def _data_changed(self, change) -> None:
        for page in self.pages.built().values():  # a tab built later loads fresh data
            if hasattr(page, "data_changed"):
                page.data_changed(change)

    def _announce_ready(self) -> None:
        """Tabs load when first shown; the window is ready when the first tab shown has loaded
        (Today, or the tab chosen before the window was shown)."""
        if not hasattr(self.tabs.currentWidget(), "loaded"):
            QTimer.singleShot(0, self._first_load_done)

    def _first_load_done(self) -> None:
        if not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    # ---- the daily jobs ----------------------------------------------------------------

    def run_daily_jobs(self):
        """The first start of a day runs the day's date-driven jobs (issue 19); a later start,
        here or on another PC, finds them done and only says when they ran."""
        from desktop.ui.daily_run import DailyRunner

        self.daily = DailyRunner(self)
        self.daily.start()
        return self.daily

    def run_daily_jobs_when_ready(self) -> None:
        """After the first tab has its data: the window is usable first, and the jobs' own
        imports and queries do not compete with the first screen's."""
        if self._ready_sent:
            self.run_daily_jobs()
        else:
            self.ready.connect(self.run_daily_jobs, Qt.ConnectionType.SingleShotConnection)

    # ---- layout memory -----------------------------------------------------------------

    def _restore_state(self) -> None:
        settings = ui_state()
        if geometry := settings.value("window/geometry"):
            self.restoreGeometry(geometry)
        if state := settings.value("window/state"):
            self.restoreState(state)
        last = settings.value("window/tab")
        # The app opens on Today (issue 19); without it, on the tab used last.
        if "today" in self.pages:
            last = "today"
        if last in self.pages:  # pages restore their own state when built
            self.tabs.setCurrentIndex(list(self._specs).index(last))

    def save_layout(self) -> None:
        settings = ui_state()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/tab", self._key_at(self.tabs.currentIndex()))
        for page in self.pages.built().values():  # the others keep what they saved before
            if hasattr(page, "save_state"):
                page.save_state(settings)
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:  # closed already: the layout is saved and the database closed once
            event.ignore()
            return
        for page in self.pages.built().values():
            if hasattr(page, "can_close") and not page.can_close():
                self.tabs.setCurrentWidget(page)
                event.ignore()
                return
        self.save_layout()
        self.changes.close()
        self._closing = True
        workers.finish_running(self._show_finishing)  # a task may still be using the database
        self.services.db.dispose()
        event.accept()

    def _show_finishing(self) -> None:
        self.tabs.setEnabled(False)
        self.menuBar().setEnabled(False)
        self.statusBar().showMessage(_("Finishing the work in progress…"))

    # ---- menu actions ------------------------------------------------------------------

    def import_roster(self) -> None:
        self.tabs.setCurrentWidget(self.roster)
        self.roster.import_roster()

    def export_roster(self) -> None:
        self.roster.export_roster()

    def open_settings(self) -> None:
        from desktop.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        dialog.open()

    def open_staff(self) -> None:
        from desktop.ui.dialogs.staff import StaffDialog

        dialog = StaffDialog(self, self.services.staff, self.school.country.value)
        dialog.open()

    def about(self) -> None:
        QMessageBox.about(
            self,
            _("About School Office"),
            _(
                "<h3>{app} {version}</h3>"
                "<p>Roster, student cards, consents and billing for the school office.</p>"
                "<p>Database: {database}<br>Log files: {logs}</p>"
                "<p>Python {python}, Qt for Python {qt}</p>"
            ).format(
                app=APP_NAME,
                version=__version__,
                database=database_place(self.services.db.engine.url)[1],
                logs=log_dir(),
                python=platform.python_version(),
                qt=pyside_version,
            ),
        )
