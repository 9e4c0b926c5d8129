"""Postal addresses on letters, and the pre-flight list of a batch of letters.

Pure functions, no database:

* ``postal_lines(...)``: the lines a window envelope shows (DIN 5008 / UPU): the name, the
  street, "postcode town", and for an address abroad the country's name in capitals as the
  last line, in the letter's language ("FINLAND", "SOOME", "FINSKA"). An address in the
  school's own country gets no country line.
* ``has_postal_address(lines)``: a letter needs more than a name in the window.
* ``preflight(recipients)``: for the recipients of a batch, those that cannot be sent, each with
  a reason the UI translates (no postal address, contact restricted (R15), the adult child's
  prohibition (R48), missing data). The service gathers the facts; this decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from desktop.i18n import N_, Translator

# The countries guardians of the two demo schools live in, should Babel be missing.
_COUNTRY_NAMES = {
    "en": {"EE": "Estonia", "SI": "Slovenia", "FI": "Finland", "LV": "Latvia", "HR": "Croatia",
           "AT": "Austria", "IT": "Italy", "DE": "Germany", "SE": "Sweden", "RU": "Russia"},
    "et": {"EE": "Eesti", "SI": "Sloveenia", "FI": "Soome", "LV": "Läti", "HR": "Horvaatia",
           "AT": "Austria", "IT": "Itaalia", "DE": "Saksamaa", "SE": "Rootsi", "RU": "Venemaa"},
    "sl": {"EE": "Estonija", "SI": "Slovenija", "FI": "Finska", "LV": "Latvija", "HR": "Hrvaška",
           "AT": "Avstrija", "IT": "Italija", "DE": "Nemčija", "SE": "Švedska", "RU": "Rusija"},
}  # fmt: skip


def country_name(tr: Translator, code: str) -> str:
    """The country's name in the translator's language (Babel's CLDR territory names)."""
    code = code.strip().upper()
    try:
        from babel import Locale

        name = Locale.parse(tr.babel_locale).territories.get(code)
    except Exception:  # Babel missing or without the locale: the small table
        name = None
    return name or _COUNTRY_NAMES.get(tr.language, _COUNTRY_NAMES["en"]).get(code, code)


def country_line(tr: Translator, country_code: str, home_country: str) -> str:
    """The last line of an address abroad, in capitals; "" at home or when unknown."""
    code = (country_code or "").strip().upper()
    if not code or code == (home_country or "").strip().upper():
        return ""
    return country_name(tr, code).upper()


def postal_lines(
    tr: Translator,
    name: str,
    street: str,
    postal_code: str,
    city: str,
    country_code: str,
    home_country: str,
) -> tuple[str, ...]:
    """Name, street, "postcode town" and, abroad, the country in capitals (the last line)."""
    place = " ".join(p for p in (postal_code.strip(), city.strip()) if p)
    lines = [x.strip() for x in (name, street) if x and x.strip()]
    if place:
        lines.append(place)
    country = country_line(tr, country_code, home_country) if (street or place) else ""
    if country:
        lines.append(country)
    return tuple(lines)


def has_postal_address(street: str, postal_code: str, city: str) -> bool:
    """A letter can go by post: a street (or P.O. box) and a town."""
    return bool(street.strip()) and bool((city or postal_code).strip())


# --- the pre-flight list of a batch --------------------------------------------------------

NO_NAME = N_("the recipient's name is missing")
NO_POSTAL_ADDRESS = N_("{name} has no postal address; add the street and town in the roster")
RESTRICTED = N_(
    "{name} may not receive anything about {student}: a contact restriction is recorded"
)
ADULT_PROHIBITION = N_(
    "{name} may not receive anything about {student}: the adult student has forbidden it"
)

K = TypeVar("K")


@dataclass(frozen=True)
class Recipient(Generic[K]):
    """What the pre-flight needs to know about one recipient of a batch."""

    key: K  # the caller's handle (a DocumentRequest)
    name: str
    student: str = ""  # the child the letter is about
    has_address: bool = True  # a postal address (street and town), when the letter is posted
    restricted: bool = False  # R15: an active contact restriction on this link
    adult_prohibition: bool = False  # R48: the adult child forbade data to the parents
    refusal: str = ""  # another check's reason (already a marked message), if any


def preflight(recipients: Sequence[Recipient[K]], *, postal: bool = True) -> list[tuple[K, str]]:
    """Those that cannot be sent, in the batch's order, each with one reason (the first that
    applies). ``postal=False`` for documents handed out at school (D1 class terms)."""
    out: list[tuple[K, str]] = []
    for r in recipients:
        name = " ".join(r.name.split())
        if not name:
            out.append((r.key, NO_NAME))
        elif r.adult_prohibition:
            out.append((r.key, N_(ADULT_PROHIBITION, name=name, student=r.student)))
        elif r.restricted:
            out.append((r.key, N_(RESTRICTED, name=name, student=r.student)))
        elif r.refusal:
            out.append((r.key, r.refusal))
        elif postal and not r.has_address:
            out.append((r.key, N_(NO_POSTAL_ADDRESS, name=name)))
    return out


def person_lines(person: object, language: str, home_country: str) -> tuple[str, ...]:
    """``postal_lines`` of a roster guardian (or anything with the same attributes)."""
    from desktop.i18n import translator

    return postal_lines(
        translator(language),
        getattr(person, "full_name", "") or "",
        getattr(person, "street", "") or "",
        getattr(person, "postal_code", "") or "",
        getattr(person, "city", "") or "",
        getattr(person, "country_code", "") or "",
        home_country,
    )
