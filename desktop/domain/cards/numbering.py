"""Physical card numbers [EE] (R23): the school prefix, a serial that only grows, a Luhn
check digit; and a first prefix made from the school's name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from stdnum import luhn

from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI

CARD_PREFIX = re.compile(r"^[A-Z]{2,6}$")
SERIAL_DIGITS = 8
_CARD_NUMBER = re.compile(rf"^([A-Z]{{2,6}})-([0-9]{{{SERIAL_DIGITS}}})-([0-9])$")


@dataclass(frozen=True, order=True)
class CardNumber:
    """A physical card number: 'TK-00001234-5' = school prefix, serial, Luhn check digit.

    Plain ASCII, so Code 128 encodes it as is; the check digit catches a mistyped or
    misread digit and most swapped neighbours. Serials only ever grow, so a lost or replaced
    card's number is never issued again; the service also keeps card_number unique.
    """

    prefix: str
    serial: int

    def __post_init__(self):
        if not CARD_PREFIX.match(self.prefix):
            raise ValidationError("card_prefix", self.prefix, N_("use 2–6 capital letters A–Z"))
        if not 1 <= self.serial < 10**SERIAL_DIGITS:
            raise ValidationError(
                "card_number",
                self.serial,
                N_("the serial must be 1–{largest}", largest=10**SERIAL_DIGITS - 1),
            )

    @property
    def check_digit(self) -> str:
        return luhn.calc_check_digit(f"{self.serial:0{SERIAL_DIGITS}d}")

    def __str__(self) -> str:
        return f"{self.prefix}-{self.serial:0{SERIAL_DIGITS}d}-{self.check_digit}"

    @classmethod
    def parse(cls, raw: object) -> CardNumber:
        text = str(raw or "").strip().upper().replace(" ", "")
        m = _CARD_NUMBER.match(text)
        if not m:
            raise ValidationError(
                "card_number",
                raw,
                N_(
                    "a card number looks like {example}",
                    example="TK-" + "0" * (SERIAL_DIGITS - 4) + "1234-5",
                ),
            )
        number = cls(m.group(1), int(m.group(2)))
        if number.check_digit != m.group(3):
            raise ValidationError("card_number", raw, N_("the check digit (last digit) is wrong"))
        return number


def default_card_prefix(school_name: str) -> str:
    """A first card prefix from the school's name: 'Tartu Kunstikool' → 'TK'. The office can
    change it; only ASCII capitals, so it prints in Code 128 and survives any keyboard.
    """
    ascii_name = unicodedata.normalize("NFKD", school_name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z]+", ascii_name)
    prefix = "".join(w[0] for w in words).upper()[:6]
    if len(prefix) < 2:
        prefix = "".join(words).upper()[:2]
    return prefix if CARD_PREFIX.match(prefix) else "SC"
