"""Change notifications on the GUI thread: every view shows current data without F5.

`ChangeBridge` subscribes to the database's change feed (desktop.db.changes, Qt-free). Writes run
on worker threads too, so a change is handed to the GUI thread through a queued signal; a burst
of commits (an import, a cascade) becomes one `changed` signal. Every few seconds it also polls
the shared change counter (a single-row SELECT, off the GUI thread): when another PC changed the
data, `changed` carries a `Change.from_elsewhere()` and every tab reloads.

`TabFollower` is what a tab needs: reload now when it is on screen and the change touches what
it shows; otherwise remember, and reload when it is shown next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from desktop.db.changes import Change
from desktop.db.session import Database
from desktop.domain.errors import SchoolOfficeError
from desktop.ui.workers import run_task

log = logging.getLogger(__name__)

COALESCE_MS = 150
POLL_MS = 3000


class ChangeBridge(QObject):
    changed = Signal(object)  # a Change (several merged), on the GUI thread
    _arrived = Signal()

    def __init__(
        self,
        db: Database,
        parent: QObject | None = None,
        *,
        coalesce_ms: int = COALESCE_MS,
        poll_ms: int = POLL_MS,
    ):
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: Change | None = None
        self._coalesce = QTimer(self, singleShot=True, interval=coalesce_ms)
        self._coalesce.timeout.connect(self._deliver)
        # Queued even from the GUI thread: a save finishes before the views reload.
        self._arrived.connect(self._coalesce.start, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = db.changes.subscribe(self.notify)
        self._watch = db.counter_watch()
        self._polling = False
        self.poll_timer = QTimer(self, interval=poll_ms)
        self.poll_timer.timeout.connect(self.poll)
        try:
            self._watch.poll()  # where the counter stands now: later moves are news
        except SchoolOfficeError as exc:
            log.warning("change counter: %s", exc)

    def notify(self, change: Change) -> None:
        """Any thread: a change to pass on (merged with others arriving meanwhile)."""
        with self._lock:
            self._pending = change if self._pending is None else self._pending.merge(change)
        self._arrived.emit()

    def _deliver(self) -> None:
        with self._lock:
            change, self._pending = self._pending, None
        if change:
            self.changed.emit(change)

    # ---- other PCs ------------------------------------------------------------------------

    def start_polling(self) -> None:
        self.poll_timer.start()

    def poll(self) -> None:
        """Has anyone else changed the data? Asked off the GUI thread (a server may be slow)."""
        if self._polling:
            return
        self._polling = True
        watch = self._watch
        run_task(lambda _p, _c: watch.poll(), self._polled, self._poll_failed)

    def _polled(self, moved_elsewhere: bool) -> None:
        self._polling = False
        if moved_elsewhere:
            self.notify(Change.from_elsewhere())

    def _poll_failed(self, exc: BaseException) -> None:
        self._polling = False
        if isinstance(exc, SchoolOfficeError):
            log.warning("change counter: %s", exc)  # the server is away: the next poll retries
            return
        log.error("change counter: polling stopped", exc_info=exc)
        self.poll_timer.stop()

    def close(self) -> None:
        self.poll_timer.stop()
        self._coalesce.stop()
        self._unsubscribe()


class TabFollower:
    """Reloads a tab when a change touches `tables`: now if it is on screen, else when shown.

    `controller` has `load()`, a `loaded` signal and `_loading`: a change that arrives while a
    load is under way reloads once more afterwards (that load may have read the old data)."""

    def __init__(self, widget: QWidget, tables: Iterable[str], controller: QObject):
        self.widget = widget
        self.tables = frozenset(tables)
        self.controller = controller
        self.started = False  # the tab loads itself when first shown
        self._missed: Change | None = None
        self._queued = False

    def changed(self, change: Change) -> None:
        if not self.started or not change.touches(*self.tables):
            return
        if self.widget.isVisible():
            self.reload(change)
        else:
            self._missed = change if self._missed is None else self._missed.merge(change)

    def shown(self) -> None:
        if self._missed is not None:
            change, self._missed = self._missed, None
            self.reload(change)

    def reload(self, change: Change) -> None:
        """controller.apply_change(change) if it can take a change in part, else load()."""
        controller = self.controller
        if not getattr(controller, "_loading", False):
            apply = getattr(controller, "apply_change", None)
            if apply is not None:
                apply(change)
            else:
                controller.load()
        elif not self._queued:
            self._queued = True
            controller.loaded.connect(self._load_again)

    def _load_again(self) -> None:
        self.controller.loaded.disconnect(self._load_again)
        self._queued = False
        QTimer.singleShot(0, self.controller.load)
