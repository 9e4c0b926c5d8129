"""The providers' terms for the demo school (R49, R50, R52, R55, R94).

The texts are the providers' own (resources/terms/, condensed from the seed documents; see the
README there). Version 1.0 of each is published in the past; SI-POPOLNI-TERMS also has an
amendment 1.1 (a demo amendment, marked as such in its summary) that took effect 15 days after
its publication (R50), so printing "as of a date" shows different versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from desktop.db.session import Database
from desktop.documents.model import ProviderIdentity
from desktop.domain.roster import Country
from desktop.domain.terms import AmendmentRule
from desktop.resources import resource_path
from desktop.services.base import Actor
from desktop.services.documents import DocumentService
from desktop.services.roster import RosterService
from desktop.services.terms import DraftInput, TermsDocumentInput, TermsService

ESOLA = ProviderIdentity(
    "eŠola d.o.o.",
    ("Cerkvena ulica 11", "4290 Tržič"),
    contact_lines=("starsi@easistent.com", "www.easistent.com"),
)
HARNO = ProviderIdentity(
    "Haridus- ja Noorteamet (Harno)",
    ("Lõõtsa 4", "11415 Tallinn"),
    contact_lines=("+372 735 0500", "info@harno.ee", "moodle@tugi.edu.ee"),
)


@dataclass(frozen=True)
class DemoVersion:
    label: str
    dated_on: date
    published_on: date
    effective_from: date | None = None  # stated (R52, first versions); None: the rule decides
    summary: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoDocument:
    document: TermsDocumentInput
    versions: tuple[DemoVersion, ...]


DEMO_TERMS: dict[Country, tuple[DemoDocument, ...]] = {
    Country.SI: (
        DemoDocument(
            TermsDocumentInput(
                "SI-POPOLNI-TERMS",
                {
                    "sl": "Splošni pogoji za uporabo storitve mojAsistent POPOLNI",
                    "en": "General terms for the use of the mojAsistent POPOLNI service",
                },
                ESOLA,
                free_alternative=True,  # R55
                amendment_rule=AmendmentRule.PUBLISHED_PLUS_15,  # R50
            ),
            (
                DemoVersion("1.0", date(2024, 8, 7), date(2024, 8, 7), date(2024, 8, 7)),
                DemoVersion(
                    "1.1",
                    date(2025, 8, 18),
                    date(2025, 8, 18),
                    summary={
                        "sl": "Predstavitvena sprememba za demo šolo: nova točka 7.5 (obveščanje "
                        "o spremembah v tajništvu šole).",
                        "en": "Demo amendment for the demo school: new clause 7.5 (changes are "
                        "also announced at the school office).",
                    },
                ),
            ),
        ),
        DemoDocument(
            TermsDocumentInput(
                "SI-MINIMALNI-INFO",
                {
                    "sl": "Informacije o obdelavi osebnih podatkov pri storitvi eAsistent "
                    "MINIMALNI",
                    "en": "Information on the processing of personal data in the eAsistent "
                    "MINIMALNI service",
                },
                ESOLA,
                amendment_rule=AmendmentRule.PUBLISHED_PLUS_15,
            ),
            (DemoVersion("1.0", date(2024, 8, 7), date(2024, 8, 7), date(2024, 8, 7)),),
        ),
    ),
    Country.EE: (
        DemoDocument(
            TermsDocumentInput(
                "EE-MOODLE-TERMS",
                {"et": "Harno Moodle kasutustingimused", "en": "Harno Moodle terms of use"},
                HARNO,
                amendment_rule=AmendmentRule.STATED_DATE,  # R52
            ),
            (DemoVersion("1.0", date(2023, 8, 28), date(2023, 8, 28), date(2023, 9, 1)),),
        ),
    ),
}


def version_texts(key: str, label: str) -> dict[str, str]:
    """resources/terms/<key>/<label>.<language>.md, for every language there is."""
    folder = resource_path("terms", key)
    return {
        path.name.removesuffix(".md").rsplit(".", 1)[1]: path.read_text(encoding="utf-8")
        for path in sorted(folder.glob(f"{label}.*.md"))
    }


def seed_demo_terms(db: Database, actor: Actor, country: Country) -> int:
    """Record and publish the country's demo terms; documents already there are left alone.
    Returns the number of versions published."""
    terms = TermsService(db, actor, DocumentService(db, actor, RosterService(db, actor)))
    existing = {d.key for d in terms.list_documents()}
    published = 0
    for demo in DEMO_TERMS[Country(country)]:
        key = demo.document.key
        if key in existing:
            continue
        terms.create_document(demo.document)
        for v in demo.versions:
            draft = terms.draft_version(
                key, DraftInput(version_texts(key, v.label), v.dated_on, v.label, v.summary)
            )
            terms.publish(
                draft.id,
                draft.version,
                published_on=v.published_on,
                effective_from=v.effective_from,
            )
            published += 1
    return published
