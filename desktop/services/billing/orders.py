"""Orders of POPOLNI (R41, R44, R47, R55, R74, R75, R14): who may order, with what, and the
first annual invoice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from desktop.db.models import (
    BillingSettings,
    Guardian,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionProfile,
)
from desktop.db.models.terms import TermsVersion
from desktop.domain import clock
from desktop.domain.billing.age import require_student_may_act_alone
from desktop.domain.billing.policy import policy_for
from desktop.domain.billing.prices import annual_price
from desktop.domain.billing.records import (
    CommunicationMode,
    InvoiceKind,
    OrderChannel,
    OrderedBy,
    ProposalKind,
)
from desktop.domain.billing.states import SubscriptionEvent, SubscriptionState, Tier, apply_event
from desktop.domain.dates import SchoolYear, add_days
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus, check_email, check_phone
from desktop.i18n import N_, Nn_  # reasons are shown translated by the UI
from desktop.services.billing.ledger import new_invoice, obsolete_open_proposals
from desktop.services.billing.part import BillingPart
from desktop.services.billing.settings import load_policies, load_prices, settings_row
from desktop.services.billing.subscriptions import (
    SubscriptionRecord,
    live_subscriptions,
    load_record,
)

MAX_PROFILES = 2  # R14


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


class Orders(BillingPart):
    def order(self, data: OrderInput) -> SubscriptionRecord:
        school = self._school()
        on = data.ordered_on or school.today()
        with self.write(Permission.EDIT_BILLING, reason="order") as session:
            settings = settings_row(session)
            require_popolni(settings)
            student = enrolled_student(session, data.student_id)
            _check_order_basics(data)
            _check_terms(session, data.terms_version_id, on)
            profiles = self._order_profiles(session, student, data, on)
            price = annual_price(load_prices(session), SchoolYear.of(on), Tier.POPOLNI, on)

            existing = live_subscriptions(session, student.id)
            current = next((s for s in existing if s.state is SubscriptionState.TRIAL), None)
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
                        Subscription.state == SubscriptionState.MINIMALNI,
                    )
                    .order_by(Subscription.id.desc())
                    .options(selectinload(Subscription.profiles))
                )
            if current is None:
                current = Subscription(
                    student_id=student.id,
                    state=SubscriptionState.ORDERED,
                    tier=Tier.POPOLNI,
                    channel=data.channel,
                    child_first_name=student.first_name,
                    child_last_name=student.last_name,
                    school_name=school.name,
                )
                session.add(current)
            else:
                # B.VI(5): a trial (or a child back on MINIMALNI after one) orders as usual.
                current.state = apply_event(current.state, SubscriptionEvent.ORDER_SUBMITTED)
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
            return load_record(session, current.id)

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
            profiles.append(guardian_profile(guardian, len(profiles) + 1))
        return profiles


# ---- checks (the first three also for trials) ------------------------------------------


def require_popolni(settings: BillingSettings) -> None:
    if not settings.popolni_enabled:
        raise ValidationError(
            "popolni_enabled",
            False,
            # R74
            N_(
                "this school has not enabled mojAsistent POPOLNI; no order or trial can be recorded"
            ),
        )


def enrolled_student(session: Session, student_id: int) -> Student:
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


def guardian_profile(guardian: Guardian, position: int) -> SubscriptionProfile:
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
