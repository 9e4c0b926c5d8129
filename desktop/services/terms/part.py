"""What every part of TermsService shares: the documents service, the acceptance lookup the
consent area plugs in, and finding a terms document or version row."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import TermsDocument, TermsVersion
from desktop.domain.errors import NotFound
from desktop.services.base import Service
from desktop.services.documents import DocumentService
from desktop.services.terms.records import AcceptanceLookup, UnknownTermsDocument


class TermsPart(Service):
    def __init__(self, db, actor, documents: DocumentService):
        super().__init__(db, actor)
        self.documents = documents
        self.acceptance_lookup: AcceptanceLookup | None = None

    @staticmethod
    def _document_row(session: Session, key: str) -> TermsDocument:
        row = session.scalar(select(TermsDocument).where(TermsDocument.key == key.strip().upper()))
        if row is None:
            known = session.scalars(select(TermsDocument.key).order_by(TermsDocument.key)).all()
            raise UnknownTermsDocument(key, known)
        return row

    @staticmethod
    def _version_row(session: Session, version_id: int) -> TermsVersion:
        row = session.get(TermsVersion, version_id)
        if row is None:
            raise NotFound("terms version", version_id)
        return row
