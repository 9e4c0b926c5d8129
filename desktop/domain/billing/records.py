"""Records the billing service keeps (R75, R77, R95, R67): payment methods, order channels,
invoices, proposals, refunds, letters, notices, and the payment reference on an invoice."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from desktop.domain.billing.due import BillingAction
from desktop.domain.dates import SchoolYear


class PaymentMethod(StrEnum):
    """R77: bank transfer to the billing entity's account, card or Flik (both via Bankart)."""

    TRANSFER = "TRANSFER"
    CARD = "CARD"
    FLIK = "FLIK"


class OrderedBy(StrEnum):
    GUARDIAN = "GUARDIAN"
    STUDENT = "STUDENT"  # R47/R90: only from the 15th birthday, with the 15+ statement


class OrderChannel(StrEnum):
    """R44/R74: how the order (or trial) reached eŠola."""

    ELECTRONIC = "ELECTRONIC"  # electronic registration (the normal way, R74)
    PORTAL = "PORTAL"
    AT_SCHOOL = "AT_SCHOOL"
    LETTER = "LETTER"


class CommunicationMode(StrEnum):
    """R75: the communication mode chosen with the order (B.II.2(1))."""

    SMS = "SMS"
    EMAIL = "EMAIL"
    SMS_AND_EMAIL = "SMS_AND_EMAIL"


class InvoiceKind(StrEnum):
    ANNUAL = "ANNUAL"  # R78: the lump sum for one school year
    FEE = "FEE"  # R81: the reminder fee, a separate receivable


class ProposalKind(StrEnum):
    """R67: changes with legal or financial effect that the app proposes and a person confirms."""

    TERMINATE_NONPAYMENT = "TERMINATE_NONPAYMENT"  # R81
    LAPSE_UNPAID = "LAPSE_UNPAID"  # R80
    CHARGE_FEE = "CHARGE_FEE"  # R81
    REFUND = "REFUND"  # R79 overpayment, R88
    TRIAL_TO_MINIMALNI = "TRIAL_TO_MINIMALNI"  # R91


class ProposalStatus(StrEnum):
    OPEN = "OPEN"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    OBSOLETE = "OBSOLETE"  # overtaken (paid meanwhile, ended otherwise)


class RefundBasis(StrEnum):
    OUTAGE = "OUTAGE"  # R83
    SCHOOL_WITHDREW = "SCHOOL_WITHDREW"  # R84
    TERMS_WITHDRAWAL = "TERMS_WITHDRAWAL"  # R85
    DISCRETIONARY = "DISCRETIONARY"  # R87
    OVERPAYMENT = "OVERPAYMENT"  # R79


class LetterKind(StrEnum):
    CANCEL_ALL = "CANCEL_ALL"  # R95, R96, R98 (D3 → D5)
    UNSUBSCRIBE_ONE = "UNSUBSCRIBE_ONE"  # R97 (D4 → D5)
    TERMS_WITHDRAWAL = "TERMS_WITHDRAWAL"  # R51, R102 (→ D10)


class LetterChannel(StrEnum):
    """R95: the ways a cancellation can arrive (the office keeps the evidence)."""

    LETTER_TO_SCHOOL = "LETTER_TO_SCHOOL"  # handwritten signature, school's address
    LETTER_TO_PROVIDER = "LETTER_TO_PROVIDER"  # handwritten signature, eŠola's address
    SCANNED_EMAIL = "SCANNED_EMAIL"  # scanned signed letter to starsi@easistent.com
    SIGNED_EMAIL = "SIGNED_EMAIL"  # digitally signed e-mail
    PORTAL_OR_SCHOOL = "PORTAL_OR_SCHOOL"  # R95(a)


class ReferenceScheme(StrEnum):
    """R77: the payment reference printed on invoices (configurable)."""

    RF = "RF"  # ISO 11649 creditor reference
    SI12 = "SI12"  # Slovenian model 12
    EE = "EE"  # Estonian 7-3-1 reference number (viitenumber)


class NoticeKind(StrEnum):
    """Letters that go out on the billing calendar (R80, R81, R91, R103): the record of what
    was sent, and of what still waits to be printed."""

    TRIAL_INVITATION_1 = "TRIAL_INVITATION_1"  # R91
    TRIAL_INVITATION_2 = "TRIAL_INVITATION_2"  # R91
    TRIAL_END_NOTICE = "TRIAL_END_NOTICE"  # R91, D14
    ORDER_REMINDER_1 = "ORDER_REMINDER_1"  # R80, D11
    ORDER_REMINDER_2 = "ORDER_REMINDER_2"  # R80, D11
    RENEWAL_INVITATION = "RENEWAL_INVITATION"  # R81, D11 (with the invoice)
    RENEWAL_REMINDER_1 = "RENEWAL_REMINDER_1"  # R81, D11
    RENEWAL_REMINDER_2 = "RENEWAL_REMINDER_2"  # R81, D11
    TERMINATION_NOTICE = "TERMINATION_NOTICE"  # R103, D12 (after a person confirmed)


# The calendar's letter actions and the notices that record them.
NOTICE_FOR_ACTION: Mapping[BillingAction, NoticeKind] = {
    BillingAction.SEND_TRIAL_INVITATION_1: NoticeKind.TRIAL_INVITATION_1,
    BillingAction.SEND_TRIAL_INVITATION_2: NoticeKind.TRIAL_INVITATION_2,
    BillingAction.SEND_TRIAL_END_NOTICE: NoticeKind.TRIAL_END_NOTICE,
    BillingAction.SEND_ORDER_REMINDER_1: NoticeKind.ORDER_REMINDER_1,
    BillingAction.SEND_ORDER_REMINDER_2: NoticeKind.ORDER_REMINDER_2,
    BillingAction.SEND_RENEWAL_INVITATION: NoticeKind.RENEWAL_INVITATION,
    BillingAction.SEND_RENEWAL_REMINDER_1: NoticeKind.RENEWAL_REMINDER_1,
    BillingAction.SEND_RENEWAL_REMINDER_2: NoticeKind.RENEWAL_REMINDER_2,
}
ACTION_FOR_NOTICE: Mapping[NoticeKind, BillingAction] = {
    notice: action for action, notice in NOTICE_FOR_ACTION.items()
}


def make_payment_reference(scheme: ReferenceScheme, school_year: SchoolYear, number: int) -> str:
    """A bank-valid reference for invoice `number` of `school_year` (unique per invoice, R122).

    The base is the year's last two digits and the invoice number in 7 digits: 9 digits in
    all, so the SI12 check digit catches every single-digit typo (see payment_refs).
    """
    from desktop.domain.payment_refs import make_ee_reference, make_rf, make_si12

    if not 1 <= number <= 9_999_999:
        raise ValueError(f"invoice number {number} out of range")
    base = f"{school_year.start_year % 100:02d}{number:07d}"
    if scheme is ReferenceScheme.RF:
        return make_rf(base)
    if scheme is ReferenceScheme.SI12:
        return make_si12(base)
    return make_ee_reference(base)
