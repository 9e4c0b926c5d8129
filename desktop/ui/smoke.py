"""`school-office --smoke-test`: the whole app once, on a throwaway home and database.

CI runs it on the frozen (PyInstaller) app, and the tests run it from source. It starts the app
as a secretary would (the demo school on an empty database), opens every tab and waits until
each has loaded its data, prints the terms through TermsService and a sample letter in Estonian
and Slovenian through DocumentService, reads the PDFs back with QtPdf (the text must keep
õ ä ö ü š ž č ć), checks that fonts, translations, migrations and the database drivers came
from the bundle, closes the window and exits 0.

Any failure exits 1 and says why on stderr, in the log file and in the report; a run that hangs
(a dialog, a deadlock) is ended by a watchdog after TIMEOUT_S seconds with exit code 124.
Dialogs are always off. `--smoke-report FILE` writes the result as JSON, the log as FILE.log
and the PDFs as FILE-*.pdf next to it: a windowed Windows app has no stdout or stderr
(sys.stdout is None), so the report is what CI reads there.

The user's own home, settings and database are never touched: SCHOOL_OFFICE_HOME points at a
temporary folder, removed after a passing run and kept (and named) after a failing one.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop import __version__
from desktop.domain import clock
from desktop.startup import StartupAborted

log = logging.getLogger(__name__)

TIMEOUT_S = 120.0  # the whole run; a normal one takes well under 30 s
TAB_TIMEOUT_S = 60.0
EXIT_PASSED, EXIT_FAILED, EXIT_TIMEOUT = 0, 1, 124
LETTER_LANGUAGES = ("et", "sl")  # the sample letter prints õ ä ö ü š ž č ć in both


class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


@dataclass
class Step:
    name: str
    seconds: float
    detail: str = ""


@dataclass
class Report:
    ok: bool = False
    exit_code: int = EXIT_FAILED
    reason: str = ""
    version: str = __version__
    frozen: bool = field(default_factory=lambda: bool(getattr(sys, "frozen", False)))
    platform: str = sys.platform
    seconds: float = 0.0
    steps: list[Step] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    log_file: str = ""
    home: str = ""


def say(text: str, *, error: bool = False) -> None:
    """Print if there is a console: a windowed Windows app has sys.stdout = sys.stderr = None."""
    stream = sys.stderr if error else sys.stdout
    if stream is None:
        return
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


class _ProblemLog(logging.Handler):
    """Collects what the app reports as a problem while dialogs are off (a load that failed, an
    error box, the crash handler): any WARNING or worse from the app's own loggers."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("desktop") and not record.name.startswith(__name__):
            self.problems.append(f"{record.name}: {record.getMessage()}")


class SmokeTest:
    def __init__(self, report_path: str | os.PathLike[str] | None, timeout: float = TIMEOUT_S):
        self.report_path = Path(report_path).resolve() if report_path else None
        self.timeout = timeout
        self.report = Report()
        self.step_name = "preparing"
        self.started = time.monotonic()
        self.problems = _ProblemLog()
        self.app = self.window = None
        self.loads: dict[str, list[float]] = {}  # per tab: when its `loaded` signal came
        self._finished = threading.Lock()  # the main thread or the watchdog reports, not both

    # ---- the run -------------------------------------------------------------------------

    def run(self, start: Callable[[], tuple[object, object]]) -> int:
        """`start()` is desktop.app.start_gui bound to the demo school: (QApplication, window)."""
        if self.report_path is not None:
            self.report_path.parent.mkdir(parents=True, exist_ok=True)
        home = Path(tempfile.mkdtemp(prefix="school-office-smoke-"))
        self.report.home = str(home)
        # Before anything reads a setting: everything below lives in the temporary home.
        os.environ["SCHOOL_OFFICE_HOME"] = str(home)
        os.environ["SCHOOL_OFFICE_NO_DIALOGS"] = "1"
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # else Qt aborts, silently
        watchdog = threading.Timer(self.timeout, self._timed_out)
        watchdog.daemon = True
        watchdog.start()
        say(f"smoke test: School Office {__version__}, temporary home {home}")
        try:
            self._steps(start)
        except SmokeFailure as exc:
            return self._finish(EXIT_FAILED, str(exc))
        except BaseException as exc:  # a bug or a missing module: the traceback is the reason
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            log.error("smoke test: unexpected error in step %r\n%s", self.step_name, text)
            return self._finish(EXIT_FAILED, f"{self.step_name}: {type(exc).__name__}: {exc}")
        finally:
            watchdog.cancel()
        return self._finish(EXIT_PASSED, "")

    def _steps(self, start: Callable[[], tuple[object, object]]) -> None:
        logging.getLogger().addHandler(self.problems)
        with self._step("start") as detail:
            try:
                app, window = start()
            except StartupAborted as stop:
                raise SmokeFailure(f"the app did not start (exit code {stop.code})") from None
            self.app, self.window = app, window
            # Tabs load off the GUI thread and report through queued signals, so nothing has
            # arrived yet: connecting now sees every tab's first load, the visible one's too.
            for key, page in window.pages.items():
                self.loads[key] = []
                if hasattr(page, "loaded"):
                    page.loaded.connect(lambda key=key: self.loads[key].append(time.monotonic()))
            self.report.log_file = str(_log_file() or "")
            database = window.services.db.engine.url.database or ""
            if not Path(database).resolve().is_relative_to(Path(self.report.home).resolve()):
                raise SmokeFailure(f"the database {database} is not in the temporary home")
            if app.windowIcon().isNull():
                raise SmokeFailure("the app icon (resources/icons/app.png) did not load")
            detail(f"{window.school.name}, {window.school.country.value}")
        for key, page in window.pages.items():
            with self._step(f"tab {key}") as detail:
                detail(self._open_tab(key, page))
        with self._step("bundle") as detail:
            detail(check_bundle())
        with self._step("terms") as detail:
            detail(self._print_terms())
        for language in LETTER_LANGUAGES:
            with self._step(f"letter {language}") as detail:
                detail(self._print_letter(language))
        with self._step("close"):
            window.close()
            self.app.processEvents()
            if window.isVisible():
                raise SmokeFailure("the window refused to close")
            from PySide6.QtCore import QThreadPool

            if not QThreadPool.globalInstance().waitForDone(30_000):
                raise SmokeFailure("background work was still running 30 s after closing")
            window.services.db.dispose()

    # ---- steps ---------------------------------------------------------------------------

    def _step(self, name: str):
        return _StepContext(self, name)

    def _open_tab(self, key: str, page) -> str:
        from PySide6.QtWidgets import QAbstractItemView

        self.window.tabs.setCurrentWidget(page)
        if hasattr(page, "loaded"):
            loads = self.loads[key]
            self._wait(lambda: bool(loads), TAB_TIMEOUT_S, f"loading the {key} tab")
        self.app.processEvents()
        rows = {
            view.objectName() or type(view).__name__: view.model().rowCount()
            for view in page.findChildren(QAbstractItemView)
            if view.model() is not None and view.isVisibleTo(page)
        }
        if key == "roster" and not any(rows.values()):
            raise SmokeFailure("the roster tab shows no students after loading the demo school")
        return ", ".join(f"{name} {count}" for name, count in sorted(rows.items()) if count)

    def _print_terms(self) -> str:
        services = self.window.services
        school = services.school.require_school()
        language = school.default_language.value
        key = services.terms.default_document_key()
        printed = services.terms.print_in_force(key, language=language)
        title = services.terms.document(key).title(language)
        pages, _text = check_pdf(printed.pdf, f"terms {key}", must_contain=(title,))
        self._save(printed.pdf, f"terms-{language}")
        return f"{key} {printed.version.label} in {language}, {pages} page(s)"

    def _print_letter(self, language: str) -> str:
        from desktop.documents.sample_letter import KIND, LETTERS, SUBJECT, build_sample_letter
        from desktop.i18n import translator
        from desktop.services.documents import DocumentRequest

        services = self.window.services
        tr = translator(language)
        subject = tr.gettext(SUBJECT)
        if language != "en" and subject == SUBJECT:
            raise SmokeFailure(f"no {language} translation: the catalogue did not load")
        student_id, guardian = self._recipient(language)
        request = DocumentRequest(KIND, subject, language, student_id, guardian.guardian_id)
        letterhead = services.documents.letterhead()
        address = tuple(
            line
            for line in (
                guardian.full_name,
                guardian.street,
                f"{guardian.postal_code} {guardian.city}".strip(),
            )
            if line
        )
        produced = services.documents.produce(
            request,
            lambda info: build_sample_letter(
                letterhead, info, language, address, guardian.full_name
            ),
        )
        check_pdf(
            produced.pdf,
            f"{language} letter",
            must_contain=(LETTERS, subject, guardian.full_name),
        )
        recorded = {r.document_id: r.sha256 for r in services.documents.history(student_id)}
        if recorded.get(produced.document_ids[0]) != produced.sha256:
            raise SmokeFailure(f"{language} letter: not recorded in the student's history")
        self._save(produced.pdf, f"letter-{language}")
        return f"{produced.document_ids[0]} to {guardian.full_name}"

    def _recipient(self, language: str):
        """A guardian who may receive letters today (R15), from the demo roster."""
        services = self.window.services
        today = services.school.require_school().today()
        for class_name in services.roster.class_names():
            for student_id, guardian_id in services.terms.recipients(class_name=class_name):
                if guardian_id is None:
                    continue
                for link in services.roster.contactable_guardians(student_id, today):
                    if link.guardian_id == guardian_id and link.street:
                        return student_id, link
        raise SmokeFailure(f"no guardian in the demo school may receive a {language} letter")

    # ---- helpers -------------------------------------------------------------------------

    def _wait(self, done: Callable[[], bool], seconds: float, what: str) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        if done():
            return
        deadline = time.monotonic() + seconds
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: (done() or time.monotonic() > deadline) and loop.quit())
        timer.start()
        loop.exec()
        timer.stop()
        if not done():
            raise SmokeFailure(f"{what} did not finish within {seconds:.0f} s")

    def _save(self, pdf: bytes, name: str) -> None:
        if self.report_path is None:
            return
        from desktop.documents import save_atomic

        path = self.report_path.with_name(f"{self.report_path.stem}-{name}.pdf")
        save_atomic(pdf, path)
        self.report.documents.append(str(path))

    def check_problems(self) -> None:
        if self.problems.problems:
            found = "; ".join(self.problems.problems)
            self.problems.problems.clear()
            raise SmokeFailure(f"the app reported a problem: {found}")

    # ---- the outcome ---------------------------------------------------------------------

    def _finish(self, code: int, reason: str) -> int:
        if not self._finished.acquire(blocking=False):
            return code  # the watchdog is reporting
        self.report.ok = code == EXIT_PASSED
        self.report.exit_code = code
        self.report.reason = reason
        self.report.seconds = round(time.monotonic() - self.started, 2)
        if self.report.ok:
            log.info("smoke test passed in %.1f s", self.report.seconds)
            say(f"smoke test passed in {self.report.seconds:.1f} s")
        else:
            # One line on stderr (the console handler shows ERROR) and in the log file.
            log.error(
                "smoke test FAILED: %s (the log and the database are kept in %s)",
                reason,
                self.report.home,
            )
        logging.getLogger().removeHandler(self.problems)
        self._write_report()
        if self.report.ok:
            _close_log_files()  # Windows cannot delete an open log file
            shutil.rmtree(self.report.home, ignore_errors=True)
        return code

    def _write_report(self) -> None:
        if self.report_path is None:
            return
        try:
            for handler in logging.getLogger().handlers:
                handler.flush()
            if self.report.log_file and Path(self.report.log_file).is_file():
                shutil.copyfile(self.report.log_file, self.report_path.with_suffix(".log"))
            self.report_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.report_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(self.report), indent=2), encoding="utf-8")
            tmp.replace(self.report_path)
        except OSError as exc:
            log.error("smoke test: cannot write the report %s: %s", self.report_path, exc)

    def _timed_out(self) -> None:
        """On the watchdog thread: say where it hung, dump every thread's stack, and end it."""
        reason = (
            f"no result after {self.timeout:.0f} s, stuck in step {self.step_name!r} "
            "(a dialog waiting for an answer, or a hang)"
        )
        log_file = _log_file()
        if log_file is not None:
            try:
                with log_file.open("a", encoding="utf-8") as f:
                    f.write(f"smoke test: watchdog: {reason}; the threads' stacks:\n")
                    f.flush()
                    faulthandler.dump_traceback(f, all_threads=True)
            except OSError:
                pass
        self._finish(EXIT_TIMEOUT, reason)
        os._exit(EXIT_TIMEOUT)  # the GUI thread is stuck: no clean way out of it


class _StepContext:
    """Times a step, records it, and turns problems the app logged meanwhile into a failure."""

    def __init__(self, smoke: SmokeTest, name: str):
        self.smoke, self.name, self.detail = smoke, name, ""

    def __enter__(self) -> Callable[[str], None]:
        self.smoke.step_name = self.name
        self.started = time.monotonic()
        log.info("smoke test: %s", self.name)
        return self._set_detail

    def _set_detail(self, text: str) -> None:
        self.detail = text

    def __exit__(self, kind, exc, tb) -> bool:
        if kind is None:
            self.smoke.check_problems()
        seconds = round(time.monotonic() - self.started, 2)
        if kind is None:
            self.smoke.report.steps.append(Step(self.name, seconds, self.detail))
            line = f"{self.name}: {seconds:.1f} s" + (f" ({self.detail})" if self.detail else "")
            log.info("smoke test: %s", line)
            say(f"  {line}")
        return False


# ---- checks that need no window ---------------------------------------------------------


def check_pdf(pdf: bytes, what: str, must_contain: tuple[str, ...] = ()) -> tuple[int, str]:
    """A real PDF with DejaVu Sans embedded, whose text (read back with QtPdf, as the preview
    does) contains every string in `must_contain`. Returns (pages, text)."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImage

    from desktop.ui.dialogs.pdf_preview import load_pdf

    if not pdf.startswith(b"%PDF-"):
        raise SmokeFailure(f"{what}: not a PDF (starts with {pdf[:8]!r})")
    if b"/FontFile2" not in pdf or b"DejaVuSans" not in pdf:
        raise SmokeFailure(f"{what}: DejaVu Sans is not embedded")
    try:
        document, buffer = load_pdf(pdf)
    except ValueError as exc:
        raise SmokeFailure(f"{what}: QtPdf cannot read it: {exc}") from None
    try:
        pages = document.pageCount()
        text = " ".join(document.getAllText(page).text() for page in range(pages))
        image = document.render(0, QSize(298, 421)).convertToFormat(QImage.Format.Format_Grayscale8)
    finally:
        document.close()
        buffer.close()
    flat = re.sub(r"\s+", " ", text)
    for expected in must_contain:
        missing = [c for c in expected if not c.isspace() and c not in flat]
        if missing:  # name the letters: a font or encoding problem shows as exactly these
            raise SmokeFailure(f"{what}: {''.join(missing)} lost in the PDF's text")
        if re.sub(r"\s+", " ", expected) not in flat:
            raise SmokeFailure(f"{what}: {expected!r} is not in the PDF's text")
    samples = (image.pixelColor(x, y).value() for x in range(0, 298, 3) for y in range(0, 421, 3))
    if min(samples) > 128:
        raise SmokeFailure(f"{what}: page 1 renders blank")
    return pages, flat


def check_bundle() -> str:
    """What a frozen app most often lacks: fonts, catalogues, migrations, locale data, the
    PostgreSQL driver and (on Windows) the keyring backend. From source this checks the same
    things where they are in a checkout."""
    import keyring.backend
    import psycopg
    from reportlab.pdfbase import pdfmetrics
    from sqlalchemy import create_engine

    from desktop.db.schema import MIGRATIONS
    from desktop.documents.fonts import FONT_FILES, register_fonts
    from desktop.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, translator
    from desktop.resources import resource_path, resources_root

    frozen = getattr(sys, "frozen", False)
    bundle = Path(getattr(sys, "_MEIPASS", "")).resolve() if frozen else None

    def inside_bundle(path: Path, what: str) -> None:
        if bundle is not None and not path.resolve().is_relative_to(bundle):
            raise SmokeFailure(f"{what} comes from {path}, outside the bundle {bundle}")

    register_fonts()
    for name, file_name in FONT_FILES.items():
        loaded = Path(pdfmetrics.getFont(name).face.filename).resolve()
        if loaded != resource_path("fonts", file_name).resolve():
            raise SmokeFailure(f"font {name} was loaded from {loaded}")
        inside_bundle(loaded, f"font {name}")
    inside_bundle(resources_root(), "the resources folder")
    for language in LANGUAGES:
        mo = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if frozen and not mo.is_file():
            raise SmokeFailure(f"the {language} catalogue {mo} is missing")
        tr = translator(language)
        tr.format_date(clock.now().date(), "long")  # Babel's locale data must be in the bundle
        tr.format_money(1250)
    inside_bundle(LOCALE_DIR, "the translations")
    # The demo school is Estonian, so the Billing tab (Slovenian schools) is not opened: its
    # modules must still be in the bundle.
    importlib.import_module("desktop.ui.tabs.billing")
    versions = sorted(p.name for p in (MIGRATIONS / "versions").glob("0*.py"))
    if not (MIGRATIONS / "env.py").is_file() or not versions:
        raise SmokeFailure(f"the migrations are missing from {MIGRATIONS}")
    inside_bundle(MIGRATIONS, "the migrations")
    # The PostgreSQL dialect and driver load without a server: a missing hidden import or
    # libpq shows here, not on the first school that switches to PostgreSQL.
    create_engine("postgresql+psycopg://smoke@127.0.0.1/smoke").dispose()
    libpq = psycopg.pq.version()
    # Every backend keyring can use here (found through its entry points, as at run time);
    # the Windows Credential Manager must be among them, whichever one is chosen.
    backends = sorted(type(k).__name__ for k in keyring.backend.get_all_keyring())
    if sys.platform == "win32" and "WinVaultKeyring" not in backends:
        raise SmokeFailure(f"no Windows Credential Manager backend in keyring ({backends})")
    return (
        f"{len(versions)} migrations, psycopg {psycopg.pq.__impl__} libpq {libpq}, "
        f"keyring backends {', '.join(backends)}"
    )


def _log_file() -> Path | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def _close_log_files() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler):
            root.removeHandler(handler)
            handler.close()
