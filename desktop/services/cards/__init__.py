"""Card use cases [EE] (R20–R31, R7, R24, R34): issue, lose and replace, extend, revoke,
activate, suspend, close and expire cards; student photos; printing.

The rules themselves live in desktop.domain.cards; this package loads rows, applies what the
rules return and writes the outbox. Every change the card provider must learn of gets its
outbox row in the same transaction as the change (desktop.services.card_sync delivers it), so
a provider outage never blocks the office and never loses an event.

R22: no physical-card method changes the student's virtual card or sends anything about it;
the only cascade across both kinds is roster removal (`on_student_leaving`, R7/R24).

CardService is assembled from one part per module, each a Service of its own concern:

- settings: the card-number prefix, the support channels (R29), the serial counter;
- read_models: the Cards tab's CardRow, one card's CardRecord, a student's card history;
- physical: issue, report lost, replace, revoke (R20–R23);
- extension: one student's or everyone's extension to the next 31 Aug (R21);
- virtual: activation, suspension, closing (R24–R27, R34);
- endings: roster removal and the daily expiry, inside other areas' transactions;
- photos and printing: the photo on the card and the printed faces.

They share part.CardPart (status changes, validity, the outbox) and lookups (the reads).
"""

from __future__ import annotations

from desktop.services.cards.endings import Endings
from desktop.services.cards.extension import Extension
from desktop.services.cards.photos import Photos
from desktop.services.cards.physical import PhysicalCards
from desktop.services.cards.printing import Printing
from desktop.services.cards.read_models import ReadModels
from desktop.services.cards.settings import Settings
from desktop.services.cards.virtual import VirtualCard


class CardService(
    Settings, ReadModels, PhysicalCards, Extension, VirtualCard, Endings, Photos, Printing
):
    """The cards area as one service (services.cards): its parts share the actor, the
    database and the steps in part.CardPart."""


__all__ = ["CardService"]
