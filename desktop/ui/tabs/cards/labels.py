"""Names the Cards tab shows for card kinds, statuses and provider events, and its times."""

from __future__ import annotations

from datetime import datetime

from desktop.domain.cards.events import ProviderEventKind
from desktop.domain.cards.machines import CardKind
from desktop.domain.dates import local_today, school_zone
from desktop.ui.text import N_, _, format_date

_KIND = {CardKind.PHYSICAL: N_("Physical"), CardKind.VIRTUAL: N_("Virtual")}
# Both machines' states (R31); a physical and a virtual card never share a row.
_STATUS = {
    "ACTIVE": N_("Active"),
    "LOST": N_("Lost"),
    "REPLACED": N_("Replaced"),
    "EXPIRED": N_("Expired"),
    "REVOKED": N_("Revoked"),
    "SUSPENDED": N_("Suspended"),
    "CLOSED": N_("Closed"),
}
STATUSES = tuple(_STATUS)
_EVENT = {
    ProviderEventKind.UPSERT_ENTITLEMENT: N_("Entitlement update"),
    ProviderEventKind.CLOSE_ENTITLEMENT: N_("Entitlement closure"),
    ProviderEventKind.SUSPEND_ENTITLEMENT: N_("Suspension request"),
}


def kind_label(kind: str) -> str:
    return _(_KIND[CardKind(kind)])


def status_label(status: str | None) -> str:
    return _(_STATUS.get(str(status), str(status))) if status else ""


def event_label(kind: str) -> str:
    return _(_EVENT[ProviderEventKind(kind)])


def local_time(instant: datetime, country: str, *, today_short: bool = False) -> str:
    """An instant in the school's time: '17.05.2026 14:05', or '14:05' if today and asked."""
    local = instant.astimezone(school_zone(country))
    if today_short and local.date() == local_today(country):
        return f"{local:%H:%M}"
    return f"{format_date(local.date(), country)} {local:%H:%M}"
