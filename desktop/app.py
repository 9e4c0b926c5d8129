"""Composition root of the GUI: logging → settings → database → staff member → school → window.

The database is opened before Qt is imported: SQLAlchemy first starts faster, and a database
problem is known before any window exists. reportlab and openpyxl are never imported here;
the features that need them import them when used.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from desktop import APP_NAME, ORG_NAME, __version__, crash_report
from desktop.domain.errors import AccessRevoked, DatabaseError, SchoolOfficeError
from desktop.domain.roster import Country
from desktop.services.container import Services, open_database
from desktop.services.school import SchoolProfile
from desktop.services.staff import NotStaff, resolve_actor
from desktop.settings import Settings, SettingsError, load_settings, log_dir
from desktop.startup import (
    EXIT_DATABASE,
    EXIT_NO_SCHOOL,
    EXIT_NOT_STAFF,
    EXIT_OK,
    EXIT_SETTINGS,
    StartupAborted,
    resume_collector,
)

if TYPE_CHECKING:
    from desktop.db.session import Database

log = logging.getLogger(__name__)

LOG_FILE_NAME = "school-office.log"
RESUME_COLLECTOR_MS = 10_000


def _(message: str) -> str:
    """The UI's translation hook (desktop.ui.text), imported only when a message is shown."""
    from desktop.ui.text import _ as translate

    return translate(message)


def dialogs_enabled() -> bool:
    """SCHOOL_OFFICE_NO_DIALOGS=1 (CI): messages go to stderr and the log, never a box."""
    from desktop.ui.messages import dialogs_enabled as enabled

    return enabled()


# ---- logging and the crash handler ------------------------------------------------------


def setup_logging() -> Path:
    """Everything from INFO up goes to a rotating file; stderr keeps what the CLI set."""
    path = log_dir() / LOG_FILE_NAME
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    for existing in root.handlers:  # the console stays as quiet as it was
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level)
    root.addHandler(handler)
    root.setLevel(min(root.level, logging.INFO))
    return path


def install_crash_handler(log_file: Path) -> None:
    """An unexpected error is written to stderr and the log first, then shown (if allowed)."""

    def handle(kind: type[BaseException], exc: BaseException, tb: TracebackType | None):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        text = "".join(traceback.format_exception(kind, exc, tb))
        log.critical("unexpected error\n%s", text)  # the log first: it is always there
        if sys.stderr is not None:  # a windowed (PyInstaller) app has no console at all
            try:
                sys.stderr.write(text)
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
        if dialogs_enabled():
            _show_crash(text, log_file)

    sys.excepthook = handle


_crash_shown = False  # an error repeated while the dialog is open (a paint event) is only logged


def _show_crash(error: str, log_file: Path) -> None:
    """The error report to save or copy for IT support (desktop/ui/dialogs/crash.py)."""
    global _crash_shown
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None or _crash_shown:
        return
    from desktop.ui.dialogs.crash import CrashDialog

    _crash_shown = True
    try:
        CrashDialog(error, log_file, QApplication.activeWindow()).exec()
    finally:
        _crash_shown = False


# ---- start-up steps -------------------------------------------------------------------------


# locale.getlocale() says "et_EE" on Linux and "Estonian_Estonia" on Windows.
_SYSTEM_LANGUAGES = {"et": "et", "estonian": "et", "sl": "sl", "slovenian": "sl"}


def _system_language() -> str:
    import locale

    name = (locale.getlocale()[0] or "").replace("-", "_").split("_")[0].lower()
    return _SYSTEM_LANGUAGES.get(name, "en")


def apply_ui_language(settings: Settings, school: SchoolProfile | None = None) -> str:
    """The UI language: the setting, else the school's language; before there is a school (the
    first-run dialog, a database that cannot be opened) the system's language or English."""
    from desktop import i18n

    chosen = settings.ui_language or (str(school.default_language) if school else "")
    chosen = chosen or _system_language()
    try:
        i18n.set_ui_language(chosen)
    except i18n.UnsupportedLanguage:
        log.warning("ignoring unknown UI language %r", chosen)
        i18n.set_ui_language(i18n.DEFAULT_LANGUAGE)
    return i18n.ui_language()


def _qt_app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QApplication.setOrganizationName(ORG_NAME)
        QApplication.setApplicationName(APP_NAME)
        QApplication.setApplicationVersion(__version__)
        app = QApplication(sys.argv[:1])
        from PySide6.QtGui import QIcon

        from desktop.resources import resource_path

        app.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))  # installer/make_icon.py
    from desktop.ui.qt_texts import install_qt_translator
    from desktop.ui.style import install_style

    install_style(app)  # accents on capitals in tab titles (Õpilased, Šola)
    install_qt_translator(app)  # OK, Cancel, Back, Next in the UI language
    return app


def _tell(title: str, text: str) -> None:
    """A start-up message: a box for the secretary, stderr for CI and scripts."""
    print(f"{title}: {text}", file=sys.stderr)
    if dialogs_enabled():
        from desktop.ui import messages

        _qt_app()
        messages.warn(None, title, text)


def _open_database(url: str, fixed_url: bool):
    """Open the database; on failure offer Settings (a wrong server address) and try again."""
    while True:
        try:
            return open_database(url)
        except DatabaseError as exc:
            log.warning("cannot open the database: %s", exc)
            if isinstance(exc, AccessRevoked):  # R116: recorded at the next successful start
                from desktop.services.login_audit import remember_failed_login

                remember_failed_login(url, str(exc), "gui")
            problem = _(exc.args[0]) if exc.args else str(exc)  # a damaged file: what to do
            print(_("Cannot open the database: {problem}").format(problem=problem), file=sys.stderr)
            if not dialogs_enabled():
                raise StartupAborted(EXIT_DATABASE) from exc
            from desktop.ui import messages
            from desktop.ui.dialogs.settings_dialog import SettingsDialog

            _qt_app()
            answer = messages.ask(
                None,
                APP_NAME,
                _(
                    "School Office cannot open its database.\n\n{problem}\n\nIf the database "
                    "is on a server, check its address and password in Settings."
                ).format(problem=problem),
                [("settings", _("Open Settings…")), ("retry", _("Try again")), ("quit", _("Quit"))],
                default="settings",
                escape="quit",
            )
            if answer == "quit":
                raise StartupAborted(EXIT_DATABASE) from exc
            if answer == "settings":
                dialog = SettingsDialog(None)
                if dialog.exec() and not fixed_url:
                    url = dialog.settings.effective_database_url


def _ensure_school(services: Services, demo: bool):
    school = services.school.get()
    if school is not None:
        return school
    if demo:
        from desktop.services.demo import DemoService

        DemoService(services.db, services.actor).fill(Country.EE)
        return services.school.require_school()
    if not dialogs_enabled():
        print(
            _(
                "This database has no school yet; start with --demo or create one with "
                "`school-office school init`."
            ),
            file=sys.stderr,
        )
        raise StartupAborted(EXIT_NO_SCHOOL)
    from desktop.ui.dialogs.first_run import FirstRunDialog

    _qt_app()
    dialog = FirstRunDialog(
        None, lambda v: services.school.create(SchoolProfile(v.name, v.country))
    )
    if not dialog.exec():
        raise StartupAborted(EXIT_OK)
    return dialog.result_value


def _choose_password(db, actor):
    """A one-time initial password is replaced before anything else (R119)."""
    from desktop.integrations.secrets import database_secret_key, set_secret
    from desktop.services.staff import change_own_password

    if not dialogs_enabled():
        _tell(
            APP_NAME,
            _(
                "{login} still has the one-time password. Choose your own first: school-office "
                "staff password"
            ).format(login=actor.login),
        )
        raise StartupAborted(EXIT_NOT_STAFF)
    from desktop.ui.dialogs.password import NewPasswordDialog

    url = db.engine.url
    key = database_secret_key(url.username or "", url.host or "", url.port, url.database or "")
    _qt_app()
    dialog = NewPasswordDialog(
        None,
        "EE",
        actor.login,
        lambda password: change_own_password(
            db, actor, password, lambda kept: set_secret(key, kept)
        ),
    )
    if not dialog.exec():
        raise StartupAborted(EXIT_OK)
    return resolve_actor(db)


def start_gui(database_url: str | None, demo: bool):
    """Everything up to a shown main window; returns (QApplication, MainWindow)."""
    from desktop.single_instance import hold_app_mutex

    hold_app_mutex()  # the installer's AppMutex: no upgrade under a running app (issue 17)
    log_file = setup_logging()
    install_crash_handler(log_file)
    log.info("School Office %s starting", __version__)
    try:
        settings = load_settings()
    except SettingsError as exc:  # never a silent new empty database in its place
        log.error("%s", exc)
        apply_ui_language(Settings())  # the Windows language, as before there is a school
        _tell(_("The settings cannot be read"), _(exc.message(_)))
        raise StartupAborted(EXIT_SETTINGS) from exc
    apply_ui_language(settings)  # start-up messages already speak the secretary's language
    db = _open_database(
        database_url or settings.effective_database_url, fixed_url=database_url is not None
    )
    try:
        return _open_window(db, settings, demo)
    except BaseException:  # refused or failed before the window owns the database
        db.dispose()
        raise


def _open_window(db: Database, settings: Settings, demo: bool):
    """Who is signing in, the school, the main window: (QApplication, MainWindow)."""
    crash_report.remember_database(db.engine.dialect.name, db.engine.dialect.server_version_info)
    from desktop.services.login_audit import record_start, remember_failed_login

    try:
        actor = resolve_actor(db)
    except NotStaff as exc:
        remember_failed_login(str(db.engine.url), str(exc), "gui")  # R116
        _tell(APP_NAME, _(exc.args[0]) if exc.args else str(exc))
        raise StartupAborted(EXIT_NOT_STAFF) from exc
    except DatabaseError as exc:
        _tell(_("Cannot open the database"), str(exc))
        raise StartupAborted(EXIT_DATABASE) from exc
    record_start(db, actor.login, "gui")  # R116: who, when, app version, PC
    if actor.must_change_password:
        actor = _choose_password(db, actor)
    services = Services(db, actor)
    try:
        school = _ensure_school(services, demo)
    except SchoolOfficeError as exc:
        _tell(APP_NAME, str(exc))
        raise StartupAborted(EXIT_NO_SCHOOL) from exc
    log.info("UI language: %s", apply_ui_language(settings, school))
    app = _qt_app()
    from desktop.ui.main_window import MainWindow

    window = MainWindow(services, school)
    window.show()
    window.run_daily_jobs_when_ready()  # today's jobs, if no PC has run them yet
    return app, window


def run_smoke_test(report: str | None) -> int:
    """`--smoke-test`: the app on a throwaway home with the demo school (desktop.ui.smoke)."""
    from desktop.ui.smoke import SmokeTest

    return SmokeTest(report).run(lambda: start_gui(None, demo=True))


def run_gui(database_url: str | None, demo: bool) -> int:
    try:
        app, window = start_gui(database_url, demo)  # held while the app runs
    except StartupAborted as stop:
        resume_collector()
        return stop.code
    # The collector paused for the start (desktop.cli) runs again once the first tab has its
    # data, or after a while whatever happens to that tab.
    window.ready.connect(resume_collector)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(RESUME_COLLECTOR_MS, resume_collector)
    return app.exec()  # the window closes the database once its running tasks have finished
