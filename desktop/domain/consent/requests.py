"""Data-subject requests (R57, R58, R59): forwarding, the response deadline and extensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from desktop.domain.consent.common import is_weekend
from desktop.domain.dates import add_days, add_months
from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.i18n import N_, Nn_  # refusals are shown translated by the UI


class RequestKind(StrEnum):
    """R58: the rights a data subject (or the legal representative of a minor) exercises."""

    ACCESS = "ACCESS"
    RECTIFICATION = "RECTIFICATION"
    DELETION = "DELETION"
    RESTRICTION = "RESTRICTION"
    OBJECTION = "OBJECTION"
    PORTABILITY = "PORTABILITY"


RESPONSE_MONTHS = 1  # R58
EXTENSION_MONTHS = 2  # GDPR Art. 12(3): "by two further months"


@dataclass(frozen=True)
class ForwardingDeadline:
    due_on: date
    weekend_warning: bool  # R57: the app warns before weekends

    @property
    def message(self) -> str:
        text = f"forward to the school by {self.due_on.isoformat()}"
        if self.weekend_warning:
            text += f" (a {self.due_on.strftime('%A')}: forward it before the weekend)"
        return text


def forwarding_deadline(received_on: date) -> ForwardingDeadline:
    """R57: forwarded at the latest on the next calendar day (a Friday request → Saturday)."""
    due = add_days(received_on, 1)
    return ForwardingDeadline(due, is_weekend(due))


@dataclass(frozen=True)
class Extension:
    """GDPR Art. 12(3) as proposed in R58: only with a reason, told within the first month."""

    reason: str
    requester_notified_on: date
    months: int = EXTENSION_MONTHS


def check_extension(received_on: date, extension: Extension) -> None:
    errors: list[ValidationError] = []
    if not extension.reason.strip():
        errors.append(
            ValidationError("reason", extension.reason, N_("an extension needs a reason"))
        )
    first_due = add_months(received_on, RESPONSE_MONTHS)
    if extension.requester_notified_on > first_due:
        errors.append(
            ValidationError(
                "requester_notified_on",
                extension.requester_notified_on.isoformat(),
                N_("the requester must be told by {date}, within the first month", date=first_due),
            )
        )
    if extension.requester_notified_on < received_on:
        errors.append(
            ValidationError(
                "requester_notified_on",
                extension.requester_notified_on.isoformat(),
                N_("is before the request was received ({date})", date=received_on),
            )
        )
    if not 1 <= extension.months <= EXTENSION_MONTHS:
        errors.append(
            ValidationError(
                "months",
                extension.months,
                Nn_("at most {n} more month", "at most {n} more months", EXTENSION_MONTHS),
            )
        )
    if errors:
        raise ValidationErrors(errors)


def response_due(received_on: date, extension: Extension | None = None) -> date:
    """R58/R2: received + 1 calendar month, clamped (31 Jan → 28/29 Feb, 30 Nov → 30 Dec).

    With a valid extension the months are counted from receipt too (31 Jan + 3 → 30 Apr).
    """
    if extension is None:
        return add_months(received_on, RESPONSE_MONTHS)
    check_extension(received_on, extension)
    return add_months(received_on, RESPONSE_MONTHS + extension.months)


class DeadlineState(StrEnum):
    PENDING = "PENDING"
    OVERDUE = "OVERDUE"
    DONE_IN_TIME = "DONE_IN_TIME"
    DONE_LATE = "DONE_LATE"


def deadline_state(due_on: date, done_on: date | None, today: date) -> DeadlineState:
    """R1: a deadline on day D holds until the end of D."""
    if done_on is not None:
        return DeadlineState.DONE_IN_TIME if done_on <= due_on else DeadlineState.DONE_LATE
    return DeadlineState.OVERDUE if today > due_on else DeadlineState.PENDING
