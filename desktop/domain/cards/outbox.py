"""Delivering the provider outbox [EE]: its states, the retry back-off, and which events may
go now (one student's events in order, one at a time)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


class OutboxState(enum.StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    # A person decided the provider should never get this event (audited); it unblocks the
    # student's later events. Nothing else ever leaves the outbox undelivered.
    DISCARDED = "DISCARDED"


@dataclass(frozen=True)
class RetryDecision:
    state: OutboxState
    next_attempt_at: datetime | None  # set only when PENDING


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with a cap; after `gives_up_after` failures a person looks at it.

    Defaults: 1, 2, 4, 8, 16, 32, 60 min, then NEEDS_ATTENTION at the 8th failure (~2 h in
    all). No jitter: one outbox worker per database, and tests want exact instants.
    """

    base: timedelta = timedelta(minutes=1)
    factor: int = 2
    cap: timedelta = timedelta(hours=1)
    gives_up_after: int = 8

    def __post_init__(self):
        if self.gives_up_after < 1 or self.factor < 1 or self.base <= timedelta(0):
            raise ValueError("gives_up_after and factor must be ≥ 1 and base > 0")

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th consecutive failure (1-based)."""
        if attempts < 1:
            raise ValueError("attempts counts failures so far and starts at 1")
        # Compare exponents before multiplying so a large count cannot overflow timedelta.
        if self.factor > 1 and self.factor ** (attempts - 1) >= self.cap / self.base:
            return self.cap
        return min(self.base * self.factor ** (attempts - 1), self.cap)

    def next_attempt_at(
        self, attempts: int, now: datetime, retry_after: float | None = None
    ) -> datetime | None:
        """When to try again after `attempts` failures, or None once it gives up.

        A provider's Retry-After is honoured when longer than our back-off, up to the cap.
        """
        if attempts >= self.gives_up_after:
            return None
        wait = self.delay(attempts)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(timedelta(seconds=retry_after), self.cap))
        return now + wait

    def after_failure(
        self, attempts: int, now: datetime, *, retryable: bool, retry_after: float | None = None
    ) -> RetryDecision:
        """Outbox bookkeeping for one failed delivery. Auth errors and rejections are not
        retryable: retrying cannot help until someone fixes the settings or the data.
        """
        when = self.next_attempt_at(attempts, now, retry_after) if retryable else None
        if when is None:
            return RetryDecision(OutboxState.NEEDS_ATTENTION, None)
        return RetryDecision(OutboxState.PENDING, when)


DEFAULT_RETRY_POLICY = RetryPolicy()


@dataclass(frozen=True)
class QueuedEvent:
    """What the delivery order needs to know about one undelivered outbox row."""

    outbox_id: int
    student_ref: str
    state: OutboxState
    next_attempt_at: datetime | None


def deliverable(queued: Iterable[QueuedEvent], now: datetime) -> list[int]:
    """The outbox ids that may be sent now, oldest first (contract: one student's events in
    the order they were made, one at a time).

    A student's event waits while an earlier one of the same student is undelivered: backing
    off, or waiting for a person (NEEDS_ATTENTION). Other students are not held up.
    """
    blocked: set[str] = set()
    ready: list[int] = []
    for event in sorted(queued, key=lambda e: e.outbox_id):
        if event.state in (OutboxState.DELIVERED, OutboxState.DISCARDED):
            continue
        if event.student_ref in blocked:
            continue
        waiting = event.next_attempt_at is not None and event.next_attempt_at > now
        if event.state is OutboxState.NEEDS_ATTENTION or waiting:
            blocked.add(event.student_ref)
            continue
        ready.append(event.outbox_id)
    return ready
