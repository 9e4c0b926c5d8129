"""Sending the outbox: one run delivers the due events oldest first and records every outcome
(the contract and the failure handling: desktop.services.card_sync)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from desktop.db.models import ProviderOutbox, ProviderSyncStatus
from desktop.domain import clock
from desktop.domain.cards.events import ProviderEvent
from desktop.domain.cards.outbox import OutboxState, QueuedEvent, deliverable
from desktop.domain.errors import CancelCheck, Progress
from desktop.domain.roles import Permission
from desktop.services.card_sync.part import SyncPart

log = logging.getLogger(__name__)

BATCH = 200  # events read per query, and outcomes written per transaction

_OUTBOX = ProviderOutbox.__table__
_OUTCOME = dict(
    state=bindparam("b_state"),
    attempts=bindparam("b_attempts"),
    next_attempt_at=bindparam("b_next"),
    last_error=bindparam("b_error"),
    delivered_at=bindparam("b_delivered"),
)
_DELIVERED = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("b_id")).values(**_OUTCOME)
# A failure never overwrites a delivery another PC recorded meanwhile.
_FAILED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_id"), _OUTBOX.c.state != OutboxState.DELIVERED.value)
    .values(**_OUTCOME)
)


@dataclass(frozen=True)
class SyncReport:
    delivered: int = 0
    retrying: int = 0  # failed this run, tried again after the back-off
    needs_attention: int = 0  # gave up this run; listed for the office
    left: int = 0  # due events not tried because the run stopped
    stopped: str = ""  # "" | "auth" | "unavailable" | "settings" | "cancelled"
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.stopped and not self.retrying and not self.needs_attention

    def __str__(self) -> str:
        parts = [f"{self.delivered} event(s) delivered"]
        if self.retrying:
            parts.append(f"{self.retrying} to retry later")
        if self.needs_attention:
            parts.append(f"{self.needs_attention} need attention")
        if self.left:
            parts.append(f"{self.left} waiting")
        text = ", ".join(parts)
        if self.stopped == "cancelled":
            return f"{text}; cancelled"
        return f"{text}; stopped: {self.error}" if self.stopped else text


class Delivery(SyncPart):
    """One sync run and its bookkeeping."""

    def run(
        self,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
        now: datetime | None = None,
    ) -> SyncReport:
        """Deliver what is due now. Raises ProviderSettingsError when the link is not set up."""
        from desktop.integrations.card_provider import ProviderSettingsError

        self.require(Permission.MANAGE_CARDS)
        now = now or clock.now()
        with self.db.read() as session:
            queued = [
                QueuedEvent(*row)
                for row in session.execute(
                    select(
                        ProviderOutbox.id,
                        ProviderOutbox.student_ref,
                        ProviderOutbox.state,
                        ProviderOutbox.next_attempt_at,
                    ).where(
                        ProviderOutbox.state.in_([OutboxState.PENDING, OutboxState.NEEDS_ATTENTION])
                    )
                )
            ]
        order = deliverable(queued, now)
        if not order:
            self._save([], [], now, SyncReport())
            return SyncReport()
        try:
            client = self.client_factory()
        except ProviderSettingsError as exc:
            self._save([], [], now, SyncReport(stopped="settings", error=str(exc)))
            raise
        delivered: list[dict] = []
        failed: list[dict] = []
        counts = {"delivered": 0, "retrying": 0, "needs_attention": 0}
        stopped = error = ""
        blocked: set[str] = set()
        done = 0
        total = len(order)
        with client:
            for start in range(0, total, BATCH):
                for row in self._load(order[start : start + BATCH]):
                    if cancel is not None and cancel():
                        stopped = "cancelled"
                        break
                    if row.student_ref in blocked:
                        continue
                    stopped, error = self._deliver_one(
                        client, row, now, delivered, failed, counts, blocked
                    )
                    if stopped:
                        break
                    done += 1
                    if progress is not None:
                        progress(done, total)
                if stopped:
                    break
                self._save(delivered, failed, now, None)
                delivered, failed = [], []
        report = SyncReport(
            counts["delivered"],
            counts["retrying"],
            counts["needs_attention"],
            left=total - sum(counts.values()),
            stopped=stopped,
            error=error,
        )
        self._save(delivered, failed, now, report)
        return report

    def _deliver_one(self, client, row, now, delivered, failed, counts, blocked) -> tuple[str, str]:
        from desktop.integrations.card_provider import ProviderAuthError, ProviderError

        event = ProviderEvent(uuid.UUID(row.event_id), row.kind, row.student_ref, row.payload)
        try:
            client.deliver(event)
        except ProviderAuthError as exc:
            # Not the event's fault: it keeps its place and its retry budget.
            return "auth", str(exc)
        except ProviderError as exc:
            attempts = row.attempts + 1
            decision = self.policy.after_failure(
                attempts,
                now,
                retryable=exc.retryable,
                retry_after=getattr(exc, "retry_after", None),
            )
            failed.append(
                _outcome(
                    row.id, decision.state, attempts, decision.next_attempt_at, str(exc)[:2000]
                )
            )
            blocked.add(row.student_ref)  # its later events must wait (in order per student)
            if decision.state is OutboxState.NEEDS_ATTENTION:
                counts["needs_attention"] += 1
                log.warning("card provider event %s needs attention: %s", row.id, exc)
            else:
                counts["retrying"] += 1
            # A busy or unreachable provider will not answer the next student either.
            return ("unavailable", str(exc)) if exc.retryable else ("", "")
        delivered.append(_outcome(row.id, OutboxState.DELIVERED, row.attempts + 1, None, "", now))
        counts["delivered"] += 1
        return "", ""

    def _load(self, ids: list[int]) -> list:
        with self.db.read() as session:
            rows = session.execute(
                select(
                    ProviderOutbox.id,
                    ProviderOutbox.student_ref,
                    ProviderOutbox.event_id,
                    ProviderOutbox.kind,
                    ProviderOutbox.payload,
                    ProviderOutbox.attempts,
                ).where(ProviderOutbox.id.in_(ids))
            ).all()
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def _save(
        self, delivered: list[dict], failed: list[dict], now: datetime, report: SyncReport | None
    ) -> None:
        """Outcomes and the link status in one short transaction. Losing it (a crash) only
        means the events are sent again, and the provider replays them (idempotency key)."""
        if not (delivered or failed or report):
            return
        with self.db.write(self.actor.login) as session:
            if delivered:
                session.connection().execute(_DELIVERED, delivered)
            if failed:
                session.connection().execute(_FAILED, failed)
            if report is not None:
                self._record_status(session, now, report)

    @staticmethod
    def _record_status(session: Session, now: datetime, report: SyncReport) -> None:
        row = session.get(ProviderSyncStatus, 1)
        if row is None:
            row = ProviderSyncStatus(id=1, last_error="", auth_failed=False)
            session.add(row)
        row.last_run_at = now
        if report.stopped in ("auth", "unavailable", "settings") or report.needs_attention:
            row.last_error = report.error or str(report)
            row.last_error_at = now
        if report.ok:
            row.last_success_at = now
        # Only a run that reached the provider tells whether the token works.
        if report.stopped == "auth":
            row.auth_failed = True
        elif report.delivered or report.stopped == "":
            row.auth_failed = False


def _outcome(
    outbox_id: int,
    state: OutboxState,
    attempts: int,
    next_at: datetime | None,
    error: str,
    delivered_at: datetime | None = None,
) -> dict:
    return {
        "b_id": outbox_id,
        "b_state": state.value,
        "b_attempts": attempts,
        "b_next": next_at,
        "b_error": error,
        "b_delivered": delivered_at,
    }
