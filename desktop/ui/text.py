"""User-visible text of the UI: one place to hook up translations, labels and date formats.

Every string a secretary reads goes through `_()` (or `n_()` for counts), which translate into
the UI language of desktop.i18n (`set_ui_language`, applied by desktop/app.py at start-up from
Settings.ui_language or the school's language). Module-level label tables are marked with `N_`
and translated when they are shown, so they follow the language in force at that moment.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from desktop import i18n
from desktop.domain.personal_codes import CODE_NAMES
from desktop.domain.roles import ROLE_LABELS, Role
from desktop.domain.roster import Language, Relation, RestrictionKind, StudentStatus
from desktop.i18n import N_ as N_


def _(message: str) -> str:
    """Translate a UI message; a domain reason made with N_(template, **values) too."""
    return i18n.gettext(message)


def n_(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count (Slovenian has four plural forms)."""
    return i18n.ngettext(singular, plural, n)


_STATUS = {
    StudentStatus.ENROLLED: N_("Enrolled"),
    StudentStatus.LEFT: N_("Left"),
    StudentStatus.GRADUATED: N_("Graduated"),
}
_RELATION = {
    Relation.MOTHER: N_("Mother"),
    Relation.FATHER: N_("Father"),
    Relation.GUARDIAN: N_("Legal guardian"),
    Relation.OTHER: N_("Other"),
}
_RESTRICTION = {
    RestrictionKind.PROHIBITION: N_("Prohibition of contact"),
    RestrictionKind.RESTRICTION: N_("Restriction of contact"),
}
# What the services' ConflictError and NotFound name (ensure_version(row, version, "student")),
# so "This student was changed by …" reads in the UI language; other names stay as given.
_ENTITIES = frozenset(
    (
        N_("student"),
        N_("guardian"),
        N_("guardian link"),
        N_("contact restriction"),
        N_("prohibition"),
        N_("card"),
        N_("card settings"),
        N_("subscription"),
        N_("billing settings"),
        N_("invoice"),
        N_("refund"),
        N_("proposal"),
        N_("letter"),
        N_("request"),
        N_("deletion request"),
        N_("retention proposal"),
        N_("legal hold"),
        N_("breach"),
        N_("code"),
        N_("consent settings"),
        N_("terms document"),
        N_("terms version"),
        N_("school"),
        N_("school profile"),
        N_("staff member"),
        N_("physical card"),
        N_("virtual card"),
        N_("provider event"),
        N_("price"),
        N_("record"),
    )
)
# Names that say how the record was looked for: shown as the record itself.
_ENTITY_ALIASES = {
    "card with number": "card",
    "student with personal code": "student",
    "subscription of student": "subscription",
    "invoice for student": "invoice",
    "active user on the subscription": "subscription",
    "published terms version": "terms version",
}
# Field names used by the services' ValidationError, as a secretary would call them.
_FIELDS = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "birth_date": N_("Birth date"),
    "class": N_("Class"),
    "language": N_("Language"),
    "status": N_("Status"),
    "left_on": N_("Date"),
    "reason": N_("Reason"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "country_code": N_("Country"),
    "authority": N_("Authority"),
    "valid_to": N_("Until"),
    "valid_from": N_("From"),
    "login": N_("Login"),
    "roles": N_("Roles"),
    "name": N_("Name"),
    "file": N_("File"),
    "host": N_("Server"),
    "database": N_("Database"),
    "user": N_("User name"),
    "password": N_("Password"),
    "country": N_("Country"),
    "guardian": N_("Parent or guardian"),
    "student": N_("Student"),
    "foreign_document_id": N_("Other document"),
    "postal_code": N_("Postcode"),
    "city": N_("City"),
    "amount": N_("Amount"),
    "description": N_("Description"),
    "note": N_("Note"),
    "reference": N_("Reference"),
    "card": N_("Card"),
    "iban": N_("IBAN"),
    # terms documents and versions (TermsService)
    "titles": N_("Title"),
    "provider_name": N_("Provider"),
    "provider_address": N_("Address"),
    "label": N_("Version"),
    "texts": N_("Text"),
    "dated_on": N_("Date on the terms"),
    "published_on": N_("Published on"),
    "effective_from": N_("In force from"),
}


def status_label(status: StudentStatus) -> str:
    return _(_STATUS[StudentStatus(status)])


def relation_label(relation: Relation) -> str:
    return _(_RELATION[Relation(relation)])


def restriction_label(kind: RestrictionKind) -> str:
    return _(_RESTRICTION[RestrictionKind(kind)])


def language_label(language: Language) -> str:
    return _(i18n.LANGUAGE_NAMES[Language(language).value])


def role_label(role: Role) -> str:
    return _(ROLE_LABELS[Role(role)])


def entity_label(entity: str) -> str:
    """The record's name in the UI language; an unknown name reads as \"record\"."""
    entity = _ENTITY_ALIASES.get(entity, entity)
    return _(entity) if entity in _ENTITIES else _("record")


def code_name(country: str) -> str:
    """The personal code's name inside a sentence: 'isikukood' (EE), 'EMŠO' (SI)."""
    return CODE_NAMES[str(country)]


def code_label(country: str) -> str:
    """The same as a label or heading: 'Isikukood', 'EMŠO'."""
    name = code_name(country)
    return name[:1].upper() + name[1:]


def field_label(field: str, country: str = "EE") -> str:
    if field == "personal_code":
        return code_label(country)
    return _(_FIELDS[field]) if field in _FIELDS else field.replace("_", " ").capitalize()


def format_date(value: date | None, country: str) -> str:
    """Dates as the school's country writes them: 17.05.2012 (EE), 17. 5. 2012 (SI)."""
    if value is None:
        return ""
    if str(country) == "SI":
        return f"{value.day}. {value.month}. {value.year}"
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def stored_text(text: str) -> str:
    """A reason the services stored in English (a proposal's, an ending's), in the UI language
    (the same reading back as the printed documents use: desktop.i18n.stored)."""
    from desktop.i18n.stored import stored_text as in_language

    return in_language(i18n.ui_translator(), text)


def format_number(value: int | float | Decimal, decimals: int | None = None) -> str:
    """A number as the UI language writes it: 1 234,5 (et), 1.234,5 (sl), 1,234.5 (en)."""
    if isinstance(value, float):
        value = Decimal(str(value))
    return i18n.ui_translator().format_number(value, decimals)


def format_percent(value: int | float | Decimal, decimals: int = 1) -> str:
    """A percentage (52.5 → '52,5 %' in et and sl, '52.5%' in en), never a bare float."""
    number = format_number(value, decimals)
    return f"{number}%" if i18n.ui_language() == "en" else f"{number}\u00a0%"


def date_placeholder(country: str) -> str:
    return _("d. m. yyyy") if str(country) == "SI" else _("dd.mm.yyyy")
