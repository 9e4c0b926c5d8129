"""Terms documents: the provider's documents (titles, the provider's identity, R55's free
alternative, the amendment rule), and which one is the school's main terms."""

from __future__ import annotations

from sqlalchemy import select

from desktop.db.models import TermsDocument
from desktop.domain import terms as rules
from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.domain.roles import Permission
from desktop.domain.terms import AmendmentRule
from desktop.i18n import N_
from desktop.services.school import SchoolService
from desktop.services.terms.part import TermsPart
from desktop.services.terms.records import (
    DEFAULT_DOCUMENT,
    TermsDocumentInput,
    TermsDocumentRecord,
    UnknownTermsDocument,
    document_record,
)


def _clean_document(data: TermsDocumentInput) -> dict[str, object]:
    errors: list[ValidationError] = []
    values: dict[str, object] = {}
    try:
        values["key"] = rules.check_key(data.key)
    except ValidationError as exc:
        errors.append(exc)
    try:
        titles = rules.clean_texts(data.titles, "titles")
        if not titles:
            errors.append(
                ValidationError("titles", "", N_("give the title in at least one language"))
            )
        for title in titles.values():
            if len(title) > rules.TITLE_MAX:
                errors.append(
                    ValidationError(
                        "titles",
                        title,
                        N_("is longer than {limit} characters", limit=rules.TITLE_MAX),
                    )
                )
        values["titles"] = titles
    except ValidationError as exc:
        errors.append(exc)
    provider = data.provider
    if not provider.name.strip():
        errors.append(ValidationError("provider_name", "", N_("is required")))
    if not provider.address_lines:
        errors.append(ValidationError("provider_address", "", N_("give the provider's address")))
    if errors:
        raise ValidationErrors(errors)
    values |= {
        "provider_name": provider.name.strip(),
        "provider_address": list(provider.address_lines),
        "provider_registry_code": provider.registry_code.strip(),
        "provider_contacts": list(provider.contact_lines),
        "free_alternative": bool(data.free_alternative),
        "amendment_rule": AmendmentRule(data.amendment_rule),
    }
    return values


class Documents(TermsPart):
    def list_documents(self) -> list[TermsDocumentRecord]:
        with self.read(Permission.VIEW_ROSTER) as session:
            rows = session.scalars(select(TermsDocument).order_by(TermsDocument.key))
            return [document_record(row) for row in rows]

    def document(self, key: str) -> TermsDocumentRecord:
        with self.read(Permission.VIEW_ROSTER) as session:
            return document_record(self._document_row(session, key))

    def create_document(self, data: TermsDocumentInput) -> TermsDocumentRecord:
        values = _clean_document(data)
        with self.write(Permission.MANAGE_TERMS, reason="terms document") as session:
            if session.scalar(select(TermsDocument.id).where(TermsDocument.key == values["key"])):
                raise ValidationError("key", values["key"], N_("already exists"))
            row = TermsDocument(**values)
            session.add(row)
            session.flush()
            return document_record(row)

    def default_document_key(self) -> str:
        """The school's main terms: POPOLNI (SI), Moodle (EE), else the only one recorded."""
        country = SchoolService(self.db, self.actor).require_school().country
        keys = [d.key for d in self.list_documents()]
        if DEFAULT_DOCUMENT[country] in keys:
            return DEFAULT_DOCUMENT[country]
        if len(keys) == 1:
            return keys[0]
        raise UnknownTermsDocument(DEFAULT_DOCUMENT[country], keys)
