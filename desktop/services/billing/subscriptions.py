"""A subscription as the UI and the CLI see it, and the ways to find one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from desktop.db.models import Subscription, SubscriptionProfile, Trial
from desktop.db.models.billing import PROFILE_CONTACT_COLUMNS
from desktop.domain.billing.records import CommunicationMode, OrderChannel, OrderedBy
from desktop.domain.billing.states import LIVE_STATES, SubscriptionState, Tier
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound


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


def load_record(session: Session, subscription_id: int) -> SubscriptionRecord:
    """The subscription with its profiles and trial, as a record."""
    sub = load_subscription(session, subscription_id)
    trial = session.scalar(select(Trial).where(Trial.subscription_id == sub.id))
    return subscription_record(sub, trial)


def current_subscription_id(session: Session, student_id: int) -> int | None:
    """The child's live subscription, else the latest one (ended or MINIMALNI)."""
    rows = session.execute(
        select(Subscription.id, Subscription.state)
        .where(Subscription.student_id == student_id)
        .order_by(Subscription.id.desc())
    ).all()
    live = [r.id for r in rows if r.state in LIVE_STATES]
    return live[0] if live else (rows[0].id if rows else None)


def live_subscriptions(
    session: Session, student_id: int, *, contacts: bool = True
) -> list[Subscription]:
    """The child's live subscriptions with their profiles; without `contacts`, the profiles
    leave out the payer's contact data (for the office's cascades, R121)."""
    profiles = selectinload(Subscription.profiles)
    if not contacts:
        profiles = profiles.options(
            *(defer(getattr(SubscriptionProfile, c)) for c in PROFILE_CONTACT_COLUMNS)
        )
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.student_id == student_id, Subscription.state.in_(LIVE_STATES))
            .options(profiles)
        )
    )


def payer_names(session: Session) -> dict[int, str]:
    """Subscription id → its payer's name, for every subscription that names a payer."""
    return dict(
        session.execute(
            select(
                SubscriptionProfile.subscription_id,
                SubscriptionProfile.first_name + " " + SubscriptionProfile.last_name,
            ).where(SubscriptionProfile.is_payer.is_(True))
        ).all()
    )
