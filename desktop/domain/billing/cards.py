"""Card data (R65): the app never stores a card number or a CVV, only the last four digits."""

from __future__ import annotations

import re

from desktop.domain.billing.records import PaymentMethod
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # letter states and amount errors are shown translated by the UI

# 13–19 digits, possibly grouped by spaces or hyphens, as card numbers are written.
_PAN_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ \-]?){12,18}\d(?!\d)")


def looks_like_card_number(text: str) -> bool:
    """True when `text` contains 13–19 digits (grouped or not) that start like a payment card
    (2–6: Mastercard, Amex, Visa, Maestro, Discover…) and pass the Luhn check.

    Used to refuse card numbers typed into any free-text payment field (R65). A false alarm on
    an innocent long number is acceptable; storing a card number is not.
    """
    from stdnum import luhn

    for match in _PAN_CANDIDATE.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn.is_valid(digits):
            return True
    return False


def check_no_card_data(field_name: str, value: str) -> str:
    """R65: refuse a value that carries a full card number; returns the value trimmed."""
    value = (value or "").strip()
    if looks_like_card_number(value):
        raise ValidationError(
            field_name,
            "•••• (not shown)",
            N_(  # R65
                "looks like a full card number; School Office never stores card numbers or CVV "
                "codes. Enter only the processor's transaction id and the last four digits"
            ),
        )
    return value


def check_card_last_four(method: PaymentMethod, last_four: str | None) -> str | None:
    """R65: only a card payment has a masked card number, and only its last four digits."""
    text = (last_four or "").strip()
    if not text:
        return None
    if method is not PaymentMethod.CARD:
        raise ValidationError("card_last_four", text, N_("only a card payment has card digits"))
    if not re.fullmatch(r"\d{4}", text):
        reason = (
            # R65: never the card number or CVV
            N_("enter only the last four digits of the card, never the card number or CVV")
            if len(re.sub(r"\D", "", text)) > 4
            else N_("the last four digits of the card, e.g. 4242")
        )
        raise ValidationError(
            "card_last_four", "•••• (not shown)" if len(text) > 4 else text, reason
        )
    return text
