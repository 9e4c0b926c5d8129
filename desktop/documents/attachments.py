"""Files embedded inside a PDF (PDF 1.7 §7.11.4 embedded file streams, ISO 32000-2 /AF).

reportlab has no public API for attachments, but its low-level pdfdoc objects can express
them: an /EmbeddedFile stream, a /Filespec that points at it, and the catalogue's /Names tree
(/EmbeddedFiles) listing the file specs. Viewers show them in their attachments panel (the
catalogue asks to open it), and pypdf or `pdfdetach` extract them. Used by the data-access
export (R60 OPEN (c)): a machine-readable JSON copy of what the pages show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Attachment:
    name: str  # file name shown by the viewer, e.g. "access-export.json"
    data: bytes
    mime: str  # "application/json"
    description: str = ""
    modified: datetime | None = None  # an instant; the PDF gets it as ModDate

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or "\\" in self.name:
            raise ValueError(f"an attachment needs a plain file name, not {self.name!r}")
        if "/" not in self.mime:
            raise ValueError(f"bad MIME type {self.mime!r}")


def _pdf_name(text: str) -> str:
    """A PDF name object, with the characters a name cannot hold written as #xx (/ → #2F)."""
    safe = "".join(
        ch if 0x21 <= ord(ch) <= 0x7E and ch not in "#/()<>[]{}%" else f"#{ord(ch):02X}"
        for ch in text
    )
    return "/" + safe


def _pdf_date(instant: datetime) -> str:
    t = instant.astimezone(UTC) if instant.tzinfo else instant.replace(tzinfo=UTC)
    return t.strftime("D:%Y%m%d%H%M%SZ")


def embed_files(canvas: Any, files: Sequence[Attachment]) -> None:
    """Attach `files` to the document of a reportlab Canvas before it is saved."""
    if not files:
        return
    from reportlab.pdfbase import pdfdoc

    doc = canvas._doc
    entries: list[tuple[str, Any]] = []
    for f in files:
        params: dict[str, Any] = {"Size": len(f.data)}
        if f.modified is not None:
            params["ModDate"] = pdfdoc.PDFString(_pdf_date(f.modified))
        stream = pdfdoc.PDFStream(
            pdfdoc.PDFDictionary(
                {
                    "Type": pdfdoc.PDFName("EmbeddedFile"),
                    "Subtype": _pdf_name(f.mime),
                    "Params": pdfdoc.PDFDictionary(params),
                }
            ),
            content=f.data,
            filters=[pdfdoc.PDFZCompress],
        )
        spec: dict[str, Any] = {
            "Type": pdfdoc.PDFName("Filespec"),
            "F": pdfdoc.PDFString(f.name),
            "UF": pdfdoc.PDFString(f.name),
            "EF": pdfdoc.PDFDictionary({"F": doc.Reference(stream)}),
            # ISO 32000-2: the file is the data the pages present (PDF/A-3 uses the same key).
            "AFRelationship": pdfdoc.PDFName("Data"),
        }
        if f.description:
            spec["Desc"] = pdfdoc.PDFString(f.description)
        entries.append((f.name, doc.Reference(pdfdoc.PDFDictionary(spec))))
    names: list[Any] = []
    for name, ref in sorted(entries, key=lambda e: e[0]):  # a name tree is sorted by key
        names += [pdfdoc.PDFString(name), ref]
    doc.Catalog.Names = pdfdoc.PDFDictionary(
        {"EmbeddedFiles": pdfdoc.PDFDictionary({"Names": pdfdoc.PDFArray(names)})}
    )
    doc.Catalog.PageMode = pdfdoc.PDFName("UseAttachments")
