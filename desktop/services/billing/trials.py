"""Free trials of POPOLNI (R89–R91): when a trial may start, for how long, and who starts it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.models import Guardian, Student, StudentGuardian, Subscription, Trial, TrialOffer
from desktop.domain.billing.policy import policy_for
from desktop.domain.billing.records import OrderChannel, OrderedBy
from desktop.domain.billing.states import SubscriptionState, Tier
from desktop.domain.billing.trials import SpecialOffer, plan_trial
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roles import Permission
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.billing.orders import enrolled_student, guardian_profile, require_popolni
from desktop.services.billing.part import BillingPart
from desktop.services.billing.settings import load_policies, settings_row
from desktop.services.billing.subscriptions import (
    SubscriptionRecord,
    live_subscriptions,
    subscription_record,
)


class Trials(BillingPart):
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
            require_popolni(settings_row(session))
            student = enrolled_student(session, student_id)
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
                state=SubscriptionState.TRIAL,
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
                sub.profiles.append(guardian_profile(guardian, 1))
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
