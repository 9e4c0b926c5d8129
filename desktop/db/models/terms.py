"""Terms documents and their versions (R44, R49–R52, R55, R94).

A published version is never changed: the office makes a new version instead. Three guards say
so: TermsService refuses the edit, the ORM hook below refuses a flush that would change one, and
database triggers (migration 0201_terms) refuse a plain SQL UPDATE or DELETE. The one change a
published row accepts is `effective_to`, set once when a newer version supersedes it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.db.base import Audited, Base, Versioned, str_enum
from desktop.domain.errors import InvalidTransition
from desktop.domain.terms import AmendmentRule


class TermsDocument(Versioned, Audited, Base):
    """One provider's terms (SI-POPOLNI-TERMS, EE-MOODLE-TERMS, ...) and who the provider is."""

    __tablename__ = "terms_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    titles: Mapped[dict[str, str]] = mapped_column(JSON)  # {"sl": "Splošni pogoji …", "en": …}
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_address: Mapped[list[str]] = mapped_column(JSON)  # address lines
    provider_registry_code: Mapped[str] = mapped_column(String(40), default="")
    provider_contacts: Mapped[list[str]] = mapped_column(JSON)  # e-mail, web page, phone
    free_alternative: Mapped[bool] = mapped_column(default=False)  # R55 statement applies
    amendment_rule: Mapped[AmendmentRule] = mapped_column(str_enum(AmendmentRule, 24))

    versions: Mapped[list[TermsVersion]] = relationship(back_populates="document")


class TermsVersion(Versioned, Audited, Base):
    """One version of a terms document; a draft until `published_on` is set."""

    __tablename__ = "terms_version"
    __table_args__ = (UniqueConstraint("document_id", "label"),)
    # The texts can be long; the audit log keeps their content hash instead.
    __audit_exclude__ = Audited.__audit_exclude__ | {"texts", "summary"}

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("terms_document.id", ondelete="RESTRICT"), index=True
    )
    label: Mapped[str] = mapped_column(String(20))
    major: Mapped[int] = mapped_column()
    minor: Mapped[int] = mapped_column()
    texts: Mapped[dict[str, str]] = mapped_column(JSON)  # {"sl": "1. Uvodne določbe\n…"}
    summary: Mapped[dict[str, str]] = mapped_column(JSON)  # what changed (for the D9 notice)
    dated_on: Mapped[date] = mapped_column(Date)  # the date the provider put on the terms
    published_on: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)  # last day; set when superseded
    tacit_acceptance: Mapped[bool] = mapped_column(default=False)  # R51
    content_hash: Mapped[str] = mapped_column(String(64))

    document: Mapped[TermsDocument] = relationship(back_populates="versions")


# Columns a published version keeps for ever (effective_to may be set once; the Versioned
# stamps change with it).
FROZEN_COLUMNS = (
    "document_id",
    "label",
    "major",
    "minor",
    "texts",
    "summary",
    "dated_on",
    "published_on",
    "effective_from",
    "tacit_acceptance",
    "content_hash",
)


class PublishedTermsImmutable(InvalidTransition):
    def __init__(self, label: str, action: str):
        super().__init__(
            "terms version", "published", action, f"make a new version instead of {label}"
        )


def _was(state: Any, column: str) -> Any:
    history = state.attrs[column].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


@event.listens_for(TermsVersion, "before_update")
def _refuse_changing_published(_mapper, _connection, target: TermsVersion) -> None:
    state = inspect(target)
    if _was(state, "published_on") is None:
        return
    changed = [c for c in FROZEN_COLUMNS if state.attrs[c].history.has_changes()]
    if _was(state, "effective_to") is not None and state.attrs.effective_to.history.has_changes():
        changed.append("effective_to")
    if changed:
        raise PublishedTermsImmutable(target.label, f"change {', '.join(changed)} of")


@event.listens_for(TermsVersion, "before_delete")
def _refuse_deleting_published(_mapper, _connection, target: TermsVersion) -> None:
    if _was(inspect(target), "published_on") is not None:
        raise PublishedTermsImmutable(target.label, "delete")
