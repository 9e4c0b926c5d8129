"""The demo subscriptions' stories: ACTIVE and paid, renewed, ordered and unpaid, trials, and
cancelled by letter. desktop.services.demo_billing picks a story for each child.
"""

from __future__ import annotations

from datetime import date, timedelta

from desktop.domain.billing.records import (
    OrderChannel,
    OrderedBy,
    PaymentMethod,
    ProposalKind,
    ProposalStatus,
    RefundBasis,
)
from desktop.domain.billing.states import SubscriptionEvent, SubscriptionState, apply_event
from desktop.domain.billing.trials import TrialPlan
from desktop.domain.dates import SchoolYear, add_days
from desktop.i18n import N_
from desktop.services.demo_billing_ledger import BillingLedger, Child

_S = SubscriptionState


class BillingStories(BillingLedger):
    """What happened to one subscribed child: each story records its events in the ledger."""

    def active(self, child: Child) -> None:
        """ACTIVE and paid for this year: renewed from last year, or ordered this year."""
        if self.rnd.random() < 0.55 and self.renewed(child):
            return
        self.new_paid(child)

    def new_paid(self, child: Child, overpaid: bool = False) -> dict | None:
        """Ordered this school year and paid in full (R79), a few days later at most."""
        latest = self.today - timedelta(days=1)
        if latest < self.year.first_day:  # 1 Sep: nobody has ordered this year yet
            return self.renewed(child, renew=True)
        # Room for the second transfer after the first, if there is any.
        ordered = self._day(self.year.first_day, latest - timedelta(days=12 if overpaid else 0))
        sub = self.order(child, ordered, child.class_name)
        if sub is None:
            return None
        invoice = self.invoice(sub, self.year, ordered, add_days(ordered, 14))
        paid_on = min(ordered + timedelta(days=self.rnd.randint(0, 10)), latest)
        self.pay(sub, invoice, invoice["amount_cents"], paid_on)
        self.activate(sub, self.year, paid_on)
        if overpaid and paid_on < latest:  # the same transfer twice (R79)
            again = self._day(paid_on + timedelta(days=1), latest)
            extra = self.pay(sub, invoice, invoice["amount_cents"], again, PaymentMethod.TRANSFER)
            self.proposals.append(
                {
                    "_sub": sub["_n"],
                    "_payment": extra["_n"],
                    "student_id": child.id,
                    "kind": ProposalKind.REFUND.value,
                    "status": ProposalStatus.OPEN.value,
                    "proposed_on": again,
                    "effective_on": None,
                    "school_year": self.year.start_year,
                    "amount_cents": invoice["amount_cents"],
                    "refund_basis": RefundBasis.OVERPAYMENT.value,
                    "reason": N_("overpayment on invoice {number}"),  # number: filled on insert
                    "decided_by": None,
                    "decided_at": None,
                    "decision_note": "",
                }
            )
        return sub

    def overpaid(self, child: Child) -> None:
        self.new_paid(child, overpaid=True)

    def renewed(self, child: Child, renew: bool = True, pay: bool = True) -> dict | None:
        """Ordered and paid last school year; this year's invitation came with its invoice
        on the renewal calendar (R81), paid within the month unless that is still ahead."""
        first = self.last_year.first_day + timedelta(days=5)
        if child.enrolled_on is None or child.enrolled_on > first:
            return None  # not at this school a year ago
        ordered = self._day(first, date(self.year.start_year, 5, 31))
        sub = self.order(child, ordered, _class_before(child.class_name))
        if sub is None:
            return None
        invoice = self.invoice(sub, self.last_year, ordered, add_days(ordered, 14))
        paid_on = ordered + timedelta(days=self.rnd.randint(0, 10))
        self.pay(sub, invoice, invoice["amount_cents"], paid_on)
        self.activate(sub, self.last_year, paid_on)
        if not renew:
            return sub
        cal = self.calendar
        invoice = self.invoice(sub, self.year, cal.invitation_on, cal.invitation_due)
        sub["state"] = apply_event(_S(sub["state"]), SubscriptionEvent.RENEWAL_INVITED).value
        paid_on = cal.invitation_on + timedelta(days=self.rnd.randint(0, 25))
        if pay and paid_on < self.today:
            self.pay(sub, invoice, invoice["amount_cents"], paid_on)
            self.activate(sub, self.year, paid_on)
        return sub

    def renewal_due(self, child: Child) -> None:
        """Invited to renew on 1 Sep and not paid yet (R81)."""
        if self.renewed(child, pay=False) is None:
            self.new_paid(child)

    def ordered(self, child: Child, partial: bool = False) -> None:
        """Ordered up to seven weeks ago and not (fully) paid: R80's reminders follow."""
        ordered = max(self.year.first_day, self.today - timedelta(days=self.rnd.randint(1, 50)))
        sub = self.order(child, ordered, child.class_name)
        if sub is None:
            return
        invoice = self.invoice(sub, self.year, ordered, add_days(ordered, 14))
        paid_on = ordered + timedelta(days=self.rnd.randint(0, 6))
        if partial and paid_on < self.today:  # R79: stays ORDERED until paid in full
            half = invoice["amount_cents"] // 2
            self.pay(sub, invoice, half, paid_on, PaymentMethod.TRANSFER)

    def trial(self, child: Child, starts: list[TrialPlan], confirmed: bool = False) -> None:
        """A free trial started by a guardian (R89, R90); an ended one a person switched to
        MINIMALNI (R91, R67), or one still waiting for that decision."""
        plans = [p for p in starts if child.enrolled_on is None or child.enrolled_on <= p.starts_on]
        if not plans:
            self.active(child)
            return
        plan = self.rnd.choice(plans)
        guardian = child.guardians[0]
        year = SchoolYear.of(plan.starts_on)
        sub = self.sub(
            child,
            _S.TRIAL,
            class_name=child.class_name if year == self.year else _class_before(child.class_name),
            channel=OrderChannel.ELECTRONIC,
        )
        self.profile(sub, guardian, payer=True)
        self.trials.append(
            {
                "_sub": sub["_n"],
                "student_id": child.id,
                "school_year": year.start_year,
                "starts_on": plan.starts_on,
                "ends_on": plan.ends_on,
                "length_days": plan.length_days,
                "offer_id": None,
                "started_by": OrderedBy.GUARDIAN.value,
                "guardian_id": guardian.id,
            }
        )
        if not confirmed:
            return
        # The daily job proposed the switch the day after the end; a person confirmed it.
        proposed = add_days(plan.ends_on, 1)
        decided = min(proposed + timedelta(days=self.rnd.randint(0, 3)), self.today)
        self.end(sub, SubscriptionEvent.TRIAL_EXPIRED, decided, "trial ended")
        self.proposals.append(
            {
                "_sub": sub["_n"],
                "_payment": None,
                "student_id": child.id,
                "kind": ProposalKind.TRIAL_TO_MINIMALNI.value,
                "status": ProposalStatus.CONFIRMED.value,
                "proposed_on": proposed,
                "effective_on": decided,
                "school_year": year.start_year,
                "amount_cents": None,
                "refund_basis": None,
                "reason": f"the trial ended on {plan.ends_on.isoformat()} without an order",
                "decided_by": self.login,
                "decided_at": self.at(decided),
                "decision_note": "",
            }
        )

    def cancelled_paid(self, child: Child) -> None:
        """Paid, then cancelled by a signed letter to the school (R95, R98); no refund (R86)."""
        sub = self.new_paid(child) if self.today - self.year.first_day > timedelta(10) else None
        if sub is None:
            sub = self.renewed(child, renew=False)
        if sub is None:
            return
        paid = max(p["value_date"] for p in sub["_payments"])
        last = (
            self.today - timedelta(days=1)
            if sub["paid_school_year"] == self.year.start_year
            else self.last_year.last_day - timedelta(days=1)
        )
        self.cancel(sub, self._day(min(paid + timedelta(days=3), last), last))

    def cancelled_unpaid(self, child: Child) -> None:
        """Ordered, then cancelled by letter before paying: the invoice is cancelled (R98)."""
        latest = self.today - timedelta(days=2)
        if latest < self.year.first_day:
            self.ordered(child)
            return
        ordered = self._day(max(self.year.first_day, self.today - timedelta(days=30)), latest)
        sub = self.order(child, ordered, child.class_name)
        if sub is None:
            return
        self.invoice(sub, self.year, ordered, add_days(ordered, 14))
        self.cancel(sub, self._day(ordered + timedelta(days=1), self.today - timedelta(days=1)))


def _class_before(class_name: str) -> str:
    """Last school year's class: '5.a' → '4.a' (the order keeps the class it was made in)."""
    grade, dot, rest = class_name.partition(".")
    return f"{int(grade) - 1}{dot}{rest}" if grade.isdigit() and int(grade) > 1 else class_name
