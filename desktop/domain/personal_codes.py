"""Personal codes: Estonian isikukood (R32, R33) and Slovenian EMŠO (R37).

Validation and birth dates come from python-stdnum; this module adds what the office needs
around it: one entry point per school country, the warnings RULES.md asks for, and the repair
of codes that a spreadsheet turned into numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # reasons are shown translated by the UI, in English elsewhere

CODE_NAMES = {"EE": "isikukood", "SI": "EMŠO"}
CODE_LENGTHS = {"EE": 11, "SI": 13}


@dataclass(frozen=True)
class PersonalCode:
    code: str
    birth_date: date
    warnings: tuple[str, ...] = field(default=())


def _emso_weighted_remainder(code: str) -> int:
    return sum(int(d) * w for d, w in zip(code[:12], (7, 6, 5, 4, 3, 2) * 2, strict=True)) % 11


def parse_personal_code(raw: str, country: str, field_name: str = "personal_code") -> PersonalCode:
    """Validate a code for the school's country; raise ValidationError naming what is wrong."""
    if (fast := _plain_valid_code(raw, country)) is not None:
        return fast
    code = normalise_code_text(raw, country)
    name = CODE_NAMES[country]
    if not code:
        raise ValidationError(field_name, raw, N_("the {name} is empty", name=name))
    if not code.isdigit():
        raise ValidationError(field_name, raw, N_("an {name} has digits only", name=name))
    if len(code) != CODE_LENGTHS[country]:
        raise ValidationError(
            field_name,
            raw,
            N_(
                "an {name} has {length} digits, this has {count}",
                name=name,
                length=CODE_LENGTHS[country],
                count=len(code),
            ),
        )
    if country == "EE":
        return _parse_isikukood(code, raw, field_name)
    return _parse_emso(code, raw, field_name)


_IK_CENTURY = {str(d): 1800 + 100 * ((d - 1) // 2) for d in range(1, 9)}
_IK_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)
_IK_WEIGHTS_AGAIN = (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)
_EMSO_WEIGHTS = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _plain_valid_code(raw: object, country: str) -> PersonalCode | None:
    """The common case in one pass: a plain string of ASCII digits that is a valid code with
    nothing to warn about. Anything else (spreadsheet damage, a wrong digit, an EMŠO that needs
    a warning) returns None and takes the full path, which names the problem. The same rules as
    python-stdnum's ee.ik and si.emso (tests compare the two)."""
    if type(raw) is not str or not raw.isascii() or not raw.isdigit():
        return None
    try:
        if country == "EE" and len(raw) == 11:
            century = _IK_CENTURY.get(raw[0])
            if century is None:
                return None
            digits = [ord(c) - 48 for c in raw]
            check = sum(w * d for w, d in zip(_IK_WEIGHTS, digits, strict=False)) % 11
            if check == 10:
                check = sum(w * d for w, d in zip(_IK_WEIGHTS_AGAIN, digits, strict=False)) % 11
            if check % 10 != digits[10]:
                return None
            birth = date(century + int(raw[1:3]), int(raw[3:5]), int(raw[5:7]))
            return PersonalCode(raw, birth)
        if country == "SI" and len(raw) == 13:
            if raw[7:9] != "50":
                return None  # warned about: the full path
            digits = [ord(c) - 48 for c in raw]
            total = sum(w * d for w, d in zip(_EMSO_WEIGHTS, digits, strict=False))
            if total % 11 == 1 or -total % 11 % 10 != digits[12]:
                return None  # a check digit of 10 (warned about) or a wrong one
            year = int(raw[4:7])
            year += 2000 if year < 800 else 1000
            return PersonalCode(raw, date(year, int(raw[2:4]), int(raw[:2])))
    except ValueError:  # not a real date: the full path says which digits
        return None
    return None


def _parse_isikukood(code: str, raw: str, field_name: str) -> PersonalCode:
    # python-stdnum is imported on first use: its util module imports pydoc (20 ms on every
    # start and command, which all import the roster's rules).
    from stdnum.ee import ik
    from stdnum.exceptions import ValidationError as StdnumError

    if code[0] not in "12345678":
        raise ValidationError(field_name, raw, N_("the first digit (century and sex) must be 1–8"))
    try:
        birth = ik.get_birth_date(code)
    except StdnumError:
        raise ValidationError(
            field_name,
            raw,
            N_("digits 2–7 ({digits}) are not a real date of birth", digits=code[1:7]),
        ) from None
    if not ik.is_valid(code):
        raise ValidationError(field_name, raw, N_("the check digit (last digit) is wrong"))
    return PersonalCode(code, birth)


def _parse_emso(code: str, raw: str, field_name: str) -> PersonalCode:
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.si import emso

    try:
        birth = emso.get_birth_date(code)
    except StdnumError:
        raise ValidationError(
            field_name,
            raw,
            N_("digits 1–7 ({digits}) are not a real date of birth", digits=code[:7]),
        ) from None
    remainder = _emso_weighted_remainder(code)
    warnings: list[str] = []
    if remainder == 1:
        # R37: check digit would be 10; such codes are normally not issued but are accepted.
        if code[12] != "0":
            raise ValidationError(field_name, raw, N_("the check digit (last digit) is wrong"))
        warnings.append(N_("unusual EMŠO: its check digit would be 10 (accepted)"))
    elif not emso.is_valid(code):
        raise ValidationError(field_name, raw, N_("the check digit (last digit) is wrong"))
    if code[7:9] != "50":
        warnings.append(N_("EMŠO register region {region} is not Slovenia (50)", region=code[7:9]))
    return PersonalCode(code, birth, tuple(warnings))


_SCIENTIFIC = re.compile(r"^[0-9]+(?:[.,][0-9]+)?[eE]\+?[0-9]+$")
_DECIMAL_ZERO = re.compile(r"^([0-9]+)[.,]0+$")


def normalise_code_text(raw: object, country: str) -> str:
    """Undo what spreadsheets do to codes, where the result is unambiguous.

    - a leading apostrophe (our own export's formula guard, or Excel's text marker);
    - spaces and dashes typed for readability;
    - a float rendering: '61205171232.0' or '6,1205171232E+10' (only when every digit survived);
    - a lost leading zero: an EMŠO starts with the day of birth (01–09), so a 12-digit
      number is a 13-digit code with its zero dropped. An isikukood never starts with 0.
    """
    if raw is None:
        return ""
    if isinstance(raw, float):
        raw = str(int(raw)) if raw.is_integer() else repr(raw)
    text = str(raw).strip().lstrip("'").replace(" ", "").replace("-", "")
    if m := _DECIMAL_ZERO.match(text):
        text = m.group(1)
    elif _SCIENTIFIC.match(text):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return text
        if number == number.to_integral_value():
            text = str(int(number))
    if country == "SI" and text.isdigit() and len(text) == CODE_LENGTHS["SI"] - 1:
        text = "0" + text
    return text


def is_valid_personal_code(raw: str, country: str) -> bool:
    try:
        parse_personal_code(raw, country)
    except ValidationError:
        return False
    return True
