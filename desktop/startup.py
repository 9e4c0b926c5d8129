"""How the app's start can end, apart from the window opening: light enough for the smoke test's
watchdog and the launcher to import before anything heavy (and without importing desktop.app).
And the garbage collector's pause while the GUI starts."""

from __future__ import annotations

import gc

EXIT_OK, EXIT_DATABASE, EXIT_NOT_STAFF, EXIT_NO_SCHOOL = 0, 3, 4, 5
EXIT_SETTINGS = 6  # the settings file exists but cannot be read: fix or delete it


class StartupAborted(Exception):
    """The app cannot start (the secretary was told why); carries the exit code."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


# ---- the garbage collector while the GUI starts ---------------------------------------------


def pause_collector() -> None:
    """The GUI's start makes hundreds of thousands of objects that live as long as the app (Qt,
    SQLAlchemy, every model) and hardly any garbage; the collector's passes over that growing
    heap were about 15% of the start. Paused until the window is ready (resume_collector)."""
    gc.disable()


def resume_collector() -> None:
    """After the start: what it loaded is frozen, never scanned again (the 100k roster then
    loads 50 ms faster), and the collector runs again. Only after a pause_collector()."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
