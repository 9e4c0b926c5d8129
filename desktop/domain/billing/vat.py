"""Money (R5): integer gross cents, never a float; half-up rounding at the last step only;
the dated SI VAT rates and the split of a gross amount into net and VAT. Amounts are read one
way (R5): desktop.domain.money.parse_cents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


def require_cents(name: str, value: object) -> int:
    # bool is an int subclass; a float here is always a bug (R5: never floating point).
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be integer cents, not {type(value).__name__}")
    return value


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integer arithmetic (R5, R88)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


@dataclass(frozen=True)
class VatRate:
    """A VAT rate in basis points (2200 = 22 %) valid from a date until the next entry (R5)."""

    valid_from: date
    basis_points: int


# R5: SI standard rate; 20 % until 30 Jun 2013, 22 % since 1 Jul 2013. Configurable by date.
SI_VAT_RATES: tuple[VatRate, ...] = (
    VatRate(date(1999, 7, 1), 2000),
    VatRate(date(2013, 7, 1), 2200),
)


def vat_rate_on(day: date, rates: Sequence[VatRate] = SI_VAT_RATES) -> int:
    """The rate (basis points) in force on `day`: the latest entry with valid_from ≤ day."""
    in_force = [r for r in rates if r.valid_from <= day]
    if not in_force:
        raise ValueError(f"no VAT rate configured for {day}")
    return max(in_force, key=lambda r: r.valid_from).basis_points


@dataclass(frozen=True)
class VatSplit:
    gross_cents: int
    net_cents: int
    vat_cents: int
    rate_basis_points: int


def split_vat(gross_cents: int, rate_basis_points: int) -> VatSplit:
    """R5: net = gross / (1 + rate) rounded half-up to the cent; VAT = gross − net.

    500 cents at 22 % → 410 net + 90 VAT.
    """
    require_cents("gross_cents", gross_cents)
    net = round_half_up_div(gross_cents * 10_000, 10_000 + rate_basis_points)
    return VatSplit(gross_cents, net, gross_cents - net, rate_basis_points)
