"""Billing use cases: settings, prices, orders, trials, payments, proposals, refunds, endings.

The rules live in desktop.domain.billing; this module reads the facts from the database,
asks the domain, and writes the outcome in one transaction with the audit log (R122).
Payer data and payments need the billing role (R121): every read and write here checks
VIEW_BILLING / EDIT_BILLING. Cascades from other areas (leaving R13, authority restriction
R15, adult prohibition R48) run inside the caller's transaction without a role check: the
person who recorded the cause is the one acting.

Letters (cancellations, withdrawals, printing) are in billing_letters; the date-driven jobs
in billing_daily.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, selectinload

from desktop.db.models import (
    BillingNotice,
    BillingPrice,
    BillingProposal,
    BillingSettings,
    BillingYear,
    Guardian,
    Invoice,
    Payment,
    Refund,
    School,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionProfile,
    Trial,
    TrialOffer,
)
from desktop.db.models.billing import DEFAULT_ENTITY, PROFILE_CONTACT_COLUMNS
from desktop.db.models.terms import TermsVersion
from desktop.domain import clock
from desktop.domain.billing import (
    END_STATES,
    LIVE_STATES,
    BillingPolicy,
    CommunicationMode,
    InvoiceKind,
    NoticeKind,
    OrderChannel,
    OrderedBy,
    Outage,
    PaymentMethod,
    Price,
    ProposalKind,
    ProposalStatus,
    ReferenceScheme,
    RefundBasis,
    RefundCalculation,
    RefundPolicy,
    RenewalCalendar,
    SpecialOffer,
    SubscriptionEvent,
    SubscriptionState,
    Tier,
    annual_price,
    apply_event,
    check_card_last_four,
    check_no_card_data,
    make_payment_reference,
    plan_trial,
    policy_for,
    refund_after_switch_off,
    refund_for_outage,
    refund_policy,
    reminder_fee,
    require_student_may_act_alone,
    settle_payment,
    split_vat,
    vat_rate_on,
)
from desktop.domain.dates import SchoolYear, add_days
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.inputs import coerce_enum, coerce_fields, coerce_optional_enum
from desktop.domain.payment_refs import (
    validate_iban,
    validate_purpose_code,
    validate_registry_code,
    validate_vat_id,
)
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, StudentStatus, check_email, check_phone, clean_text
from desktop.i18n import N_, Money, Nn_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.school import SchoolService

_S = SubscriptionState
_E = SubscriptionEvent
# The proposals that end a subscription when confirmed (R67): the event and the reason. An
# ending or a full payment makes the open ones pointless.
_ENDINGS = {
    ProposalKind.TERMINATE_NONPAYMENT: (
        _E.RENEWAL_UNPAID,
        N_("not paid after the second reminder"),
    ),
    ProposalKind.LAPSE_UNPAID: (_E.FIRST_ORDER_UNPAID, N_("first order not paid")),
    ProposalKind.TRIAL_TO_MINIMALNI: (_E.TRIAL_EXPIRED, N_("trial ended")),
}
# R77: the default reference per country; configurable in the settings.
DEFAULT_SCHEME = {Country.SI: ReferenceScheme.SI12, Country.EE: ReferenceScheme.EE}
MAX_PROFILES = 2  # R14


# ---- records handed to the UI and the CLI ------------------------------------------------------


@dataclass(frozen=True)
class BillingSettingsRecord:
    """The settings as a form shows them; the defaults are those before the first save."""

    reference_scheme: ReferenceScheme
    popolni_enabled: bool = False
    entity_name: str = DEFAULT_ENTITY["entity_name"]
    entity_street: str = DEFAULT_ENTITY["entity_street"]
    entity_postal_code: str = DEFAULT_ENTITY["entity_postal_code"]
    entity_city: str = DEFAULT_ENTITY["entity_city"]
    entity_country: str = DEFAULT_ENTITY["entity_country"]
    entity_registry_code: str = ""
    entity_vat_id: str = ""
    entity_email: str = DEFAULT_ENTITY["entity_email"]
    entity_phone: str = ""
    entity_website: str = ""
    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    upn_purpose_code: str = "SCVE"
    version: int = 0

    @property
    def entity_address_lines(self) -> tuple[str, ...]:
        place = " ".join(p for p in (self.entity_postal_code, self.entity_city) if p)
        return tuple(line for line in (self.entity_street, place) if line)


@dataclass(frozen=True)
class ProfileRecord:
    id: int
    position: int
    guardian_id: int | None
    first_name: str
    last_name: str
    mobile: str
    email: str
    is_payer: bool
    active: bool
    unsubscribed_on: date | None
    version: int

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class TrialRecord:
    starts_on: date
    ends_on: date
    length_days: int
    started_by: OrderedBy


@dataclass(frozen=True)
class SubscriptionRecord:
    id: int
    version: int
    student_id: int
    state: SubscriptionState
    tier: Tier
    ordered_by: OrderedBy | None
    channel: OrderChannel
    communication_mode: CommunicationMode | None
    student_statement_15: bool
    warranties_given: bool
    free_alternative_disclosed: bool
    terms_version_id: int | None
    submitted_at: datetime | None
    ordered_on: date | None
    child_first_name: str
    child_last_name: str
    class_name: str
    school_name: str
    activated_on: date | None
    paid_school_year: SchoolYear | None
    ends_on: date | None
    end_reason: str
    profiles: tuple[ProfileRecord, ...] = ()
    trial: TrialRecord | None = None

    @property
    def child_name(self) -> str:
        return f"{self.child_first_name} {self.child_last_name}"

    @property
    def payer(self) -> ProfileRecord | None:
        return next((p for p in self.profiles if p.is_payer), None) or next(
            iter(self.profiles), None
        )

    @property
    def active_profiles(self) -> tuple[ProfileRecord, ...]:
        return tuple(p for p in self.profiles if p.active)


@dataclass(frozen=True)
class MoneyLine:
    """One line of a child's money history: invoices raise what is owed, payments and
    refunds are money in and out (R5: cents)."""

    on: date
    kind: str  # "invoice", "fee", "payment", "refund", "cancelled"
    text: str
    amount_cents: int
    reference: str = ""
    school_year: SchoolYear | None = None
    method: PaymentMethod | None = None  # payments only


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    version: int
    subscription_id: int
    student_id: int
    child_name: str
    class_name: str
    kind: ProposalKind
    status: ProposalStatus
    proposed_on: date
    effective_on: date | None
    school_year: SchoolYear | None
    amount_cents: int | None
    refund_basis: RefundBasis | None
    reason: str
    decided_by: str | None


@dataclass(frozen=True)
class OrderInput:
    """R75 order data. Guardian profiles come from the roster (R14: one or two); a student
    who orders (R47) gives their own mobile and the 15+ statement."""

    student_id: int
    ordered_by: OrderedBy
    channel: OrderChannel
    communication_mode: CommunicationMode
    guardian_ids: tuple[int, ...] = ()
    terms_version_id: int | None = None
    warranties_given: bool = False
    free_alternative_disclosed: bool = False
    student_statement_15: bool = False
    student_mobile: str = ""
    student_email: str = ""
    ordered_on: date | None = None

    def __post_init__(self) -> None:
        # A combo box or a script hands plain strings: R47 compares enum members.
        coerce_fields(
            self,
            ordered_by=OrderedBy,
            channel=OrderChannel,
            communication_mode=CommunicationMode,
        )
        object.__setattr__(self, "guardian_ids", tuple(self.guardian_ids or ()))


@dataclass(frozen=True)
class PaymentInput:
    amount_cents: int
    method: PaymentMethod
    value_date: date
    reference: str = ""  # the invoice's payment reference, as on the bank statement
    invoice_id: int | None = None  # or the invoice chosen in the form
    processor_txn_id: str = ""  # Bankart / bank entry id; mandatory for card and Flik
    card_last_four: str = ""  # R65: the only card data ever stored
    payer_name: str = ""
    payer_address: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        coerce_fields(self, method=PaymentMethod)


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    invoice_number: str
    outstanding_cents: int
    overpaid_cents: int
    activated: bool
    state: SubscriptionState
    refund_proposal_id: int | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    amount_cents: int
    calculation: RefundCalculation | None = None


# ---- helpers shared with billing_letters and billing_daily -------------------------------------


def load_policies(session: Session) -> dict[SchoolYear, BillingPolicy]:
    """The configured BillingPolicy per school year (R80, R81, R91); absent years use the
    RULES.md proposals through domain.policy_for."""
    policies = {}
    for row in session.scalars(select(BillingYear)):
        year = SchoolYear(row.school_year)
        calendar = RenewalCalendar(
            year,
            row.invitation_on,
            row.invitation_due,
            row.reminder1_on,
            row.reminder1_due,
            row.reminder2_on,
            row.reminder2_due,
            row.termination_effective,
        )
        policies[year] = BillingPolicy(
            year,
            calendar,
            first_reminder1_after_days=row.first_reminder1_after_days,
            first_reminder2_after_days=row.first_reminder2_after_days,
            first_lapse_after_days=row.first_lapse_after_days,
            reminder_fee_gross_cents=row.reminder_fee_gross_cents,
            charge_reminder_fee_by_default=row.charge_reminder_fee_by_default,
            trial_invitation_days_before_end=row.trial_invitation_days_before_end,
        )
    return policies


def load_prices(session: Session) -> list[Price]:
    return [
        Price(SchoolYear(p.school_year), p.tier, p.gross_cents, p.valid_from)
        for p in session.scalars(select(BillingPrice))
    ]


def settings_row(session: Session) -> BillingSettings:
    """The school's billing settings, created with the defaults on first use (R73, R74)."""
    row = session.scalar(select(BillingSettings).limit(1))
    if row is not None:
        return row
    school = session.scalar(select(School).order_by(School.id).limit(1))
    if school is None:
        raise NotFound("school", "")
    row = BillingSettings(
        school_id=school.id,
        popolni_enabled=False,
        reference_scheme=DEFAULT_SCHEME[school.country],
        **DEFAULT_ENTITY,
    )
    session.add(row)
    session.flush()
    return row


def load_settings(session: Session, country: Country) -> BillingSettingsRecord:
    """The school's billing settings, or the defaults while none are saved (R73, R77)."""
    row = session.scalar(select(BillingSettings).limit(1))
    if row is None:
        return BillingSettingsRecord(DEFAULT_SCHEME[country])
    return BillingSettingsRecord(
        **{f.name: getattr(row, f.name) for f in fields(BillingSettingsRecord)}
    )


def subscription_record(sub: Subscription, trial: Trial | None = None) -> SubscriptionRecord:
    return SubscriptionRecord(
        sub.id,
        sub.version,
        sub.student_id,
        sub.state,
        sub.tier,
        sub.ordered_by,
        sub.channel,
        sub.communication_mode,
        sub.student_statement_15,
        sub.warranties_given,
        sub.free_alternative_disclosed,
        sub.terms_version_id,
        sub.submitted_at,
        sub.ordered_on,
        sub.child_first_name,
        sub.child_last_name,
        sub.class_name,
        sub.school_name,
        sub.activated_on,
        SchoolYear(sub.paid_school_year) if sub.paid_school_year is not None else None,
        sub.ends_on,
        sub.end_reason,
        tuple(
            ProfileRecord(
                p.id,
                p.position,
                p.guardian_id,
                p.first_name,
                p.last_name,
                p.mobile,
                p.email,
                p.is_payer,
                p.active,
                p.unsubscribed_on,
                p.version,
            )
            for p in sub.profiles
        ),
        TrialRecord(trial.starts_on, trial.ends_on, trial.length_days, trial.started_by)
        if trial is not None
        else None,
    )


def new_invoice(
    session: Session,
    sub: Subscription,
    kind: InvoiceKind,
    school_year: SchoolYear,
    gross_cents: int,
    issued_on: date,
    due_on: date,
    scheme: ReferenceScheme,
) -> Invoice:
    """An invoice with its number and a bank-valid, unique payment reference (R77, R122)."""
    if session.scalar(
        select(Invoice.id).where(
            Invoice.subscription_id == sub.id,
            Invoice.school_year == school_year.start_year,
            Invoice.kind == kind,
        )
    ):
        raise ValidationError(
            "invoice",
            school_year.label,
            N_("this subscription already has a reminder fee for that school year")
            if kind is InvoiceKind.FEE
            else N_("this subscription already has an annual invoice for that school year"),
        )
    split = split_vat(gross_cents, vat_rate_on(issued_on))
    invoice = Invoice(
        subscription_id=sub.id,
        student_id=sub.student_id,
        school_year=school_year.start_year,
        kind=kind,
        issued_on=issued_on,
        due_on=due_on,
        amount_cents=gross_cents,
        net_cents=split.net_cents,
        vat_cents=split.vat_cents,
        vat_rate_bp=split.rate_basis_points,
    )
    # The number and the reference come from the id: a unique placeholder until the flush.
    invoice.number = invoice.reference = f"new-{id(invoice)}"
    session.add(invoice)
    session.flush()
    invoice.number = invoice_number(school_year, invoice.id)
    invoice.reference = make_payment_reference(scheme, school_year, invoice.id).replace(" ", "")
    session.flush()
    return invoice


def invoice_number(school_year: SchoolYear, invoice_id: int) -> str:
    return f"{school_year.start_year}-{invoice_id:06d}"


def load_subscription(session: Session, subscription_id: int) -> Subscription:
    """The subscription with its profiles; NotFound when there is none."""
    sub = session.scalar(
        select(Subscription)
        .where(Subscription.id == subscription_id)
        .options(selectinload(Subscription.profiles))
    )
    if sub is None:
        raise NotFound("subscription", subscription_id)
    return sub


def paid_on_invoice(session: Session, invoice_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.invoice_id == invoice_id
        )
    )


def paid_per_invoice(session: Session, *where) -> dict[int, int]:
    """Cents paid on each invoice with a payment, among the payments matching `where`."""
    return dict(
        session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount_cents))
            .where(Payment.invoice_id.is_not(None), *where)
            .group_by(Payment.invoice_id)
        ).all()
    )


def current_subscription_id(session: Session, student_id: int) -> int | None:
    """The child's live subscription, else the latest one (ended or MINIMALNI)."""
    rows = session.execute(
        select(Subscription.id, Subscription.state)
        .where(Subscription.student_id == student_id)
        .order_by(Subscription.id.desc())
    ).all()
    live = [r.id for r in rows if r.state in LIVE_STATES]
    return live[0] if live else (rows[0].id if rows else None)


def obsolete_open_proposals(
    session: Session, sub: Subscription, kinds: Iterable[ProposalKind], note: str
) -> bool:
    changed = False
    for proposal in session.scalars(
        select(BillingProposal).where(
            BillingProposal.subscription_id == sub.id,
            BillingProposal.status == ProposalStatus.OPEN,
            BillingProposal.kind.in_(list(kinds)),
        )
    ):
        proposal.status = ProposalStatus.OBSOLETE
        proposal.decision_note = note
        changed = True
    return changed


def end_subscription(
    session: Session,
    sub: Subscription,
    event: SubscriptionEvent,
    ends_on: date,
    reason: str,
    *,
    settle: bool = True,
) -> None:
    """R76: move to the ending's state; the child falls back to MINIMALNI (R76 proposal).

    Unpaid invoices of a subscription that never ran for that year are cancelled; the service
    stays on until `ends_on` (the first day without it).

    With `settle=False` only the subscription's status changes (school data, R121); its money
    side (settle_ending) is left to the billing role's next daily run."""
    sub.state = apply_event(sub.state, event)
    sub.tier = Tier.MINIMALNI
    sub.ends_on = ends_on
    sub.end_reason = reason
    if settle:
        settle_ending(session, sub)


# The state a termination for non-payment ends in: the only ending that keeps the fee (R81).
_NONPAYMENT_END = _S.TERMINATED_NONPAYMENT


def settle_ending(session: Session, sub: Subscription) -> bool:
    """The money side of an ended subscription (billing's data): its unpaid invoices for a
    year it never ran are cancelled on `ends_on`, and its open proposals become pointless.
    Safe to run again; returns whether anything changed."""
    changed = False
    paid = paid_per_invoice(session, Payment.subscription_id == sub.id)
    for invoice in session.scalars(
        select(Invoice).where(
            Invoice.subscription_id == sub.id,
            Invoice.kind == InvoiceKind.ANNUAL,
            Invoice.cancelled_on.is_(None),
        )
    ):
        if paid.get(invoice.id, 0) < invoice.amount_cents and (
            sub.paid_school_year is None or invoice.school_year > sub.paid_school_year
        ):
            invoice.cancelled_on = sub.ends_on
            changed = True
    # The fee follows only a termination for non-payment (R81); any other ending drops it.
    keep_fee = sub.state is _NONPAYMENT_END
    kinds = [*_ENDINGS, *(() if keep_fee else (ProposalKind.CHARGE_FEE,))]
    changed |= obsolete_open_proposals(session, sub, kinds, f"ended: {sub.state.value}")
    return changed


def unsettled_endings(session: Session) -> list[Subscription]:
    """Ended subscriptions whose money side was left for billing (an office colleague ended
    them: a student left, a restriction, an adult's prohibition). Only a first sift, so the
    daily run does not reread every ended subscription; settle_ending decides."""
    paid = (
        select(func.coalesce(func.sum(Payment.amount_cents), 0))
        .where(Payment.invoice_id == Invoice.id)
        .scalar_subquery()
    )
    open_invoice = (
        select(Invoice.id)
        .where(
            Invoice.subscription_id == Subscription.id,
            Invoice.kind == InvoiceKind.ANNUAL,
            Invoice.cancelled_on.is_(None),
            paid < Invoice.amount_cents,
        )
        .exists()
    )
    fee = (BillingProposal.kind == ProposalKind.CHARGE_FEE) & (
        Subscription.state != _NONPAYMENT_END
    )
    open_proposal = (
        select(BillingProposal.id)
        .where(
            BillingProposal.subscription_id == Subscription.id,
            BillingProposal.status == ProposalStatus.OPEN,
            BillingProposal.kind.in_(list(_ENDINGS)) | fee,
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.state.in_(END_STATES), open_invoice | open_proposal)
            .order_by(Subscription.id)
        )
    )


def live_subscriptions(session: Session, student_id: int) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.student_id == student_id, Subscription.state.in_(LIVE_STATES))
            .options(selectinload(Subscription.profiles))
        )
    )


# ---- the service -----------------------------------------------------------------------------


class BillingService(Service):
    def __init__(self, db, actor, recipient_checks=None):
        super().__init__(db, actor)
        # R15/R48 checks on a guardian (student_id, guardian_id, day): the documents service's
        # list, so the consent area's adult-prohibition check applies to orders too.
        self.recipient_checks = recipient_checks if recipient_checks is not None else []

    def _school(self):
        return SchoolService(self.db, self.actor).require_school()

    def today(self) -> date:
        return self._school().today()

    # ---- settings and configuration (R73, R74, R78, R80, R81, R89) ------------------------

    def settings(self) -> BillingSettingsRecord:
        with self.read(Permission.VIEW_BILLING) as session:
            return load_settings(session, self._school().country)

    def update_settings(self, record: BillingSettingsRecord) -> BillingSettingsRecord:
        values = _clean_settings(record)
        with self.write(Permission.EDIT_BILLING, reason="billing settings") as session:
            row = settings_row(session)
            ensure_version(row, record.version or row.version, "billing settings")
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return load_settings(session, self._school().country)

    def set_price(self, school_year: SchoolYear, gross_cents: int, valid_from: date | None = None):
        """R78: the POPOLNI price of a school year, valid from a date (default: 1 Sep)."""
        if isinstance(gross_cents, bool) or not isinstance(gross_cents, int) or gross_cents <= 0:
            raise ValidationError("price", gross_cents, N_("a price is a positive amount"))
        valid_from = valid_from or school_year.first_day
        with self.write(Permission.EDIT_BILLING, reason="price") as session:
            row = session.scalar(
                select(BillingPrice).where(
                    BillingPrice.school_year == school_year.start_year,
                    BillingPrice.tier == Tier.POPOLNI,
                    BillingPrice.valid_from == valid_from,
                )
            )
            if row is None:
                session.add(
                    BillingPrice(
                        school_year=school_year.start_year,
                        tier=Tier.POPOLNI,
                        gross_cents=gross_cents,
                        valid_from=valid_from,
                    )
                )
            else:
                row.gross_cents = gross_cents

    def prices(self) -> list[Price]:
        with self.read(Permission.VIEW_BILLING) as session:
            return sorted(load_prices(session), key=lambda p: (p.school_year, p.valid_from))

    def set_policy(self, policy: BillingPolicy) -> None:
        """R80/R81/R91: the dates and amounts of one school year (validated by the domain)."""
        cal = policy.renewal
        values = {
            "invitation_on": cal.invitation_on,
            "invitation_due": cal.invitation_due,
            "reminder1_on": cal.reminder1_on,
            "reminder1_due": cal.reminder1_due,
            "reminder2_on": cal.reminder2_on,
            "reminder2_due": cal.reminder2_due,
            "termination_effective": cal.termination_effective,
            "first_reminder1_after_days": policy.first_reminder1_after_days,
            "first_reminder2_after_days": policy.first_reminder2_after_days,
            "first_lapse_after_days": policy.first_lapse_after_days,
            "reminder_fee_gross_cents": policy.reminder_fee_gross_cents,
            "charge_reminder_fee_by_default": policy.charge_reminder_fee_by_default,
            "trial_invitation_days_before_end": policy.trial_invitation_days_before_end,
        }
        with self.write(Permission.EDIT_BILLING, reason="billing calendar") as session:
            row = session.scalar(
                select(BillingYear).where(BillingYear.school_year == policy.school_year.start_year)
            )
            if row is None:
                session.add(BillingYear(school_year=policy.school_year.start_year, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)

    def add_trial_offer(self, offer: SpecialOffer, label: str = "") -> int:
        """R89(d): a special trial offer (own window and length) for one school year."""
        with self.write(Permission.EDIT_BILLING, reason="special trial offer") as session:
            row = TrialOffer(
                school_year=offer.school_year.start_year,
                first_day=offer.first_day,
                last_day=offer.last_day,
                length_days=offer.length_days,
                label=clean_text(label),
            )
            session.add(row)
            session.flush()
            return row.id

    # ---- reads ----------------------------------------------------------------------------

    def subscription(self, subscription_id: int) -> SubscriptionRecord:
        with self.read(Permission.VIEW_BILLING) as session:
            return subscription_record(*self._load(session, subscription_id))

    def current_for_student(self, student_id: int) -> SubscriptionRecord | None:
        """The child's live subscription, else the latest one (ended or MINIMALNI)."""
        with self.read(Permission.VIEW_BILLING) as session:
            sub_id = current_subscription_id(session, student_id)
            return None if sub_id is None else subscription_record(*self._load(session, sub_id))

    @staticmethod
    def _load(session: Session, subscription_id: int) -> tuple[Subscription, Trial | None]:
        sub = load_subscription(session, subscription_id)
        trial = session.scalar(select(Trial).where(Trial.subscription_id == sub.id))
        return sub, trial

    def table_rows(self, today: date | None = None) -> list[tuple]:
        """One tuple per subscription for the Billing tab (Core rows, newest first):
        (id, student_id, last, first, class, state, tier, payer, owed_cents, next_date, due).

        `owed_cents` is what is still unpaid on invoices not cancelled; `due` is True when a
        proposal waits for a person, an unpaid invoice is past its due date, or a letter waits
        to be printed."""
        today = today or self.today()
        with self.read(Permission.VIEW_BILLING) as session:
            subs = session.execute(
                select(
                    Subscription.id,
                    Subscription.student_id,
                    Student.last_name,
                    Student.first_name,
                    Student.class_name,
                    Subscription.state,
                    Subscription.tier,
                ).join(Student, Student.id == Subscription.student_id)
            ).all()
            payers = dict(
                session.execute(
                    select(
                        SubscriptionProfile.subscription_id,
                        SubscriptionProfile.first_name + " " + SubscriptionProfile.last_name,
                    ).where(SubscriptionProfile.is_payer.is_(True))
                ).all()
            )
            paid = paid_per_invoice(session)
            owed: dict[int, int] = {}
            overdue: set[int] = set()
            next_date: dict[int, date] = {}
            for inv_id, sub_id, amount, due_on in session.execute(
                select(
                    Invoice.id, Invoice.subscription_id, Invoice.amount_cents, Invoice.due_on
                ).where(Invoice.cancelled_on.is_(None))
            ):
                left = amount - paid.get(inv_id, 0)
                if left > 0:
                    owed[sub_id] = owed.get(sub_id, 0) + left
                    next_date[sub_id] = min(next_date.get(sub_id, due_on), due_on)
                    if due_on < today:
                        overdue.add(sub_id)
            waiting = set(
                session.scalars(
                    select(BillingProposal.subscription_id).where(
                        BillingProposal.status == ProposalStatus.OPEN
                    )
                )
            )
            unprinted = set(
                session.scalars(
                    select(BillingNotice.subscription_id).where(
                        BillingNotice.document_id.is_(None), BillingNotice.due_on <= today
                    )
                )
            )
            trial_ends = dict(session.execute(select(Trial.subscription_id, Trial.ends_on)).all())
        rows = []
        for sub_id, student_id, last, first, klass, state, tier in subs:
            when = next_date.get(sub_id)
            if state is _S.TRIAL:
                when = trial_ends.get(sub_id)
            rows.append(
                (
                    sub_id,
                    student_id,
                    last,
                    first,
                    klass or "",
                    state,
                    tier,
                    payers.get(sub_id, ""),
                    owed.get(sub_id, 0),
                    when,
                    sub_id in waiting or sub_id in overdue or sub_id in unprinted,
                )
            )
        rows.sort(key=lambda r: (r[2].casefold(), r[3].casefold(), -r[0]))
        return rows

    def money_history(self, subscription_id: int) -> list[MoneyLine]:
        """Invoices, fees, payments and refunds of a subscription, oldest first."""
        with self.read(Permission.VIEW_BILLING) as session:
            lines: list[MoneyLine] = []
            invoice_years: dict[int, SchoolYear] = {}
            for inv in session.scalars(
                select(Invoice).where(Invoice.subscription_id == subscription_id)
            ):
                year = invoice_years[inv.id] = SchoolYear(inv.school_year)
                kind = "fee" if inv.kind is InvoiceKind.FEE else "invoice"
                lines.append(
                    MoneyLine(
                        inv.issued_on, kind, inv.number, inv.amount_cents, inv.reference, year
                    )
                )
                if inv.cancelled_on is not None:
                    lines.append(
                        MoneyLine(inv.cancelled_on, "cancelled", inv.number, 0, inv.reference, year)
                    )
            for pay in session.scalars(
                select(Payment).where(Payment.subscription_id == subscription_id)
            ):
                text = pay.method.value + (
                    f" •••• {pay.card_last_four}" if pay.card_last_four else ""
                )
                lines.append(
                    MoneyLine(
                        pay.value_date,
                        "payment",
                        text,
                        pay.amount_cents,
                        pay.reference,
                        invoice_years.get(pay.invoice_id),
                        pay.method,
                    )
                )
            for ref in session.scalars(
                select(Refund).where(Refund.subscription_id == subscription_id)
            ):
                lines.append(
                    MoneyLine(
                        ref.decided_on,
                        "refund",
                        f"{ref.basis.value}: {ref.reason}",
                        ref.amount_cents,
                        "",
                        SchoolYear(ref.school_year),
                    )
                )
        order = {"invoice": 0, "fee": 0, "payment": 1, "refund": 2, "cancelled": 3}
        return sorted(lines, key=lambda line: (line.on, order[line.kind]))

    def open_invoices(self, subscription_id: int) -> list[tuple[int, str, str, int, int]]:
        """(invoice id, number, reference, amount, still owed) of the unpaid invoices."""
        with self.read(Permission.VIEW_BILLING) as session:
            paid = paid_per_invoice(session, Payment.subscription_id == subscription_id)
            out = []
            for inv in session.scalars(
                select(Invoice)
                .where(Invoice.subscription_id == subscription_id, Invoice.cancelled_on.is_(None))
                .order_by(Invoice.issued_on)
            ):
                left = inv.amount_cents - paid.get(inv.id, 0)
                if left > 0:
                    out.append((inv.id, inv.number, inv.reference, inv.amount_cents, left))
            return out

    def proposals(
        self, status: ProposalStatus | None = ProposalStatus.OPEN
    ) -> list[ProposalRecord]:
        """The "Due today" list: what waits for a person's decision (R67)."""
        with self.read(Permission.VIEW_BILLING) as session:
            stmt = (
                select(BillingProposal, Student.first_name, Student.last_name, Student.class_name)
                .join(Student, Student.id == BillingProposal.student_id)
                .order_by(BillingProposal.proposed_on, BillingProposal.id)
            )
            status = coerce_optional_enum(ProposalStatus, "status", status)
            if status is not None:
                stmt = stmt.where(BillingProposal.status == status)
            return [
                _proposal_record(p, f"{first} {last}", klass)
                for p, first, last, klass in session.execute(stmt)
            ]

    # ---- orders (R47, R74, R75, R41, R55, R14) --------------------------------------------

    def order(self, data: OrderInput) -> SubscriptionRecord:
        school = self._school()
        on = data.ordered_on or school.today()
        with self.write(Permission.EDIT_BILLING, reason="order") as session:
            settings = settings_row(session)
            _require_popolni(settings)
            student = _enrolled_student(session, data.student_id)
            _check_order_basics(data)
            _check_terms(session, data.terms_version_id, on)
            profiles = self._order_profiles(session, student, data, on)
            price = annual_price(load_prices(session), SchoolYear.of(on), Tier.POPOLNI, on)

            existing = live_subscriptions(session, student.id)
            current = next((s for s in existing if s.state is _S.TRIAL), None)
            if current is None and existing:
                raise ValidationError(
                    "subscription",
                    existing[0].state.value,
                    N_("{name} already has a POPOLNI subscription", name=student.full_name),
                )
            if current is None:
                current = session.scalar(
                    select(Subscription)
                    .where(
                        Subscription.student_id == student.id,
                        Subscription.state == _S.MINIMALNI,
                    )
                    .order_by(Subscription.id.desc())
                    .options(selectinload(Subscription.profiles))
                )
            if current is None:
                current = Subscription(
                    student_id=student.id,
                    state=_S.ORDERED,
                    tier=Tier.POPOLNI,
                    channel=data.channel,
                    child_first_name=student.first_name,
                    child_last_name=student.last_name,
                    school_name=school.name,
                )
                session.add(current)
            else:
                # B.VI(5): a trial (or a child back on MINIMALNI after one) orders as usual.
                current.state = apply_event(current.state, _E.ORDER_SUBMITTED)
                current.ends_on = None
                current.end_reason = ""
                obsolete_open_proposals(
                    session, current, [ProposalKind.TRIAL_TO_MINIMALNI], "ordered"
                )
                current.profiles.clear()
                session.flush()
            current.tier = Tier.POPOLNI
            current.ordered_by = data.ordered_by
            current.channel = data.channel
            current.communication_mode = data.communication_mode
            current.student_statement_15 = data.student_statement_15
            current.warranties_given = data.warranties_given
            current.free_alternative_disclosed = data.free_alternative_disclosed
            current.terms_version_id = data.terms_version_id
            current.submitted_at = clock.now()
            current.ordered_on = on
            current.child_first_name = student.first_name
            current.child_last_name = student.last_name
            current.class_name = student.class_name or ""
            current.school_name = school.name
            current.profiles.extend(profiles)
            session.flush()
            year = SchoolYear.of(on)
            policy = policy_for(year, load_policies(session))
            new_invoice(
                session,
                current,
                InvoiceKind.ANNUAL,
                year,
                price,
                on,
                add_days(on, policy.first_reminder1_after_days - 1),
                settings.reference_scheme,
            )
            return subscription_record(*self._load(session, current.id))

    def _order_profiles(
        self, session: Session, student: Student, data: OrderInput, on: date
    ) -> list[SubscriptionProfile]:
        ids = list(dict.fromkeys(data.guardian_ids))
        profiles: list[SubscriptionProfile] = []
        if data.ordered_by is OrderedBy.STUDENT:
            # R47: the 15+ statement is stored as given and checked against the roster.
            if not data.student_statement_15:
                raise ValidationError(
                    "student_statement_15",
                    False,
                    N_("a student who orders must state that they have reached 15"),  # R47
                )
            require_student_may_act_alone(student.birth_date, on)
            mobile = check_phone(data.student_mobile, "mobile")
            if not mobile:
                raise ValidationError(
                    "mobile",
                    data.student_mobile,
                    N_("the mobile number is required"),  # R75
                )
            profiles.append(
                SubscriptionProfile(
                    position=1,
                    guardian_id=None,
                    first_name=student.first_name,
                    last_name=student.last_name,
                    mobile=mobile,
                    email=check_email(data.student_email) or "",
                    is_payer=True,
                )
            )
        elif not ids:
            raise ValidationError(
                "guardians",
                "",
                # R47
                N_(
                    "choose the parent or guardian who orders (only they can order "
                    "for a child under 15)"
                ),
            )
        if len(ids) + len(profiles) > MAX_PROFILES:
            raise ValidationError(
                "guardians",
                len(ids),
                # R14
                Nn_(
                    "at most {n} parent or guardian profile",
                    "at most {n} parent or guardian profiles",
                    MAX_PROFILES,
                ),
            )
        linked = {
            link.guardian_id: link.guardian
            for link in session.scalars(
                select(StudentGuardian)
                .where(StudentGuardian.student_id == student.id)
                .options(selectinload(StudentGuardian.guardian))
            )
        }
        for guardian_id in ids:
            guardian = linked.get(guardian_id)
            if guardian is None:
                raise ValidationError(
                    "guardians",
                    guardian_id,
                    N_("is not linked to {name}", name=student.full_name),
                )
            for check in self.recipient_checks:  # R15/R48: no service for a restricted link
                check(student.id, guardian_id, on)
            if not guardian.phone:
                raise ValidationError(
                    "mobile",
                    guardian.full_name,
                    # R75
                    N_(
                        "the roster has no mobile number for {name}; it is required",
                        name=guardian.full_name,
                    ),
                )
            profiles.append(_guardian_profile(guardian, len(profiles) + 1))
        return profiles

    # ---- trials (R89–R91) -------------------------------------------------------------------

    def start_trial(
        self,
        student_id: int,
        started_by: OrderedBy,
        *,
        guardian_id: int | None = None,
        on: date | None = None,
        channel: OrderChannel = OrderChannel.ELECTRONIC,
    ) -> SubscriptionRecord:
        # R90: who starts the trial decides the age check; a plain string must not skip it.
        started_by = coerce_enum(OrderedBy, "started_by", started_by)
        channel = coerce_enum(OrderChannel, "channel", channel)
        school = self._school()
        on = on or school.today()
        with self.write(Permission.EDIT_BILLING, reason="trial") as session:
            _require_popolni(settings_row(session))
            student = _enrolled_student(session, student_id)
            if live_subscriptions(session, student.id):
                raise ValidationError(
                    "trial_start",
                    on,
                    N_("{name} already has a POPOLNI subscription", name=student.full_name),
                )
            offers = [
                (
                    o.id,
                    SpecialOffer(SchoolYear(o.school_year), o.first_day, o.last_day, o.length_days),
                )
                for o in session.scalars(
                    select(TrialOffer).where(TrialOffer.school_year == SchoolYear.of(on).start_year)
                )
            ]
            earlier = list(
                session.scalars(select(Trial.starts_on).where(Trial.student_id == student.id))
            )
            plan = plan_trial(
                on,
                earlier_trial_starts=earlier,
                offers=[o for _, o in offers],
                student_birth_date=student.birth_date if started_by is OrderedBy.STUDENT else None,
                policy=policy_for(SchoolYear.of(on), load_policies(session)),
            )
            offer_id = next((i for i, o in offers if o.covers(on)), None)
            sub = Subscription(
                student_id=student.id,
                state=_S.TRIAL,
                tier=Tier.POPOLNI,
                channel=channel,
                child_first_name=student.first_name,
                child_last_name=student.last_name,
                class_name=student.class_name or "",
                school_name=school.name,
            )
            if started_by is OrderedBy.GUARDIAN:
                guardian = _linked_guardian(session, student, guardian_id)
                for check in self.recipient_checks:
                    check(student.id, guardian.id, on)
                sub.profiles.append(_guardian_profile(guardian, 1))
            session.add(sub)
            session.flush()
            trial = Trial(
                subscription_id=sub.id,
                student_id=student.id,
                school_year=SchoolYear.of(on).start_year,
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                length_days=plan.length_days,
                offer_id=offer_id,
                started_by=started_by,
                guardian_id=guardian_id if started_by is OrderedBy.GUARDIAN else None,
            )
            session.add(trial)
            try:
                session.flush()
            except IntegrityError:  # another PC started a trial for this child meanwhile
                raise ValidationError(
                    "trial_start",
                    on,
                    N_("this child already had a trial this school year"),  # R89
                ) from None
            return subscription_record(sub, trial)

    # ---- payments (R65, R77, R79) ----------------------------------------------------------

    def record_payment(
        self, data: PaymentInput, subscription_id: int | None = None
    ) -> PaymentResult:
        """Record money received. The subscription is activated only once its invoice is paid
        in FULL (R79); a partial payment leaves it ORDERED (or RENEWAL_DUE); an overpayment is
        proposed as a refund for a person to confirm (R67)."""
        amount = data.amount_cents
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValidationError("amount", amount, N_("a payment is a positive amount"))
        method = coerce_enum(PaymentMethod, "method", data.method)
        # The reference is checked against the invoices, never stored as typed (R65).
        reference = (data.reference or "").replace(" ", "").upper()
        txn = check_no_card_data("processor_txn_id", data.processor_txn_id) or None
        last_four = check_card_last_four(method, data.card_last_four)
        payer_name = check_no_card_data("payer_name", data.payer_name)
        payer_address = check_no_card_data("payer_address", data.payer_address)
        note = check_no_card_data("note", data.note)
        if method is not PaymentMethod.TRANSFER and not txn:
            raise ValidationError(
                "processor_txn_id",
                "",
                N_("card and Flik payments need the processor's transaction id"),  # R77
            )
        with self.write(Permission.EDIT_BILLING, reason="payment") as session:
            invoice = self._payment_invoice(session, data, reference, subscription_id)
            if txn and session.scalar(select(Payment.id).where(Payment.processor_txn_id == txn)):
                raise ValidationError(  # R122
                    "processor_txn_id", txn, N_("this transaction is already recorded")
                )
            sub = session.get(Subscription, invoice.subscription_id)
            payment = Payment(
                subscription_id=sub.id,
                invoice_id=invoice.id,
                student_id=sub.student_id,
                method=method,
                amount_cents=amount,
                value_date=data.value_date,
                reference=invoice.reference,
                processor_txn_id=txn,
                card_last_four=last_four,
                payer_name=payer_name,
                payer_address=payer_address,
                note=note,
                recorded_by=self.actor.login,
            )
            session.add(payment)
            try:
                session.flush()
            except IntegrityError:  # the same transaction from another PC, a moment ago
                raise ValidationError(  # R122
                    "processor_txn_id", txn, N_("this transaction is already recorded")
                ) from None
            return self._settle(session, sub, invoice, payment)

    @staticmethod
    def _payment_invoice(
        session: Session, data: PaymentInput, reference: str, subscription_id: int | None
    ) -> Invoice:
        if data.invoice_id is not None:
            invoice = session.get(Invoice, data.invoice_id)
            if invoice is None:
                raise NotFound("invoice", data.invoice_id)
            return invoice
        if reference:
            invoice = session.scalar(select(Invoice).where(Invoice.reference == reference))
            if invoice is None:
                check_no_card_data("reference", data.reference)  # never echo a card number
                raise ValidationError(
                    "reference", data.reference, N_("no invoice has this reference")
                )
            return invoice
        if subscription_id is not None:
            # The oldest invoice still open: what a payer without a reference most likely meant.
            paid = paid_per_invoice(session, Payment.subscription_id == subscription_id)
            for invoice in session.scalars(
                select(Invoice)
                .where(Invoice.subscription_id == subscription_id)
                .order_by(Invoice.cancelled_on.is_not(None), Invoice.issued_on, Invoice.id)
            ):
                if paid.get(invoice.id, 0) < invoice.amount_cents:
                    return invoice
            raise ValidationError("reference", "", N_("this subscription has no unpaid invoice"))
        raise ValidationError(
            "reference", "", N_("give the payment reference or choose the invoice")
        )

    def _settle(
        self, session: Session, sub: Subscription, invoice: Invoice, payment: Payment
    ) -> PaymentResult:
        paid = paid_on_invoice(session, invoice.id)
        year = SchoolYear(invoice.school_year)
        # Money for an invoice that can no longer be settled (cancelled, subscription ended)
        # is all overpaid; otherwise R79 decides.
        settleable = invoice.cancelled_on is None and sub.state not in END_STATES
        if settleable:
            settlement = settle_payment(invoice.amount_cents, paid)
            overpaid = min(settlement.overpaid_cents, payment.amount_cents)
            outstanding = settlement.outstanding_cents
        else:
            overpaid, outstanding = payment.amount_cents, 0
        activated = False
        if (
            settleable
            and invoice.kind is InvoiceKind.ANNUAL
            and outstanding == 0
            and sub.state in (_S.ORDERED, _S.RENEWAL_DUE)
            and (sub.paid_school_year is None or year.start_year > sub.paid_school_year)
        ):
            sub.state = apply_event(sub.state, _E.PAID_IN_FULL)
            sub.paid_school_year = year.start_year
            if sub.activated_on is None:  # R88: P starts at the final activation
                sub.activated_on = max(payment.value_date, sub.ordered_on or payment.value_date)
            activated = True
            obsolete_open_proposals(
                session,
                sub,
                [ProposalKind.TERMINATE_NONPAYMENT, ProposalKind.LAPSE_UNPAID],
                "paid in full",
            )
        proposal_id = None
        if overpaid > 0:
            proposal = BillingProposal(
                subscription_id=sub.id,
                student_id=sub.student_id,
                kind=ProposalKind.REFUND,
                cycle=f"payment-{payment.id}",
                proposed_on=payment.value_date,
                school_year=year.start_year,
                amount_cents=overpaid,
                refund_basis=RefundBasis.OVERPAYMENT,
                reason=str(N_("overpayment on invoice {number}", number=invoice.number)),
            )
            session.add(proposal)
            session.flush()
            proposal_id = proposal.id
        return PaymentResult(
            payment.id, invoice.number, outstanding, overpaid, activated, sub.state, proposal_id
        )

    # ---- proposals (R67) --------------------------------------------------------------------

    def confirm(
        self, proposal_id: int, version: int, note: str = "", on: date | None = None
    ) -> ProposalRecord:
        """A person confirms what the app proposed; they are recorded as the decider (R67).
        A state change takes effect on its proposed day, or on the day of the decision if
        that is later: nothing is ended retroactively."""
        today = on or self.today()
        with self.write(Permission.EDIT_BILLING, reason="confirm proposal") as session:
            proposal = self._open_proposal(session, proposal_id, version)
            sub = session.get(Subscription, proposal.subscription_id)
            if proposal.kind in _ENDINGS:
                event, reason = _ENDINGS[proposal.kind]
                proposal.effective_on = max(proposal.effective_on or today, today)
                end_subscription(session, sub, event, proposal.effective_on, reason)
                if proposal.kind is ProposalKind.TERMINATE_NONPAYMENT:  # R103: D12 goes out
                    session.add(
                        BillingNotice(
                            subscription_id=sub.id,
                            student_id=sub.student_id,
                            kind=NoticeKind.TERMINATION_NOTICE,
                            cycle=proposal.cycle,
                            due_on=today,
                        )
                    )
            elif proposal.kind is ProposalKind.CHARGE_FEE:
                self._charge_fee(session, sub, today, proposal.amount_cents)
            elif proposal.kind is ProposalKind.REFUND:
                self.add_refund(
                    session,
                    sub,
                    SchoolYear(proposal.school_year),
                    proposal.refund_basis or RefundBasis.DISCRETIONARY,
                    proposal.amount_cents or 0,
                    proposal.reason,
                    today,
                    proposal_id=proposal.id,
                )
            self._decide(proposal, ProposalStatus.CONFIRMED, clean_text(note))
            return self._decided_record(session, proposal)

    def reject(self, proposal_id: int, version: int, note: str) -> ProposalRecord:
        note = clean_text(note)
        if not note:
            raise ValidationError("note", note, N_("say why the proposal is rejected"))
        with self.write(Permission.EDIT_BILLING, reason="reject proposal") as session:
            proposal = self._open_proposal(session, proposal_id, version)
            self._decide(proposal, ProposalStatus.REJECTED, note)
            return self._decided_record(session, proposal)

    def _decide(self, proposal: BillingProposal, status: ProposalStatus, note: str = "") -> None:
        """R67: the acting person is recorded as the one who decided."""
        proposal.status = status
        proposal.decided_by = self.actor.login
        proposal.decided_at = clock.now()
        proposal.decision_note = note

    @staticmethod
    def _open_proposal(session: Session, proposal_id: int, version: int) -> BillingProposal:
        proposal = session.get(BillingProposal, proposal_id)
        if proposal is None:
            raise NotFound("proposal", proposal_id)
        ensure_version(proposal, version, "proposal")
        if proposal.status is not ProposalStatus.OPEN:
            raise InvalidTransition(
                "proposal",
                proposal.status.value,
                "decide",
                N_("{who} already closed it", who=proposal.decided_by)
                if proposal.decided_by
                else N_("the proposal is already closed"),
            )
        return proposal

    @staticmethod
    def _decided_record(session: Session, p: BillingProposal) -> ProposalRecord:
        session.flush()  # the new version
        student = session.get(Student, p.student_id)
        return _proposal_record(p, student.full_name, student.class_name)

    # ---- the reminder fee (R81) -------------------------------------------------------------

    def reminder_fee_cents(self, subscription_id: int, on: date | None = None) -> int:
        """What `charge_fee` would charge: the fee configured for the year (R81)."""
        on = on or self.today()
        with self.read(Permission.VIEW_BILLING) as session:
            sub = _subscription(session, subscription_id)
            return policy_for(_fee_year(sub, on), load_policies(session)).reminder_fee_gross_cents

    def charge_fee(self, subscription_id: int, on: date | None = None) -> int:
        """The optional fee (5 € as proposed) after a termination for non-payment; a person
        decides (R67, R81)."""
        on = on or self.today()
        with self.write(Permission.EDIT_BILLING, reason="reminder fee") as session:
            sub = _subscription(session, subscription_id)
            invoice = self._charge_fee(session, sub, on, None)
            for proposal in session.scalars(
                select(BillingProposal).where(
                    BillingProposal.subscription_id == sub.id,
                    BillingProposal.kind == ProposalKind.CHARGE_FEE,
                    BillingProposal.status == ProposalStatus.OPEN,
                )
            ):
                self._decide(proposal, ProposalStatus.CONFIRMED)
            return invoice.id

    @staticmethod
    def _charge_fee(
        session: Session, sub: Subscription, on: date, amount_cents: int | None
    ) -> Invoice:
        year = _fee_year(sub, on)
        policy = policy_for(year, load_policies(session))
        already = session.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(
                Invoice.subscription_id == sub.id,
                Invoice.school_year == year.start_year,
                Invoice.kind == InvoiceKind.FEE,
            )
        )
        split = reminder_fee(sub.state, on, already, policy)
        settings = settings_row(session)
        return new_invoice(
            session,
            sub,
            InvoiceKind.FEE,
            year,
            amount_cents or split.gross_cents,
            on,
            add_days(on, 15),
            settings.reference_scheme,
        )

    # ---- refunds (R83–R88) --------------------------------------------------------------------

    def refund(
        self,
        subscription_id: int,
        basis: RefundBasis,
        reason: str,
        *,
        amount_cents: int | None = None,
        outage: Outage | None = None,
        school_year: SchoolYear | None = None,
        on: date | None = None,
    ) -> RefundResult:
        """A refund decided by the acting person (the approver, R67), only where the rules
        allow one: R83 outage, R84 school withdrawal (R88 formula), R87 discretionary after the
        other endings; never after the subscriber's own cancellation (R86)."""
        reason = clean_text(reason)
        if not reason:
            raise ValidationError("reason", reason, N_("every refund needs a reason"))  # R67
        basis = coerce_enum(RefundBasis, "basis", basis)
        on = on or self.today()
        with self.write(Permission.EDIT_BILLING, reason="refund") as session:
            sub = _subscription(session, subscription_id)
            year = school_year or (
                SchoolYear(sub.paid_school_year) if sub.paid_school_year else SchoolYear.of(on)
            )
            if basis is RefundBasis.OVERPAYMENT or basis is RefundBasis.TERMS_WITHDRAWAL:
                raise ValidationError(
                    "basis",
                    basis.value,
                    N_(
                        "overpayments are refunded through their proposal and "
                        "terms withdrawals through the withdrawal letter"
                    ),
                )
            calc = None
            if basis is RefundBasis.OUTAGE:
                if outage is None:
                    raise ValidationError("outage", None, N_("give the outage's days and cause"))
                if sub.activated_on is None:
                    raise ValidationError(
                        "basis", basis.value, N_("the subscription was never active")
                    )
                if not outage.qualifies:
                    raise ValidationError(
                        "outage",
                        f"{outage.days} days",
                        # R83
                        N_(
                            "no refund: this needs an outage of more than 30 consecutive days "
                            "caused by the provider, with events missed"
                        ),
                    )
                paid, refunded = self._year_money(session, sub, year)
                calc = refund_for_outage(paid, year, sub.activated_on, outage, refunded)
                amount = calc.refund_cents
            elif basis is RefundBasis.SCHOOL_WITHDREW:
                if sub.state is not _S.ENDED_SCHOOL_WITHDREW or sub.ends_on is None:
                    raise ValidationError(
                        "basis",
                        basis.value,
                        N_("only after the school withdrew from POPOLNI"),  # R84
                    )
                if session.scalar(
                    select(Refund.id).where(
                        Refund.subscription_id == sub.id,
                        Refund.school_year == year.start_year,
                        Refund.basis == basis,
                    )
                ):
                    raise ValidationError(
                        "basis",
                        basis.value,
                        # R84
                        N_(
                            "the refund for the school's withdrawal in the school year {year} "
                            "was already made",
                            year=str(year),
                        ),
                    )
                calc = self.switch_off_refund(session, sub, year, sub.ends_on)
                amount = calc.refund_cents
            else:
                if sub.state not in END_STATES and sub.state is not _S.MINIMALNI:
                    raise ValidationError(
                        "basis",
                        sub.state.value,
                        N_("a discretionary refund follows an ending"),  # R87
                    )
                policy = refund_policy(sub.state)
                if policy is RefundPolicy.NONE:
                    raise ValidationError(
                        "basis",
                        sub.state.value,
                        # R86
                        N_("the subscriber cancelled: costs already paid are not refunded"),
                    )
                if policy is RefundPolicy.PROPORTIONAL:
                    raise ValidationError(
                        "basis",
                        sub.state.value,
                        N_("this ending has its own proportional refund"),  # R84, R85, R88
                    )
                if amount_cents is None:
                    raise ValidationError("amount", None, N_("give the amount to refund"))
                amount = amount_cents
            if amount <= 0:
                raise ValidationError("amount", amount, N_("there is nothing to refund"))
            refund = self.add_refund(session, sub, year, basis, amount, reason, on, calc=calc)
            return RefundResult(refund.id, refund.amount_cents, calc)

    def switch_off_refund(
        self, session: Session, sub: Subscription, year: SchoolYear, switch_off: date
    ) -> RefundCalculation:
        """R84/R85 via R88, inside the caller's transaction."""
        paid, refunded = self._year_money(session, sub, year)
        if sub.activated_on is None or sub.paid_school_year is None:
            # Never finally activated: nothing was provided, so whatever was paid is lost in
            # full (R88 has no paid period without activation).
            return RefundCalculation(
                switch_off, year.last_day, 0, 0, paid, refunded, max(0, paid - refunded), False
            )
        activated = max(sub.activated_on, year.first_day)
        return refund_after_switch_off(paid, year, activated, switch_off, refunded)

    @staticmethod
    def _year_money(session: Session, sub: Subscription, year: SchoolYear) -> tuple[int, int]:
        """R88: the annual price paid for `year` (never the fee, never an overpayment) and
        what was already refunded against it."""
        invoice = session.scalar(
            select(Invoice).where(
                Invoice.subscription_id == sub.id,
                Invoice.school_year == year.start_year,
                Invoice.kind == InvoiceKind.ANNUAL,
            )
        )
        if invoice is None:
            return 0, 0
        paid = min(paid_on_invoice(session, invoice.id), invoice.amount_cents)
        refunded = session.scalar(
            select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
                Refund.subscription_id == sub.id,
                Refund.school_year == year.start_year,
                Refund.basis != RefundBasis.OVERPAYMENT,
            )
        )
        return paid, refunded

    def add_refund(
        self,
        session: Session,
        sub: Subscription,
        year: SchoolYear,
        basis: RefundBasis,
        amount: int,
        reason: str,
        on: date,
        *,
        calc: RefundCalculation | None = None,
        proposal_id: int | None = None,
        letter_id: int | None = None,
    ) -> Refund:
        # Whatever the basis: never more than was paid that year minus what went back (R88).
        paid_total = session.scalar(
            select(func.coalesce(func.sum(Payment.amount_cents), 0))
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(Payment.subscription_id == sub.id, Invoice.school_year == year.start_year)
        )
        refunded_total = session.scalar(
            select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
                Refund.subscription_id == sub.id, Refund.school_year == year.start_year
            )
        )
        room = paid_total - refunded_total
        if amount > room:
            raise ValidationError(
                "amount",
                amount,
                # R88
                N_(
                    "at most {room} can be refunded for the school year {year}: paid {paid}, "
                    "already refunded {refunded}",
                    room=Money(room),
                    year=str(year),
                    paid=Money(paid_total),
                    refunded=Money(refunded_total),
                ),
            )
        refund = Refund(
            subscription_id=sub.id,
            student_id=sub.student_id,
            school_year=year.start_year,
            basis=basis,
            amount_cents=amount,
            decided_on=on,
            reason=reason,
            approved_by=self.actor.login,
            proposal_id=proposal_id,
            letter_id=letter_id,
        )
        if calc is not None and calc.period_days:
            refund.period_first = calc.period_first
            refund.period_last = calc.period_last
            refund.period_days = calc.period_days
            refund.lost_days = calc.lost_days
            refund.paid_cents = calc.paid_cents
            refund.already_refunded_cents = calc.already_refunded_cents
        session.add(refund)
        session.flush()
        return refund

    # ---- endings from other areas (R13, R15, R48) and the school (R84, R92) -------------------
    #
    # These run in the office's transaction (roster, consent). The office sees subscription
    # status, not payer data (R121), and on a provisioned PostgreSQL database the server holds
    # it to that (desktop.db.access): so the subscriptions are loaded without the profiles'
    # contact columns, and the money side of the ending (settle_ending: unpaid invoices,
    # open proposals) is done here only for a colleague who also has the billing role. For
    # anyone else it is left to billing's next daily run (job "settle-endings"), which calls
    # the same settle_ending: one set of rules, whoever ends the subscription.

    def _ending_from_elsewhere(self, session: Session, student_id: int) -> list[Subscription]:
        return list(
            session.scalars(
                select(Subscription)
                .where(Subscription.student_id == student_id, Subscription.state.in_(LIVE_STATES))
                .options(
                    selectinload(Subscription.profiles).options(
                        *(defer(getattr(SubscriptionProfile, c)) for c in PROFILE_CONTACT_COLUMNS)
                    )
                )
            )
        )

    def _settles(self) -> bool:
        return self.actor.can(Permission.EDIT_BILLING)

    def on_student_leaving(self, session: Session, student: Student, left_on: date) -> None:
        """R13: leaving or graduating ends every subscription of the child, in the roster's
        leaving transaction. The last day of attendance is the last day of service; no
        automatic refund (R87)."""
        for sub in self._ending_from_elsewhere(session, student.id):
            end_subscription(
                session,
                sub,
                _E.LEFT_SCHOOL,
                add_days(left_on, 1),
                # stored in English; the UI shows it translated (desktop.ui.text.stored_text)
                str(N_("left the school on {date}", date=left_on.isoformat()))
                if student.status is StudentStatus.LEFT
                else str(N_("graduated on {date}", date=left_on.isoformat())),
                settle=self._settles(),
            )

    def on_restriction(self, session: Session, student_id: int, guardian_id: int, on: date):
        """R15: an authority's restriction on a guardian's link, in the roster's transaction.

        If that guardian is the subscriber (the payer), the subscription ends at once; if they
        hold the other profile, only their profile ends (the subscription changes). No
        automatic refund (R87); notice D8 is the consent/roster area's letter."""
        for sub in self._ending_from_elsewhere(session, student_id):
            mine = [p for p in sub.profiles if p.guardian_id == guardian_id and p.active]
            if not mine:
                continue
            if any(p.is_payer for p in mine):
                end_subscription(
                    session,
                    sub,
                    _E.AUTHORITY_RESTRICTION,
                    on,
                    N_("authority restriction on the subscriber's contact"),
                    settle=self._settles(),
                )
            for profile in mine:
                profile.active = False
                profile.unsubscribed_on = on
                profile.end_reason = N_("authority restriction")

    def end_for_prohibition(self, session: Session, student_id: int, on: date) -> int:
        """R48: an adult student's prohibition letter received on `on` ends every subscription
        of that student on the day after (R48(b), mirroring R98). Call it inside the
        transaction that registers the letter. Returns how many subscriptions ended."""
        ended = 0
        for sub in self._ending_from_elsewhere(session, student_id):
            end_subscription(
                session,
                sub,
                _E.ADULT_PROHIBITION,
                add_days(on, 1),
                str(N_("adult student's prohibition received on {date}", date=on.isoformat())),
                settle=self._settles(),
            )
            ended += 1
        return ended

    def end_by_provider(
        self,
        subscription_id: int,
        version: int,
        event: SubscriptionEvent,
        reason: str,
        on: date | None = None,
    ) -> SubscriptionRecord:
        """R84 (the school withdrew from POPOLNI) or R92 (disabled for a breach of terms): a
        person's decision with its reason, effective the next day."""
        if event not in (_E.SCHOOL_WITHDREW, _E.BREACH):
            raise ValidationError("event", event, N_("only a school withdrawal or a breach"))
        reason = clean_text(reason)
        if not reason:
            raise ValidationError("reason", reason, N_("say why"))
        on = on or self.today()
        with self.write(Permission.EDIT_BILLING, reason=reason) as session:
            sub, trial = self._load(session, subscription_id)
            ensure_version(sub, version, "subscription")
            end_subscription(session, sub, event, add_days(on, 1), reason)
            session.flush()
            return subscription_record(sub, trial)


def _proposal_record(p: BillingProposal, child_name: str, class_name: str | None) -> ProposalRecord:
    return ProposalRecord(
        p.id,
        p.version,
        p.subscription_id,
        p.student_id,
        child_name,
        class_name or "",
        p.kind,
        p.status,
        p.proposed_on,
        p.effective_on,
        SchoolYear(p.school_year) if p.school_year is not None else None,
        p.amount_cents,
        p.refund_basis,
        p.reason,
        p.decided_by,
    )


# ---- validation helpers ----------------------------------------------------------------------


def _require_popolni(settings: BillingSettings) -> None:
    if not settings.popolni_enabled:
        raise ValidationError(
            "popolni_enabled",
            False,
            # R74
            N_(
                "this school has not enabled mojAsistent POPOLNI; no order or trial can be recorded"
            ),
        )


def _enrolled_student(session: Session, student_id: int) -> Student:
    student = session.get(Student, student_id)
    if student is None:
        raise NotFound("student", student_id)
    if student.status is not StudentStatus.ENROLLED:
        raise ValidationError(
            "status",
            student.status.value,
            N_("{name} is not enrolled", name=student.full_name),  # R13
        )
    return student


def _subscription(session: Session, subscription_id: int) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        raise NotFound("subscription", subscription_id)
    return sub


def _fee_year(sub: Subscription, on: date) -> SchoolYear:
    """R81: the fee belongs to the school year in which the subscription was terminated."""
    return SchoolYear.of(sub.ends_on or on)


def _guardian_profile(guardian: Guardian, position: int) -> SubscriptionProfile:
    """The guardian's profile as the roster has it now (R75); the first one pays."""
    return SubscriptionProfile(
        position=position,
        guardian_id=guardian.id,
        first_name=guardian.first_name,
        last_name=guardian.last_name,
        mobile=guardian.phone or "",
        email=guardian.email or "",
        is_payer=position == 1,
    )


def _linked_guardian(session: Session, student: Student, guardian_id: int | None) -> Guardian:
    link = session.scalar(
        select(StudentGuardian).where(
            StudentGuardian.student_id == student.id, StudentGuardian.guardian_id == guardian_id
        )
    )
    if link is None:
        raise ValidationError(
            "guardians", guardian_id, N_("is not linked to {name}", name=student.full_name)
        )
    return session.get(Guardian, guardian_id)


def _check_terms(session: Session, terms_version_id: int | None, on: date) -> None:
    """R44: an order accepts a published terms version (the commitment to pay included)."""
    if terms_version_id is None:
        raise ValidationError(
            "terms_version_id",
            None,
            N_("the order needs the terms version that was accepted"),  # R44
        )
    version = session.get(TermsVersion, terms_version_id)
    if version is None or version.published_on is None or version.published_on > on:
        raise ValidationError(
            "terms_version_id",
            terms_version_id,
            N_("is not a terms version published by {date}", date=on),  # R49
        )


def _check_order_basics(data: OrderInput) -> None:
    if not data.warranties_given:
        raise ValidationError(
            "warranties_given",
            False,
            # R41
            N_(
                "the person ordering must confirm that the data are correct and that the phone "
                "and e-mail are their own"
            ),
        )
    if not data.free_alternative_disclosed:
        raise ValidationError(
            "free_alternative_disclosed",
            False,
            # R55
            N_(
                "tell the person ordering that POPOLNI is optional and the same information is "
                "free through other routes before saving the order"
            ),
        )


def _clean_settings(record: BillingSettingsRecord) -> dict[str, object]:
    from stdnum import bic as stdnum_bic

    name = clean_text(record.entity_name)
    if not name:
        raise ValidationError(
            "entity_name", record.entity_name, N_("the billing entity needs a name")
        )
    iban = clean_text(record.iban)
    if iban:
        iban = validate_iban(iban)
    bic = clean_text(record.bic).upper()
    if bic and not stdnum_bic.is_valid(bic):
        raise ValidationError("bic", record.bic, N_("is not a valid BIC"))
    code = validate_purpose_code(clean_text(record.upn_purpose_code))
    country = clean_text(record.entity_country).upper()[:2] or "SI"
    vat_id = clean_text(record.entity_vat_id)
    vat_id = validate_vat_id(vat_id, country) if vat_id else ""
    registry = clean_text(record.entity_registry_code)
    registry = validate_registry_code(registry, country) if registry else ""
    return {
        "popolni_enabled": bool(record.popolni_enabled),
        "entity_name": name,
        "entity_street": clean_text(record.entity_street),
        "entity_postal_code": clean_text(record.entity_postal_code),
        "entity_city": clean_text(record.entity_city),
        "entity_country": country,
        "entity_registry_code": registry,
        "entity_vat_id": vat_id,
        "entity_email": check_email(record.entity_email, "entity_email") or "",
        "entity_phone": clean_text(record.entity_phone),
        "entity_website": clean_text(record.entity_website),
        "iban": iban,
        "bic": bic,
        "bank_name": clean_text(record.bank_name),
        "reference_scheme": ReferenceScheme(record.reference_scheme),
        "upn_purpose_code": code,
    }
