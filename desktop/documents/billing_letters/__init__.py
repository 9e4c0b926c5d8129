"""Billing letters: data in → LetterSpec/ReportSpec → PDF bytes (no Qt, no SQL).

Every letter is in the recipient's language (``translator(language)``). Invoices, reminders,
fee and refund notes and the other contract letters carry the billing entity's identity as
their letterhead, never the school's (R73); the pre-filled cancellation forms (D3, D4) are
printed by the school on its own letterhead, with both addresses they may be sent to (R95).

Document index (RULES.md §10): D3/D4 cancellation forms, D5 confirmation, D10 withdrawal
confirmation with refund, D11 invoice / renewal invitation / reminders 1 and 2, D12
termination notice, D13 refund statement, D14 trial notices. The letters asking for payment
are in `invoices` (how to pay in `payment`), those about the subscription in `subscription`;
`common` holds the parties and the letter they all share.
"""

from __future__ import annotations

from desktop.documents.billing_letters.common import (
    FREE_TIER,
    PRODUCT,
    BillingIssuer,
    BillingLetter,
    Child,
    SpecBuilder,
    build_many,
    build_one,
    format_iban,
    format_reference,
)
from desktop.documents.billing_letters.invoices import (
    FeeCharge,
    InvoiceLetter,
    ReminderLetter,
    TerminationLetter,
    invoice_spec,
    reminder_spec,
    termination_spec,
)
from desktop.documents.billing_letters.payment import PaymentDetails
from desktop.documents.billing_letters.subscription import (
    CancellationConfirmation,
    CancellationForm,
    RefundFigures,
    RefundStatement,
    TrialLetter,
    WithdrawalConfirmation,
    build_form,
    cancellation_confirmation_spec,
    cancellation_form_spec,
    refund_statement_spec,
    trial_spec,
    withdrawal_confirmation_spec,
)

__all__ = [
    "FREE_TIER",
    "PRODUCT",
    "BillingIssuer",
    "BillingLetter",
    "CancellationConfirmation",
    "CancellationForm",
    "Child",
    "FeeCharge",
    "InvoiceLetter",
    "PaymentDetails",
    "RefundFigures",
    "RefundStatement",
    "ReminderLetter",
    "SpecBuilder",
    "TerminationLetter",
    "TrialLetter",
    "WithdrawalConfirmation",
    "build_form",
    "build_many",
    "build_one",
    "cancellation_confirmation_spec",
    "cancellation_form_spec",
    "format_iban",
    "format_reference",
    "invoice_spec",
    "refund_statement_spec",
    "reminder_spec",
    "termination_spec",
    "trial_spec",
    "withdrawal_confirmation_spec",
]
