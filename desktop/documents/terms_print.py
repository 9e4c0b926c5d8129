"""Printed terms (D1): one version of a provider's terms, in the reader's language (R49, R55, R94).

Data in, PDF bytes out. The page shows the version, its dates, the provider's identity, the
document code and the content fingerprint, the R55 free-alternative statement where the terms
document needs it, and, for the copy of what a person accepted, who accepted and when. When the
version has no text in the requested language, the text of the school's language (else the
first one it has) is printed and a box on the page says so, in the requested language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from desktop.documents.builders import Cancel, Progress, build_report, build_reports, terms_report
from desktop.documents.model import (
    AddressBlock,
    AddressBlocks,
    Boxed,
    DocumentInfo,
    Letterhead,
    ProviderIdentity,
    ReportSpec,
    TermsSpec,
)
from desktop.domain.salutation import Gender, child_label
from desktop.domain.terms import choose_language
from desktop.i18n import LANGUAGE_NAMES, N_, Translator, normalize_language, translator

# R55: POPOLNI is not mandatory; everything it tells is also available free (004 B.I.1(3) L62,
# B.II.3(1) L98). Printed on the terms and on the order confirmation.
FREE_ALTERNATIVE = N_(
    "This service is not mandatory. All information about schooling that it provides is also "
    "available free of charge through the other routes the school offers: lessons, "
    "consultation hours, parents' meetings, e-mail, telephone and the office hours. By ordering "
    "the service you pay only for the communication, not for the data."
)
FALLBACK_NOTE = N_(
    "These terms are not available in the requested language (%(requested)s). "
    "Language of the text below: %(language)s."
)


@dataclass(frozen=True)
class PrintableTerms:
    """One published version of a terms document, with everything its page shows."""

    document_key: str
    titles: Mapping[str, str]  # per language
    provider: ProviderIdentity
    free_alternative: bool  # R55
    version_label: str
    texts: Mapping[str, str]  # per language, Markdown-like
    dated_on: date
    published_on: date
    effective_from: date
    effective_to: date | None
    content_hash: str
    accepted_by: str = ""  # the copy of what a person accepted (R49)
    accepted_on: date | None = None
    extra_rows: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class CopyRecipient:
    """Who a copy in a class batch is for: printed at the top of its first page, so the
    copies can be handed out (the guardian, and the child it concerns; or the student)."""

    name: str
    student: str = ""  # the child, when the copy is for a guardian
    class_name: str = ""
    gender: Gender = Gender.UNKNOWN  # the child's, for the label ("Učenka", "Dijak")
    adult: bool = False


# The caption over the recipient's name on a copy of the terms in a class batch.
COPY_FOR = N_("Copy for")


def recipient_block(tr: Translator, recipient: CopyRecipient) -> AddressBlocks:
    """ "Copy for / **Mari Õunapuu** / Õpilane: Kadri Õunapuu, 1.a" (the name is never declined)."""
    lines = [f"**{recipient.name}**"]
    student = ", ".join(p for p in (recipient.student, recipient.class_name) if p)
    if recipient.student:
        lines.append(f"{child_label(tr, recipient.gender, recipient.adult)}: {student}")
    elif recipient.class_name:
        lines.append(f"{tr.gettext('Class')}: {recipient.class_name}")
    return AddressBlocks((AddressBlock(tr.gettext(COPY_FOR), tuple(lines)),))


def terms_spec(
    terms: PrintableTerms,
    school: Letterhead,
    info: DocumentInfo,
    language: str,
    fallback_language: str,
    recipient: CopyRecipient | None = None,
) -> ReportSpec:
    """The terms as a report in ``language`` (labels, title, R55 statement, notes)."""
    requested = normalize_language(language)
    tr = translator(requested)
    text_language = choose_language(terms.texts, requested, fallback_language)
    title = (
        terms.titles.get(requested)
        or terms.titles.get(text_language)
        or next(iter(terms.titles.values()), terms.document_key)
    )
    # The document's key and content hash identify the version in the database and the PDF's
    # metadata; a reader gets the title, the version and its dates (no internal codes on paper).
    rows = []
    if terms.accepted_by:
        rows.append((tr.gettext("Accepted by"), terms.accepted_by))
    if terms.accepted_on is not None:
        rows.append((tr.gettext("Accepted on"), tr.format_date(terms.accepted_on)))
    spec = TermsSpec(
        school=school,
        info=info,
        language=requested,
        title=title,
        version_label=terms.version_label,
        dated_on=terms.dated_on,
        published_on=terms.published_on,
        effective_from=terms.effective_from,
        effective_to=terms.effective_to,
        provider=terms.provider,
        text=terms.texts[text_language],
        free_alternative=tr.gettext(FREE_ALTERNATIVE) if terms.free_alternative else None,
        extra_rows=(*rows, *terms.extra_rows),
    )
    report = terms_report(spec)
    if recipient is not None and recipient.name.strip():
        report = replace(report, body=(recipient_block(tr, recipient), *report.body))
    if text_language == requested:
        return report
    note = tr.gettext(FALLBACK_NOTE) % {
        "requested": tr.gettext(LANGUAGE_NAMES[requested]),
        "language": tr.gettext(LANGUAGE_NAMES[text_language]),
    }
    # After the version table, before the provider: the first thing a reader checks.
    at = 2 if recipient is not None and recipient.name.strip() else 1
    body = (*report.body[:at], Boxed(note, tr.gettext("Language")), *report.body[at:])
    return replace(report, body=body)


def render_printable_terms(
    terms: PrintableTerms,
    school: Letterhead,
    info: DocumentInfo,
    language: str,
    fallback_language: str,
) -> bytes:
    return build_report(terms_spec(terms, school, info, language, fallback_language))


@dataclass(frozen=True)
class TermsCopy:
    """One copy in a batch: the terms, the reader's language and a bookmark (the recipient)."""

    terms: PrintableTerms
    language: str
    bookmark: str
    recipient: CopyRecipient | None = None  # printed on the copy's first page


def render_terms_batch(
    copies: Sequence[TermsCopy],
    school: Letterhead,
    infos: Sequence[DocumentInfo],
    fallback_language: str,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    title: str = "",
) -> bytes:
    """A copy of the terms for each recipient in one PDF (each copy numbered by its info)."""
    if len(copies) != len(infos):
        raise ValueError("one document info per copy")
    specs = [
        terms_spec(c.terms, school, info, c.language, fallback_language, c.recipient)
        for c, info in zip(copies, infos, strict=True)
    ]
    return build_reports(
        specs, progress, cancel, title=title, bookmarks=[c.bookmark for c in copies]
    )
