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
from datetime import date, timedelta

from sqlalchemy import insert, select, update
from stdnum import iban as stdnum_iban

from desktop.db.models import (
    BillingPrice,
    BillingSettings,
    Guardian,
    Student,
    StudentGuardian,
    TermsAcceptance,
    TermsDocument,
    TermsVersion,
)
from desktop.db.models.billing import DEFAULT_ENTITY
from desktop.db.session import Database
from desktop.domain.billing.records import ReferenceScheme
from desktop.domain.billing.states import Tier
from desktop.domain.billing.trials import TrialPlan, plan_trial, trial_length
from desktop.domain.consent.terms import AcceptanceDecision
from desktop.domain.roster import Country, StudentStatus
from desktop.services.base import Actor
from desktop.services.demo_billing_ledger import TERMS_KEY, Child
from desktop.services.demo_billing_stories import BillingStories

SUBSCRIBED = 0.25  # share of enrolled children with a subscription
# eŠola's account at a Slovenian bank (demo values with valid check digits).
BANK_ACCOUNT = "020100012345641"  # a valid Slovenian account: the national check digits 41
BANK = ("LJBASI2X", "Nova Ljubljanska banka d.d.")


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


class _Book(BillingStories):
    """The school's POPOLNI settings and prices, and which children subscribe with which story
    (the stories: desktop.services.demo_billing_stories; their rows: demo_billing_ledger)."""

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

    def cast(self) -> list[tuple[Child, object]]:
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

    def _children(self) -> list[Child]:
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
        return [Child(s, guardians[s.id], s.id in accepted) for s in students if s.id in guardians]

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
