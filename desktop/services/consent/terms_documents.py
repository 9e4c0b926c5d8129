"""The terms documents and their published versions (R49), as the consent area reads them."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from desktop.db.models import TermsDocument, TermsVersion
from desktop.domain.consent import terms as consent_terms
from desktop.domain.consent_workflow import audience_of
from desktop.domain.errors import NotFound
from desktop.domain.roles import Permission
from desktop.services.consent.records import TermsDocumentInfo, VersionInfo
from desktop.services.consent.settings import Settings


class TermsDocuments(Settings):
    def documents_with_versions(self, language: str = "en") -> list[TermsDocumentInfo]:
        """Every terms document with its published versions (R49), oldest first."""
        settings = self.settings()
        with self.read(Permission.VIEW_ROSTER) as session:
            documents = session.scalars(select(TermsDocument).order_by(TermsDocument.key)).all()
            versions = session.scalars(
                select(TermsVersion)
                .where(
                    TermsVersion.published_on.is_not(None),
                    TermsVersion.effective_from.is_not(None),
                )
                .order_by(TermsVersion.effective_from)
            ).all()
        by_document: dict[int, list[VersionInfo]] = defaultdict(list)
        for v in versions:
            by_document[v.document_id].append(
                VersionInfo(v.id, v.label, v.published_on, domain_version(v))
            )
        return [
            TermsDocumentInfo(
                d.id,
                d.key,
                d.titles.get(language) or next(iter(d.titles.values()), d.key),
                audience_of(d.key, settings.audiences),
                d.free_alternative,
                tuple(by_document.get(d.id, ())),
            )
            for d in documents
        ]

    def document(self, key: str, language: str = "en") -> TermsDocumentInfo:
        for info in self.documents_with_versions(language):
            if info.key == key.strip().upper():
                return info
        raise NotFound("terms document", key)


def domain_version(v: TermsVersion) -> consent_terms.TermsVersion:
    return consent_terms.TermsVersion(
        v.label, v.major, v.minor, v.effective_from, v.effective_to, v.tacit_acceptance
    )
