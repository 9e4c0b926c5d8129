"""The provider link as the office sees it: the status line, the events that need attention
(retry now, discard), the link's settings, what the provider holds, a confirmed suspension
(R25)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.db.models import ProviderOutbox, ProviderSyncStatus, Student
from desktop.db.session import record_audit
from desktop.domain.cards.events import student_ref
from desktop.domain.cards.machines import CardKind, VirtualCardStatus
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.card_sync.part import SyncPart
from desktop.services.cards import CardService
from desktop.services.cards.read_models import CardRecord

if TYPE_CHECKING:  # requests is imported on the first sync, not at start-up
    from desktop.integrations.card_provider import Entitlement


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


class Office(SyncPart):
    """The Cards tab's view of the link and the office's actions on it."""

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


def _outbox(session: Session, outbox_id: int) -> ProviderOutbox:
    row = session.get(ProviderOutbox, outbox_id)
    if row is None:
        raise NotFound("provider event", outbox_id)
    return row
