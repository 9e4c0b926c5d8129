"""Payment references that banks accept (R77): RF (ISO 11649), Slovenian SI12, Estonian 7-3-1;
and the IBAN they are paid to.

Each kind has `make_*` (build the check digits for a base), `validate_*` (return the compact form
or raise ValidationError naming the problem) and `is_valid_*`.

Sources of the check-digit rules:
- RF: ISO 11649, via python-stdnum (`stdnum.iso11649` validates; `stdnum.iso7064.mod_97_10`
  computes the two check digits).
- SI12: Združenje bank Slovenije (ZBS), "Pravila za oblikovanje in uporabo standardiziranih
  referenc pri opravljanju plačilnih storitev" (v1.4, 2023), model 12 = "(P1)K": P1 is up to 12
  digits and K a mod-11 check digit. Weights 2, 3, 4, … are applied to the digits of P1 from the
  right; K = 11 − (sum mod 11), and a result of 10 or 11 gives K = 0. python-stdnum has no helper
  for it. Checked against the reference in the ZBS UPN QR standard's own example
  ("SI12 1033842574531") and against independent implementations (Odoo l10n_si,
  paymentreferencecheck SIReferenceChecker, upnqr-svelte), which all agree.
- EE: Eesti Pangaliit, "Viitenumbri standard" (reference number of the invoice): 2–20 digits,
  the last one a check digit by the 7-3-1 method (weights 7, 3, 1, 7, … from the right; check =
  distance to the next multiple of ten). python-stdnum has no Estonian helper for it.
"""

from __future__ import annotations

import re
from itertools import count
from operator import mul

from stdnum import iban, iso11649
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_97_10

from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI

_SEPARATORS = re.compile(r"[\s\-.]")


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text).upper()


def validate_iban(value: str, field_name: str = "iban") -> str:
    """The compact IBAN, or ValidationError. python-stdnum checks country, length and mod-97;
    schwifty also the national check digits inside the account number, which mod-97 alone
    lets through (SI27 0201 0001 2345 678 passes mod-97, yet no Slovenian IBAN starts SI27)."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        compact = iban.validate(value)
        IBAN(compact, validate_bban=True)
    except (StdnumError, SchwiftyException):
        raise ValidationError(field_name, value, N_("is not a valid IBAN")) from None
    return compact


# ---------------------------------------------------------------------------------------------
# The parties on an invoice: VAT ID and registry code (python-stdnum), the UPN purpose code
# ---------------------------------------------------------------------------------------------

_PURPOSE_CODE = re.compile(r"[A-Z]{4}")


def validate_purpose_code(value: str, field_name: str = "upn_purpose_code") -> str:
    """The UPN purpose code (ZBS list, e.g. SCVE, OTHR): 4 capital letters A–Z, no Š or Č.
    One check for the settings and for the QR code, so what is saved can always be printed."""
    code = value.strip().upper()
    if not _PURPOSE_CODE.fullmatch(code):
        raise ValidationError(
            field_name, value, N_("a purpose code is 4 letters A–Z without accents (e.g. SCVE)")
        )
    return code


def validate_vat_id(value: str, country: str, field_name: str = "entity_vat_id") -> str:
    """'SI50223054' / 'EE100931558': the VAT number with its country prefix, check digit checked."""
    from stdnum.ee import kmkr
    from stdnum.si import ddv

    module, prefix = {"SI": (ddv, "SI"), "EE": (kmkr, "EE")}.get(country, (None, ""))
    if module is None:
        return _compact(value)
    try:
        return prefix + module.validate(value)
    except StdnumError:
        raise ValidationError(field_name, value, N_("is not a valid VAT number")) from None


def validate_registry_code(
    value: str, country: str, field_name: str = "entity_registry_code"
) -> str:
    """The company registry number: SI matična številka (7 or 10 digits), EE registrikood."""
    from stdnum.ee import registrikood
    from stdnum.si import maticna

    module = {"SI": maticna, "EE": registrikood}.get(country)
    if module is None:
        return _compact(value)
    try:
        return module.validate(value)
    except StdnumError:
        raise ValidationError(field_name, value, N_("is not a valid registry number")) from None


# ---------------------------------------------------------------------------------------------
# RF creditor reference (ISO 11649)
# ---------------------------------------------------------------------------------------------

_RF_BASE = re.compile(r"[0-9A-Z]{1,21}")


def make_rf(base: str | int, field_name: str = "reference") -> str:
    """'RF' + two check digits + base, compact (e.g. '539007547034' → 'RF18539007547034')."""
    body = _compact(str(base))
    if not _RF_BASE.fullmatch(body):
        raise ValidationError(
            field_name, base, N_("an RF reference base has 1–21 letters (A–Z) or digits")
        )
    # mod_97_10 gives the digits that make body + 'RF' + digits ≡ 1 (mod 97), as ISO 11649 wants.
    return "RF" + mod_97_10.calc_check_digits(body + "RF") + body


def validate_rf(reference: str, field_name: str = "reference") -> str:
    """The compact RF reference, or ValidationError saying what is wrong."""
    try:
        return iso11649.validate(reference)
    except InvalidLength:
        reason = N_("an RF reference has 5–25 characters")
    except InvalidFormat:
        reason = N_("an RF reference starts with RF")
    except InvalidChecksum:
        reason = N_("the check digits (characters 3–4) are wrong")
    except StdnumError:
        reason = N_("is not a valid RF reference")
    raise ValidationError(field_name, reference, reason)


def is_valid_rf(reference: str) -> bool:
    return iso11649.is_valid(reference)


def format_rf(reference: str) -> str:
    """Groups of four for print: 'RF18 5390 0754 7034'."""
    return iso11649.format(reference)


# ---------------------------------------------------------------------------------------------
# Slovenian model 12 reference: "SI12 " + P1 (zero-padded to 12 digits) + K
# ---------------------------------------------------------------------------------------------

SI12_BASE_DIGITS = 12


def si12_check_digit(base: str) -> str:
    """ZBS mod 11 (see the module docstring): weights 2, 3, 4, … from the right."""
    total = sum(map(mul, map(int, reversed(base)), count(2)))  # one call per digit, no frame
    check = 11 - total % 11
    return "0" if check >= 10 else str(check)


def make_si12(base: str | int, field_name: str = "reference") -> str:
    """'SI12 ' + the base padded to 12 digits + check digit (e.g. 103384257453 → 'SI12
    1033842574531'). The fixed 13-digit body is what the UPN OCR line required; leading
    zeros do not change the check digit.

    Keep bases to 9 digits where you can: the 10th digit from the right gets weight 11 ≡ 0
    (mod 11), so the check digit cannot catch a typo there."""
    digits = _compact(str(base))
    if not digits.isdigit() or len(digits) > SI12_BASE_DIGITS:
        raise ValidationError(field_name, base, N_("an SI12 base has 1–12 digits"))
    digits = digits.zfill(SI12_BASE_DIGITS)
    return f"SI12 {digits}{si12_check_digit(digits)}"


def validate_si12(reference: str, field_name: str = "reference") -> str:
    """The printed form 'SI12 nnnnnnnnnnnnK', or ValidationError. Accepts 'SI121033…' too."""
    compact = _compact(reference)
    if not compact.startswith("SI12"):
        raise ValidationError(field_name, reference, N_("a model 12 reference starts with SI12"))
    body = compact[4:]
    if not body.isdigit():
        raise ValidationError(field_name, reference, N_("after SI12 come digits only"))
    if not 2 <= len(body) <= SI12_BASE_DIGITS + 1:
        raise ValidationError(field_name, reference, N_("after SI12 come 2–13 digits"))
    if si12_check_digit(body[:-1]) != body[-1]:
        raise ValidationError(field_name, reference, N_("the check digit (last digit) is wrong"))
    return f"SI12 {body}"


def is_valid_si12(reference: str) -> bool:
    try:
        validate_si12(reference)
    except ValidationError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Estonian reference number (viitenumber), 7-3-1 method
# ---------------------------------------------------------------------------------------------


def ee_check_digit(base: str) -> str:
    """Pangaliit 7-3-1: weights 7, 3, 1, … from the right; check = (10 − sum mod 10) mod 10."""
    total = sum(int(d) * (7, 3, 1)[i % 3] for i, d in enumerate(reversed(base)))
    return str(-total % 10)


def make_ee_reference(base: str | int, field_name: str = "reference") -> str:
    """Base (1–19 digits) + 7-3-1 check digit, e.g. '12131295' → '121312952'."""
    digits = _compact(str(base))
    if not digits.isdigit() or not 1 <= len(digits) <= 19:
        raise ValidationError(field_name, base, N_("a reference number base has 1–19 digits"))
    return digits + ee_check_digit(digits)


def validate_ee_reference(reference: str, field_name: str = "reference") -> str:
    """The compact reference number (spaces removed), or ValidationError."""
    compact = _compact(reference)
    if not compact.isdigit():
        raise ValidationError(field_name, reference, N_("a reference number has digits only"))
    if not 2 <= len(compact) <= 20:
        raise ValidationError(field_name, reference, N_("a reference number has 2–20 digits"))
    if ee_check_digit(compact[:-1]) != compact[-1]:
        raise ValidationError(field_name, reference, N_("the check digit (last digit) is wrong"))
    return compact


def is_valid_ee_reference(reference: str) -> bool:
    try:
        validate_ee_reference(reference)
    except ValidationError:
        return False
    return True


def format_ee_reference(reference: str) -> str:
    """Groups of four from the left, as the Pangaliit standard prints them: '1213 1295 2'."""
    compact = _compact(reference)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
