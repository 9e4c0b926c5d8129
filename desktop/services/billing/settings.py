"""The school's billing settings, prices and calendar (R73, R74, R77, R78, R80, R81, R89)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import BillingPrice, BillingSettings, BillingYear, School, TrialOffer
from desktop.db.models.billing import DEFAULT_ENTITY
from desktop.domain.billing.policy import BillingPolicy, RenewalCalendar
from desktop.domain.billing.prices import Price
from desktop.domain.billing.records import ReferenceScheme
from desktop.domain.billing.states import Tier
from desktop.domain.billing.trials import SpecialOffer
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.payment_refs import (
    validate_iban,
    validate_purpose_code,
    validate_registry_code,
    validate_vat_id,
)
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, check_email, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import ensure_version
from desktop.services.billing.part import BillingPart

# R77: the default reference per country; configurable in the settings.
DEFAULT_SCHEME = {Country.SI: ReferenceScheme.SI12, Country.EE: ReferenceScheme.EE}


@dataclass(frozen=True)
class BillingSettingsRecord:
    """The settings as a form shows them; the defaults are those before the first save."""

    reference_scheme: ReferenceScheme
    popolni_enabled: bool = False
    entity_name: str = DEFAULT_ENTITY["entity_name"]
    entity_street: str = DEFAULT_ENTITY["entity_street"]
    entity_postal_code: str = DEFAULT_ENTITY["entity_postal_code"]
    entity_city: str = DEFAULT_ENTITY["entity_city"]
    entity_country: str = DEFAULT_ENTITY["entity_country"]
    entity_registry_code: str = ""
    entity_vat_id: str = ""
    entity_email: str = DEFAULT_ENTITY["entity_email"]
    entity_phone: str = ""
    entity_website: str = ""
    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    upn_purpose_code: str = "SCVE"
    version: int = 0

    @property
    def entity_address_lines(self) -> tuple[str, ...]:
        place = " ".join(p for p in (self.entity_postal_code, self.entity_city) if p)
        return tuple(line for line in (self.entity_street, place) if line)


def load_policies(session: Session) -> dict[SchoolYear, BillingPolicy]:
    """The configured BillingPolicy per school year (R80, R81, R91); absent years use the
    RULES.md proposals through domain.policy_for."""
    policies = {}
    for row in session.scalars(select(BillingYear)):
        year = SchoolYear(row.school_year)
        calendar = RenewalCalendar(
            year,
            row.invitation_on,
            row.invitation_due,
            row.reminder1_on,
            row.reminder1_due,
            row.reminder2_on,
            row.reminder2_due,
            row.termination_effective,
        )
        policies[year] = BillingPolicy(
            year,
            calendar,
            first_reminder1_after_days=row.first_reminder1_after_days,
            first_reminder2_after_days=row.first_reminder2_after_days,
            first_lapse_after_days=row.first_lapse_after_days,
            reminder_fee_gross_cents=row.reminder_fee_gross_cents,
            charge_reminder_fee_by_default=row.charge_reminder_fee_by_default,
            trial_invitation_days_before_end=row.trial_invitation_days_before_end,
        )
    return policies


def load_prices(session: Session) -> list[Price]:
    return [
        Price(SchoolYear(p.school_year), p.tier, p.gross_cents, p.valid_from)
        for p in session.scalars(select(BillingPrice))
    ]


def settings_row(session: Session) -> BillingSettings:
    """The school's billing settings, created with the defaults on first use (R73, R74)."""
    row = session.scalar(select(BillingSettings).limit(1))
    if row is not None:
        return row
    school = session.scalar(select(School).order_by(School.id).limit(1))
    if school is None:
        raise NotFound("school", "")
    row = BillingSettings(
        school_id=school.id,
        popolni_enabled=False,
        reference_scheme=DEFAULT_SCHEME[school.country],
        **DEFAULT_ENTITY,
    )
    session.add(row)
    session.flush()
    return row


def billing_issuer(settings: BillingSettingsRecord, country: Country):
    """R73: the billing entity's identity (eŠola by default) on invoices, reminders and the
    letters sent in its name; a `desktop.documents.billing_letters.BillingIssuer`."""
    from desktop.documents.billing_letters import BillingIssuer  # documents only when printing

    return BillingIssuer(
        name=settings.entity_name,
        address_lines=settings.entity_address_lines,
        country=country.value,
        registry_code=settings.entity_registry_code,
        vat_id=settings.entity_vat_id,
        email=settings.entity_email,
        phone=settings.entity_phone,
        website=settings.entity_website,
    )


def load_settings(session: Session, country: Country) -> BillingSettingsRecord:
    """The school's billing settings, or the defaults while none are saved (R73, R77)."""
    row = session.scalar(select(BillingSettings).limit(1))
    if row is None:
        return BillingSettingsRecord(DEFAULT_SCHEME[country])
    return BillingSettingsRecord(
        **{f.name: getattr(row, f.name) for f in fields(BillingSettingsRecord)}
    )


class Settings(BillingPart):
    """The billing settings, the price table, the renewal calendar and special trial offers."""

    def settings(self) -> BillingSettingsRecord:
        with self.read(Permission.VIEW_BILLING) as session:
            return load_settings(session, self._school().country)

    def update_settings(self, record: BillingSettingsRecord) -> BillingSettingsRecord:
        values = _clean_settings(record)
        with self.write(Permission.EDIT_BILLING, reason="billing settings") as session:
            row = settings_row(session)
            ensure_version(row, record.version or row.version, "billing settings")
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return load_settings(session, self._school().country)

    def set_price(self, school_year: SchoolYear, gross_cents: int, valid_from: date | None = None):
        """R78: the POPOLNI price of a school year, valid from a date (default: 1 Sep)."""
        if isinstance(gross_cents, bool) or not isinstance(gross_cents, int) or gross_cents <= 0:
            raise ValidationError("price", gross_cents, N_("a price is a positive amount"))
        valid_from = valid_from or school_year.first_day
        with self.write(Permission.EDIT_BILLING, reason="price") as session:
            row = session.scalar(
                select(BillingPrice).where(
                    BillingPrice.school_year == school_year.start_year,
                    BillingPrice.tier == Tier.POPOLNI,
                    BillingPrice.valid_from == valid_from,
                )
            )
            if row is None:
                session.add(
                    BillingPrice(
                        school_year=school_year.start_year,
                        tier=Tier.POPOLNI,
                        gross_cents=gross_cents,
                        valid_from=valid_from,
                    )
                )
            else:
                row.gross_cents = gross_cents

    def prices(self) -> list[Price]:
        with self.read(Permission.VIEW_BILLING) as session:
            return sorted(load_prices(session), key=lambda p: (p.school_year, p.valid_from))

    def set_policy(self, policy: BillingPolicy) -> None:
        """R80/R81/R91: the dates and amounts of one school year (validated by the domain)."""
        cal = policy.renewal
        values = {
            "invitation_on": cal.invitation_on,
            "invitation_due": cal.invitation_due,
            "reminder1_on": cal.reminder1_on,
            "reminder1_due": cal.reminder1_due,
            "reminder2_on": cal.reminder2_on,
            "reminder2_due": cal.reminder2_due,
            "termination_effective": cal.termination_effective,
            "first_reminder1_after_days": policy.first_reminder1_after_days,
            "first_reminder2_after_days": policy.first_reminder2_after_days,
            "first_lapse_after_days": policy.first_lapse_after_days,
            "reminder_fee_gross_cents": policy.reminder_fee_gross_cents,
            "charge_reminder_fee_by_default": policy.charge_reminder_fee_by_default,
            "trial_invitation_days_before_end": policy.trial_invitation_days_before_end,
        }
        with self.write(Permission.EDIT_BILLING, reason="billing calendar") as session:
            row = session.scalar(
                select(BillingYear).where(BillingYear.school_year == policy.school_year.start_year)
            )
            if row is None:
                session.add(BillingYear(school_year=policy.school_year.start_year, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)

    def add_trial_offer(self, offer: SpecialOffer, label: str = "") -> int:
        """R89(d): a special trial offer (own window and length) for one school year."""
        with self.write(Permission.EDIT_BILLING, reason="special trial offer") as session:
            row = TrialOffer(
                school_year=offer.school_year.start_year,
                first_day=offer.first_day,
                last_day=offer.last_day,
                length_days=offer.length_days,
                label=clean_text(label),
            )
            session.add(row)
            session.flush()
            return row.id


def _clean_settings(record: BillingSettingsRecord) -> dict[str, object]:
    from stdnum import bic as stdnum_bic

    name = clean_text(record.entity_name)
    if not name:
        raise ValidationError(
            "entity_name", record.entity_name, N_("the billing entity needs a name")
        )
    iban = clean_text(record.iban)
    if iban:
        iban = validate_iban(iban)
    bic = clean_text(record.bic).upper()
    if bic and not stdnum_bic.is_valid(bic):
        raise ValidationError("bic", record.bic, N_("is not a valid BIC"))
    code = validate_purpose_code(clean_text(record.upn_purpose_code))
    country = clean_text(record.entity_country).upper()[:2] or "SI"
    vat_id = clean_text(record.entity_vat_id)
    vat_id = validate_vat_id(vat_id, country) if vat_id else ""
    registry = clean_text(record.entity_registry_code)
    registry = validate_registry_code(registry, country) if registry else ""
    return {
        "popolni_enabled": bool(record.popolni_enabled),
        "entity_name": name,
        "entity_street": clean_text(record.entity_street),
        "entity_postal_code": clean_text(record.entity_postal_code),
        "entity_city": clean_text(record.entity_city),
        "entity_country": country,
        "entity_registry_code": registry,
        "entity_vat_id": vat_id,
        "entity_email": check_email(record.entity_email, "entity_email") or "",
        "entity_phone": clean_text(record.entity_phone),
        "entity_website": clean_text(record.entity_website),
        "iban": iban,
        "bic": bic,
        "bank_name": clean_text(record.bank_name),
        "reference_scheme": ReferenceScheme(record.reference_scheme),
        "upn_purpose_code": code,
    }
