"""D11 offer notice (R73, R78, R113) and D19 usage instructions (R113, R117), SI only: the
letters and the Today list's reminders of the ones still to print."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from desktop.db.models import Guardian, Student, Subscription
from desktop.domain.billing.states import LIVE_STATES
from desktop.domain.dates import SchoolYear, school_zone
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus
from desktop.domain.salutation import gender_from_code
from desktop.i18n import N_, translator
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.letters.part import LetterPart

# R78: the offer (D11) goes out at the end of the old school year and at the start of the new
# one: (first day of the round, day it is due, last day it is asked for) by month and day.
OFFER_ROUNDS = (((5, 1), (6, 1), (8, 31)), ((9, 1), (9, 1), (9, 30)))
# D19 is asked for orders of the last 30 days only: older ones were instructed before the app
# printed the letter, and must not all turn up as overdue at once.
USAGE_DUE_DAYS = 30


class UsageInstructionsDue(NamedTuple):
    """R113/R117: an order whose sign-in instructions (D19) are still to be sent."""

    subscription_id: int
    student_id: int
    child_name: str
    ordered_on: date


class OfferRound(NamedTuple):
    """R78: a round of offer notices (D11) still to be printed."""

    school_year: SchoolYear
    due_on: date
    students: int  # enrolled students without a live subscription


def offer_round(today: date) -> tuple[SchoolYear, date, date] | None:
    """The round of offer notices asked for on `today` (R78: June and early September, both
    for the school year that starts that autumn): (school year, first day, due day)."""
    for (sm, sd), (dm, dd), (em, ed) in OFFER_ROUNDS:
        if date(today.year, sm, sd) <= today <= date(today.year, em, ed):
            return SchoolYear(today.year), date(today.year, sm, sd), date(today.year, dm, dd)
    return None


class ServiceLetters(LetterPart):
    """D11 offer notice, D19 usage instructions (SI)."""

    def print_offer_notices(
        self,
        school_year: SchoolYear,
        *,
        class_name: str | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> tuple[Produced, list[tuple[DocumentRequest, str]]]:
        """D11 (R73, R113): the offer before the school year, in the provider's name, to the
        guardians of enrolled students without a live subscription."""
        from desktop.documents.service_letters import OfferNotice, offer_letter
        from desktop.services.billing import load_prices

        school = self._school()
        self._require_country("offer-notice")
        with self.read(Permission.VIEW_BILLING) as session:
            letterhead, settings = self._issuer(session)
            prices = [
                p
                for p in load_prices(session)
                if p.school_year == school_year and str(p.tier) == "POPOLNI"
            ]
            if not prices:
                raise ValidationError(
                    "school_year",
                    school_year.label,
                    N_("has no price yet; enter it in the billing settings"),
                )
            price = max(prices, key=lambda p: p.valid_from).gross_cents
            live = set(
                session.scalars(
                    select(Subscription.student_id).where(Subscription.state.in_(list(LIVE_STATES)))
                )
            )
            stmt = select(Student).where(Student.status == StudentStatus.ENROLLED)
            if class_name:
                stmt = stmt.where(Student.class_name == class_name)
            items, seen = [], set()
            for student in session.scalars(stmt.order_by(Student.last_name, Student.first_name)):
                if student.id in live:
                    continue
                for link in student.guardian_links:
                    # R48: the adult student's one copy instead of the guardians'
                    to = self._addressee("offer-notice", student, link.guardian, seen=seen)
                    if to is None:
                        continue
                    tr = translator(to.language)
                    notice = OfferNotice(
                        to.lines,
                        to.name,
                        student.full_name,
                        school_year.label,
                        tr.format_money(price),
                        settings.entity_name,
                        gender_from_code(student.personal_code, school.country.value),
                    )
                    request = DocumentRequest(
                        "offer-notice",
                        f"D11 {school_year.label} {student.full_name} → {to.name}",
                        to.language,
                        student.id,
                        to.guardian_id,
                    )
                    items.append((request, offer_letter(tr, notice)))
        allowed, refused = self.documents.split_contactable([r for r, _ in items], postal=True)
        items = [i for i in items if i[0] in allowed]
        return self._letters_from(letterhead, "offer-notice", items, out), refused

    def offer_notices_due(self, today: date | None = None) -> OfferRound | None:
        """R78: the current round of D11, unless an offer was printed since it began."""
        from sqlalchemy import func

        from desktop.db.models import GeneratedDocument

        school = self._school()
        if school.country.value != "SI":
            return None
        found = offer_round(today or school.today())
        if found is None:
            return None
        school_year, begins, due = found
        zone = school_zone(school.country.value)
        since = datetime.combine(begins, datetime.min.time(), zone)
        with self.read(Permission.VIEW_BILLING) as session:
            printed = session.scalar(
                select(GeneratedDocument.id)
                .where(
                    GeneratedDocument.kind == "offer-notice",
                    GeneratedDocument.generated_at >= since,
                )
                .limit(1)
            )
            if printed is not None:
                return None
            live = select(Subscription.student_id).where(Subscription.state.in_(list(LIVE_STATES)))
            students = session.scalar(
                select(func.count(Student.id)).where(
                    Student.status == StudentStatus.ENROLLED, Student.id.not_in(live)
                )
            )
        return OfferRound(school_year, due, students) if students else None

    def usage_instructions_due(self, today: date | None = None) -> list[UsageInstructionsDue]:
        """R113/R117: submitted orders (not trials) whose D19 was not printed since."""
        from sqlalchemy import and_, exists

        from desktop.db.models import GeneratedDocument
        from desktop.domain.billing.states import SubscriptionState

        school = self._school()
        if school.country.value != "SI":
            return []
        since = (today or school.today()) - timedelta(days=USAGE_DUE_DAYS)
        printed = exists().where(
            and_(
                GeneratedDocument.kind == "usage-instructions",
                GeneratedDocument.student_id == Subscription.student_id,
                GeneratedDocument.generated_at >= Subscription.submitted_at,
            )
        )
        with self.read(Permission.VIEW_BILLING) as session:
            rows = session.execute(
                select(
                    Subscription.id,
                    Subscription.student_id,
                    Subscription.child_first_name,
                    Subscription.child_last_name,
                    Subscription.ordered_on,
                )
                .where(
                    Subscription.state.in_(list(LIVE_STATES - {SubscriptionState.TRIAL})),
                    Subscription.submitted_at.is_not(None),
                    Subscription.ordered_on >= since,
                    ~printed,
                )
                .order_by(Subscription.ordered_on, Subscription.id)
            )
            return [
                UsageInstructionsDue(sub_id, student_id, f"{first} {last}", ordered_on)
                for sub_id, student_id, first, last, ordered_on in rows
            ]

    def print_usage_instructions(
        self, subscription_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D19 (R113, R117): to each active profile of a submitted order, for the school."""
        from desktop.documents.service_letters import UsageInstructions, usage_letter

        school = self._school()
        with self.read(Permission.VIEW_BILLING) as session:
            sub = session.get(Subscription, subscription_id)
            if sub is None:
                raise NotFound("subscription", subscription_id)
            student = session.get(Student, sub.student_id)
            items, seen = [], set()
            for p in sub.profiles:
                if not p.active:
                    continue
                g = session.get(Guardian, p.guardian_id) if p.guardian_id else None
                name = f"{p.first_name} {p.last_name}".strip()
                guardian_id, recipient = p.guardian_id, (name,)
                language = self._language(student_id=student.id)
                if g is not None:  # R48: perhaps to the adult student instead, once
                    to = self._addressee("usage-instructions", student, g, seen=seen)
                    if to is None:
                        continue
                    guardian_id, recipient, language = to.guardian_id, to.lines, to.language
                    name = name if guardian_id else to.name
                data = UsageInstructions(
                    recipient,
                    name,
                    student.full_name,
                    p.email or p.mobile,
                    school.name,
                    gender_from_code(student.personal_code, school.country.value),
                )
                request = DocumentRequest(
                    "usage-instructions",
                    f"D19 {student.full_name} → {name}",
                    language,
                    student.id,
                    guardian_id,
                )
                items.append((request, usage_letter(translator(language), data)))
        return self._letters("usage-instructions", items, out)
