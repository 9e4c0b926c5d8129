"""D16 data-subject request letters (R57–R59) and the data protection officer they name."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select

from desktop.db.models import DataRequest, Guardian, LetterSettings, Student
from desktop.domain.dates import school_zone
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_, translator
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.letters.part import LetterPart, guardian_lines


@dataclass(frozen=True)
class Dpo:
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(p for p in (self.name, self.email, self.phone, self.address) if p)


class RequestLetters(LetterPart):
    """D16 data-subject requests (R57–R59)."""

    def dpo(self) -> Dpo:
        with self.db.read() as session:
            row = session.scalar(select(LetterSettings).limit(1))
            if row is None:
                return Dpo()
            return Dpo(row.dpo_name, row.dpo_email, row.dpo_phone, row.dpo_address)

    def set_dpo(self, dpo: Dpo) -> Dpo:
        with self.write(Permission.MANAGE_CONSENT, reason="data protection officer") as session:
            row = session.scalar(select(LetterSettings).limit(1))
            if row is None:
                row = LetterSettings()
                session.add(row)
            row.dpo_name = clean_text(dpo.name)[:200]
            row.dpo_email = clean_text(dpo.email)[:254]
            row.dpo_phone = clean_text(dpo.phone)[:40]
            row.dpo_address = clean_text(dpo.address)[:300]
        return self.dpo()

    def print_request_letter(
        self,
        request_id: int,
        which: str,
        *,
        answer: str = "",
        language: str | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D16: "acknowledgement", "forwarded" or "response" to the requester (in their
        language unless `language` is given)."""
        from desktop.documents.requests_letters import (
            RequestLetter,
            RequestLetterData,
            request_letter,
        )

        which = RequestLetter(which)
        school = self._school()
        country = school.country.value
        with self.read(Permission.MANAGE_CONSENT) as session:
            row = session.get(DataRequest, request_id)
            if row is None:
                raise NotFound("request", request_id)
            if which is RequestLetter.FORWARDED and not row.forward_to:
                raise ValidationError(
                    "forward_to", "", N_("this request is answered by the school itself")
                )
            student = (
                session.get(Student, row.subject_student_id) if row.subject_student_id else None
            )
            guardian = (
                session.get(Guardian, row.requester_guardian_id)
                if row.requester_guardian_id
                else None
            )
            student_id = student.id if student else None
            guardian_id = guardian.id if guardian else None
            recipient = guardian_lines(guardian) if guardian else (row.requester_name,)
            reader = row.requester_name
            if guardian and student:  # R48: perhaps to the adult student instead
                to = self._addressee(f"request-{which.value}", student, guardian)
                if to.guardian_id is None:
                    recipient, reader, guardian_id = to.lines, to.name, None
            forwarded = row.forwarded_at or None
            data = RequestLetterData(
                recipient,
                reader,
                which,
                country,
                student.full_name if student else "",
                row.received_at,
                row.due_on,
                row.forward_to,
                forwarded.astimezone(school_zone(country)).date()
                if forwarded
                else row.forward_due_on,
                row.extension_reason,
                answer or row.outcome,
                self.dpo().lines,
            )
        language = self._language(guardian_id=guardian_id, student_id=student_id, language=language)
        kind = f"request-{which.value}"
        request = DocumentRequest(
            kind, f"D16 {which.value} → {reader}", language, student_id, guardian_id
        )
        letter = request_letter(translator(language), data, school_zone(country))
        return self._letters(kind, [(request, letter)], out)
