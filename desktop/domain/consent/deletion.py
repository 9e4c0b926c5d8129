"""Moodle account deletion requests (R61, R19): blocked by active study work, then due in
two weeks. Only a person confirms the deletion (R67)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from desktop.domain.consent.requests import DeadlineState, deadline_state
from desktop.domain.dates import add_days
from desktop.domain.errors import InvalidTransition, ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI


class DeletionState(StrEnum):
    REQUESTED = "REQUESTED"
    BLOCKED_ACTIVE_STUDY = "BLOCKED_ACTIVE_STUDY"
    SCHEDULED = "SCHEDULED"
    DELETED = "DELETED"


DELETION_DAYS = 14  # R61: "within 2 weeks of receipt"


@dataclass(frozen=True)
class DeletionRequest:
    received_on: date
    state: DeletionState = DeletionState.REQUESTED
    valid_from: date | None = None  # the day the request became valid: the clock starts here
    user_told_on: date | None = None  # R61: told to have the institution remove them first
    deleted_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", DeletionState(self.state))

    @property
    def due_on(self) -> date | None:
        """R61 proposal: valid_from + 14 days; no deadline while blocked."""
        return None if self.valid_from is None else add_days(self.valid_from, DELETION_DAYS)

    @property
    def must_tell_user(self) -> bool:
        return self.state is DeletionState.BLOCKED_ACTIVE_STUDY and self.user_told_on is None

    def deadline(self, today: date) -> DeadlineState | None:
        due = self.due_on
        return None if due is None else deadline_state(due, self.deleted_on, today)


def assess_deletion(request: DeletionRequest, *, active_study: bool, on: date) -> DeletionRequest:
    """R61/R19: block while the user has active study work; schedule once there is none.

    A request valid on receipt starts its clock on the day received; a blocked one on `on`, the
    day the office finds the user removed. New study work before deletion blocks it again.
    """
    if request.state is DeletionState.DELETED:
        raise InvalidTransition(
            "deletion request", request.state, "reassess", N_("the data were already deleted")
        )
    if on < request.received_on:
        raise ValidationError(
            "on", on.isoformat(), N_("is before receipt ({date})", date=request.received_on)
        )
    if active_study:
        if request.state is DeletionState.BLOCKED_ACTIVE_STUDY:
            return request
        return replace(request, state=DeletionState.BLOCKED_ACTIVE_STUDY, valid_from=None)
    if request.state is DeletionState.SCHEDULED:
        return request
    start = request.received_on if request.state is DeletionState.REQUESTED else on
    return replace(request, state=DeletionState.SCHEDULED, valid_from=start)


def record_user_told(request: DeletionRequest, on: date) -> DeletionRequest:
    if request.state is not DeletionState.BLOCKED_ACTIVE_STUDY:
        raise InvalidTransition(
            "deletion request",
            request.state,
            "record the user notice for",
            N_("the user is told only while active study work holds the deletion back"),
        )
    return replace(request, user_told_on=on)


def mark_deleted(request: DeletionRequest, on: date) -> DeletionRequest:
    """R61: only a scheduled (valid) request ends in deletion; a person confirms it (R67)."""
    if request.state is not DeletionState.SCHEDULED:
        reason = (
            N_("the user still has active study work")  # R19
            if request.state is DeletionState.BLOCKED_ACTIVE_STUDY
            else N_("check for active study work first")
        )
        raise InvalidTransition("deletion request", request.state, "delete", reason)
    return replace(request, state=DeletionState.DELETED, deleted_on=on)
