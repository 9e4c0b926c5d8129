"""How a subscription ends (R76) and what an ending does to its money: at a person's decision
(proposals), from the school or the provider (R84, R92), and as a cascade from other areas
(leaving R13, an authority's restriction R15, an adult student's prohibition R48).

The cascades run in the office's transaction (roster, consent), without a role check: the
person who recorded the cause is the one acting. The office sees subscription status, not payer
data (R121), and on a provisioned PostgreSQL database the server holds it to that
(desktop.db.access): so the subscriptions are loaded without the profiles' contact columns, and
the money side of the ending (settle_ending: unpaid invoices, open proposals) is done here only
for a colleague who also has the billing role. For anyone else it is left to billing's next
daily run (job "settle-endings"), which calls the same settle_ending: one set of rules, whoever
ends the subscription.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.db.models import BillingProposal, Invoice, Payment, Student, Subscription
from desktop.domain.billing.records import InvoiceKind, ProposalKind, ProposalStatus
from desktop.domain.billing.states import (
    END_STATES,
    SubscriptionEvent,
    SubscriptionState,
    Tier,
    apply_event,
)
from desktop.domain.dates import add_days
from desktop.domain.errors import ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import ensure_version
from desktop.services.billing.ledger import obsolete_open_proposals, paid_per_invoice
from desktop.services.billing.part import BillingPart
from desktop.services.billing.subscriptions import (
    SubscriptionRecord,
    live_subscriptions,
    load_record,
    load_subscription,
)

# The proposals that end a subscription when confirmed (R67): the event and the reason. An
# ending or a full payment makes the open ones pointless.
ENDING_PROPOSALS = {
    ProposalKind.TERMINATE_NONPAYMENT: (
        SubscriptionEvent.RENEWAL_UNPAID,
        N_("not paid after the second reminder"),
    ),
    ProposalKind.LAPSE_UNPAID: (SubscriptionEvent.FIRST_ORDER_UNPAID, N_("first order not paid")),
    ProposalKind.TRIAL_TO_MINIMALNI: (SubscriptionEvent.TRIAL_EXPIRED, N_("trial ended")),
}


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
_NONPAYMENT_END = SubscriptionState.TERMINATED_NONPAYMENT


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
    kinds = [*ENDING_PROPOSALS, *(() if keep_fee else (ProposalKind.CHARGE_FEE,))]
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
            BillingProposal.kind.in_(list(ENDING_PROPOSALS)) | fee,
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


class Endings(BillingPart):
    """The endings decided by the school or the provider, and those from other areas."""

    def _settles(self) -> bool:
        return self.actor.can(Permission.EDIT_BILLING)

    def on_student_leaving(self, session: Session, student: Student, left_on: date) -> None:
        """R13: leaving or graduating ends every subscription of the child, in the roster's
        leaving transaction. The last day of attendance is the last day of service; no
        automatic refund (R87)."""
        for sub in live_subscriptions(session, student.id, contacts=False):
            end_subscription(
                session,
                sub,
                SubscriptionEvent.LEFT_SCHOOL,
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
        for sub in live_subscriptions(session, student_id, contacts=False):
            mine = [p for p in sub.profiles if p.guardian_id == guardian_id and p.active]
            if not mine:
                continue
            if any(p.is_payer for p in mine):
                end_subscription(
                    session,
                    sub,
                    SubscriptionEvent.AUTHORITY_RESTRICTION,
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
        for sub in live_subscriptions(session, student_id, contacts=False):
            end_subscription(
                session,
                sub,
                SubscriptionEvent.ADULT_PROHIBITION,
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
        if event not in (SubscriptionEvent.SCHOOL_WITHDREW, SubscriptionEvent.BREACH):
            raise ValidationError("event", event, N_("only a school withdrawal or a breach"))
        reason = clean_text(reason)
        if not reason:
            raise ValidationError("reason", reason, N_("say why"))
        on = on or self.today()
        with self.write(Permission.EDIT_BILLING, reason=reason) as session:
            sub = load_subscription(session, subscription_id)
            ensure_version(sub, version, "subscription")
            end_subscription(session, sub, event, add_days(on, 1), reason)
            session.flush()
            return load_record(session, sub.id)
