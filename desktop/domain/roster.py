"""Roster rules: students, guardians, their links and contact restrictions (R7, R13, R15, R34).

Pure functions over plain values. The roster service stores what these functions accept.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from desktop.domain.errors import ValidationError
from desktop.domain.personal_codes import CODE_NAMES, PersonalCode, parse_personal_code
from desktop.i18n import N_  # reasons are shown translated by the UI, in English elsewhere


class Country(enum.StrEnum):
    EE = "EE"
    SI = "SI"


class Language(enum.StrEnum):
    ET = "et"
    SL = "sl"
    EN = "en"


SCHOOL_LANGUAGE = {Country.EE: Language.ET, Country.SI: Language.SL}  # R1: the school decides


class StudentStatus(enum.StrEnum):
    """R7: anything but ENROLLED closes the virtual card and revokes the physical cards."""

    ENROLLED = "ENROLLED"
    LEFT = "LEFT"
    GRADUATED = "GRADUATED"


class Relation(enum.StrEnum):
    MOTHER = "MOTHER"
    FATHER = "FATHER"
    GUARDIAN = "GUARDIAN"
    OTHER = "OTHER"


class RestrictionKind(enum.StrEnum):
    """R15: an authority's measure on one child–guardian link."""

    PROHIBITION = "PROHIBITION"
    RESTRICTION = "RESTRICTION"


NAME_MAX = 100
NAME_PUNCTUATION = " -'’."  # Mari-Liis, O'Brien, D’Artagnan, Jr.
CLASS_MAX = 20
REASON_MAX = 500


def clean_text(value: object) -> str:
    """Trim, collapse inner whitespace and normalise to NFC, so 'Šarić' typed two ways matches."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(text.split())


def fold(value: str) -> str:
    """Key for case-insensitive matching and searching."""
    return clean_text(value).casefold()


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"đ": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ħ": "h"})
_DIGITS = re.compile(r"(\d+)")


def fold_search(text: str) -> str:
    """Lower case without accents, so 'sarić', 'saric' and 'ŠARIĆ' all find 'Šarić'."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_UNDECOMPOSED)


def class_sort_key(name: str | None) -> tuple:
    """'2.a' < '10.a' < '10.b': the numbers in a class name sort as numbers; no class last."""
    if not name:
        return (1,)
    parts = _DIGITS.split(fold_search(name))
    return (0, *(int(p) if i % 2 else p for i, p in enumerate(parts)))


def check_name(field: str, value: object) -> str:
    text = clean_text(value)
    if not text:
        raise ValidationError(field, value, N_("is required"))
    if len(text) > NAME_MAX:
        raise ValidationError(field, value, N_("is longer than {limit} characters", limit=NAME_MAX))
    if _NAME_CHARS.issuperset(text):
        return text  # every character already passed the checks below
    for ch in text:
        if ch.isdigit():
            raise ValidationError(field, value, N_("a name has no digits"))
        if not (unicodedata.category(ch)[0] in "LM" or ch in NAME_PUNCTUATION):
            raise ValidationError(field, value, N_("a name cannot contain '{char}'", char=ch))
    _NAME_CHARS.update(text)
    return text


# Characters a name may hold, learnt as names pass the checks: most names are checked in one step.
_NAME_CHARS: set[str] = set()


def check_class_name(value: object, *, required: bool) -> str | None:
    text = clean_text(value)
    if not text:
        if required:
            raise ValidationError("class", value, N_("an enrolled student needs a class"))
        return None
    if len(text) > CLASS_MAX:
        raise ValidationError(
            "class", value, N_("is longer than {limit} characters", limit=CLASS_MAX)
        )
    return text


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 ()./-]+$")


def check_email(value: object, field: str = "email") -> str | None:
    text = clean_text(value)
    if not text:
        return None
    if not _EMAIL.match(text) or len(text) > 254:
        raise ValidationError(field, value, N_("is not an e-mail address (name@example.com)"))
    return text


def check_phone(value: object, field: str = "phone") -> str | None:
    """Keep the number as typed (spaces and all) but insist it can be dialled."""
    text = clean_text(value)
    if not text:
        return None
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE_ALLOWED.match(text) or not 6 <= digits <= 15:
        raise ValidationError(field, value, N_("is not a phone number (e.g. +386 41 123 456)"))
    return text


def phone_key(phone: str | None) -> str:
    """Digits only, without a leading country code guess, for matching the same number."""
    return "".join(ch for ch in phone or "" if ch.isdigit())


_LANGUAGE_WORDS = {
    Language.ET: {"et", "est", "eesti", "estonian", "eesti keel", "estonščina"},
    Language.SL: {"sl", "slv", "si", "slovenian", "slovenščina", "slovenski", "sloveeni"},
    Language.EN: {"en", "eng", "english", "inglise", "angleščina", "angleški"},
}


def parse_language(value: object, field: str = "language") -> Language | None:
    text = fold(str(value or ""))
    if not text:
        return None
    for language, words in _LANGUAGE_WORDS.items():
        if text in words:
            return language
    raise ValidationError(field, value, N_("use et, sl or en"))


_STATUS_WORDS = {
    StudentStatus.ENROLLED: {
        "enrolled",
        "active",
        "õpib",
        "aktiivne",
        "vpisan",
        "vpisana",
        "aktiven",
        "e",
    },
    StudentStatus.LEFT: {
        "left",
        "lahkunud",
        "väljaarvatud",
        "izpisan",
        "izpisana",
        "odšel",
        "odšla",
        "l",
    },
    StudentStatus.GRADUATED: {
        "graduated",
        "lõpetanud",
        "lõpetas",
        "zaključil",
        "zaključila",
        "diplomiral",
        "g",
    },
}


def parse_status(value: object, field: str = "status") -> StudentStatus | None:
    text = fold(str(value or ""))
    if not text:
        return None
    for status, words in _STATUS_WORDS.items():
        if text in words or text == status.value.casefold():
            return status
    raise ValidationError(field, value, N_("use ENROLLED, LEFT or GRADUATED"))


@dataclass(frozen=True)
class StudentIdentity:
    personal_code: str | None
    birth_date: date
    no_local_code: bool
    warnings: tuple[str, ...] = ()


def check_identity(
    country: str,
    personal_code: object,
    birth_date: date | None,
    *,
    no_local_code: bool = False,
) -> StudentIdentity:
    """R32–R37: the code gives the birth date; without a local code, a birth date is required.

    A birth date typed next to a code must agree with the code, so a mistyped code is caught.
    """
    raw = clean_text(personal_code)
    if not raw:
        if birth_date is None:
            raise ValidationError(
                "personal_code",
                personal_code,
                N_(
                    "give the {code}, or the birth date for a student without one",
                    code=CODE_NAMES[country],
                ),
            )
        return StudentIdentity(None, birth_date, True)
    if no_local_code:
        raise ValidationError(
            "personal_code", personal_code, N_("a student marked 'no local code' cannot have one")
        )
    parsed: PersonalCode = parse_personal_code(raw, country)
    if birth_date is not None and birth_date != parsed.birth_date:
        raise ValidationError(
            "birth_date",
            birth_date.isoformat(),
            N_(
                "does not match the birth date in the {code} ({date})",
                code=CODE_NAMES[country],
                date=parsed.birth_date.isoformat(),
            ),
        )
    return StudentIdentity(parsed.code, parsed.birth_date, False, parsed.warnings)


def check_leaving(
    status: StudentStatus, left_on: date | None, reason: str, enrolled_on: date | None
):
    """R7/R13: leaving needs a date; the date cannot precede enrolment."""
    if status is StudentStatus.ENROLLED:
        raise ValidationError("status", status.value, N_("choose LEFT or GRADUATED"))
    if left_on is None:
        raise ValidationError("left_on", None, N_("the leaving date is required"))
    if enrolled_on is not None and left_on < enrolled_on:
        raise ValidationError(
            "left_on",
            left_on.isoformat(),
            N_("is before the enrolment date {date}", date=enrolled_on.isoformat()),
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            "reason", reason, N_("is longer than {limit} characters", limit=REASON_MAX)
        )


@dataclass(frozen=True)
class Restriction:
    kind: RestrictionKind
    permanent: bool
    valid_from: date
    valid_to: date | None

    def active_on(self, day: date) -> bool:
        if day < self.valid_from:
            return False
        return self.permanent or self.valid_to is None or day <= self.valid_to


def check_restriction(
    kind: RestrictionKind,
    permanent: bool,
    valid_from: date | None,
    valid_to: date | None,
    authority: str,
) -> None:
    """R15: the fields an authority's measure must carry."""
    if valid_from is None:
        raise ValidationError("valid_from", None, N_("the date the measure starts is required"))
    if not clean_text(authority):
        raise ValidationError(
            "authority", authority, N_("name the authority that issued the measure")
        )
    if permanent and valid_to is not None:
        raise ValidationError(
            "valid_to", valid_to.isoformat(), N_("a permanent measure has no end date")
        )
    if not permanent and valid_to is None:
        raise ValidationError("valid_to", None, N_("a temporary measure needs an end date"))
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError(
            "valid_to",
            valid_to.isoformat(),
            N_("is before the start {date}", date=valid_from.isoformat()),
        )


def may_contact(restrictions: list[Restriction], day: date) -> bool:
    """R15 (a)/(b): an active restriction stops every letter, notice and export to the guardian."""
    return not any(r.active_on(day) for r in restrictions)
