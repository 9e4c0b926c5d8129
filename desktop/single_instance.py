"""The named mutex that tells the Windows installer School Office is running (issue 17).

installer/school-office.iss names the same mutex in `AppMutex=`: while any process holds it,
Setup and the uninstaller stop before they touch a file (an interactive run asks to close the
app and waits, a silent one refuses), and Setup re-checks it just before it removes the old
version's files. The GUI takes it at start-up (desktop/app.py) and `school-office-cli db backup`
while it copies the database, so an upgrade never replaces the files under a running app or
a scheduled backup.

Windows only: CreateMutexW through ctypes, held until the process ends (Windows releases it
then, also after a crash). Elsewhere a no-op. No Qt and nothing heavy is imported here.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

# Never change: installed uninstallers and older installers look for exactly this name.
# Also in installer/school-office.iss (AppMutex); tests/test_installer_wine.py checks the two.
APP_MUTEX = "SchoolOffice-6F0D3C2A-8B4E-4F7A-9C1D-2E5B7A9F4C13"

_held: list[int] = []  # the handles, kept open for the life of the process


def hold_app_mutex(name: str = APP_MUTEX) -> bool:
    """Create (or open) the named mutex and keep a handle to it until the process exits.

    Several holders at once are fine (two windows, the app and a backup): the installer only
    asks whether the mutex exists. Returns True when a handle is held; False off Windows or when
    Windows refused (logged, never fatal: the app runs, the installer just cannot see it).
    """
    if sys.platform != "win32":
        return False
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    create = kernel32.CreateMutexW
    create.argtypes = (wintypes.LPVOID, wintypes.BOOL, wintypes.LPCWSTR)
    create.restype = wintypes.HANDLE
    handle = create(None, False, name)
    if not handle:
        log.warning("could not create the mutex %s (error %s)", name, ctypes.get_last_error())
        return False
    _held.append(handle)
    return True
