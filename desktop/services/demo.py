"""A realistic demo school: Estonian or Slovenian names, valid personal codes, guardians, classes.

Used by `school-office --demo` on an empty database, by `school-office demo`, and by the
benchmarks (100,000 students). Rows go in through Core bulk inserts; one audit entry records
the whole generation.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from stdnum.ee import ik
from stdnum.si import emso

from desktop.db.bulk import bulk_insert
from desktop.db.models import Guardian, Student, StudentGuardian
from desktop.db.session import record_audit
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, Language, Relation, StudentStatus
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service
from desktop.services.demo_names import NAMES, SCHOOLS, DemoNames
from desktop.services.school import SchoolService


class DemoService(Service):
    def fill(
        self,
        country: Country = Country.EE,
        students: int = 840,
        seed: int = 2026,
        today: date | None = None,
        *,
        cards: bool = True,
        billing: bool = True,
    ) -> int:
        """Create the demo school (if none) and its roster. Only into an empty roster.

        `cards` / `billing`: also fill those areas (benchmarks and tests of an area that
        build their own data turn them off)."""
        self.require(Permission.EDIT_ROSTER)
        if cards:
            self.require(Permission.MANAGE_CARDS)
        school_service = SchoolService(self.db, self.actor)
        school = school_service.get()
        if school is None:
            school = school_service.create(SCHOOLS[Country(country)])
        with self.db.read() as session:
            if session.scalar(select(func.count()).select_from(Student)):
                raise ValidationError("roster", "", N_("demo data goes only into an empty roster"))
        if billing and school.country is Country.SI:  # payer data: the billing role (R121)
            self.require(Permission.EDIT_BILLING)
        today = today or school.today()
        rows = _generate(school.country, students, random.Random(seed), today)
        self._insert(rows)
        _seed_terms(self, school.country)
        _seed_consent(self, school.country, today)
        if cards:
            _seed_cards(self, school.country, today)
        if billing:
            _seed_billing(self, school.country, today)
        return students

    def _insert(self, generated: _Generated) -> None:
        # One summary audit entry below instead of one per generated row.
        with self.write(Permission.EDIT_ROSTER, reason="demo school") as session:
            student_ids = bulk_insert(session, Student.__table__, generated.students, audit=False)
            guardian_ids = bulk_insert(
                session, Guardian.__table__, generated.guardians, audit=False
            )
            bulk_insert(
                session,
                StudentGuardian.__table__,
                [
                    {
                        "student_id": student_ids[s],
                        "guardian_id": guardian_ids[g],
                        "relation": relation,
                        "primary_contact": primary,
                    }
                    for s, g, relation, primary in generated.links
                ],
                audit=False,
            )
            record_audit(
                session,
                "demo",
                "student",
                reason="demo school",
                after={"students": len(student_ids), "guardians": len(guardian_ids)},
            )


def _seed_terms(service: Service, country: Country) -> None:
    """Issue 3: the providers' terms with published versions, so terms print in the demo."""
    from desktop.services.demo_terms import seed_demo_terms

    seed_demo_terms(service.db, service.actor, country)


@dataclass
class _Generated:
    students: list[dict]
    guardians: list[dict]
    links: list[tuple[int, int, str, bool]]


def _generate(country: Country, count: int, rnd: random.Random, today: date) -> _Generated:
    names = NAMES[country]
    year = SchoolYear.of(today)
    used_codes: set[str] = set()
    out = _Generated([], [], [])
    family: list[int] = []  # guardian indexes of the previous family, for siblings
    family_surname = ""
    classes_per_grade = max(1, min(4, count // (names.grades * 24) or 1))
    for index in range(count):
        grade = 1 + index % names.grades
        letter = "abcd"[(index // names.grades) % classes_per_grade]
        girl = rnd.random() < 0.5
        birth = _birth_date(year, grade, names.school_age, rnd)
        sibling = family and rnd.random() < 0.2
        surname = family_surname if sibling else rnd.choice(names.surnames)
        code = _personal_code(country, birth, girl, rnd, used_codes)
        out.students.append(
            {
                "first_name": rnd.choice(names.girls if girl else names.boys),
                "last_name": surname,
                "personal_code": code,
                "no_local_code": code is None,
                "foreign_document_id": "" if code else f"P{rnd.randrange(10**7, 10**8)}",
                "birth_date": birth,
                "class_name": f"{grade}.{letter}",
                "status": StudentStatus.ENROLLED,
                "enrolled_on": year.first_day - timedelta(days=365 * (grade - 1)),
                "left_on": None,
                "leaving_reason": "",
                "language": Language.EN if code is None else None,
                "full_capacity_from": None,
            }
        )
        if not sibling:
            family = _new_family(out, names, surname, country, rnd)
            family_surname = surname
        for position, guardian in enumerate(family):
            relation = out.guardians[guardian]["_relation"]
            out.links.append((index, guardian, relation, position == 0))
    for g in out.guardians:
        g.pop("_relation")
    return out


def _new_family(
    out: _Generated, names: DemoNames, surname: str, country: Country, rnd: random.Random
) -> list[int]:
    street = f"{rnd.choice(names.streets)} {rnd.randrange(1, 120)}"
    postal = f"{names.postal_code}{rnd.randrange(0, 10)}"
    members = []
    parents = [("women", Relation.MOTHER), ("men", Relation.FATHER)]
    if rnd.random() < 0.25:
        parents = parents[:1] if rnd.random() < 0.7 else parents[1:]
    for pool, relation in parents:
        first = rnd.choice(getattr(names, pool))
        local = _ascii(f"{first}.{surname}").lower().replace(" ", "")
        out.guardians.append(
            {
                "first_name": first,
                "last_name": surname,
                "phone": f"{names.phone_prefix}{rnd.randrange(10, 99)} {rnd.randrange(1000, 9999)}",
                # Numbered: two parents with the same name never share an address.
                "email": f"{local}.{len(out.guardians)}@example.com"
                if rnd.random() < 0.85
                else None,
                "street": street,
                "postal_code": postal,
                "city": names.city,
                "country_code": country.value,
                "language": None,
                "_relation": relation.value,
            }
        )
        members.append(len(out.guardians) - 1)
    return members


def _ascii(text: str) -> str:
    text = text.replace("đ", "dj").replace("Đ", "Dj")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _birth_date(year: SchoolYear, grade: int, school_age: int, rnd: random.Random) -> date:
    # Children entering class 1 in September of Y were born between Oct Y-age-1 and Sep Y-age.
    born_year = year.start_year - school_age - (grade - 1)
    start = date(born_year - 1, 10, 1)
    return start + timedelta(days=rnd.randrange(365))


def _personal_code(
    country: Country, birth: date, girl: bool, rnd: random.Random, used: set[str]
) -> str | None:
    if rnd.random() < 0.01:
        return None  # R34: a student without a local code
    while True:
        if country is Country.EE:
            century = 5 if birth.year >= 2000 else 3
            first = century + (1 if girl else 0)
            body = f"{first}{birth:%y%m%d}{rnd.randrange(0, 1000):03d}"
            code = body + ik.calc_check_digit(body + "0")
        else:
            serial = rnd.randrange(500, 1000) if girl else rnd.randrange(0, 500)
            body = f"{birth:%d%m}{birth.year % 1000:03d}50{serial:03d}"
            check = emso.calc_check_digit(body)
            if len(check) != 1 or not emso.is_valid(body + check):
                continue  # r = 1: such codes are not issued (R37)
            code = body + check
        if code not in used:
            used.add(code)
            return code


def _seed_consent(service: Service, country: Country, today: date) -> None:
    """Issue 5: decisions on the demo terms and an open request, for the Consent tab."""
    from desktop.services.demo_consent import seed_demo_consent

    seed_demo_consent(service.db, service.actor, country, today)


def _seed_cards(service: Service, country: Country, today: date) -> None:
    """Physical cards, a few lost and replaced or expired; [EE] virtual cards, for the Cards tab."""
    from desktop.services.demo_cards import seed_demo_cards

    seed_demo_cards(service.db, service.actor, country, today)


def _seed_billing(service: Service, country: Country, today: date) -> None:
    """[SI] POPOLNI on, a price, and subscriptions in every state, for the Billing tab."""
    from desktop.services.demo_billing import seed_demo_billing

    seed_demo_billing(service.db, service.actor, country, today)
