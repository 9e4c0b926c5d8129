"""POPOLNI billing for the Slovenian demo school, so the Billing tab has something to show
(RULES.md §6, §7: R72–R103).

POPOLNI is eŠola's Slovenian paid tier, so only an SI demo gets billing; an Estonian demo
leaves it off (the Billing tab then says the paid tier is not enabled). The school has
POPOLNI enabled (R74) with eŠola's account, a price for this and last school year (R78), and
about a quarter of the enrolled children have a subscription (R75, ordered by a guardian with
one or two guardian profiles, R14, R47):

- most ACTIVE and paid in full (R79): ordered this school year, or ordered last year and
  renewed on this year's invitation (R81); payments by transfer, card or Flik, against the
  invoice's reference, with the processor's transaction id and only a card's last four digits
  (R65, R77); one paid twice, so an overpayment refund waits for a decision (R67, R79);
- a few ORDERED and unpaid or partly paid, from a few days to seven weeks ago (R80), and,
  in September and October, a few RENEWAL_DUE (R81);
- trials (R89–R91) that fit the trial windows relative to today: running now, ended a few
  days ago and waiting for the switch to MINIMALNI, and older ones a person switched (R67);
  outside the windows only the older ones;
- two CANCELLED by a registered letter (R95, R96, R98), one paid and one not (its invoice
  cancelled).

Every row is what the billing services would have written for these events; `daily` has not
run yet, so its first run catches up: reminders, trial letters and proposals appear in
"Due today". Rows go in with bulk inserts and one audit entry for the whole seeding.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from stdnum import iban as stdnum_iban

from desktop.db.bulk import allocate_ids, bulk_insert
from desktop.db.models import (
    BillingPrice,
    BillingProposal,
    BillingSettings,
    CancellationLetter,
    Guardian,
    Invoice,
    Payment,
    School,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionProfile,
    TermsAcceptance,
    TermsDocument,
    TermsVersion,
    Trial,
)
from desktop.db.models.billing import DEFAULT_ENTITY
from desktop.db.session import Database, record_audit
from desktop.domain import clock
from desktop.domain.billing.cards import check_no_card_data
from desktop.domain.billing.letters import (
    GuardianContact,
    SubscriberData,
    cancellation_effective_date,
    check_letter_data,
)
from desktop.domain.billing.policy import policy_for
from desktop.domain.billing.records import (
    CommunicationMode,
    InvoiceKind,
    LetterChannel,
    LetterKind,
    OrderChannel,
    OrderedBy,
    PaymentMethod,
    ProposalKind,
    ProposalStatus,
    ReferenceScheme,
    RefundBasis,
    make_payment_reference,
)
from desktop.domain.billing.states import SubscriptionEvent, SubscriptionState, Tier, apply_event
from desktop.domain.billing.trials import TrialPlan, plan_trial, trial_length
from desktop.domain.billing.vat import split_vat, vat_rate_on
from desktop.domain.consent.terms import AcceptanceDecision
from desktop.domain.dates import SchoolYear, add_days, school_zone
from desktop.domain.roster import Country, StudentStatus
from desktop.i18n import N_
from desktop.services.base import Actor
from desktop.services.billing import invoice_number

_S = SubscriptionState

SUBSCRIBED = 0.25  # share of enrolled children with a subscription
PRICE_CENTS = 2000  # this school year's POPOLNI price (R78), as in R88's example
LAST_YEAR_PRICE_CENTS = 1900
TERMS_KEY = "SI-POPOLNI-TERMS"
# eŠola's account at a Slovenian bank (demo values with valid check digits).
BANK_ACCOUNT = "020100012345641"  # a valid Slovenian account: the national check digits 41
BANK = ("LJBASI2X", "Nova Ljubljanska banka d.d.")
METHODS = ((PaymentMethod.TRANSFER, 0.5), (PaymentMethod.CARD, 0.3), (PaymentMethod.FLIK, 0.2))


def seed_demo_billing(db: Database, actor: Actor, country: Country, today: date) -> int:
    """Enable POPOLNI and add the subscriptions; returns how many. Nothing for an EE school."""
    if country is not Country.SI:
        return 0
    with db.write(actor.login) as session:
        book = _Book(session, actor.login, today, random.Random(7))
        scheme = book.enable_popolni()
        book.set_prices()
        for student, story in book.cast():
            story(student)
        book.write(scheme)
        return len(book.subs)


class _Book:
    """The subscriptions' rows, built in memory and written with a few bulk inserts.

    Rows refer to each other by position ("_sub", "_invoice", "_payment") until the ids are
    allocated, so invoice numbers and references come from the real ids (R122)."""

    def __init__(self, session: Session, login: str, today: date, rnd: random.Random):
        self.session = session
        self.login = login
        self.today = today
        self.rnd = rnd
        self.year = SchoolYear.of(today)
        self.last_year = SchoolYear(self.year.start_year - 1)
        self.calendar = policy_for(self.year).renewal  # the R81 proposals: no year configured
        self.zone = school_zone(Country.SI.value)
        self.now = clock.now()
        self.stamp = {
            "version": 1,
            "created_at": self.now,
            "created_by": login,
            "updated_at": self.now,
            "updated_by": login,
        }
        self.school = session.scalar(select(School).order_by(School.id).limit(1))
        self.prices = {self.year: PRICE_CENTS, self.last_year: LAST_YEAR_PRICE_CENTS}
        self.terms = session.execute(
            select(TermsVersion.id, TermsVersion.published_on, TermsVersion.effective_from)
            .join(TermsDocument, TermsDocument.id == TermsVersion.document_id)
            .where(TermsDocument.key == TERMS_KEY, TermsVersion.published_on.is_not(None))
            .order_by(TermsVersion.published_on)
        ).all()
        self.subs: list[dict] = []
        self.trials: list[dict] = []
        self.invoices: list[dict] = []
        self.payments: list[dict] = []
        self.proposals: list[dict] = []
        self.letters: list[dict] = []
        self.txn_ids: set[str] = set()

    # ---- settings and prices (R73, R74, R77, R78) -------------------------------------------

    def enable_popolni(self) -> ReferenceScheme:
        row = self.session.scalar(select(BillingSettings).limit(1))
        if row is not None:  # a school that set billing up already keeps its settings
            self.session.execute(
                update(BillingSettings.__table__)
                .where(BillingSettings.__table__.c.id == row.id)
                .values(popolni_enabled=True)
            )
            return row.reference_scheme
        check = stdnum_iban.calc_check_digits(f"SI00{BANK_ACCOUNT}")
        self.session.execute(
            insert(BillingSettings.__table__),
            [
                {
                    **DEFAULT_ENTITY,
                    **self.stamp,
                    "school_id": self.school.id,
                    "popolni_enabled": True,
                    # Demo numbers with valid check digits; a school enters the provider's own.
                    "entity_registry_code": "1234579000",
                    "entity_vat_id": "SI12345679",
                    "entity_phone": "",
                    "entity_website": "www.easistent.com",
                    "iban": f"SI{check}{BANK_ACCOUNT}",
                    "bic": BANK[0],
                    "bank_name": BANK[1],
                    "reference_scheme": ReferenceScheme.SI12.value,
                    "upn_purpose_code": "SCVE",
                }
            ],
        )
        return ReferenceScheme.SI12

    def set_prices(self) -> None:
        have = set(
            self.session.execute(
                select(BillingPrice.school_year, BillingPrice.valid_from).where(
                    BillingPrice.tier == Tier.POPOLNI
                )
            ).all()
        )
        rows = [
            {
                "school_year": year.start_year,
                "tier": Tier.POPOLNI.value,
                "gross_cents": cents,
                "valid_from": year.first_day,
            }
            | self.stamp
            for year, cents in self.prices.items()
            if (year.start_year, year.first_day) not in have
        ]
        if rows:
            self.session.execute(insert(BillingPrice.__table__), rows)

    # ---- who subscribes, and how ------------------------------------------------------------

    def cast(self) -> list[tuple[_Child, object]]:
        """Children paired with their story: a few of each kind, the rest ACTIVE."""
        children = self._children()
        count = round(SUBSCRIBED * self._enrolled)
        self.rnd.shuffle(children)
        children.sort(key=lambda c: not c.accepted)  # stable: still shuffled within
        running = self._trial_starts(self.today - timedelta(days=29), self.today, ends=(0, 99))
        waiting = self._trial_starts(self.today - timedelta(days=40), self.today, ends=(-4, -1))
        past = self._trial_starts(self.today - timedelta(days=330), self.today, ends=(-999, -5))
        n_running = max(2, round(count * 0.04)) if running else 0
        n_waiting = 2 if waiting else 0
        n_past = 3 + (2 - n_waiting) + (max(2, round(count * 0.04)) - n_running)
        n_ordered = max(4, round(count * 0.08))
        in_renewal = self.calendar.invitation_on <= self.today <= self.calendar.reminder2_due
        stories = (
            [lambda c: self.trial(c, running)] * n_running
            + [lambda c: self.trial(c, waiting)] * n_waiting
            + [lambda c: self.trial(c, past, confirmed=True)] * n_past
            + [self.cancelled_paid, self.cancelled_unpaid, self.overpaid]
            + [lambda c: self.ordered(c, partial=True)] * (n_ordered // 3)
            + [self.ordered] * (n_ordered - n_ordered // 3)
            + [self.renewal_due] * (2 if in_renewal else 0)
        )
        stories += [self.active] * max(0, count - len(stories))
        return list(zip(children, stories[:count], strict=False))

    def _children(self) -> list[_Child]:
        """Enrolled children with a guardian who may order: a mobile (R75), and not one who
        declined the POPOLNI terms in the consent records. A guardian who accepted them comes
        first (the payer), and children with one come first (the subscribers)."""
        students = self.session.execute(
            select(
                Student.id,
                Student.first_name,
                Student.last_name,
                Student.class_name,
                Student.enrolled_on,
            )
            .where(Student.status == StudentStatus.ENROLLED)
            .order_by(Student.id)
        ).all()
        self._enrolled = len(students)
        decided = {
            (student_id, guardian_id): decision
            for student_id, guardian_id, decision in self.session.execute(
                select(
                    TermsAcceptance.student_id,
                    TermsAcceptance.guardian_id,
                    TermsAcceptance.decision,
                )
                .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
                .join(TermsDocument, TermsDocument.id == TermsVersion.document_id)
                .where(TermsDocument.key == TERMS_KEY, TermsAcceptance.guardian_id.is_not(None))
            )
        }
        guardians: dict[int, list] = {}
        for row in self.session.execute(
            select(
                StudentGuardian.student_id,
                Guardian.id,
                Guardian.first_name,
                Guardian.last_name,
                Guardian.phone,
                Guardian.email,
                Guardian.street,
                Guardian.postal_code,
                Guardian.city,
            )
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .order_by(StudentGuardian.primary_contact.desc(), StudentGuardian.id)
        ):
            decision = decided.get((row.student_id, row.id))
            if row.phone and decision is not AcceptanceDecision.DECLINED:
                guardians.setdefault(row.student_id, []).append(row)
        accepted = {s for (s, _g), d in decided.items() if d is AcceptanceDecision.ACCEPTED}
        for student_id, rows in guardians.items():
            rows.sort(key=lambda g, s=student_id: decided.get((s, g.id)) is None)
        return [_Child(s, guardians[s.id], s.id in accepted) for s in students if s.id in guardians]

    # ---- the stories ------------------------------------------------------------------------

    def active(self, child: _Child) -> None:
        """ACTIVE and paid for this year: renewed from last year, or ordered this year."""
        if self.rnd.random() < 0.55 and self.renewed(child):
            return
        self.new_paid(child)

    def new_paid(self, child: _Child, overpaid: bool = False) -> dict | None:
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

    def overpaid(self, child: _Child) -> None:
        self.new_paid(child, overpaid=True)

    def renewed(self, child: _Child, renew: bool = True, pay: bool = True) -> dict | None:
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

    def renewal_due(self, child: _Child) -> None:
        """Invited to renew on 1 Sep and not paid yet (R81)."""
        if self.renewed(child, pay=False) is None:
            self.new_paid(child)

    def ordered(self, child: _Child, partial: bool = False) -> None:
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

    def trial(self, child: _Child, starts: list[TrialPlan], confirmed: bool = False) -> None:
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

    def cancelled_paid(self, child: _Child) -> None:
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

    def cancelled_unpaid(self, child: _Child) -> None:
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

    # ---- the events, as the services record them --------------------------------------------

    def order(self, child: _Child, on: date, class_name: str) -> dict | None:
        """R75 with R41, R44, R55: the accepted terms version, warranties and the free
        alternative told; one or two guardian profiles, the first one pays (R14)."""
        terms = self._terms_on(on)
        if terms is None:
            return None
        payer = child.guardians[0]
        mode = self.rnd.choices(
            (CommunicationMode.SMS_AND_EMAIL, CommunicationMode.SMS, CommunicationMode.EMAIL),
            (5, 3, 2 if payer.email else 0),
        )[0]
        sub = self.sub(
            child,
            _S.ORDERED,
            class_name=class_name,
            channel=self.rnd.choices(
                (OrderChannel.ELECTRONIC, OrderChannel.AT_SCHOOL, OrderChannel.PORTAL), (16, 3, 1)
            )[0],
            ordered_by=OrderedBy.GUARDIAN.value,
            communication_mode=mode.value,
            warranties_given=True,
            free_alternative_disclosed=True,
            terms_version_id=terms,
            submitted_at=self.at(on),
            ordered_on=on,
        )
        self.profile(sub, payer, payer=True)
        if len(child.guardians) > 1 and self.rnd.random() < 0.4:
            self.profile(sub, child.guardians[1], payer=False)
        return sub

    def sub(self, child: _Child, state: SubscriptionState, **fields) -> dict:
        row = {
            "_n": len(self.subs),
            "_profiles": [],
            "_invoices": [],
            "_payments": [],
            "student_id": child.id,
            "state": state.value,
            "tier": Tier.POPOLNI.value,
            "ordered_by": None,
            "channel": OrderChannel.ELECTRONIC.value,
            "communication_mode": None,
            "student_statement_15": False,
            "warranties_given": False,
            "free_alternative_disclosed": False,
            "terms_version_id": None,
            "submitted_at": None,
            "ordered_on": None,
            "child_first_name": child.first_name,
            "child_last_name": child.last_name,
            "class_name": "",
            "school_name": self.school.name,
            "activated_on": None,
            "paid_school_year": None,
            "ends_on": None,
            "end_reason": "",
        }
        row.update({k: v.value if hasattr(v, "value") else v for k, v in fields.items()})
        self.subs.append(row)
        return row

    def profile(self, sub: dict, guardian, payer: bool) -> None:
        sub["_profiles"].append(
            {
                "_sub": sub["_n"],
                "position": len(sub["_profiles"]) + 1,
                "guardian_id": guardian.id,
                "first_name": guardian.first_name,
                "last_name": guardian.last_name,
                "mobile": guardian.phone,
                "email": guardian.email or "",
                "is_payer": payer,
                "active": True,
                "unsubscribed_on": None,
                "end_reason": "",
                "_address": f"{guardian.street}, {guardian.postal_code} {guardian.city}",
            }
        )

    def invoice(self, sub: dict, year: SchoolYear, issued: date, due: date) -> dict:
        """R78: the year's full price, gross, with the VAT in force on the issue day (R5)."""
        gross = self.prices[year]
        split = split_vat(gross, vat_rate_on(issued))
        row = {
            "_n": len(self.invoices),
            "_sub": sub["_n"],
            "student_id": sub["student_id"],
            "school_year": year.start_year,
            "kind": InvoiceKind.ANNUAL.value,
            "issued_on": issued,
            "due_on": due,
            "amount_cents": gross,
            "net_cents": split.net_cents,
            "vat_cents": split.vat_cents,
            "vat_rate_bp": split.rate_basis_points,
            "cancelled_on": None,
        }
        self.invoices.append(row)
        sub["_invoices"].append(row)
        return row

    def pay(
        self,
        sub: dict,
        invoice: dict,
        cents: int,
        on: date,
        method: PaymentMethod | None = None,
    ) -> dict:
        """R77 against the invoice's reference; R65: a card payment keeps only the
        processor's transaction id and the last four digits."""
        if method is None:
            method = self.rnd.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
        payer = next(p for p in sub["_profiles"] if p["is_payer"])
        txn = None
        if method is not PaymentMethod.TRANSFER:
            txn = self._txn_id("BKT" if method is PaymentMethod.CARD else "FLIK", on)
        row = {
            "_n": len(self.payments),
            "_sub": sub["_n"],
            "_invoice": invoice["_n"],
            "student_id": sub["student_id"],
            "method": method.value,
            "amount_cents": cents,
            "value_date": on,
            "processor_txn_id": txn,
            "card_last_four": f"{self.rnd.randrange(10000):04d}"
            if method is PaymentMethod.CARD
            else None,
            "payer_name": f"{payer['first_name']} {payer['last_name']}",
            "payer_address": payer["_address"] if method is PaymentMethod.TRANSFER else "",
            "note": "",
            # Statements arrive the next working morning; cards and Flik are seen at once.
            "recorded_at": self.at(on + timedelta(days=1 if txn is None else 0)),
            "recorded_by": self.login,
        }
        self.payments.append(row)
        sub["_payments"].append(row)
        return row

    def activate(self, sub: dict, year: SchoolYear, paid_on: date) -> None:
        """R79: paid in full, the subscription is (again) ACTIVE; P starts at the first
        activation (R88)."""
        sub["state"] = apply_event(_S(sub["state"]), SubscriptionEvent.PAID_IN_FULL).value
        sub["paid_school_year"] = year.start_year
        if sub["activated_on"] is None:
            sub["activated_on"] = max(paid_on, sub["ordered_on"] or paid_on)

    def end(self, sub: dict, event: SubscriptionEvent, ends_on: date, reason: str) -> None:
        """As billing.end_subscription: the child falls back to MINIMALNI; an unpaid invoice
        of a year that never ran is cancelled."""
        sub["state"] = apply_event(_S(sub["state"]), event).value
        sub["tier"] = Tier.MINIMALNI.value
        sub["ends_on"] = ends_on
        sub["end_reason"] = reason
        paid: Counter[int] = Counter()
        for p in sub["_payments"]:
            paid[p["_invoice"]] += p["amount_cents"]
        for invoice in sub["_invoices"]:
            if invoice["cancelled_on"] is not None:
                continue
            if paid[invoice["_n"]] < invoice["amount_cents"] and (
                sub["paid_school_year"] is None or invoice["school_year"] > sub["paid_school_year"]
            ):
                invoice["cancelled_on"] = ends_on

    def cancel(self, sub: dict, received: date) -> None:
        """R95/R96/R98: the signed pre-filled form (D3) arrived with the order's data; the
        subscription ends the day after it was received."""
        profiles = [p for p in sub["_profiles"] if p["active"]]
        order = SubscriberData(
            sub["child_first_name"],
            sub["child_last_name"],
            sub["school_name"],
            tuple(
                GuardianContact(p["first_name"], p["last_name"], p["mobile"], p["email"])
                for p in profiles
            ),
        )
        check = check_letter_data(order, order)  # R96: complete, so it is processed
        effective = cancellation_effective_date(received)
        self.end(
            sub,
            SubscriptionEvent.SUBSCRIBER_CANCELLED,
            effective,
            f"cancelled by letter received on {received.isoformat()}",
        )
        data = asdict(order)
        channel = self.rnd.choice((LetterChannel.LETTER_TO_SCHOOL, LetterChannel.SCANNED_EMAIL))
        self.letters.append(
            {
                "_sub": sub["_n"],
                "student_id": sub["student_id"],
                "kind": LetterKind.CANCEL_ALL.value,
                "received_on": received,
                "channel": channel.value,
                "letter_data": data,
                "status": check.status.value,
                "issues": [asdict(i) for i in check.issues],
                "profile_id": None,
                "effective_on": effective,
                "notice_sent_on": None,
                "terms_version_id": None,
                "evidence": "signed form D3, filed in the office"
                if channel is LetterChannel.LETTER_TO_SCHOOL
                else "scanned signed form D3 by e-mail",
            }
        )

    # ---- writing ----------------------------------------------------------------------------

    def write(self, scheme: ReferenceScheme) -> None:
        s = self.session
        sub_ids = self._insert(Subscription, self.subs, stamped=True)
        profiles = [
            {**p, "subscription_id": sub_ids[p["_sub"]]}
            for sub in self.subs
            for p in sub["_profiles"]
        ]
        self._insert(SubscriptionProfile, profiles, stamped=True)
        self._insert(Trial, [{**t, "subscription_id": sub_ids[t["_sub"]]} for t in self.trials])
        # Numbers and references come from the ids: oldest invoice first (R77, R122).
        self.invoices.sort(key=lambda i: (i["issued_on"], i["_n"]))
        invoice_ids = allocate_ids(s, Invoice.__table__, len(self.invoices))
        invoice_of: dict[int, tuple[int, dict]] = {}
        for invoice, new_id in zip(self.invoices, invoice_ids, strict=True):
            year = SchoolYear(invoice["school_year"])
            invoice["id"] = new_id
            invoice["subscription_id"] = sub_ids[invoice["_sub"]]
            invoice["number"] = invoice_number(year, new_id)
            invoice["reference"] = make_payment_reference(scheme, year, new_id).replace(" ", "")
            invoice_of[invoice["_n"]] = (new_id, invoice)
        if self.invoices:
            s.execute(insert(Invoice.__table__), [_columns(i) for i in self.invoices])
        self.payments.sort(key=lambda p: (p["value_date"], p["_n"]))
        for payment in self.payments:
            invoice_id, invoice = invoice_of[payment["_invoice"]]
            payment |= {
                "subscription_id": sub_ids[payment["_sub"]],
                "invoice_id": invoice_id,
                "reference": invoice["reference"],
            }
        payment_ids = self._insert(Payment, self.payments)
        payment_id = {p["_n"]: i for p, i in zip(self.payments, payment_ids, strict=True)}
        for proposal in self.proposals:
            proposal["subscription_id"] = sub_ids[proposal["_sub"]]
            if proposal["_payment"] is not None:
                paid = next(p for p in self.payments if p["_n"] == proposal["_payment"])
                number = invoice_of[paid["_invoice"]][1]["number"]
                proposal["cycle"] = f"payment-{payment_id[proposal['_payment']]}"
                proposal["reason"] = proposal["reason"].format(number=number)
            else:
                proposal["cycle"] = "trial"
        self._insert(BillingProposal, self.proposals, stamped=True)
        for letter in self.letters:
            sub_id = sub_ids[letter["_sub"]]
            letter["subscription_id"] = sub_id
            letter["letter_key"] = f"{sub_id}:{letter['kind']}:{letter['received_on']}:"
        self._insert(CancellationLetter, self.letters, stamped=True)
        states = Counter(sub["state"] for sub in self.subs)
        record_audit(
            s,
            "demo",
            "subscription",
            reason="demo school",
            after={
                "popolni_enabled": True,
                "prices": {y.label: c for y, c in self.prices.items()},
                "subscriptions": len(self.subs),
                **{state.lower(): n for state, n in sorted(states.items())},
                "trials": len(self.trials),
                "invoices": len(self.invoices),
                "payments": len(self.payments),
                "paid_cents": sum(p["amount_cents"] for p in self.payments),
                "letters": len(self.letters),
                "proposals": len(self.proposals),
            },
        )

    def _insert(self, model, rows: list[dict], stamped: bool = False) -> list[int]:
        stamp = self.stamp if stamped else {}
        return bulk_insert(self.session, model.__table__, [_columns(r) | stamp for r in rows])

    # ---- helpers ----------------------------------------------------------------------------

    def at(self, day: date) -> datetime:
        """A moment in office hours on `day`, never in the future."""
        moment = datetime.combine(
            day, time(self.rnd.randint(8, 15), self.rnd.randint(0, 59)), self.zone
        )
        return min(moment.astimezone(UTC), self.now)

    def _day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rnd.randint(0, max(0, (last - first).days)))

    def _terms_on(self, day: date) -> int | None:
        """R44: the POPOLNI terms version in force on the order day (published by then)."""
        published = [t for t in self.terms if t.published_on <= day]
        in_force = [t for t in published if t.effective_from and t.effective_from <= day]
        chosen = (in_force or published)[-1:] if published else []
        return chosen[0].id if chosen else None

    def _trial_starts(self, first: date, last: date, ends: tuple[int, int]) -> list[TrialPlan]:
        """Trials that could have started between `first` and `last` (R89: in a trial window)
        and end between `ends` days from today (0 = today)."""
        plans = []
        day = first
        while day <= last:
            if trial_length(day) > 0:
                plan = plan_trial(day)
                if ends[0] <= (plan.ends_on - self.today).days <= ends[1]:
                    plans.append(plan)
            day += timedelta(days=1)
        return plans

    def _txn_id(self, prefix: str, on: date) -> str:
        """A processor's transaction id: never anything that looks like a card number."""
        while True:
            tail = self.rnd.choice(string.ascii_uppercase) + "".join(
                self.rnd.choices(string.ascii_uppercase + string.digits, k=9)
            )
            txn = check_no_card_data("processor_txn_id", f"{prefix}-{on:%Y%m%d}-{tail}")
            if txn not in self.txn_ids:
                self.txn_ids.add(txn)
                return txn


def _columns(row: dict) -> dict:
    """The row without the "_" keys that only link rows in memory."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


class _Child:
    """An enrolled child and the guardians who may order for them (the first one pays)."""

    def __init__(self, student, guardians: list, accepted: bool):
        self.id = student.id
        self.accepted = accepted  # a guardian accepted the POPOLNI terms (consent records)
        self.first_name = student.first_name
        self.last_name = student.last_name
        self.class_name = student.class_name or ""
        self.enrolled_on = student.enrolled_on
        self.guardians = guardians


def _class_before(class_name: str) -> str:
    """Last school year's class: '5.a' → '4.a' (the order keeps the class it was made in)."""
    grade, dot, rest = class_name.partition(".")
    return f"{int(grade) - 1}{dot}{rest}" if grade.isdigit() and int(grade) > 1 else class_name
