"""What every billing letter shares: the parties (the billing entity, the child), the letter on
the billing entity's letterhead (R73) with its greeting and closing, and building the PDF."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from desktop.documents.builders import build_letter, build_letters
from desktop.documents.letter_parts import LetterHeader
from desktop.documents.model import (
    Block,
    DocumentInfo,
    KeyValueTable,
    Letterhead,
    LetterSpec,
    Paragraph,
    Spacer,
)
from desktop.domain.payment_refs import format_ee_reference, format_rf, validate_si12
from desktop.domain.salutation import after_salutation, salutation
from desktop.i18n import Translator, translator

PRODUCT = "mojAsistent POPOLNI"
FREE_TIER = "mojAsistent MINIMALNI"


# ---- the parties ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingIssuer:
    """R73: the billing entity (eŠola d.o.o. by default) that bills the payer directly."""

    name: str
    address_lines: tuple[str, ...]
    country: str = "SI"  # picks the time zone of "generated at"
    registry_code: str = ""
    vat_id: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""

    def letterhead(self, tr: Translator) -> Letterhead:
        vat = (tr.gettext("VAT ID: %(id)s") % {"id": self.vat_id},) if self.vat_id else ()
        return Letterhead(
            name=self.name,
            address_lines=self.address_lines[:3] + vat,
            country=self.country,
            registry_code=self.registry_code,
            phone=self.phone,
            email=self.email,
            website=self.website,
        )


@dataclass(frozen=True)
class Child:
    name: str
    class_name: str
    school_name: str


@dataclass(frozen=True)
class BillingLetter:
    """What every letter of the billing entity starts with: who sends it, in which language,
    and to whom."""

    issuer: BillingIssuer
    language: str
    to: LetterHeader


# ---- helpers ----------------------------------------------------------------------------------


def format_reference(reference: str) -> str:
    """The reference as banks print it: 'RF18 5390 0754 7034', 'SI12 0026000001X',
    '2600 0001 23'."""
    if reference.startswith("RF"):
        return format_rf(reference)
    if reference.startswith("SI"):
        return validate_si12(reference)
    return format_ee_reference(reference)


def format_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def child_rows(tr: Translator, child: Child) -> list[tuple[str, str]]:
    _ = tr.gettext
    rows = [(_("Child"), child.name)]
    if child.class_name:
        rows.append((_("Class"), child.class_name))
    rows.append((_("School"), child.school_name))
    return rows


def _closing(tr: Translator, issuer: BillingIssuer) -> list[Block]:
    _ = tr.gettext
    contact = issuer.email or issuer.phone
    blocks: list[Block] = [Spacer(3)]
    if contact:
        blocks.append(
            Paragraph(_("For questions, write to us at %(contact)s.") % {"contact": contact})
        )
    blocks.append(Paragraph(_("Kind regards,") + "\n" + issuer.name))
    return blocks


def child_table(tr: Translator, child: Child) -> KeyValueTable:
    return KeyValueTable(tuple(child_rows(tr, child)), key_width_mm=45)


def issuer_letter(
    data: BillingLetter,
    info: DocumentInfo,
    subject: str,
    body: list[Block],
    letter_date: date,
    reference: str = "",
) -> LetterSpec:
    """The letter on the billing entity's letterhead (R73): "Dear …", the body, the closing."""
    tr = translator(data.language)
    return LetterSpec(
        school=data.issuer.letterhead(tr),
        info=info,
        language=data.language,
        recipient=data.to.recipient,
        subject=subject,
        body=(
            # A payer's gender is not known (no personal code): Slovenian greets neutrally.
            Paragraph(salutation(tr, data.to.reader, data.to.reader_gender)),
            *_continue_after_salutation(data.language, body),
            *_closing(tr, data.issuer),
        ),
        letter_date=letter_date,
        reference=reference,
    )


def _continue_after_salutation(language: str, body: list[Block]) -> list[Block]:
    """Slovenian goes on in small letters after the greeting's comma."""
    if body and isinstance(body[0], Paragraph):
        first = body[0]
        return [replace(first, text=after_salutation(language, first.text)), *body[1:]]
    return body


# ---- building -----------------------------------------------------------------------------


SpecBuilder = Callable[[Any, DocumentInfo], LetterSpec]


def build_one(make: SpecBuilder, data: Any, info: DocumentInfo) -> bytes:
    return build_letter(make(data, info))


def build_many(
    items: Sequence[tuple[SpecBuilder, Any]],
    infos: Sequence[DocumentInfo],
    progress=None,
    cancel=None,
) -> bytes:
    specs = [make(data, info) for (make, data), info in zip(items, infos, strict=True)]
    return build_letters(specs, progress, cancel)
