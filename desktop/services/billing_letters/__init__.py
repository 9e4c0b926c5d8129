"""Billing letters, both ways: registering the letters that arrive (cancellation R95–R98,
single-guardian unsubscription R97, withdrawal after a terms change R51/R102) and printing the
ones that go out (D3–D5, D10–D14) through the DocumentService, which numbers and records every
document and refuses a restricted recipient (R15, R48).

One module per stage: `received` (letters that arrive), `printing` (letters printed one at a
time), `notices` (the calendar's notices, printed in batches); `payment` and `common` hold
what they share.
"""

from __future__ import annotations

from desktop.services.billing_letters.notices import NoticePrinting, PendingNotice, PrintedBatch
from desktop.services.billing_letters.payment import REPRINT_PAYMENT_DAYS
from desktop.services.billing_letters.printing import LetterPrinting
from desktop.services.billing_letters.received import LetterResult, ReceivedLetter, ReceivedLetters

__all__ = [
    "REPRINT_PAYMENT_DAYS",
    "BillingLetterService",
    "LetterResult",
    "PendingNotice",
    "PrintedBatch",
    "ReceivedLetter",
]


class BillingLetterService(ReceivedLetters, LetterPrinting, NoticePrinting):
    """The billing letters of one school: received, printed one at a time, and the notices."""
