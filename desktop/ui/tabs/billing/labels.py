"""Names the Billing tab shows for states, proposals, notices, methods and money lines."""

from __future__ import annotations

from desktop.domain.billing.records import (
    LetterChannel,
    LetterKind,
    NoticeKind,
    PaymentMethod,
    ProposalKind,
    RefundBasis,
)
from desktop.domain.billing.states import SubscriptionState
from desktop.ui.text import N_, _

_S = SubscriptionState
_STATE = {
    _S.TRIAL: N_("Trial"),
    _S.ORDERED: N_("Ordered, not paid"),
    _S.ACTIVE: N_("Active"),
    _S.RENEWAL_DUE: N_("Renewal due"),
    _S.MINIMALNI: N_("Free tier (after trial)"),
    _S.CANCELLED: N_("Cancelled"),
    _S.ENDED_LEFT_SCHOOL: N_("Ended: left the school"),
    _S.ENDED_ADULT_PROHIBITION: N_("Ended: adult student's prohibition"),
    _S.ENDED_AUTHORITY_RESTRICTION: N_("Ended: authority restriction"),
    _S.ENDED_SCHOOL_WITHDREW: N_("Ended: school withdrew"),
    _S.WITHDRAWN_TERMS_CHANGE: N_("Withdrawn after a terms change"),
    _S.TERMINATED_NONPAYMENT: N_("Terminated: not paid"),
    _S.LAPSED_UNPAID: N_("Lapsed: never paid"),
    _S.DISABLED_BREACH: N_("Disabled: breach of terms"),
}
STATES = tuple(_STATE)
_PROPOSAL = {
    ProposalKind.TERMINATE_NONPAYMENT: N_("Terminate for non-payment"),
    ProposalKind.LAPSE_UNPAID: N_("Let the unpaid order lapse"),
    ProposalKind.CHARGE_FEE: N_("Charge the reminder fee"),
    ProposalKind.REFUND: N_("Refund"),
    ProposalKind.TRIAL_TO_MINIMALNI: N_("Trial ended: switch to the free tier"),
}
_NOTICE = {
    NoticeKind.TRIAL_INVITATION_1: N_("Trial: invitation to order"),
    NoticeKind.TRIAL_INVITATION_2: N_("Trial: second invitation"),
    NoticeKind.TRIAL_END_NOTICE: N_("Trial ended"),
    NoticeKind.ORDER_REMINDER_1: N_("Order: reminder 1"),
    NoticeKind.ORDER_REMINDER_2: N_("Order: reminder 2"),
    NoticeKind.RENEWAL_INVITATION: N_("Renewal invitation and invoice"),
    NoticeKind.RENEWAL_REMINDER_1: N_("Renewal: reminder 1"),
    NoticeKind.RENEWAL_REMINDER_2: N_("Renewal: reminder 2"),
    NoticeKind.TERMINATION_NOTICE: N_("Termination notice"),
}
_METHOD = {
    PaymentMethod.TRANSFER: N_("Bank transfer"),
    PaymentMethod.CARD: N_("Card"),
    PaymentMethod.FLIK: N_("Flik"),
}
_CHANNEL = {
    LetterChannel.LETTER_TO_SCHOOL: N_("Signed letter to the school"),
    LetterChannel.LETTER_TO_PROVIDER: N_("Signed letter to eŠola"),
    LetterChannel.SCANNED_EMAIL: N_("Scanned signed letter by e-mail"),
    LetterChannel.SIGNED_EMAIL: N_("Digitally signed e-mail"),
    LetterChannel.PORTAL_OR_SCHOOL: N_("Portal or in person at school"),
}
_LETTER = {
    LetterKind.CANCEL_ALL: N_("Cancellation"),
    LetterKind.UNSUBSCRIBE_ONE: N_("Unsubscription of one user"),
    LetterKind.TERMS_WITHDRAWAL: N_("Withdrawal after a terms change"),
}
_BASIS = {
    RefundBasis.OUTAGE: N_("Outage of more than 30 days"),
    RefundBasis.SCHOOL_WITHDREW: N_("School withdrew from POPOLNI"),
    RefundBasis.DISCRETIONARY: N_("Discretionary, after another ending"),
}
REFUND_BASES = tuple(_BASIS)
_MONEY = {
    "invoice": N_("Invoice"),
    "fee": N_("Reminder fee"),
    "payment": N_("Payment"),
    "refund": N_("Refund"),
    "cancelled": N_("Invoice cancelled"),
}


def state_label(state) -> str:
    return _(_STATE[SubscriptionState(state)])


def proposal_label(kind) -> str:
    return _(_PROPOSAL[ProposalKind(kind)])


def notice_label(kind) -> str:
    return _(_NOTICE[NoticeKind(kind)])


def method_label(method) -> str:
    return _(_METHOD[PaymentMethod(method)])


def channel_label(channel) -> str:
    return _(_CHANNEL[LetterChannel(channel)])


def letter_label(kind) -> str:
    return _(_LETTER[LetterKind(kind)])


def basis_label(basis) -> str:
    return _(_BASIS[RefundBasis(basis)])


def money_label(kind: str) -> str:
    return _(_MONEY[kind])


def amount_text(cents: int) -> str:
    """1234 → '12,34', as the amount fields show and read it back."""
    return f"{cents // 100},{cents % 100:02d}"


def euros(cents: int | None) -> str:
    """1234 → '12,34 €' (the office's own screens; letters use the recipient's locale)."""
    if cents is None:
        return ""
    return f"{'−' if cents < 0 else ''}{amount_text(abs(cents))} €"
