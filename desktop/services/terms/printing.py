"""Printing one terms version (D1): the version in force on a date, a given version, or the
version a student's guardian (or the student) accepted. Every print goes through
DocumentService.produce, so it is numbered, recorded and refused for a guardian who may not be
contacted (R15, R48)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from desktop.domain.dates import local_date
from desktop.domain.errors import ValidationError
from desktop.i18n import N_
from desktop.services.documents import DocumentRequest
from desktop.services.school import SchoolService
from desktop.services.terms.part import TermsPart
from desktop.services.terms.records import (
    KIND,
    Acceptance,
    PrintedTerms,
    TermsDocumentRecord,
    TermsVersionRecord,
)

if TYPE_CHECKING:
    from desktop.documents.terms_print import PrintableTerms


class Printing(TermsPart):
    def print_in_force(
        self,
        key: str,
        on: date | None = None,
        language: str | None = None,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> PrintedTerms:
        """The version in force on `on` (default today), in `language` (default the school's)."""
        school = SchoolService(self.db, self.actor).require_school()
        version = self.require_in_force(key, on or school.today())
        return self.print_version(version.id, language or school.default_language.value, out=out)

    def print_version(
        self,
        version_id: int,
        language: str | None = None,
        *,
        student_id: int | None = None,
        guardian_id: int | None = None,
        acceptance: Acceptance | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> PrintedTerms:
        """One published version as a recorded PDF; about a student and to a guardian if given.
        With `out`, written there before it is recorded."""
        # The document builders load when a copy is printed, not with the terms services.
        from desktop.documents.terms_print import render_printable_terms

        version = self.version(version_id)
        document = self.document(version.document_key)
        school = SchoolService(self.db, self.actor).require_school()
        # R48: the adult student's copy goes to the student, not to the guardian
        addressee = self.documents.resolve_addressee(
            DocumentRequest(
                KIND,
                "",
                self.documents.language_for(guardian_id=guardian_id, student_id=student_id),
                student_id,
                guardian_id,
            )
        )
        language = language or addressee.language
        letterhead = self.documents.letterhead()
        fallback = school.default_language.value
        printable = self._printable(document, version, acceptance, school.country)
        request = replace(
            addressee, title=self._title(document, version, language), language=language
        )
        produced = self.documents.produce(
            request,
            lambda info: render_printable_terms(printable, letterhead, info, language, fallback),
            out=out,
        )
        return PrintedTerms(produced, version, language)

    def print_for_student(
        self,
        student_id: int,
        key: str | None = None,
        language: str | None = None,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> PrintedTerms:
        """The version the student's guardian (or the student) accepted, with who and when;
        the version in force today if nothing is recorded."""
        acceptance = self.acceptance_lookup(student_id, key) if self.acceptance_lookup else None
        if acceptance is not None:
            version = self.version_by_label(acceptance.document_key, acceptance.version_label)
            return self.print_version(
                version.id,
                language,
                student_id=student_id,
                guardian_id=acceptance.guardian_id,
                acceptance=acceptance,
                out=out,
            )
        school = SchoolService(self.db, self.actor).require_school()
        version = self.require_in_force(key or self.default_document_key(), school.today())
        guardians = self.documents.roster.contactable_guardians(student_id, school.today())
        guardians.sort(key=lambda g: not g.primary_contact)
        guardian_id = guardians[0].guardian_id if guardians else None
        return self.print_version(
            version.id, language, student_id=student_id, guardian_id=guardian_id, out=out
        )

    @staticmethod
    def _printable(
        document: TermsDocumentRecord,
        version: TermsVersionRecord,
        acceptance: Acceptance | None,
        country: str,
    ) -> PrintableTerms:
        from desktop.documents.terms_print import PrintableTerms

        if version.published_on is None or version.effective_from is None:
            raise ValidationError("version", version.label, N_("a draft cannot be printed"))
        accepted_on = None
        if acceptance is not None:
            accepted_on = local_date(acceptance.accepted_at, country)  # R1: the school's day
        return PrintableTerms(
            document_key=document.key,
            titles=document.titles,
            provider=document.provider,
            free_alternative=document.free_alternative,
            version_label=version.label,
            texts=version.texts,
            dated_on=version.dated_on,
            published_on=version.published_on,
            effective_from=version.effective_from,
            effective_to=version.effective_to,
            content_hash=version.content_hash,
            accepted_by=acceptance.accepted_by if acceptance else "",
            accepted_on=accepted_on,
        )

    @staticmethod
    def _title(document: TermsDocumentRecord, version: TermsVersionRecord, language: str) -> str:
        return f"{document.title(language)} {version.label}"
