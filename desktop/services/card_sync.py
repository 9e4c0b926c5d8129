"""Delivering the card-provider outbox (contract: docs/card-provider-api.md).

Each run opens one kept-alive client, sends the due events oldest first, and records every
outcome. One student's events go out in the order they were made, one at a time: an event
waits while an earlier one of the same student is undelivered (desktop.domain.cards.outbox
.deliverable). Each event carries the same idempotency key on every retry, so the provider
applies it once however often it is sent, even by two PCs at once.

Failures: a busy or unreachable provider (5xx, 429, timeouts, dropped connections) ends the
run, and the event is tried again after the RetryPolicy's back-off; after N failures, or at
once when the provider rejects it, it waits in the "needs attention" list for the office
(retry now / discard). A refused token (401/403) pauses the whole link: nothing is charged to
the event, and the status says to fix the token. Office work never waits for any of this.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from desktop.db.models import ProviderOutbox, ProviderSyncStatus, Student
from desktop.db.session import record_audit
from desktop.domain import clock
from desktop.domain.cards.events import ProviderEvent, student_ref
from desktop.domain.cards.machines import CardKind, VirtualCardStatus
from desktop.domain.cards.outbox import (
    DEFAULT_RETRY_POLICY,
    OutboxState,
    QueuedEvent,
    RetryPolicy,
    deliverable,
)
from desktop.domain.errors import CancelCheck, NotFound, Progress, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service
from desktop.services.cards import CardService
from desktop.services.cards.read_models import CardRecord

if TYPE_CHECKING:  # requests is imported on the first sync, not at start-up
    from desktop.integrations.card_provider import CardProviderClient, Entitlement

log = logging.getLogger(__name__)

ClientFactory = Callable[[], "CardProviderClient"]

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


def client_from_settings() -> CardProviderClient:
    """The provider's address from the settings, its token from the OS keyring (only there)."""
    from desktop.integrations.card_provider import CardProviderClient, ProviderSettingsError
    from desktop.integrations.secrets import CARD_PROVIDER_TOKEN_KEY, get_secret
    from desktop.settings import load_settings

    url = load_settings().card_provider_url
    if not url:
        raise ProviderSettingsError(N_("the card provider's address is not set in the settings"))
    token = get_secret(CARD_PROVIDER_TOKEN_KEY)
    if not token:
        raise ProviderSettingsError(
            N_("no card provider token in this computer's password store; ask IT to save it")
        )
    return CardProviderClient(url, token)


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


@dataclass(frozen=True)
class SyncStatus:
    """The provider link as the Cards tab shows it."""

    configured: bool
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    auth_failed: bool
    pending: int
    needs_attention: int
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    student_id: int | None
    student_name: str
    kind: str
    created_at: datetime
    attempts: int
    state: OutboxState
    next_attempt_at: datetime | None
    last_error: str
    waiting_behind: int  # later events of the same student held up by this one


class CardSyncService(Service):
    def __init__(
        self,
        db,
        actor,
        client_factory: ClientFactory = client_from_settings,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    ):
        super().__init__(db, actor)
        self.client_factory = client_factory
        self.policy = policy

    # ---- delivery ------------------------------------------------------------------------

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

    # ---- status and the office's actions ---------------------------------------------------

    def status(self) -> SyncStatus:
        from desktop.settings import load_settings

        with self.read(Permission.MANAGE_CARDS) as session:
            row = session.get(ProviderSyncStatus, 1)
            counts = dict(
                session.execute(
                    select(ProviderOutbox.state, func.count()).group_by(ProviderOutbox.state)
                ).all()
            )
            next_at = session.scalar(
                select(func.min(ProviderOutbox.next_attempt_at)).where(
                    ProviderOutbox.state == OutboxState.PENDING
                )
            )
        return SyncStatus(
            configured=bool(load_settings().card_provider_url),
            last_run_at=row.last_run_at if row else None,
            last_success_at=row.last_success_at if row else None,
            last_error=row.last_error if row else "",
            last_error_at=row.last_error_at if row else None,
            auth_failed=bool(row and row.auth_failed),
            pending=counts.get(OutboxState.PENDING, 0),
            needs_attention=counts.get(OutboxState.NEEDS_ATTENTION, 0),
            next_attempt_at=next_at,
        )

    def needs_attention(self) -> list[OutboxEntry]:
        """Events the office must look at, each with how many later ones wait behind it."""
        with self.read(Permission.MANAGE_CARDS) as session:
            rows = session.execute(
                select(
                    ProviderOutbox.id,
                    ProviderOutbox.student_id,
                    Student.first_name,
                    Student.last_name,
                    ProviderOutbox.kind,
                    ProviderOutbox.created_at,
                    ProviderOutbox.attempts,
                    ProviderOutbox.state,
                    ProviderOutbox.next_attempt_at,
                    ProviderOutbox.last_error,
                    ProviderOutbox.student_ref,
                )
                .outerjoin(Student, Student.id == ProviderOutbox.student_id)
                .where(ProviderOutbox.state == OutboxState.NEEDS_ATTENTION)
                .order_by(ProviderOutbox.id)
            ).all()
            # The events waiting behind them, in one query rather than one per row.
            pending = session.execute(
                select(ProviderOutbox.student_ref, ProviderOutbox.id).where(
                    ProviderOutbox.state == OutboxState.PENDING,
                    ProviderOutbox.student_ref.in_(list({r.student_ref for r in rows})),
                )
            ).all()
        return [
            OutboxEntry(
                r.id,
                r.student_id,
                f"{r.first_name} {r.last_name}" if r.first_name else r.student_ref,
                str(r.kind),
                r.created_at,
                r.attempts,
                r.state,
                r.next_attempt_at,
                r.last_error,
                sum(1 for ref, i in pending if ref == r.student_ref and i > r.id),
            )
            for r in rows
        ]

    def retry_now(self, outbox_id: int) -> None:
        """Give an event a fresh set of attempts, due at once (the next run sends it)."""
        with self.write(Permission.MANAGE_CARDS, reason="retry now") as session:
            row = _outbox(session, outbox_id)
            if row.state not in (OutboxState.NEEDS_ATTENTION, OutboxState.PENDING):
                raise ValidationError("event", outbox_id, N_("is not waiting to be sent"))
            before = {"state": row.state.value, "attempts": row.attempts}
            row.state, row.attempts, row.next_attempt_at = OutboxState.PENDING, 0, None
            record_audit(
                session,
                "retry",
                ProviderOutbox.__tablename__,
                row.id,
                student_id=row.student_id,
                before=before,
                after={"state": "PENDING", "attempts": 0},
            )

    def discard(self, outbox_id: int, reason: str) -> None:
        """The office decides the provider must never get this event; later events of the
        student go ahead. Recorded with the reason."""
        reason = clean_text(reason)
        if not reason:
            raise ValidationError("reason", reason, N_("say why the event is discarded"))
        with self.write(Permission.MANAGE_CARDS, reason=reason) as session:
            row = _outbox(session, outbox_id)
            if row.state is not OutboxState.NEEDS_ATTENTION:
                raise ValidationError(
                    "event", outbox_id, N_("only an event that needs attention can be discarded")
                )
            row.state = OutboxState.DISCARDED
            record_audit(
                session,
                "discard",
                ProviderOutbox.__tablename__,
                row.id,
                student_id=row.student_id,
                before={"state": "NEEDS_ATTENTION"},
                after={"state": "DISCARDED", "kind": row.kind.value},
                reason=reason,
            )

    def link_settings(self) -> tuple[str, bool]:
        """This PC's provider address, and whether a token is in its password store."""
        from desktop.integrations.secrets import CARD_PROVIDER_TOKEN_KEY, get_secret
        from desktop.settings import load_settings

        self.require(Permission.MANAGE_CARDS)
        return load_settings().card_provider_url, bool(get_secret(CARD_PROVIDER_TOKEN_KEY))

    def check_link(self, url: str, token: str | None) -> None:
        """Refuse an address or token the client could not use, naming the field; an empty
        token keeps the saved one."""
        from desktop.integrations.card_provider import (
            ProviderSettingsError,
            check_base_url,
            check_token,
        )

        url, token = clean_text(url), (token or "").strip()
        if not url:
            return
        try:
            check_base_url(url)
        except ProviderSettingsError as exc:
            raise ValidationError("card_provider_url", url, exc.args[0]) from None
        if token:
            try:
                check_token(token)
            except ProviderSettingsError as exc:
                raise ValidationError("card_provider_token", "***", exc.args[0]) from None

    def configure_link(self, url: str, token: str | None) -> None:
        """Save the provider's address (settings file) and token (OS keyring only, never the
        settings or the database); `token=None` keeps the saved one. The change is audited
        without the token."""
        from desktop.integrations.secrets import CARD_PROVIDER_TOKEN_KEY, set_secret
        from desktop.settings import load_settings, save_settings

        self.require(Permission.MANAGE_CARDS)
        self.check_link(url, token)
        url, token = clean_text(url), (token or "").strip()
        if token:
            set_secret(CARD_PROVIDER_TOKEN_KEY, token)
        settings = load_settings()
        before = settings.card_provider_url
        settings.card_provider_url = url
        save_settings(settings)
        with self.write(Permission.MANAGE_CARDS) as session:
            record_audit(
                session,
                "configure",
                "card_provider",
                "",
                before={"url": before},
                after={"url": url, "token_changed": bool(token)},
            )

    def provider_view(self, student_id: int) -> Entitlement | None:
        """What the provider holds for this student now (GET), or None if nothing."""
        self.require(Permission.MANAGE_CARDS)
        with self.client_factory() as client:
            return client.get_status(student_ref(student_id))

    def confirm_suspension(self, card_id: int, version: int) -> CardRecord:
        """R25: record SUSPENDED only if the provider really reports the card suspended."""
        cards = CardService(self.db, self.actor)
        card = cards.get(card_id)
        if card.kind is not CardKind.VIRTUAL:
            raise ValidationError(
                "card", card.card_number, N_("this action is for the virtual card")
            )
        entitlement = self.provider_view(card.student_id)
        if entitlement is None or entitlement.status != VirtualCardStatus.SUSPENDED:
            seen = entitlement.status if entitlement else "no entitlement"
            raise ValidationError(
                "virtual card", seen, N_("the provider has not suspended this card (yet)")
            )
        return cards.record_suspension(card_id, version, N_("suspension confirmed by the provider"))


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


def _outbox(session: Session, outbox_id: int) -> ProviderOutbox:
    row = session.get(ProviderOutbox, outbox_id)
    if row is None:
        raise NotFound("provider event", outbox_id)
    return row
