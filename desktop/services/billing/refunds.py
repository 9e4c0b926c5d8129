"""Refunds (R83–R88): an outage, the school's withdrawal, a discretionary refund after an
ending, and the refund a confirmed overpayment proposal or a withdrawal letter makes. Never
more than was paid for the year, less what already went back (R88)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.db.models import Invoice, Payment, Refund, Subscription
from desktop.domain.billing.records import InvoiceKind, RefundBasis
from desktop.domain.billing.refunds import (
    Outage,
    RefundCalculation,
    refund_after_switch_off,
    refund_for_outage,
)
from desktop.domain.billing.states import END_STATES, RefundPolicy, SubscriptionState, refund_policy
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.i18n import N_, Money  # reasons are shown translated by the UI
from desktop.services.billing.ledger import paid_on_invoice
from desktop.services.billing.part import BillingPart
from desktop.services.billing.subscriptions import load_subscription


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    amount_cents: int
    calculation: RefundCalculation | None = None


class Refunds(BillingPart):
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
            sub = load_subscription(session, subscription_id)
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
                if sub.state is not SubscriptionState.ENDED_SCHOOL_WITHDREW or sub.ends_on is None:
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
                if sub.state not in END_STATES and sub.state is not SubscriptionState.MINIMALNI:
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
        return paid, _refunded(session, sub, year, Refund.basis != RefundBasis.OVERPAYMENT)

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
        refunded_total = _refunded(session, sub, year)
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


def _refunded(session: Session, sub: Subscription, year: SchoolYear, *where) -> int:
    """Cents refunded for the school year, among the refunds matching `where`."""
    return session.scalar(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            Refund.subscription_id == sub.id, Refund.school_year == year.start_year, *where
        )
    )
