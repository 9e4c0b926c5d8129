"""The document engine: data in → PDF bytes out (reportlab; no Qt, no SQL).

    from desktop.documents import (DocumentInfo, LetterSpec, Markdown, SchoolProfile,
                                   build_letter, sha256_hex)

    pdf = build_letter(LetterSpec(school=school, info=info, language="sl",
                                  recipient=("Ana Novak", "Cankarjeva 5", "1000 Ljubljana"),
                                  subject="Potrdilo o odjavi", body=(Markdown(text),)))

Importing this package does not import reportlab; the builders do, on first use.
"""

from __future__ import annotations

from desktop.documents.builders import (
    build_letter,
    build_letters,
    build_report,
    build_reports,
    qr_drawing,
    render_terms,
    save_atomic,
    sha256_hex,
    terms_report,
)
from desktop.documents.model import (
    AddressBlock,
    AddressBlocks,
    Block,
    Boxed,
    Cancelled,
    DataTable,
    DocumentInfo,
    Heading,
    Image,
    KeyValueTable,
    LetterSpec,
    Markdown,
    PageBreak,
    Paragraph,
    ProviderIdentity,
    ReportSpec,
    SchoolProfile,
    SignatureLines,
    Spacer,
    TermsSpec,
    make_document_id,
)
from desktop.documents.template import FULL_NAME, PLACE_AND_DATE, SIGNATURE

__all__ = [
    "FULL_NAME",
    "PLACE_AND_DATE",
    "SIGNATURE",
    "AddressBlock",
    "AddressBlocks",
    "Block",
    "Boxed",
    "Cancelled",
    "DataTable",
    "DocumentInfo",
    "Heading",
    "Image",
    "KeyValueTable",
    "LetterSpec",
    "Markdown",
    "PageBreak",
    "Paragraph",
    "ProviderIdentity",
    "ReportSpec",
    "SchoolProfile",
    "SignatureLines",
    "Spacer",
    "TermsSpec",
    "build_letter",
    "build_letters",
    "build_report",
    "build_reports",
    "make_document_id",
    "qr_drawing",
    "render_terms",
    "save_atomic",
    "sha256_hex",
    "terms_report",
]
