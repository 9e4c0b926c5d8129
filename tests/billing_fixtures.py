"""A Slovenian (and an Estonian) school ready for billing: POPOLNI enabled, eŠola's account,
prices, the POPOLNI terms published, and the Novak family. Shared by the billing tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from stdnum import iban
from stdnum.ee import ik
from stdnum.si import emso

from desktop.domain.billing.records import CommunicationMode, OrderChannel, OrderedBy
from desktop.domain.dates import SchoolYear
from desktop.domain.roster import Relation
from desktop.services.billing import OrderInput
from desktop.services.demo_terms import seed_demo_terms
from desktop.services.roster import GuardianInput, StudentInput

PRICE = 2000  # 20.00 € (illustrative, as in R88's example)


def si_iban() -> str:
    bban = "020100012345641"  # valid national check digits (schwifty checks them)
    return f"SI{iban.calc_check_digits('SI00' + bban)}{bban}"


def ee_iban() -> str:
    bban = "2200221020145685"
    return f"EE{iban.calc_check_digits('EE00' + bban)}{bban}"


def emso_for(day: date, serial: int = 500) -> str:
    base = f"{day.day:02d}{day.month:02d}{day.year % 1000:03d}50{serial:03d}"
    return base + emso.calc_check_digit(base)


def isikukood_for(day: date, serial: int = 27) -> str:
    century = 5 if day.year >= 2000 else 3
    base = f"{century}{day:%y%m%d}{serial:03d}"
    return base + ik.calc_check_digit(base)


@dataclass(frozen=True)
class Family:
    student_id: int
    mother_id: int
    father_id: int
    mother_link_id: int
    father_link_id: int
    code: str


def prepare_billing(services, years=(2024, 2025, 2026, 2027, 2028)) -> int:
    """Enable POPOLNI, set the account and prices; return the POPOLNI terms version id."""
    country = services.school.require_school().country
    seed_demo_terms(services.db, services.actor, country)
    settings = services.billing.settings()
    services.billing.update_settings(
        replace(
            settings,
            popolni_enabled=True,
            iban=si_iban() if country.value == "SI" else ee_iban(),
            bic="LJBASI2X" if country.value == "SI" else "HABAEE2X",
            bank_name="Nova Ljubljanska banka d.d." if country.value == "SI" else "Swedbank AS",
            entity_vat_id="SI12345679",  # valid check digits (python-stdnum si.ddv)
            entity_registry_code="1234579000",  # valid matična številka
        )
    )
    for year in years:
        services.billing.set_price(SchoolYear(year), PRICE)
    key = "SI-POPOLNI-TERMS" if country.value == "SI" else "EE-MOODLE-TERMS"
    return services.terms.versions(key)[0].id


def add_family(
    services,
    birth: date = date(2012, 5, 17),
    first: str = "Ana",
    last: str = "Novak",
    serial: int = 500,
    klass: str = "7.a",
) -> Family:
    country = services.school.require_school().country.value
    code = emso_for(birth, serial) if country == "SI" else isikukood_for(birth, serial % 1000)
    student = services.roster.create_student(StudentInput(first, last, code, class_name=klass))
    student = services.roster.add_guardian(
        student.id,
        GuardianInput(
            "Mojca",
            last,
            phone="041 123 456",
            email="mojca.novak@example.si",
            street="Prešernova ulica 5",
            postal_code="1000",
            city="Ljubljana",
            language="sl",
        ),
        Relation.MOTHER,
    )
    student = services.roster.add_guardian(
        student.id,
        GuardianInput(
            "Marko",
            last,
            phone="031 654 321",
            street="Prešernova ulica 5",
            postal_code="1000",
            city="Ljubljana",
        ),
        Relation.FATHER,
    )
    mother, father = student.guardians
    return Family(
        student.id, mother.guardian_id, father.guardian_id, mother.link_id, father.link_id, code
    )


def order_input(family: Family, terms_id: int, on: date, *, both: bool = False, **kw) -> OrderInput:
    return OrderInput(
        student_id=family.student_id,
        ordered_by=OrderedBy.GUARDIAN,
        channel=OrderChannel.ELECTRONIC,
        communication_mode=CommunicationMode.SMS_AND_EMAIL,
        guardian_ids=(family.mother_id, family.father_id) if both else (family.mother_id,),
        terms_version_id=terms_id,
        warranties_given=True,
        free_alternative_disclosed=True,
        ordered_on=on,
        **kw,
    )


def record_terms_notice(services, student_id: int, version_id: int, sent_on: date) -> None:
    """R51: the terms-change notice sent to the student's live subscription on `sent_on`
    (written directly: the fixtures' terms have one version, a real notice needs two)."""
    from sqlalchemy import select

    from desktop.db.models import Subscription, TermsChangeNotice

    with services.db.write(services.actor.login) as session:
        sub_id = session.scalar(
            select(Subscription.id)
            .where(Subscription.student_id == student_id)
            .order_by(Subscription.id.desc())
        )
        session.add(
            TermsChangeNotice(
                terms_version_id=version_id,
                subscription_id=sub_id,
                student_id=student_id,
                sent_on=sent_on,
                channel="letter",
            )
        )
