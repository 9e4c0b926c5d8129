"""Where the window remembers its layout: geometry, splitters, columns, the last tab.

An INI file next to settings.json (not the registry), so SCHOOL_OFFICE_HOME keeps tests and
portable installs self-contained. The app's organisation and name are set on QApplication.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from desktop.settings import config_dir


def ui_state() -> QSettings:
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
