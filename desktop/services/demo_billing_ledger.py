"""The demo subscriptions' rows, built in memory as the billing services would have written
them for each event (an order, an invoice, a payment, an ending, a letter), then written with
a few bulk inserts and one audit entry. desktop.services.demo_billing tells the stories.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from desktop.db.bulk import allocate_ids, bulk_insert
from desktop.db.models import (
    BillingProposal,
    CancellationLetter,
    Invoice,
    Payment,
    School,
    Subscription,
    SubscriptionProfile,
    TermsDocument,
    TermsVersion,
    Trial,
)
from desktop.db.session import record_audit
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
    ReferenceScheme,
    make_payment_reference,
)
from desktop.domain.billing.states import SubscriptionEvent, SubscriptionState, Tier, apply_event
from desktop.domain.billing.vat import split_vat, vat_rate_on
from desktop.domain.dates import SchoolYear, school_zone
from desktop.domain.roster import Country
from desktop.services.billing import invoice_number

_S = SubscriptionState

PRICE_CENTS = 2000  # this school year's POPOLNI price (R78), as in R88's example
LAST_YEAR_PRICE_CENTS = 1900
TERMS_KEY = "SI-POPOLNI-TERMS"
METHODS = ((PaymentMethod.TRANSFER, 0.5), (PaymentMethod.CARD, 0.3), (PaymentMethod.FLIK, 0.2))


class BillingLedger:
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

    # ---- the events, as the services record them --------------------------------------------

    def order(self, child: Child, on: date, class_name: str) -> dict | None:
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

    def sub(self, child: Child, state: SubscriptionState, **fields) -> dict:
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


class Child:
    """An enrolled child and the guardians who may order for them (the first one pays)."""

    def __init__(self, student, guardians: list, accepted: bool):
        self.id = student.id
        self.accepted = accepted  # a guardian accepted the POPOLNI terms (consent records)
        self.first_name = student.first_name
        self.last_name = student.last_name
        self.class_name = student.class_name or ""
        self.enrolled_on = student.enrolled_on
        self.guardians = guardians
