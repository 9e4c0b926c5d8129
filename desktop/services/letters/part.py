"""What every part of LetterService shares: the documents service, the school, the
addressee of a letter about a student (R48), the provider's letterhead (R73), and how a
letter or a form is produced through the DocumentService."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Guardian, Student
from desktop.domain.errors import ValidationError
from desktop.i18n import N_, translator
from desktop.services.base import Service
from desktop.services.documents import DocumentRequest, DocumentService, Produced
from desktop.services.school import SchoolService

if TYPE_CHECKING:
    from desktop.documents.letter_parts import Letter


class Addressee(NamedTuple):
    """Who a letter about a student goes to: the guardian or, after the adult student's
    prohibition (R48), the student."""

    guardian_id: int | None
    name: str
    lines: tuple[str, ...]  # the window address
    language: str


def guardian_lines(g: Guardian) -> tuple[str, ...]:
    """The window address; abroad with the country's name (in the guardian's language, else
    the school's) as the last line."""
    from sqlalchemy.orm import object_session

    from desktop.db.models import School
    from desktop.domain.addresses import person_lines

    session = object_session(g)
    school = session.scalar(select(School).limit(1)) if session is not None else None
    home = school.country.value if school is not None else ""
    language = g.language or (school.language if school else None) or "en"
    return person_lines(g, getattr(language, "value", language), home)


class LetterPart(Service):
    """The base of every part: the DocumentService numbers, writes and records each letter."""

    def __init__(self, db, actor, documents: DocumentService):
        super().__init__(db, actor)
        self.documents = documents

    def _school(self):
        return SchoolService(self.db, self.actor).require_school()

    def _require_country(self, kind: str) -> None:
        """Refused before anything is read: EE prints no Slovenian-only documents."""
        from desktop.documents.kinds import applies_in
        from desktop.services.documents import NotForThisCountry

        country = self._school().country.value
        if not applies_in(kind, country):
            raise NotForThisCountry(kind, country)

    def _student_recipient(self, student: Student) -> tuple[str, ...]:
        return self.documents.student_address(student.id)

    def _addressee(
        self,
        kind: str,
        student: Student,
        guardian: Guardian,
        *,
        language: str | None = None,
        seen: set[int] | None = None,
    ) -> Addressee | None:
        """The guardian, or the student instead (R48, DocumentService.resolve_addressee). In a
        batch (`seen`: the students already given theirs) the student's copy comes once: None
        for the others. An explicit `language` wins over the addressee's own."""
        request = DocumentRequest(
            kind,
            "",
            self._language(guardian_id=guardian.id, student_id=student.id),
            student.id,
            guardian.id,
        )
        resolved = self.documents.resolve_addressee(request)
        if resolved.guardian_id is not None:
            lines = guardian_lines(guardian)
            return Addressee(guardian.id, guardian.full_name, lines, language or request.language)
        if seen is not None:
            if student.id in seen:
                return None
            seen.add(student.id)
        lines = self._student_recipient(student)
        return Addressee(None, student.full_name, lines, language or resolved.language)

    def _letters(
        self,
        kind: str,
        items: Sequence[tuple[DocumentRequest, Letter]],
        out,
        on_recorded=None,
    ) -> Produced:
        school = self.documents.letterhead()
        return self._letters_from(school, kind, items, out, on_recorded)

    def _letters_from(self, letterhead, kind, items, out, on_recorded=None) -> Produced:
        from desktop.documents import letter_parts  # the builders load when a letter is made

        if not items:
            raise ValidationError("recipients", "", N_("nobody to send this to"))
        requests = [r for r, _ in items]
        letters = [letter for _, letter in items]
        for request, letter in items:
            # Never a letter with only a name in the window: a batch leaves such a guardian
            # out (DocumentService.preflight); a single letter is refused, saying why.
            if request.guardian_id is not None and len(letter.recipient) < 2:
                from desktop.domain.addresses import NO_POSTAL_ADDRESS

                name = letter.recipient[0] if letter.recipient else ""
                raise ValidationError("recipient", name, N_(NO_POSTAL_ADDRESS, name=name))

        def build(infos, progress=None, cancel=None) -> bytes:
            return letter_parts.build_one_or_many(
                letterhead,
                [
                    (info, translator(r.language), letter)
                    for info, r, letter in zip(infos, requests, letters, strict=True)
                ],
            )

        return self.documents.produce_batch(
            requests, build, batch=len(requests) > 1, out=out, on_recorded=on_recorded
        )

    def _form(self, request: DocumentRequest, title: str, body: Callable, out) -> Produced:
        from desktop.documents import letter_parts

        school = self.documents.letterhead()
        tr = translator(request.language)
        return self.documents.produce(
            request,
            lambda info: letter_parts.build_form(school, info, tr, tr.gettext(title), body(tr)),
            out=out,
        )

    def _language(self, *, guardian_id=None, student_id=None, language=None) -> str:
        return language or self.documents.language_for(
            guardian_id=guardian_id, student_id=student_id
        )

    def _issuer(self, session: Session):
        """R73: the provider's letterhead (eŠola d.o.o.), for letters in its own name."""
        from desktop.services.billing.settings import billing_issuer, load_settings

        school = self._school()
        settings = load_settings(session, school.country)
        issuer = billing_issuer(settings, school.country)
        language = school.default_language.value
        return issuer.letterhead(translator(language)), settings
