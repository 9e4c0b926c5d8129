"""Breach notification (R69, R70): who is told, by whom, and the 72-hour clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from desktop.domain.consent.common import require_aware, require_country
from desktop.domain.consent.retention import DataCategory
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI


@dataclass(frozen=True)
class Authority:
    name: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None


# R59/R70: contact details as the source gives them; RIA and AKI are named only.
INFORMATION_COMMISSIONER = Authority(
    "Information Commissioner (Informacijski pooblaščenec)",
    "Dunajska cesta 22, 1000 Ljubljana",
    "01 230 97 30",
    "gp.ip@ip-rs.si",
)
RIA = Authority("Information System Authority (Riigi Infosüsteemi Amet, RIA)")
AKI = Authority("Data Protection Inspectorate (Andmekaitse Inspektsioon, AKI)")


class BreachNotice(StrEnum):
    HOME_PAGE = "HOME_PAGE"
    AFFECTED_PERSONS = "AFFECTED_PERSONS"
    RIA = "RIA"
    AKI = "AKI"
    INFORMATION_COMMISSIONER = "INFORMATION_COMMISSIONER"


BREACH_AUTHORITIES = {
    BreachNotice.RIA: RIA,
    BreachNotice.AKI: AKI,
    BreachNotice.INFORMATION_COMMISSIONER: INFORMATION_COMMISSIONER,
}

# R69 (EE): home page, affected persons, RIA and AKI. R70 (SI): the same workflow with the
# Information Commissioner as the authority.
BREACH_NOTICES: dict[str, tuple[BreachNotice, ...]] = {
    "EE": (
        BreachNotice.HOME_PAGE,
        BreachNotice.AFFECTED_PERSONS,
        BreachNotice.RIA,
        BreachNotice.AKI,
    ),
    "SI": (
        BreachNotice.HOME_PAGE,
        BreachNotice.AFFECTED_PERSONS,
        BreachNotice.INFORMATION_COMMISSIONER,
    ),
}

BREACH_WINDOW = timedelta(hours=72)  # R69/R70, R2: exact elapsed time, weekends count


def breach_controller(category: DataCategory) -> str:
    """R70 (SI): who notifies: the school for school data, eŠola for billing data."""
    return "eŠola" if category is DataCategory.BILLING else "school"


def breach_deadline(detected_at: datetime) -> datetime:
    """R69: detected_at + 72 h exactly (Fri 15:00 → Mon 15:00), in UTC."""
    return require_aware("detected_at", detected_at) + BREACH_WINDOW


class NoticeState(StrEnum):
    PENDING = "PENDING"
    OVERDUE = "OVERDUE"
    SENT_IN_TIME = "SENT_IN_TIME"
    SENT_LATE = "SENT_LATE"


@dataclass(frozen=True)
class NoticeStatus:
    notice: BreachNotice
    state: NoticeState
    sent_at: datetime | None


@dataclass(frozen=True)
class BreachStatus:
    detected_at: datetime
    deadline: datetime
    remaining: timedelta  # zero once the deadline has passed
    overdue: bool  # past the deadline with a notice still unsent
    notices: tuple[NoticeStatus, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return all(n.sent_at is not None for n in self.notices)


def breach_status(
    country: str,
    detected_at: datetime,
    sent: Mapping[BreachNotice, datetime | None],
    now: datetime,
) -> BreachStatus:
    """R69/R70: the clock and each required notice. Sending exactly at the deadline is in time."""
    required = BREACH_NOTICES[require_country(country)]
    detected_at = require_aware("detected_at", detected_at)
    now = require_aware("now", now)
    extra = set(sent) - set(required)
    if extra:
        raise ValueError(f"{country} breaches have no notice {sorted(map(str, extra))}")
    deadline = breach_deadline(detected_at)
    notices: list[NoticeStatus] = []
    for notice in required:
        sent_at = sent.get(notice)
        if sent_at is None:
            state = NoticeState.OVERDUE if now > deadline else NoticeState.PENDING
        else:
            sent_at = require_aware("sent_at", sent_at)
            if sent_at < detected_at:
                raise ValidationError(
                    str(notice), sent_at.isoformat(), N_("is before the breach was detected")
                )
            state = NoticeState.SENT_IN_TIME if sent_at <= deadline else NoticeState.SENT_LATE
        notices.append(NoticeStatus(notice, state, sent_at))
    overdue = any(n.state is NoticeState.OVERDUE for n in notices)
    remaining = max(deadline - now, timedelta(0))
    return BreachStatus(detected_at, deadline, remaining, overdue, tuple(notices))
