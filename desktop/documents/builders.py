"""Specs in, PDF bytes out: letters (one or a batch), reports and printed terms.

Every document goes through the same steps: lay the blocks out into pages (layout.Flow),
then draw each page as template + content + footer. The static letterhead is drawn once per
PDF as a form XObject. Output is deterministic: the same spec gives the same bytes (the PDF
dates come from ``DocumentInfo.generated_at``), so a recorded sha256 can be checked later by
rendering again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from desktop import APP_NAME, __version__
from desktop.documents import template as tpl
from desktop.documents.attachments import Attachment, embed_files
from desktop.documents.fonts import REGULAR, register_fonts
from desktop.documents.layout.blocks import layout_blocks
from desktop.documents.layout.flow import Flow
from desktop.documents.layout.styles import MM, SUBJECT, SUBTITLE, TITLE, Op
from desktop.documents.model import (
    AddressBlock,
    AddressBlocks,
    Boxed,
    Cancelled,
    DocumentInfo,
    KeyValueTable,
    Letterhead,
    LetterSpec,
    Markdown,
    ReportSpec,
    TermsSpec,
)
from desktop.i18n import Translator, translator

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


def sha256_hex(data: bytes) -> str:
    """The hash recorded with every generated document."""
    return hashlib.sha256(data).hexdigest()


def save_atomic(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write next to ``path`` and rename over it: a reader never sees half a PDF."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# --- laid-out documents -------------------------------------------------------------------


@dataclass(frozen=True)
class _Laid:
    """A document after layout: everything the renderer needs, pages known."""

    kind: str  # "letter" or "report": picks the first-page template
    school: Letterhead
    tr: Translator
    info: DocumentInfo
    title: str
    pages: list[list[Op]]
    first_page: list[Op]  # window + info block (letters)


def _lay_out_letter(spec: LetterSpec) -> _Laid:
    tr = translator(spec.language)
    flow = Flow(tpl.LETTER_FIRST, tpl.LATER)
    flow.paragraph(spec.subject, SUBJECT)
    layout_blocks(flow, spec.body)
    zone = spec.school.zone
    when = spec.letter_date or _as_utc(spec.info.generated_at).astimezone(zone).date()
    first = tpl.window_ops(spec.school, spec.recipient, spec.return_address)
    first += tpl.info_block_ops(
        tpl.letter_info_rows(tr, spec.info, when, spec.place, spec.reference)
    )
    title = spec.title or spec.subject
    return _Laid("letter", spec.school, tr, spec.info, title, flow.finish(), first)


def _lay_out_report(spec: ReportSpec) -> _Laid:
    tr = translator(spec.language)
    flow = Flow(tpl.REPORT_FIRST, tpl.LATER)
    flow.paragraph(spec.title, TITLE)
    if spec.subtitle:
        flow.paragraph(spec.subtitle, SUBTITLE)
    else:
        flow.y -= 6
    layout_blocks(flow, spec.body)
    return _Laid("report", spec.school, tr, spec.info, spec.title, flow.finish(), [])


def _as_utc(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


# --- the PDF writer -----------------------------------------------------------------------


class _Writer:
    """One canvas; draws operations, caches the letterhead forms and images per PDF."""

    def __init__(
        self,
        *,
        title: str,
        author: str,
        subject: str,
        lang: str,
        info: DocumentInfo,
        keywords: str = "",
        read_only: bool = False,
    ) -> None:
        register_fonts()
        from reportlab.pdfgen.canvas import Canvas

        self.buf = BytesIO()
        # initialFontName: otherwise the page preamble pulls in Helvetica (a standard-14 font).
        # invariant: no wall-clock time or random id in the file; the dates are set below.
        c = Canvas(
            self.buf,
            pagesize=(tpl.PAGE_W, tpl.PAGE_H),
            initialFontName=REGULAR,
            initialFontSize=10,
            lang=lang,
            invariant=True,
            pageCompression=1,
            encrypt=_read_only() if read_only else None,
        )
        c.setTitle(title)
        c.setAuthor(author)
        c.setSubject(subject)
        c.setCreator(f"{APP_NAME} {__version__}")
        if keywords:
            c.setKeywords(keywords)
        c.setViewerPreference("DisplayDocTitle", "true")
        _stamp(c, info)
        self.c = c
        self.forms: dict[Any, str] = {}
        self._images: dict[int, tuple[Any, bytes]] = {}
        self._bookmarks = 0

    def form(self, key: Any, make_ops: Callable[..., list[Op]], *args: Any) -> None:
        """Draw a static part once as a form XObject, then place it by reference."""
        name = self.forms.get(key)
        if name is None:
            name = f"SO{len(self.forms) + 1}"
            self.c.beginForm(name)
            self.draw(make_ops(*args))
            self.c.endForm()
            self.forms[key] = name
        self.c.doForm(name)

    def draw(self, ops: Iterable[Op]) -> None:
        c = self.c
        text = None
        font = color = None
        for op in ops:
            kind = op[0]
            if kind == "t":
                _, x, y, f, size, col, s = op
                if text is None:
                    text = c.beginText()
                    font = color = None
                if (f, size) != font:
                    text.setFont(f, size)
                    font = (f, size)
                if col != color:
                    text.setFillColorRGB(*col)
                    color = col
                text.setTextOrigin(x, y)
                text.textOut(s)
                continue
            if text is not None:
                c.drawText(text)
                text = None
            if kind == "l":
                _, x1, y1, x2, y2, width, col = op
                c.setStrokeColorRGB(*col)
                c.setLineWidth(width)
                c.line(x1, y1, x2, y2)
            elif kind == "r":
                _, x, y, w, h, stroke, fill, lw = op
                if fill is not None:
                    c.setFillColorRGB(*fill)
                if stroke is not None:
                    c.setStrokeColorRGB(*stroke)
                    c.setLineWidth(lw)
                c.rect(x, y, w, h, stroke=stroke is not None, fill=fill is not None)
            elif kind == "i":
                _, x, y, w, h, data = op
                c.drawImage(self._image(data), x, y, w, h, mask="auto")
            elif kind == "d":
                _, x, y, drawing, sx, sy = op
                from reportlab.graphics import renderPDF

                if not hasattr(drawing, "initialFontName"):
                    # renderPDF would otherwise select Helvetica (a standard-14 font)
                    drawing.initialFontName = REGULAR
                c.saveState()
                c.translate(x, y)
                c.scale(sx, sy)
                renderPDF.draw(drawing, c, 0, 0)
                c.restoreState()
        if text is not None:
            c.drawText(text)

    def _image(self, data: bytes) -> Any:
        """One decoded reader per image and PDF (drawImage hashes the pixels on every call)."""
        cached = self._images.get(id(data))
        if cached is None:
            from reportlab.lib.utils import ImageReader

            cached = (ImageReader(BytesIO(data)), data)  # holding data keeps its id unique
            self._images[id(data)] = cached
        return cached[0]

    def render(self, doc: _Laid, bookmark: str = "") -> None:
        c = self.c
        tz = doc.school.zone
        pages = len(doc.pages)
        lang = doc.tr.language
        for number, ops in enumerate(doc.pages, 1):
            if number == 1:
                if bookmark:
                    self._bookmarks += 1
                    key = f"doc{self._bookmarks}"
                    c.bookmarkPage(key)
                    c.addOutlineEntry(bookmark, key, level=0)
                fold = doc.kind == "letter"
                key = ("head", doc.school, lang, fold)
                self.form(key, tpl.letterhead_ops, doc.school, doc.tr, fold)
                head = doc.first_page
            else:
                self.form(("cont", doc.school), tpl.continuation_ops, doc.school)
                head = tpl.continuation_title_ops(doc.title)
            # One draw call per page: one text object, fewer font and colour switches.
            self.draw([*head, *ops, *tpl.footer_ops(doc.tr, doc.info, tz, number, pages)])
            c.showPage()

    def finish(self) -> bytes:
        self.c.save()
        return self.buf.getvalue()


def _read_only() -> Any:
    """PDF permissions: open and print freely (no user password), but not change, annotate or
    fill in; the owner password that would lift this is random and never kept. Viewers honour
    it, editors may not: only a digital signature (a PAdES signature with the school's
    certificate, e.g. with pyHanko) would show that a file was changed afterwards."""
    import secrets

    from reportlab.lib.pdfencrypt import StandardEncryption

    return StandardEncryption(
        "",
        secrets.token_urlsafe(24),
        canPrint=1,
        canModify=0,
        canCopy=1,
        canAnnotate=0,
        strength=128,
    )


def _stamp(c: Any, info: DocumentInfo) -> None:
    """PDF creation date = generated_at; a distinct file /ID per document id."""
    doc = c._doc
    doc.updateSignature(f"{info.document_id}|{_as_utc(info.generated_at).isoformat()}")
    stamp = getattr(doc, "_timeStamp", None)
    if stamp is not None:  # reportlab internals: if they change, only the dates are lost
        t = _as_utc(info.generated_at)
        stamp.t = t.timestamp()
        stamp.lt = t.timetuple()
        stamp.YMDhms = tuple(t.timetuple())[:6]
        stamp.dhh = stamp.dmm = 0


# --- public API ---------------------------------------------------------------------------


def build_letter(spec: LetterSpec) -> bytes:
    """One letter as a PDF."""
    laid = _lay_out_letter(spec)
    writer = _Writer(
        title=laid.title,
        author=spec.school.name,
        subject=spec.subject,
        lang=spec.language,
        info=spec.info,
        keywords=spec.info.document_id,
    )
    writer.render(laid)
    return writer.finish()


def build_letters(
    specs: Iterable[LetterSpec],
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    title: str = "",
) -> bytes:
    """Many letters in one PDF, each with its own "page X of Y" and a bookmark.

    ``progress(i, n)`` is called after letter i of n; when ``cancel()`` returns True the batch
    stops with ``Cancelled`` and nothing is returned, so no half-written file can exist.
    """
    specs = list(specs)
    if not specs:
        raise ValueError("no letters to build")
    first = specs[0]
    writer = _Writer(
        title=title or first.title or first.subject,
        author=first.school.name,
        subject=title or first.subject,
        lang=first.language,
        info=first.info,
    )
    labels = [spec.recipient[0] for spec in specs]
    return _render_batch(writer, specs, _lay_out_letter, labels, progress, cancel, "letters")


def _render_batch(
    writer: _Writer,
    specs: Sequence[Any],
    lay_out: Callable[[Any], _Laid],
    labels: Sequence[str],
    progress: Progress | None,
    cancel: Cancel | None,
    what: str,
) -> bytes:
    """Lay out and draw one document after the other, each bookmarked "i. label" when there
    are several; cancel is asked before each one and once more before the file is made."""
    n = len(specs)

    def stop_if_cancelled(done: int) -> None:
        if cancel is not None and cancel():
            raise Cancelled(f"cancelled after {done} of {n} {what}")

    for i, (spec, label) in enumerate(zip(specs, labels, strict=True), 1):
        stop_if_cancelled(i - 1)
        writer.render(lay_out(spec), bookmark=f"{i}. {label}" if n > 1 else "")
        if progress is not None:
            progress(i, n)
    stop_if_cancelled(n)
    return writer.finish()


def build_report(
    spec: ReportSpec, attachments: Sequence[Attachment] = (), *, read_only: bool = False
) -> bytes:
    """A multi-page report (data-access export, lists): letterhead, title, blocks; optionally
    with files embedded in the PDF (the data-access export's machine-readable copy, R60).
    `read_only`: PDF permissions forbid changes (R60); such a file is not byte-for-byte
    reproducible (its encryption key is random)."""
    laid = _lay_out_report(spec)
    writer = _Writer(
        title=spec.title,
        author=spec.school.name,
        subject=spec.subject or spec.title,
        lang=spec.language,
        info=spec.info,
        keywords=spec.info.document_id,
        read_only=read_only,
    )
    writer.render(laid)
    embed_files(writer.c, attachments)
    return writer.finish()


def build_reports(
    specs: Iterable[ReportSpec],
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    title: str = "",
    bookmarks: Sequence[str] = (),
) -> bytes:
    """Many reports (e.g. a copy of the terms for each guardian) in one PDF, each with its own
    "page X of Y" and a bookmark (``bookmarks[i]``, else its title); progress and cancel as in
    ``build_letters``."""
    specs = list(specs)
    if not specs:
        raise ValueError("no reports to build")
    if bookmarks and len(bookmarks) != len(specs):
        raise ValueError("one bookmark per report")
    first = specs[0]
    writer = _Writer(
        title=title or first.title,
        author=first.school.name,
        subject=title or first.subject or first.title,
        lang=first.language,
        info=first.info,
    )
    labels = bookmarks or [spec.title for spec in specs]
    return _render_batch(writer, specs, _lay_out_report, labels, progress, cancel, "documents")


def terms_report(terms: TermsSpec) -> ReportSpec:
    """The terms as a report: version and dates, provider identity, free alternative, text."""
    tr = translator(terms.language)
    until = (
        tr.format_date(terms.effective_to)
        if terms.effective_to
        else tr.gettext("until further notice")
    )
    rows = [
        (tr.gettext("Version"), terms.version_label),
        (tr.gettext("Dated"), tr.format_date(terms.dated_on)),
        (tr.gettext("Published"), tr.format_date(terms.published_on)),
        (tr.gettext("In force from"), tr.format_date(terms.effective_from)),
        (tr.gettext("In force until"), until),
        *terms.extra_rows,
    ]
    provider = terms.provider
    lines = [provider.name, *provider.address_lines]
    if provider.registry_code:
        lines.append(tr.gettext("Registry code: %(code)s") % {"code": provider.registry_code})
    lines += provider.contact_lines
    body: list[Any] = [
        KeyValueTable(tuple(rows), key_width_mm=45),
        AddressBlocks((AddressBlock(tr.gettext("Provider"), tuple(lines)),)),
    ]
    if terms.free_alternative:
        body.append(Boxed(terms.free_alternative, tr.gettext("Free alternative")))
    body.append(Markdown(terms.text))
    version = tr.gettext("Version %(version)s") % {"version": terms.version_label}
    return ReportSpec(
        school=terms.school,
        info=terms.info,
        language=terms.language,
        title=terms.title,
        subtitle=f"{provider.name} · {version}",
        subject=f"{terms.title}, {version}",
        body=tuple(body),
    )


def render_terms(terms: TermsSpec) -> bytes:
    """The printable terms (D1): version, dates and provider identity on the first page."""
    return build_report(terms_report(terms))


def qr_drawing(value: str, size_mm: float = 30) -> Any:
    """A QR code as a reportlab Drawing for ``Image(qr_drawing(...), width_mm=...)``."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    side = size_mm * MM
    drawing = Drawing(side, side, initialFontName=REGULAR)
    drawing.add(QrCodeWidget(value, barLevel="M", barWidth=side, barHeight=side))
    return drawing
