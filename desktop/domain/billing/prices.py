"""Prices (R78): the price table per school year and tier, and the annual price on a day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from desktop.domain.billing.states import Tier
from desktop.domain.billing.vat import require_cents
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound


@dataclass(frozen=True)
class Price:
    """R78 price table row: the lump sum for a school year and tier, from a date on."""

    school_year: SchoolYear
    tier: Tier
    gross_cents: int
    valid_from: date

    def __post_init__(self) -> None:
        require_cents("gross_cents", self.gross_cents)


def annual_price(prices: Iterable[Price], school_year: SchoolYear, tier: Tier, on: date) -> int:
    """R78: the offer valid on `on` for that year and tier; the full sum, never pro-rated."""
    if tier is Tier.MINIMALNI:
        return 0  # R72: the school's free service
    candidates = [
        p for p in prices if p.school_year == school_year and p.tier == tier and p.valid_from <= on
    ]
    if not candidates:
        raise NotFound("price", f"{tier} {school_year} valid on {on.isoformat()}")
    return max(candidates, key=lambda p: p.valid_from).gross_cents
