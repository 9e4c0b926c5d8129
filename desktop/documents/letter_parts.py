"""Pieces the issue-15 letters and forms share (D6, D9, D11, D16–D20): one letter from a
recipient, a subject, "who/what" rows, a greeting and paragraphs; one form from a title, rows
and signature lines. Texts arrive already translated; data in, PDF bytes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop.documents.builders import build_letter, build_letters, build_report
from desktop.documents.model import (
    AddressBlock,
    AddressBlocks,
    Block,
    DocumentInfo,
    KeyValueTable,
    Letterhead,
    LetterSpec,
    Paragraph,
    ReportSpec,
)
from desktop.domain.salutation import Gender, after_salutation, salutation
from desktop.i18n import N_, Translator

CLOSING = N_("Kind regards,\n%(school)s")


@dataclass(frozen=True)
class LetterHeader:
    """Whom a letter goes to, the same for every letter: the address lines in the envelope
    window and the name in "Dear …", with the gender the Slovenian greeting agrees with.
    A letter's data extends it (or holds one), so these fields come first in every letter."""

    recipient: tuple[str, ...]
    reader: str  # "" → the neutral greeting
    # keyword-only: a letter's own fields follow the address and the name
    reader_gender: Gender = field(default=Gender.UNKNOWN, kw_only=True)


@dataclass(frozen=True)
class Letter:
    """One letter, texts in the recipient's language (`tr`)."""

    recipient: tuple[str, ...]
    subject: str
    rows: tuple[tuple[str, str], ...]
    paragraphs: Sequence[str]
    reader: str = ""  # the name greeted; "" → the neutral greeting
    reader_gender: Gender = Gender.UNKNOWN
    after: Sequence[Block] = field(default=())  # blocks after the paragraphs, before closing
    closing: str = ""  # "" → "Kind regards, <school>"
    greet: bool = True


def letter_spec(
    school: Letterhead, info: DocumentInfo, tr: Translator, letter: Letter
) -> LetterSpec:
    body: list[Block] = []
    if letter.rows:
        body.append(KeyValueTable(letter.rows))
    paragraphs = list(letter.paragraphs)
    if letter.greet:
        body.append(Paragraph(salutation(tr, letter.reader, letter.reader_gender)))
        if paragraphs:
            paragraphs[0] = after_salutation(tr.language, paragraphs[0])
    body += [Paragraph(text) for text in paragraphs]
    body += list(letter.after)
    body.append(Paragraph(letter.closing or tr.gettext(CLOSING) % {"school": school.name}))
    return LetterSpec(
        school=school,
        info=info,
        language=tr.language,
        recipient=letter.recipient,
        subject=letter.subject,
        body=tuple(body),
    )


def build_one_or_many(
    school: Letterhead, items: Sequence[tuple[DocumentInfo, Translator, Letter]]
) -> bytes:
    specs = [letter_spec(school, info, tr, letter) for info, tr, letter in items]
    return build_letter(specs[0]) if len(specs) == 1 else build_letters(specs)


def build_form(
    school: Letterhead,
    info: DocumentInfo,
    tr: Translator,
    title: str,
    body: Sequence[Block],
    subtitle: str = "",
) -> bytes:
    return build_report(
        ReportSpec(
            school=school,
            info=info,
            language=tr.language,
            title=title,
            subtitle=subtitle,
            body=tuple(body),
        )
    )


def contact_block(title: str, lines: Sequence[str]) -> AddressBlocks:
    return AddressBlocks((AddressBlock(title, tuple(line for line in lines if line)),))
