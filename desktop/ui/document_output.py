"""Where a document the app produces goes: always the print preview first, with Print and Save.

Every "Print" in the tabs opens the preview (PdfPreviewDialog): the system's print dialog is one
click away, and Save as PDF proposes a name that says what the document is, for whom and on
which day, in a "School Office" folder under the user's Documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QWidget

from desktop import APP_NAME

if TYPE_CHECKING:
    from desktop.ui.dialogs.pdf_preview import PdfPreviewDialog

# Characters Windows refuses in a file name, and control characters.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')
MAX_NAME = 120  # well inside Windows' 255, leaving room for the folder


def documents_folder() -> Path:
    """Documents\\School Office (made when first needed)."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents or Path.home()) / APP_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path(documents or Path.home())  # the save dialog still lets them choose
    return folder


def file_name(what: str, whom: str = "", day: date | None = None) -> str:
    """'Invoice 2026-000226 - Ana Novak - 2026-12-07.pdf': what, for whom, the day."""
    parts = [p for p in (what, whom, day.isoformat() if day else "") if p]
    name = _UNSAFE.sub(" ", " - ".join(parts))
    name = re.sub(r"\s+", " ", name).strip(" .")[:MAX_NAME].rstrip(" .")
    return f"{name or 'document'}.pdf"


def show_document(
    parent: QWidget | None,
    pdf: bytes,
    title: str,
    name: str,
    on_closed: Callable[[bool], None] | None = None,
) -> PdfPreviewDialog:
    """Open the preview (not modal); `on_closed(delivered)` says whether it was printed or saved."""
    from desktop.ui.dialogs.pdf_preview import PdfPreviewDialog  # QtPdf: only when printing

    preview = PdfPreviewDialog(parent, pdf, title, name)
    if on_closed is not None:
        preview.finished.connect(lambda _result: on_closed(preview.delivered))
    preview.open()
    return preview
