"""Names the Cards tab shows for card kinds, statuses and provider events."""

from __future__ import annotations

from desktop.domain.cards import CardKind, ProviderEventKind
from desktop.ui.text import N_, _

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
