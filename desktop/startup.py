"""How the app's start can end, apart from the window opening: light enough for the smoke test's
watchdog and the launcher to import before anything heavy (and without importing desktop.app)."""

from __future__ import annotations

EXIT_OK, EXIT_DATABASE, EXIT_NOT_STAFF, EXIT_NO_SCHOOL = 0, 3, 4, 5
EXIT_SETTINGS = 6  # the settings file exists but cannot be read: fix or delete it


class StartupAborted(Exception):
    """The app cannot start (the secretary was told why); carries the exit code."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code
