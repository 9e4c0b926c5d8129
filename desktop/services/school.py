"""The school profile: name, address and country (R1: country decides code, language, zone)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from desktop.db.models import School, Student
from desktop.domain.dates import local_today
from desktop.domain.errors import NotFound, SchoolOfficeError, ValidationError
from desktop.domain.inputs import coerce_fields
from desktop.domain.personal_codes import CODE_NAMES
from desktop.domain.roles import Permission
from desktop.domain.roster import SCHOOL_LANGUAGE, Country, Language, check_email, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version


class NoSchool(SchoolOfficeError):
    def __init__(self):
        super().__init__(
            N_(
                "This database has no school yet. Create it with: "
                "school-office school init --name NAME --country EE|SI"
            )
        )


@dataclass(frozen=True)
class SchoolProfile:
    """The school as the office keeps it (one stored, versioned row). A printed document gets
    its own documents.model.Letterhead from DocumentService.letterhead()."""

    name: str
    country: Country
    street: str = ""
    postal_code: str = ""
    city: str = ""
    registry_code: str = ""
    phone: str = ""
    email: str = ""
    language: Language | None = None  # None: the country's language
    version: int = 0

    def __post_init__(self) -> None:
        coerce_fields(self, country=Country, language=Language)

    @property
    def code_name(self) -> str:
        return CODE_NAMES[self.country]

    @property
    def default_language(self) -> Language:
        return self.language or SCHOOL_LANGUAGE[self.country]

    def today(self) -> date:
        return local_today(self.country)

    @property
    def address_lines(self) -> list[str]:
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return [line for line in (self.street, place) if line]


def _profile(row: School) -> SchoolProfile:
    return SchoolProfile(
        row.name,
        row.country,
        row.street,
        row.postal_code,
        row.city,
        row.registry_code,
        row.phone,
        row.email,
        row.language,
        row.version,
    )


def _checked(profile: SchoolProfile) -> SchoolProfile:
    name = clean_text(profile.name)
    if not name:
        raise ValidationError("name", profile.name, N_("the school needs a name"))
    if len(name) > 200:
        raise ValidationError(
            "name", profile.name, N_("is longer than {limit} characters", limit=200)
        )
    try:
        country = Country(str(profile.country).upper())
    except ValueError:
        raise ValidationError("country", profile.country, N_("use EE or SI")) from None
    return replace(
        profile,
        name=name,
        country=country,
        email=check_email(profile.email) or "",
        language=profile.language or SCHOOL_LANGUAGE[country],
    )


_EDITABLE = (
    "name",
    "country",
    "street",
    "postal_code",
    "city",
    "registry_code",
    "phone",
    "email",
    "language",
)
LOGO_MAX_BYTES = 1_000_000


def check_logo(data: bytes, name: str) -> bytes:
    """The letterhead logo: a PNG or JPEG small enough to embed in every letter."""
    if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise ValidationError("logo", name, N_("use a PNG or JPEG picture"))
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError("logo", name, N_("is larger than {limit} MB", limit=1))
    return data


class SchoolService(Service):
    def get(self) -> SchoolProfile | None:
        with self.db.read() as session:
            row = session.scalar(select(School).order_by(School.id).limit(1))
            return _profile(row) if row else None

    def require_school(self) -> SchoolProfile:
        profile = self.get()
        if profile is None:
            raise NoSchool()
        return profile

    def logo(self) -> bytes | None:
        with self.db.read() as session:
            return session.scalar(select(School.logo).limit(1))

    def create(self, profile: SchoolProfile) -> SchoolProfile:
        profile = _checked(profile)
        with self.write(Permission.EDIT_SCHOOL) as session:
            if session.scalar(select(School.id).limit(1)) is not None:
                raise ValidationError(
                    "school", profile.name, N_("this database already has a school")
                )
            row = School(**{field: getattr(profile, field) for field in _EDITABLE})
            session.add(row)
            session.flush()
            return _profile(row)

    def update(self, profile: SchoolProfile, logo: bytes | None = None) -> SchoolProfile:
        """The country cannot change once students exist: their codes are of that country."""
        profile = _checked(profile)
        with self.write(Permission.EDIT_SCHOOL) as session:
            row = session.scalar(select(School).limit(1))
            if row is None:
                raise NotFound("school", "")
            ensure_version(row, profile.version, "school profile")
            if (
                profile.country != row.country
                and session.scalar(select(Student.id).limit(1)) is not None
            ):
                raise ValidationError(
                    "country",
                    profile.country.value,
                    N_(
                        "cannot change: the roster already holds personal codes of {country}",
                        country=row.country.value,
                    ),
                )
            for field in _EDITABLE:
                setattr(row, field, getattr(profile, field))
            if logo is not None:
                row.logo = logo or None
            session.flush()
            return _profile(row)
