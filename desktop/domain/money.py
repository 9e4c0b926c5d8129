"""Amounts as people type them, read one way everywhere (a dialog, the command line, a script).

"20", "20,00", "20.5", "1 200,00 €" are integer cents (R5: never a float). Refused: an
exponent (1e3), underscores (1_000), NaN and Infinity, digits of other scripts, more than two
decimals, "1.000,00" (is the point a thousands separator or a decimal point?), zero or less,
and more than MAX_CENTS.
"""

from __future__ import annotations

import re

from desktop.domain.errors import ValidationError
from desktop.i18n import N_, Money

# No fee, price or payment of a school comes near this; a bigger number is a typing slip.
MAX_CENTS = 100_000_000  # 1,000,000.00 €

# ASCII digits, optionally grouped by thousands with a space, an optional decimal comma or point
# with one or two digits, an optional euro sign before or after.
_AMOUNT = re.compile(
    r"€?(?P<whole>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<cents>\d{1,2}))?€?",
    re.ASCII,
)
_TOO_PRECISE = re.compile(r"€?\d+(?:[ \u00a0\u202f]\d{3})*[.,]\d{3,}€?", re.ASCII)


def parse_cents(text: object, field: str = "amount", *, maximum: int = MAX_CENTS) -> int:
    """An amount as typed, '20', '20,00', '1 200.00 €', in integer cents; anything else is a
    ValidationError on `field`."""
    if not isinstance(text, str):
        raise ValidationError(field, text, N_("is not an amount like 20,00"))
    compact = text.strip()
    compact = re.sub(r"\s*€\s*", "€", compact)
    if compact.startswith("-") and _AMOUNT.fullmatch(compact[1:]):
        raise ValidationError(field, text, N_("a positive amount with at most two decimals"))
    if _TOO_PRECISE.fullmatch(compact):
        raise ValidationError(field, text, N_("a positive amount with at most two decimals"))
    match = _AMOUNT.fullmatch(compact)
    if match is None:
        raise ValidationError(field, text, N_("is not an amount like 20,00"))
    whole = re.sub(r"\D", "", match["whole"])
    if len(whole) > 12:
        raise ValidationError(field, text, N_("is more than {maximum}", maximum=Money(maximum)))
    cents = int(whole) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    if cents <= 0:
        raise ValidationError(field, text, N_("a positive amount with at most two decimals"))
    if cents > maximum:
        raise ValidationError(field, text, N_("is more than {maximum}", maximum=Money(maximum)))
    return cents
