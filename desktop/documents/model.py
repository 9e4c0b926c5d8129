"""What a document is made of: plain frozen dataclasses, no reportlab.

A document = who prints it (Letterhead), its identity (DocumentInfo: id, generated at/by),
its language, and a tuple of blocks (Heading, Paragraph, Markdown, KeyValueTable, ...).
Sequences given as lists are stored as tuples so specs stay hashable and immutable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from desktop.domain.errors import Cancelled  # noqa: F401 - re-exported: cancel() returned True
from desktop.i18n import N_, normalize_language

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

MAX_RECIPIENT_LINES = 6  # DIN 5008 address zone: 6 lines below the return-address zone
MAX_SCHOOL_ADDRESS_LINES = 4  # what fits in the 45 mm letterhead band


def make_document_id(year: int, number: int, prefix: str = "DOC") -> str:
    """``DOC-2026-000123``: the recording service assigns ``number`` (a yearly sequence)."""
    if not (1 <= number <= 999_999):
        raise ValueError(f"document number out of range: {number}")
    return f"{prefix}-{year:04d}-{number:06d}"


def _tuple(obj: Any, name: str) -> None:
    value = getattr(obj, name)
    if not isinstance(value, tuple):
        object.__setattr__(obj, name, tuple(value))


def _lines(obj: Any, name: str) -> None:
    """Store text lines as a tuple without empty lines (an empty address line is a mistake)."""
    value = getattr(obj, name)
    if isinstance(value, str):
        value = value.splitlines()
    object.__setattr__(obj, name, tuple(line.strip() for line in value if line and line.strip()))


# --- who and what -------------------------------------------------------------------------


# Who a document names as its author when no person is named.
SCHOOL_OFFICE = N_("Office")


@dataclass(frozen=True)
class Letterhead:
    """The letterhead: the school printing the document."""

    name: str
    address_lines: tuple[str, ...]
    country: str  # "EE" or "SI": picks the time zone for "generated at"
    registry_code: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    logo: bytes | None = None  # PNG or JPEG

    def __post_init__(self) -> None:
        _lines(self, "address_lines")
        if not self.name.strip():
            raise ValueError("the school needs a name")
        if len(self.address_lines) > MAX_SCHOOL_ADDRESS_LINES:
            raise ValueError(f"at most {MAX_SCHOOL_ADDRESS_LINES} school address lines fit")

    @property
    def zone(self) -> tzinfo:
        """The school's time zone, for the times a document prints (UTC for another country)."""
        from desktop.domain.dates import SCHOOL_ZONES, school_zone

        return school_zone(self.country) if self.country in SCHOOL_ZONES else UTC


@dataclass(frozen=True)
class ProviderIdentity:
    """The provider whose terms are printed (eŠola d.o.o., Harno, ...): R49, D1."""

    name: str
    address_lines: tuple[str, ...]
    registry_code: str = ""
    contact_lines: tuple[str, ...] = ()  # e-mail, web page, VAT number, ...

    def __post_init__(self) -> None:
        _lines(self, "address_lines")
        _lines(self, "contact_lines")


@dataclass(frozen=True)
class DocumentInfo:
    """The footer of every page: id (assigned by the recording service), generated at/by."""

    document_id: str
    generated_at: datetime  # an instant; shown in the school's time zone
    generated_by: str  # the staff member's full name; "": printed as the school office

    def __post_init__(self) -> None:
        if not self.document_id.strip() or len(self.document_id) > 40:
            raise ValueError(f"bad document id {self.document_id!r}")


# --- blocks -------------------------------------------------------------------------------
# Text in Paragraph, Markdown, table cells and boxes may use **bold**.


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 or 2


@dataclass(frozen=True)
class Paragraph:
    text: str  # "\n" forces a line break
    small: bool = False


@dataclass(frozen=True)
class Markdown:
    """Paragraphs (blank line between), ``# heading``, ``1.``/``1.1`` items, ``- `` bullets.

    A top-level numbered item with a short text and no closing full stop ("1. General
    provisions") is printed as a section heading.
    """

    text: str


@dataclass(frozen=True)
class KeyValueTable:
    rows: tuple[tuple[str, str], ...]
    key_width_mm: float | None = None  # None: fit the longest key (up to 40% of the width)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple((str(k), str(v)) for k, v in self.rows))


@dataclass(frozen=True)
class DataTable:
    """A table with a header row repeated on every page (reports, data-access exports)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None  # relative column widths; None: equal

    def __post_init__(self) -> None:
        _tuple(self, "headers")
        object.__setattr__(self, "rows", tuple(tuple(str(c) for c in row) for row in self.rows))
        if any(len(row) != len(self.headers) for row in self.rows):
            raise ValueError("every row needs one cell per header")
        if self.widths is not None:
            _tuple(self, "widths")
            if len(self.widths) != len(self.headers):
                raise ValueError("one width per column")


@dataclass(frozen=True)
class AddressBlock:
    title: str  # e.g. "The school" / "eŠola d.o.o." caption
    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        _lines(self, "lines")


@dataclass(frozen=True)
class AddressBlocks:
    """Addresses side by side (D3: where to send the letter: the school and eŠola)."""

    blocks: tuple[AddressBlock, ...]

    def __post_init__(self) -> None:
        _tuple(self, "blocks")


@dataclass(frozen=True)
class SignatureLines:
    """Lines to sign on, side by side, each with a caption and an optional printed name."""

    labels: tuple[str, ...]  # e.g. ("Place and date", "Signature")
    names: tuple[str, ...] = ()  # printed under the caption, same order as labels

    def __post_init__(self) -> None:
        _tuple(self, "labels")
        _tuple(self, "names")


@dataclass(frozen=True)
class Image:
    """A PNG/JPEG (bytes) or a reportlab Drawing (QR code, barcode), scaled to width_mm."""

    source: bytes | Drawing
    width_mm: float
    height_mm: float | None = None  # None: keep the aspect ratio
    align: Literal["left", "center", "right"] = "left"
    caption: str = ""

    def __post_init__(self) -> None:
        if self.align not in ("left", "center", "right"):
            raise ValueError(f"align must be left, center or right, not {self.align!r}")
        if self.width_mm <= 0 or (self.height_mm is not None and self.height_mm <= 0):
            raise ValueError("an image needs a positive size")


@dataclass(frozen=True)
class Boxed:
    """A framed statement that must not be missed (R55's free alternative, a warning)."""

    text: str
    title: str = ""


@dataclass(frozen=True)
class Spacer:
    height_mm: float


@dataclass(frozen=True)
class PageBreak:
    pass


Block = (
    Heading
    | Paragraph
    | Markdown
    | KeyValueTable
    | DataTable
    | AddressBlocks
    | SignatureLines
    | Image
    | Boxed
    | Spacer
    | PageBreak
)


# --- documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterSpec:
    """A letter: letterhead, recipient in the DL/C5 window, subject, body."""

    school: Letterhead
    info: DocumentInfo
    language: str  # the recipient's: et, sl or en
    recipient: tuple[str, ...]  # address lines as they must appear in the window
    subject: str
    body: tuple[Block, ...]
    letter_date: date | None = None  # None: the day generated_at falls on at the school
    place: str = ""  # "Tartu" → "Tartu, 22.11.2026"
    reference: str = ""  # our reference / case number
    title: str = ""  # PDF title; empty: the subject
    return_address: bool = True  # the small sender line above the recipient (DIN 5008)

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", normalize_language(self.language))
        _lines(self, "recipient")
        _tuple(self, "body")
        if not self.recipient:
            raise ValueError("a letter needs a recipient address")
        if len(self.recipient) > MAX_RECIPIENT_LINES:
            raise ValueError(f"at most {MAX_RECIPIENT_LINES} address lines fit in the window")


@dataclass(frozen=True)
class ReportSpec:
    """A multi-page document without an envelope window (exports, lists, terms)."""

    school: Letterhead
    info: DocumentInfo
    language: str
    title: str
    body: tuple[Block, ...]
    subtitle: str = ""
    subject: str = ""  # PDF subject metadata

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", normalize_language(self.language))
        _tuple(self, "body")


@dataclass(frozen=True)
class TermsSpec:
    """One version of a provider's terms, as printed for D1 (R49, R55, R94)."""

    school: Letterhead
    info: DocumentInfo
    language: str
    title: str
    version_label: str
    dated_on: date
    published_on: date
    effective_from: date
    effective_to: date | None  # None: in force until superseded
    provider: ProviderIdentity
    text: str  # Markdown-like, numbered sections
    free_alternative: str | None = None  # R55 statement, printed in a box before the text
    extra_rows: tuple[tuple[str, str], ...] = field(default=())  # e.g. document code (R49 doc_id)

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", normalize_language(self.language))
        _tuple(self, "extra_rows")
