"""Long work off the GUI thread: run_task, a Cancel flag the services poll, a progress dialog.

The work function receives `progress(done, total)` and `cancel() -> bool`, exactly what the
services accept. Its result, its error and its progress reach the callbacks on the GUI thread
through queued signals; the worker never touches a widget. Tests call `set_inline(True)` to run
every task synchronously, so they need no waiting at all.

On exit the window lets the running tasks finish (`finish_running`) before it closes the
database: no new task starts meanwhile, and a task that outlives the timeout is asked to cancel.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop.ui.text import _

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]
Work = Callable[[Progress, CancelCheck], Any]

log = logging.getLogger(__name__)

SLOW_MS = 300  # closing takes longer than this: the window says it is finishing
FINISH_TIMEOUT_MS = 15_000  # then the tasks still running are asked to cancel, and it closes

_inline = False
_running: set[Task] = set()  # keeps a task (and its signals) alive until it has reported
_closing = False  # the window waits for the running tasks before it closes: no new task starts


def set_inline(inline: bool) -> None:
    """Run tasks synchronously on the calling thread (tests); False restores the thread pool."""
    global _inline
    _inline = inline


class Task(QObject):
    """One piece of work. Lives on the GUI thread; only `_work` runs on the worker."""

    _result = Signal(object)
    _failure = Signal(object)
    _progress = Signal(int, int)
    finished = Signal()  # after the callbacks, on the GUI thread: tests wait on it

    def __init__(
        self,
        fn: Work,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[int, int], None] | None,
    ):
        super().__init__()
        self._fn = fn
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        self._cancel = threading.Event()  # set on the GUI thread, read by the worker
        # Receivers are this object's slots, so Qt queues the worker's emits to the GUI thread.
        self._result.connect(self._deliver_result)
        self._failure.connect(self._deliver_failure)
        self._progress.connect(self._deliver_progress)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _work(self) -> None:
        try:
            result = self._fn(self._progress.emit, self._cancel.is_set)
        except BaseException as exc:  # handed to the GUI thread, where it is shown or re-raised
            self._failure.emit(exc)
        else:
            self._result.emit(result)

    @Slot(object)
    def _deliver_result(self, result: object) -> None:
        try:
            if self._on_done:
                self._on_done(result)
        finally:
            self._finish()

    @Slot(object)
    def _deliver_failure(self, exc: BaseException) -> None:
        try:
            if self._on_error is None:
                raise exc  # a bug: let the crash handler report it
            self._on_error(exc)
        finally:
            self._finish()

    @Slot(int, int)
    def _deliver_progress(self, done: int, total: int) -> None:
        if self._on_progress:
            self._on_progress(done, total)

    def _finish(self) -> None:
        _running.discard(self)
        self.finished.emit()


def run_task(
    fn: Work,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Task:
    """Run `fn(progress, cancel)` on the thread pool; callbacks arrive on the GUI thread."""
    task = Task(fn, on_done, on_error, on_progress)
    if _closing:  # nothing it would report could be shown any more
        log.info("not started: the app is closing")
        return task
    _running.add(task)
    if _inline:
        task._work()  # direct connections: same thread, so the callbacks run before we return
    else:
        prepare_for_threads()
        QThreadPool.globalInstance().start(task._work)
    return task


def prepare_for_threads() -> None:
    """Before a worker starts: the models load per area when first used; with worker threads
    they load all at once, on this thread (desktop.db.models.load_all_configured). After the
    first time, a few dictionary lookups."""
    from desktop.db.models import load_all_configured

    load_all_configured()


def run_with_progress(
    parent: QWidget,
    label: str,
    fn: Work,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    cancellable: bool = True,
) -> Task:
    """run_task behind a window-modal progress dialog; Cancel sets the task's cancel flag."""
    if _closing:
        return run_task(fn)  # not started, and no dialog left waiting for it: the app is closing
    dialog = QProgressDialog(label, _("Cancel") if cancellable else None, 0, 0, parent)
    dialog.setWindowTitle(_("Please wait"))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(250)
    dialog.setMinimumWidth(360)

    def progress(done: int, total: int) -> None:
        if total > 0 and not dialog.wasCanceled():
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))

    def close() -> None:
        show_later.stop()
        dialog.reset()
        dialog.close()
        dialog.deleteLater()

    def done(result: object) -> None:
        close()
        if on_done:
            on_done(result)

    def failed(exc: BaseException) -> None:
        close()
        if on_error is None:
            raise exc
        on_error(exc)

    # Quick work finishes before the dialog would flash on screen.
    show_later = QTimer(dialog, singleShot=True, interval=250)
    show_later.timeout.connect(dialog.show)
    show_later.start()
    task = run_task(fn, done, failed, progress)
    dialog.canceled.connect(task.cancel)
    return task


def busy() -> bool:
    """Some task has not reported yet (its work or its callbacks are still to run)."""
    return bool(_running)


def finish_running(on_slow: Callable[[], None]) -> bool:
    """Before the app closes its database: wait for the running tasks to report, refusing new
    ones; the window keeps painting meanwhile. `on_slow()` if it takes more than SLOW_MS. At
    FINISH_TIMEOUT_MS the tasks still running are asked to cancel, and False is returned."""
    global _closing
    if not _running:
        return True
    loop = QEventLoop()

    def reported() -> None:
        if not _running:
            loop.quit()

    slow = QTimer(singleShot=True, interval=SLOW_MS)
    slow.timeout.connect(on_slow)
    give_up = QTimer(singleShot=True, interval=FINISH_TIMEOUT_MS)
    give_up.timeout.connect(loop.quit)
    for task in list(_running):
        task.finished.connect(reported)
    _closing = True
    slow.start()
    give_up.start()
    try:
        loop.exec()
    finally:
        _closing = False  # the window is gone once this returns; a test may open another
        slow.stop()
        give_up.stop()
    if _running:
        log.warning("closing with %d task(s) still running: asked to cancel", len(_running))
        for task in list(_running):
            task.cancel()
        return False
    return True
