"""Terms versions (R49, R50, R52): drafts to fill in, publishing (when a version takes effect and
closes the previous one), and the version in force on any date. A published version is never
edited: a new version is made instead (refused here, by the ORM hook and by database triggers;
see models/terms.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from desktop.db.models import TermsVersion
from desktop.db.models.terms import PublishedTermsImmutable
from desktop.domain import terms as rules
from desktop.domain.consent import terms as consent_terms
from desktop.domain.errors import NotFound, ValidationError, ValidationErrors
from desktop.domain.roles import Permission
from desktop.i18n import N_
from desktop.services.base import ensure_version
from desktop.services.school import SchoolService
from desktop.services.terms.part import TermsPart
from desktop.services.terms.records import (
    DraftInput,
    NoVersionInForce,
    TermsVersionRecord,
    version_record,
)

_NUMBERS_RE = re.compile(r"^v?(\d{1,3})(?:\.(\d{1,3}))?$")


class Versions(TermsPart):
    def versions(self, key: str) -> list[TermsVersionRecord]:
        """Every version of a document, oldest first; drafts last."""
        with self.read(Permission.VIEW_ROSTER) as session:
            document = self._document_row(session, key)
            rows = session.scalars(
                select(TermsVersion)
                .where(TermsVersion.document_id == document.id)
                .order_by(TermsVersion.major, TermsVersion.minor, TermsVersion.id)
            )
            records = [version_record(row, key) for row in rows]
        return sorted(records, key=lambda v: (not v.published, v.major, v.minor))

    def version(self, version_id: int) -> TermsVersionRecord:
        with self.read(Permission.VIEW_ROSTER) as session:
            row = self._version_row(session, version_id)
            return version_record(row, row.document.key)

    def version_by_label(self, key: str, label: str) -> TermsVersionRecord:
        for record in self.versions(key):
            if record.label == label:
                return record
        raise NotFound(f"version of {key}", label)

    def version_in_force(self, key: str, on: date) -> TermsVersionRecord | None:
        """R49: the version in force on a (past or future) date; None before the first one."""
        published = [v for v in self.versions(key) if v.published]
        found = consent_terms.version_in_force([v.as_domain() for v in published], on)
        return None if found is None else next(v for v in published if v.label == found.label)

    def require_in_force(self, key: str, on: date) -> TermsVersionRecord:
        found = self.version_in_force(key, on)
        if found is None:
            starts = [v.effective_from for v in self.versions(key) if v.effective_from]
            school = SchoolService(self.db, self.actor).require_school()
            title = self.document(key).title(str(school.default_language))
            raise NoVersionInForce(key, on, min(starts, default=None), title)
        return found

    def next_label(self, key: str, *, major: bool = False) -> str:
        """What the next version would be called: 1.0, then 1.1 (or 2.0 for a major change)."""
        numbers = [(v.major, v.minor) for v in self.versions(key)]
        new = rules.next_numbers(max(numbers, default=None), major=major)
        return f"{new[0]}.{new[1]}"

    def draft_version(self, key: str, data: DraftInput) -> TermsVersionRecord:
        """A new version to fill in and publish later (nothing is in force until published)."""
        texts, summary = self._clean_draft(data)
        with self.write(Permission.MANAGE_TERMS, reason=f"draft terms {key}") as session:
            document = self._document_row(session, key)
            existing = session.execute(
                select(TermsVersion.label, TermsVersion.major, TermsVersion.minor).where(
                    TermsVersion.document_id == document.id
                )
            ).all()
            latest = max(((m, n) for _, m, n in existing), default=None)
            major, minor = self._numbers(data, latest)
            label = rules.check_label(data.label or f"{major}.{minor}")
            if any(existing_label == label for existing_label, _, _ in existing):
                raise ValidationError("label", label, N_("already exists for {key}", key=key))
            row = TermsVersion(
                document_id=document.id,
                label=label,
                major=major,
                minor=minor,
                texts=texts,
                summary=summary,
                dated_on=data.dated_on,
                content_hash=rules.content_hash(texts),
                tacit_acceptance=False,
            )
            session.add(row)
            session.flush()
            return version_record(row, key)

    def update_draft(
        self, version_id: int, expected_version: int, data: DraftInput
    ) -> TermsVersionRecord:
        """Change a draft's texts, date or label. A published version cannot change."""
        texts, summary = self._clean_draft(data)
        with self.write(Permission.MANAGE_TERMS, reason="draft terms") as session:
            row = self._version_row(session, version_id)
            if row.published_on is not None:
                raise PublishedTermsImmutable(row.label, "edit")
            ensure_version(row, expected_version, "terms version")
            label = rules.check_label(data.label or row.label)
            if label != row.label and session.scalar(
                select(TermsVersion.id).where(
                    TermsVersion.document_id == row.document_id, TermsVersion.label == label
                )
            ):
                raise ValidationError(
                    "label", label, N_("already exists for {key}", key=row.document.key)
                )
            major, minor = self._numbers(data, None, default=(row.major, row.minor))
            row.label, row.major, row.minor = label, major, minor
            row.texts, row.summary, row.dated_on = texts, summary, data.dated_on
            row.content_hash = rules.content_hash(texts)
            session.flush()
            return version_record(row, row.document.key)

    def delete_draft(self, version_id: int, expected_version: int) -> None:
        with self.write(Permission.MANAGE_TERMS, reason="draft terms") as session:
            row = self._version_row(session, version_id)
            if row.published_on is not None:
                raise PublishedTermsImmutable(row.label, "delete")
            ensure_version(row, expected_version, "terms version")
            session.delete(row)

    def publish(
        self,
        version_id: int,
        expected_version: int,
        *,
        published_on: date | None = None,
        effective_from: date | None = None,
    ) -> TermsVersionRecord:
        """Record that the provider published this version (R49).

        effective_from: R50 (eŠola amendment) published + 15 days, a different date is refused;
        R52 the date the provider states, required for an amendment. The version in force
        until then gets effective_to = the day before.
        """
        today = SchoolService(self.db, self.actor).require_school().today()
        published_on = published_on or today
        if published_on > today:
            raise ValidationError(
                "published_on",
                published_on.isoformat(),
                N_("record a publication once it happened"),
            )
        with self.write(Permission.MANAGE_TERMS, reason="publish terms") as session:
            row = self._version_row(session, version_id)
            label = row.label
            if row.published_on is not None:
                raise PublishedTermsImmutable(label, "publish again")
            ensure_version(row, expected_version, "terms version")
            if published_on < row.dated_on:
                raise ValidationError(
                    "published_on",
                    published_on.isoformat(),
                    N_("is before the date on the terms, {date}", date=row.dated_on.isoformat()),
                )
            document = row.document
            published = session.scalars(
                select(TermsVersion).where(
                    TermsVersion.document_id == document.id,
                    TermsVersion.published_on.is_not(None),
                )
            ).all()
            amendment = bool(published)
            starts = rules.effective_from(
                document.amendment_rule, published_on, effective_from, amendment=amendment
            )
            latest = max(published, key=lambda v: v.effective_from, default=None)
            if latest is not None:
                self._check_follows(latest, row, starts)
                latest.effective_to = starts - timedelta(days=1)
            row.published_on = published_on
            row.effective_from = starts
            row.tacit_acceptance = rules.tacit_acceptance(
                document.amendment_rule, amendment=amendment
            )
            consent_terms.check_versions(
                [version_record(v, document.key).as_domain() for v in (*published, row)]
            )
            session.flush()
            return version_record(row, document.key)

    @staticmethod
    def _clean_draft(data: DraftInput) -> tuple[dict[str, str], dict[str, str]]:
        errors: list[ValidationError] = []
        texts: dict[str, str] = {}
        summary: dict[str, str] = {}
        try:
            texts = rules.clean_texts(data.texts)
            if not texts:
                errors.append(
                    ValidationError("texts", "", N_("give the text in at least one language"))
                )
        except ValidationError as exc:
            errors.append(exc)
        try:
            summary = rules.clean_texts(data.summary, "summary")
        except ValidationError as exc:
            errors.append(exc)
        if data.dated_on is None:
            errors.append(ValidationError("dated_on", "", N_("give the date printed on the terms")))
        if errors:
            raise ValidationErrors(errors)
        return texts, summary

    @staticmethod
    def _numbers(
        data: DraftInput, latest: tuple[int, int] | None, default: tuple[int, int] | None = None
    ) -> tuple[int, int]:
        if data.major is not None:
            return data.major, data.minor or 0
        match = _NUMBERS_RE.match(data.label.strip())
        if match:
            return int(match.group(1)), int(match.group(2) or 0)
        return default or rules.next_numbers(latest, major=False)

    @staticmethod
    def _check_follows(latest: TermsVersion, row: TermsVersion, starts: date) -> None:
        if (row.major, row.minor) <= (latest.major, latest.minor):
            raise ValidationError(
                "label",
                row.label,
                N_("must be a newer version than {label}, published before", label=latest.label),
            )
        if starts <= latest.effective_from:
            raise ValidationError(
                "effective_from",
                starts.isoformat(),
                N_(
                    "must be after {label} took effect ({date})",
                    label=latest.label,
                    date=latest.effective_from.isoformat(),
                ),
            )
