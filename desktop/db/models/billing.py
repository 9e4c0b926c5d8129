"""Billing: POPOLNI subscriptions, trials, invoices, payments, notices, refunds, proposals and
received cancellation letters (RULES.md §6, §7: R72–R103; R65, R67, R122).

Money is integer cents, gross (R5). Payer data and payments are BILLING data (R56): only the
billing role reads them (R121). Every table is Audited; rows that a form edits are Versioned.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.db.base import Audited, Base, UTCDateTime, Versioned, str_enum
from desktop.domain import clock
from desktop.domain.billing.letters import LetterStatus
from desktop.domain.billing.records import (
    CommunicationMode,
    InvoiceKind,
    LetterChannel,
    LetterKind,
    NoticeKind,
    OrderChannel,
    OrderedBy,
    PaymentMethod,
    ProposalKind,
    ProposalStatus,
    ReferenceScheme,
    RefundBasis,
)
from desktop.domain.billing.states import SubscriptionState, Tier

# R73: eŠola bills the payer directly, in its own name. Configurable ("billing entity").
DEFAULT_ENTITY = {
    "entity_name": "eŠola d.o.o.",
    "entity_street": "Cerkvena ulica 11",
    "entity_postal_code": "4290",
    "entity_city": "Tržič",
    "entity_country": "SI",
    "entity_email": "starsi@easistent.com",
}


class BillingSettings(Versioned, Audited, Base):
    """Per school: POPOLNI on or off (R74), who bills (R73), the account and reference (R77)."""

    __tablename__ = "billing_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), unique=True)
    popolni_enabled: Mapped[bool] = mapped_column(default=False)
    entity_name: Mapped[str] = mapped_column(String(200))
    entity_street: Mapped[str] = mapped_column(String(200), default="")
    entity_postal_code: Mapped[str] = mapped_column(String(20), default="")
    entity_city: Mapped[str] = mapped_column(String(100), default="")
    entity_country: Mapped[str] = mapped_column(String(2), default="SI")
    entity_registry_code: Mapped[str] = mapped_column(String(40), default="")
    entity_vat_id: Mapped[str] = mapped_column(String(40), default="")
    entity_email: Mapped[str] = mapped_column(String(254), default="")
    entity_phone: Mapped[str] = mapped_column(String(40), default="")
    entity_website: Mapped[str] = mapped_column(String(200), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    reference_scheme: Mapped[ReferenceScheme] = mapped_column(str_enum(ReferenceScheme, 8))
    upn_purpose_code: Mapped[str] = mapped_column(String(4), default="SCVE")


class BillingYear(Versioned, Audited, Base):
    """BillingPolicy + RenewalCalendar of one school year (R80, R81, R91). No row: proposals."""

    __tablename__ = "billing_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[int] = mapped_column(unique=True)  # start year: 2026 = 2026/27
    invitation_on: Mapped[date] = mapped_column(Date)
    invitation_due: Mapped[date] = mapped_column(Date)
    reminder1_on: Mapped[date] = mapped_column(Date)
    reminder1_due: Mapped[date] = mapped_column(Date)
    reminder2_on: Mapped[date] = mapped_column(Date)
    reminder2_due: Mapped[date] = mapped_column(Date)
    termination_effective: Mapped[date] = mapped_column(Date)
    first_reminder1_after_days: Mapped[int] = mapped_column(default=15)
    first_reminder2_after_days: Mapped[int] = mapped_column(default=30)
    first_lapse_after_days: Mapped[int] = mapped_column(default=45)
    reminder_fee_gross_cents: Mapped[int] = mapped_column(default=500)
    charge_reminder_fee_by_default: Mapped[bool] = mapped_column(default=False)
    trial_invitation_days_before_end: Mapped[int] = mapped_column(default=2)


class BillingPrice(Versioned, Audited, Base):
    """R78: the lump sum for a school year and tier, from a date on (the offer valid then)."""

    __tablename__ = "billing_price"
    __table_args__ = (
        UniqueConstraint("school_year", "tier", "valid_from"),
        CheckConstraint("gross_cents >= 0", name="gross_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[int] = mapped_column()
    tier: Mapped[Tier] = mapped_column(str_enum(Tier, 16))
    gross_cents: Mapped[int] = mapped_column()
    valid_from: Mapped[date] = mapped_column(Date)


class TrialOffer(Versioned, Audited, Base):
    """R89(d): a special trial offer of this school for one school year."""

    __tablename__ = "trial_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[int] = mapped_column(index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    length_days: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(String(200), default="")


class Subscription(Versioned, Audited, Base):
    """One child's POPOLNI subscription (R72, R76), with the order record (R75, R41, R44, R55).

    `ends_on` is the first day without the service (R98: received + 1; R13: the day after
    the last day of attendance)."""

    __tablename__ = "subscription"
    __table_args__ = (Index("ix_subscription_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    state: Mapped[SubscriptionState] = mapped_column(str_enum(SubscriptionState, 32))
    tier: Mapped[Tier] = mapped_column(str_enum(Tier, 16))
    # The order record (R75). Empty for a trial that never became an order.
    ordered_by: Mapped[OrderedBy | None] = mapped_column(str_enum(OrderedBy, 16))
    channel: Mapped[OrderChannel] = mapped_column(str_enum(OrderChannel, 16))
    communication_mode: Mapped[CommunicationMode | None] = mapped_column(
        str_enum(CommunicationMode, 16)
    )
    student_statement_15: Mapped[bool] = mapped_column(default=False)  # R47, as given
    warranties_given: Mapped[bool] = mapped_column(default=False)  # R41
    free_alternative_disclosed: Mapped[bool] = mapped_column(default=False)  # R55
    # R44/R49: the terms version accepted with the order (published versions are never deleted)
    terms_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("terms_version.id", ondelete="RESTRICT")
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ordered_on: Mapped[date | None] = mapped_column(Date)
    child_first_name: Mapped[str] = mapped_column(String(100))
    child_last_name: Mapped[str] = mapped_column(String(100))
    class_name: Mapped[str] = mapped_column(String(20), default="")
    school_name: Mapped[str] = mapped_column(String(200))
    activated_on: Mapped[date | None] = mapped_column(Date)  # final activation (R79, R88)
    paid_school_year: Mapped[int | None] = mapped_column()  # latest year paid in full
    ends_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(Text, default="")

    profiles: Mapped[list[SubscriptionProfile]] = relationship(
        back_populates="subscription",
        cascade="all, delete-orphan",
        order_by="SubscriptionProfile.position",
    )

    def audit_student_id(self) -> int | None:
        return self.student_id


# The payer's contact data on a profile (R121): the office role may not read them. The roster's
# cascades (a student leaving, a restriction, an adult's prohibition) end profiles without
# loading them, and desktop.db.access grants the office every other column of the table.
PROFILE_CONTACT_COLUMNS = ("first_name", "last_name", "mobile", "email")


class SubscriptionProfile(Versioned, Audited, Base):
    """A guardian profile on a subscription (R14: at most two), as given with the order (R75).

    The contact data are the order's, not the roster's: a cancellation letter is checked
    against these (R96)."""

    __tablename__ = "subscription_profile"
    __table_args__ = (UniqueConstraint("subscription_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()  # 1 or 2
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian.id", ondelete="SET NULL"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    mobile: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254), default="")
    is_payer: Mapped[bool] = mapped_column(default=False)  # the subscriber who ordered
    active: Mapped[bool] = mapped_column(default=True)
    unsubscribed_on: Mapped[date | None] = mapped_column(Date)  # R97: effective date
    end_reason: Mapped[str] = mapped_column(Text, default="")

    subscription: Mapped[Subscription] = relationship(back_populates="profiles")

    def audit_student_id(self) -> int | None:
        return self.subscription.student_id if self.subscription is not None else None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Trial(Audited, Base):
    """R89: a free trial; at most one per child per school year, across all guardians."""

    __tablename__ = "trial"
    __table_args__ = (UniqueConstraint("student_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    school_year: Mapped[int] = mapped_column()
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    length_days: Mapped[int] = mapped_column()
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("trial_offer.id"))
    started_by: Mapped[OrderedBy] = mapped_column(str_enum(OrderedBy, 16))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))

    def audit_student_id(self) -> int | None:
        return self.student_id


class Invoice(Audited, Base):
    """An annual invoice (R78) or the reminder fee (R81), issued in the billing entity's name.

    One of each kind per subscription and school year: the fee at most once (R81). The
    payment reference is unique (R122)."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("subscription_id", "school_year", "kind"),
        CheckConstraint("amount_cents >= 0", name="amount_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    school_year: Mapped[int] = mapped_column()
    kind: Mapped[InvoiceKind] = mapped_column(str_enum(InvoiceKind, 8))
    number: Mapped[str] = mapped_column(String(20), unique=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column()  # gross
    net_cents: Mapped[int] = mapped_column()
    vat_cents: Mapped[int] = mapped_column()
    vat_rate_bp: Mapped[int] = mapped_column()
    cancelled_on: Mapped[date | None] = mapped_column(Date)  # the subscription ended unpaid
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))

    def audit_student_id(self) -> int | None:
        return self.student_id


class Payment(Audited, Base):
    """R77 payment. R65: never a card number or CVV; only the processor's transaction id and
    the last four digits. A transaction id is recorded once (R122)."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_cents"),
        CheckConstraint(
            "card_last_four IS NULL OR length(card_last_four) = 4", name="card_last_four"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, 8))
    amount_cents: Mapped[int] = mapped_column()
    value_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(40), default="")
    processor_txn_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    card_last_four: Mapped[str | None] = mapped_column(String(4))
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    payer_address: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by: Mapped[str] = mapped_column(String(100))

    def audit_student_id(self) -> int | None:
        return self.student_id


class BillingNotice(Audited, Base):
    """A letter on the billing calendar: when it became due (the day the step was taken, which
    drives the next step), its reply-by date, and the printed document once printed.

    Unique per subscription, kind and cycle: `daily` can never send the same reminder twice."""

    __tablename__ = "billing_notice"
    __table_args__ = (
        UniqueConstraint("subscription_id", "kind", "cycle"),
        Index("ix_billing_notice_unprinted", "document_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, 24))
    cycle: Mapped[str] = mapped_column(String(40))  # "trial", "order", "renewal-2027"
    due_on: Mapped[date] = mapped_column(Date)
    reply_by: Mapped[date | None] = mapped_column(Date)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    document_id: Mapped[str | None] = mapped_column(String(40))
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Not printed because it was overtaken (paid, ordered or ended before printing).
    skipped_reason: Mapped[str] = mapped_column(Text, default="")

    def audit_student_id(self) -> int | None:
        return self.student_id


class BillingProposal(Versioned, Audited, Base):
    """R67: a change with legal or financial effect, waiting for a person to confirm it.

    Unique per subscription, kind and cycle, so the daily job proposes each thing once."""

    __tablename__ = "billing_proposal"
    __table_args__ = (
        UniqueConstraint("subscription_id", "kind", "cycle"),
        Index("ix_billing_proposal_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    kind: Mapped[ProposalKind] = mapped_column(str_enum(ProposalKind, 24))
    cycle: Mapped[str] = mapped_column(String(40))
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, 16), default=ProposalStatus.OPEN
    )
    proposed_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    school_year: Mapped[int | None] = mapped_column()
    amount_cents: Mapped[int | None] = mapped_column()  # fee or refund
    refund_basis: Mapped[RefundBasis | None] = mapped_column(str_enum(RefundBasis, 24))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(100))  # the confirming person (R67)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    def audit_student_id(self) -> int | None:
        return self.student_id


class Refund(Audited, Base):
    """R83–R88: a refund with its basis, the R88 figures, the reason and the approver (R67)."""

    __tablename__ = "refund"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_cents"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    school_year: Mapped[int] = mapped_column()
    basis: Mapped[RefundBasis] = mapped_column(str_enum(RefundBasis, 24))
    amount_cents: Mapped[int] = mapped_column()
    decided_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("billing_proposal.id"))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("cancellation_letter.id"))
    # R88 figures (empty for an overpayment or a discretionary amount)
    period_first: Mapped[date | None] = mapped_column(Date)
    period_last: Mapped[date | None] = mapped_column(Date)
    period_days: Mapped[int | None] = mapped_column()
    lost_days: Mapped[int | None] = mapped_column()
    paid_cents: Mapped[int | None] = mapped_column()
    already_refunded_cents: Mapped[int | None] = mapped_column()

    def audit_student_id(self) -> int | None:
        return self.student_id


class CancellationLetter(Versioned, Audited, Base):
    """A received cancellation, single-guardian unsubscription or terms withdrawal letter.

    `letter_data` is what the letter says (R96 items), `issues` what the check found missing
    or different. `letter_key` stops two PCs registering the same letter twice (R122)."""

    __tablename__ = "cancellation_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind, 24))
    letter_key: Mapped[str] = mapped_column(String(120), unique=True)
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[LetterChannel] = mapped_column(str_enum(LetterChannel, 24))
    letter_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[LetterStatus] = mapped_column(str_enum(LetterStatus, 40))
    issues: Mapped[list[Any]] = mapped_column(JSON)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("subscription_profile.id"))
    effective_on: Mapped[date | None] = mapped_column(Date)  # R98; set once processed
    notice_sent_on: Mapped[date | None] = mapped_column(Date)  # R51: terms notice sent
    terms_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("terms_version.id", ondelete="RESTRICT")
    )  # R51: the version whose notice the subscriber withdrew over
    evidence: Mapped[str] = mapped_column(Text, default="")  # scan file name, e-mail id…

    def audit_student_id(self) -> int | None:
        return self.student_id
