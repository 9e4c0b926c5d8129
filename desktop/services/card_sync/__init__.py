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

CardSyncService is assembled from two parts on part.SyncPart: delivery (the runs) and office
(the status, the events that need attention, the link's settings).
"""

from __future__ import annotations

from desktop.services.card_sync.delivery import Delivery
from desktop.services.card_sync.office import Office


class CardSyncService(Delivery, Office):
    """Delivering the card-provider outbox, and the office's side of it (services.card_sync)."""


__all__ = ["CardSyncService"]
