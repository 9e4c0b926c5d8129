"""Shared set-up for the consent tests: a family, terms documents with versions, other staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from desktop.documents.model import ProviderIdentity
from desktop.domain.consent.common import noon_on
from desktop.domain.consent.terms import AcceptanceDecision, Channel
from desktop.domain.roles import Role
from desktop.domain.roster import Relation
from desktop.domain.terms import AmendmentRule
from desktop.services.consent.recording import WARRANTIES, AcceptanceInput
from desktop.services.container import Services
from desktop.services.roster import GuardianInput, StudentInput, StudentRecord
from desktop.services.staff import resolve_actor
from desktop.services.terms import DraftInput, TermsDocumentInput

EMSO = "1705012500030"  # R37 test vector: 17.05.2012


def noon(day: date, country: str = "SI") -> datetime:
    return noon_on(day, country)


@dataclass(frozen=True)
class Family:
    student: StudentRecord
    mother_id: int
    father_id: int


def si_family(services: Services, code: str = EMSO, class_name: str = "7.a") -> Family:
    student = services.roster.create_student(
        StudentInput("Žiga", "Novak", code, class_name=class_name)
    )
    student = services.roster.add_guardian(
        student.id,
        GuardianInput(
            "Ana",
            "Novak",
            phone="+386 41 123 456",
            email="ana.novak@example.si",
            language="sl",
            street="Cankarjeva 5",
            postal_code="1000",
            city="Ljubljana",
        ),
        Relation.MOTHER,
    )
    student = services.roster.add_guardian(
        student.id,
        GuardianInput(
            "Marko",
            "Novak",
            phone="+386 41 999 888",
            email="marko@example.si",
            language="en",
            street="Trubarjeva 2",
            postal_code="1000",
            city="Ljubljana",
        ),
        Relation.FATHER,
    )
    return Family(student, student.guardians[0].guardian_id, student.guardians[1].guardian_id)


def student_born(services: Services, birth: date, first: str = "Mia", class_name: str = "7.b"):
    """A student without a local code, so the birth date is exactly what the test needs."""
    return services.roster.create_student(
        StudentInput(first, "Kask", birth_date=birth, no_local_code=True, class_name=class_name)
    )


def terms_document(
    services: Services,
    key: str,
    versions: list[tuple[str, date, date | None]],
    *,
    rule: AmendmentRule = AmendmentRule.STATED_DATE,
    free_alternative: bool = False,
):
    """A document with published versions: (label, published_on, effective_from or None)."""
    services.terms.create_document(
        TermsDocumentInput(
            key,
            {"sl": f"Pogoji {key}", "et": f"Tingimused {key}", "en": f"Terms {key}"},
            ProviderIdentity("Provider d.o.o.", ("Cesta 1", "1000 Ljubljana")),
            free_alternative,
            rule,
        )
    )
    for label, published, effective in versions:
        draft = services.terms.draft_version(
            key, DraftInput({"sl": f"1. Uvod\n\nRazličica {label}."}, published, label)
        )
        services.terms.publish(
            draft.id, draft.version, published_on=published, effective_from=effective
        )
    return services.consent.document(key)


def popolni(services: Services):
    """SI-POPOLNI-TERMS 1.0 published 1 Sep 2024 (the guardians answer it)."""
    return terms_document(
        services,
        "SI-POPOLNI-TERMS",
        [("1.0", date(2024, 9, 1), None)],
        rule=AmendmentRule.PUBLISHED_PLUS_15,
        free_alternative=True,
    )


def accept_popolni(services: Services, family: Family, guardian_id: int, on: date, **kw):
    document = services.consent.document("SI-POPOLNI-TERMS")
    version = document.in_force(on)
    return services.consent.record(
        AcceptanceInput(
            version.id,
            family.student.id,
            kw.pop("decision", AcceptanceDecision.ACCEPTED),
            kw.pop("channel", Channel.PAPER_AT_SCHOOL),
            "sl",
            guardian_id=guardian_id,
            decided_at=noon(on),
            warranties=WARRANTIES,
            free_alternative_disclosed=True,
            **kw,
        )
    )


def staff(services: Services, login: str, *roles: Role) -> Services:
    """Services acting as another staff member with only these roles."""
    services.staff.add(login, login.title(), set(roles))
    return Services(services.db, resolve_actor(services.db, login))
