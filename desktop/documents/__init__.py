"""The document engine: data in → PDF bytes out (reportlab; no Qt, no SQL).

    from desktop.documents import (DocumentInfo, Letterhead, LetterSpec, Markdown,
                                   build_letter, sha256_hex)

    pdf = build_letter(LetterSpec(school=school, info=info, language="sl",
                                  recipient=("Ana Novak", "Cankarjeva 5", "1000 Ljubljana"),
                                  subject="Potrdilo o odjavi", body=(Markdown(text),)))

Importing this package imports nothing else: each name's module (and reportlab, in the
builders) is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
        Letterhead,
        LetterSpec,
        Markdown,
        PageBreak,
        Paragraph,
        ProviderIdentity,
        ReportSpec,
        SignatureLines,
        Spacer,
        TermsSpec,
        make_document_id,
    )
    from desktop.documents.template import FULL_NAME, PLACE_AND_DATE, SIGNATURE

# name → its module, imported on first use: importing one module of this package (kinds, model)
# does not import the builders and the layout engine (a test keeps the start-up free of them)
_MODULE_OF = {
    "build_letter": "builders",
    "build_letters": "builders",
    "build_report": "builders",
    "build_reports": "builders",
    "qr_drawing": "builders",
    "render_terms": "builders",
    "save_atomic": "builders",
    "sha256_hex": "builders",
    "terms_report": "builders",
    "AddressBlock": "model",
    "AddressBlocks": "model",
    "Block": "model",
    "Boxed": "model",
    "Cancelled": "model",
    "DataTable": "model",
    "DocumentInfo": "model",
    "Heading": "model",
    "Image": "model",
    "KeyValueTable": "model",
    "LetterSpec": "model",
    "Letterhead": "model",
    "Markdown": "model",
    "PageBreak": "model",
    "Paragraph": "model",
    "ProviderIdentity": "model",
    "ReportSpec": "model",
    "SignatureLines": "model",
    "Spacer": "model",
    "TermsSpec": "model",
    "make_document_id": "model",
    "FULL_NAME": "template",
    "PLACE_AND_DATE": "template",
    "SIGNATURE": "template",
}


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return value


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
    "Letterhead",
    "Markdown",
    "PageBreak",
    "Paragraph",
    "ProviderIdentity",
    "ReportSpec",
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
