"""Guardians and their links to a child: a sibling's parent is linked, not entered twice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Guardian, StudentGuardian
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import (
    Relation,
    check_email,
    check_name,
    check_phone,
    clean_text,
    fold,
    parse_language,
    phone_key,
)
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.roster.part import RosterPart, collect
from desktop.services.roster.records import GuardianInput, StudentRecord, student_record


def _check_country_code(value: str) -> str:
    country = clean_text(value).upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValidationError("country_code", value, N_("use a two-letter code: EE, SI"))
    return country


def clean_guardian(data: GuardianInput) -> dict[str, object]:
    first, last, phone, email, language, country = collect(
        [
            lambda: check_name("first_name", data.first_name),
            lambda: check_name("last_name", data.last_name),
            lambda: check_phone(data.phone),
            lambda: check_email(data.email),
            lambda: parse_language(data.language),
            lambda: _check_country_code(data.country_code),
        ]
    )
    return {
        "first_name": first,
        "last_name": last,
        "phone": phone,
        "email": email,
        "street": clean_text(data.street),
        "postal_code": clean_text(data.postal_code),
        "city": clean_text(data.city),
        "country_code": country,
        "language": language,
    }


def _same_guardian(session: Session, values: dict[str, object]) -> Guardian | None:
    """An existing guardian with the same name and the same e-mail or phone (siblings)."""
    email, phone = values["email"], values["phone"]
    if not (email or phone):
        return None
    candidates = session.scalars(
        select(Guardian).where(Guardian.last_name == values["last_name"]).limit(200)
    )
    for g in candidates:
        if fold(g.first_name) != fold(str(values["first_name"])):
            continue
        if email and g.email and fold(g.email) == fold(str(email)):
            return g
        if phone and g.phone and phone_key(g.phone) == phone_key(str(phone)):
            return g
    return None


class Guardians(RosterPart):
    def add_guardian(
        self,
        student_id: int,
        data: GuardianInput,
        relation: Relation = Relation.GUARDIAN,
        *,
        existing_guardian_id: int | None = None,
    ) -> StudentRecord:
        """Link a guardian to a student.

        A guardian already on the roster (a sibling's parent: same name and the same e-mail or
        phone) is linked rather than entered twice, so a contact change reaches every child.
        """
        relation = coerce_enum(Relation, "relation", relation)
        values = None if existing_guardian_id else clean_guardian(data)
        with self.write(Permission.EDIT_ROSTER) as session:
            student = self._load(session, student_id)
            if existing_guardian_id:
                guardian = session.get(Guardian, existing_guardian_id)
                if guardian is None:
                    raise NotFound("guardian", existing_guardian_id)
            else:
                guardian = _same_guardian(session, values)
                if guardian is None:
                    guardian = Guardian(**values)
                    session.add(guardian)
            if any(link.guardian is guardian for link in student.guardian_links):
                raise ValidationError("guardian", guardian.full_name, N_("is already linked"))
            student.guardian_links.append(
                StudentGuardian(
                    guardian=guardian,
                    relation=relation,
                    primary_contact=not student.guardian_links,
                )
            )
            session.flush()
            return student_record(self._load(session, student_id))

    def update_guardian(self, guardian_id: int, version: int, data: GuardianInput) -> None:
        values = clean_guardian(data)
        with self._editing("guardian", Guardian, guardian_id, version) as (_session, guardian):
            for key, value in values.items():
                setattr(guardian, key, value)

    def unlink_guardian(self, link_id: int, version: int) -> None:
        with self._editing("guardian link", StudentGuardian, link_id, version) as (session, link):
            if link.restrictions:
                # R15: the authority's measure is a record the school must keep.
                raise ValidationError(
                    "guardian",
                    link.guardian.full_name,
                    N_(
                        "has a recorded contact restriction; end the restriction instead of "
                        "removing the guardian"
                    ),
                )
            session.delete(link)

    def update_link(
        self, link_id: int, version: int, relation: Relation, primary_contact: bool
    ) -> StudentRecord:
        """Change how a guardian relates to a child; one primary contact per child."""
        relation = coerce_enum(Relation, "relation", relation)
        with self._editing("guardian link", StudentGuardian, link_id, version) as (session, link):
            link.relation = relation
            if primary_contact and not link.primary_contact:
                for other in link.student.guardian_links:
                    if other is not link and other.primary_contact:
                        other.primary_contact = False
            link.primary_contact = primary_contact
            session.flush()
            return student_record(self._load(session, link.student_id))
