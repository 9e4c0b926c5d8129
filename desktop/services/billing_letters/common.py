"""What every billing letter needs, whichever way it goes: the service's base (the school, the
billing entity as letterhead, the payer as recipient) and the pieces the stages share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from desktop.db.models import Guardian, Student, Subscription, SubscriptionProfile
from desktop.documents.kinds import document_kind
from desktop.domain.billing.letters import GuardianContact
from desktop.domain.billing.states import LIVE_STATES, SubscriptionState
from desktop.domain.errors import ValidationError
from desktop.i18n import N_, translator
from desktop.services.base import Service
from desktop.services.billing import BillingService, BillingSettingsRecord, load_settings
from desktop.services.billing.settings import billing_issuer
from desktop.services.documents import DocumentRequest, DocumentService
from desktop.services.school import SchoolProfile, SchoolService

# The letter builders load when a letter is built: Today and the daily jobs only read notices.
if TYPE_CHECKING:
    from desktop.documents import billing_letters as docs
    from desktop.documents.letter_parts import LetterHeader

_S = SubscriptionState
PAYING = (_S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE)


@dataclass(frozen=True)
class Recipient:
    """The payer (or the one user) a letter goes to, and in which language."""

    guardian_id: int | None
    header: LetterHeader  # the address lines and the name greeted
    language: str
    street: str
    city: str

    @property
    def name(self) -> str:
        return self.header.reader


@dataclass(frozen=True)
class Office:
    """Read once per letter or print run: the school, the billing settings, the issuer."""

    school: SchoolProfile
    settings: BillingSettingsRecord
    issuer: docs.BillingIssuer


class BillingLettersBase(Service):
    """What the received-letter, printing and notice stages of the service share."""

    def __init__(self, db, actor, billing: BillingService, documents: DocumentService):
        super().__init__(db, actor)
        self.billing = billing
        self.documents = documents

    def _school(self):
        return SchoolService(self.db, self.actor).require_school()

    def _office(self, session: Session) -> Office:
        school = self._school()
        settings = load_settings(session, school.country)
        # R73: invoices and reminders carry the billing entity's identity.
        issuer = billing_issuer(settings, school.country)
        return Office(school, settings, issuer)

    def _guardians(self, session: Session, subs) -> dict[int, Guardian]:
        ids = {p.guardian_id for s in subs for p in s.profiles if p.guardian_id}
        if not ids:
            return {}
        return {g.id: g for g in session.scalars(select(Guardian).where(Guardian.id.in_(ids)))}

    def _recipient(
        self, session: Session, sub: Subscription, profile: SubscriptionProfile | None
    ) -> Recipient:
        guardian = (
            session.get(Guardian, profile.guardian_id) if profile and profile.guardian_id else None
        )
        language = session.scalar(select(Student.language).where(Student.id == sub.student_id))
        return make_recipient(
            sub,
            profile,
            guardian,
            language,
            self._school().default_language.value,
            self.documents.letterhead(),
        )


def live_subscription(session: Session, student_id: int) -> Subscription:
    sub = session.scalar(
        select(Subscription)
        .where(Subscription.student_id == student_id, Subscription.state.in_(LIVE_STATES))
        .order_by(Subscription.id.desc())
        .options(selectinload(Subscription.profiles))
    )
    if sub is None:
        raise ValidationError(
            "subscription", student_id, N_("this child has no POPOLNI subscription to cancel")
        )
    return sub


def payer(sub: Subscription) -> SubscriptionProfile | None:
    return next((p for p in sub.profiles if p.is_payer), None) or next(iter(sub.profiles), None)


def child(sub: Subscription) -> docs.Child:
    from desktop.documents import billing_letters as docs

    return docs.Child(
        f"{sub.child_first_name} {sub.child_last_name}", sub.class_name, sub.school_name
    )


def contact(profile: SubscriptionProfile) -> GuardianContact:
    """A user on the order as the R96 items name them."""
    return GuardianContact(profile.first_name, profile.last_name, profile.mobile, profile.email)


def make_recipient(
    sub: Subscription,
    profile: SubscriptionProfile | None,
    guardian: Guardian | None,
    student_language,
    default_language: str,
    school,
) -> Recipient:
    """The payer at their roster address, in their language (else the child's, else the
    school's). A student who ordered alone gets the letter at school."""
    from desktop.documents.letter_parts import LetterHeader

    if guardian is not None:
        from desktop.domain.addresses import person_lines

        place = " ".join(p for p in (guardian.postal_code, guardian.city) if p)
        language = guardian.language or student_language
        code = language.value if language else default_language
        # abroad: the country's name in capitals as the last line (DIN 5008, UPU)
        lines = person_lines(guardian, code, school.country)
        return Recipient(
            guardian.id,
            LetterHeader(lines, guardian.full_name),
            code,
            guardian.street,
            place,
        )
    name = profile.full_name if profile else f"{sub.child_first_name} {sub.child_last_name}"
    lines = (
        name,
        f"{sub.class_name}, {school.name}" if sub.class_name else school.name,
        *school.address_lines,
    )
    return Recipient(
        None,
        LetterHeader(lines[:6], name),
        student_language.value if student_language else default_language,
        school.address_lines[0] if school.address_lines else "",
        school.address_lines[1] if len(school.address_lines) > 1 else "",
    )


def document_request(
    kind: str, sub: Subscription, recipient: Recipient, after_title: str = ""
) -> DocumentRequest:
    """The letter as DocumentService records it: titled in the recipient's language."""
    return DocumentRequest(
        kind,
        translator(recipient.language).gettext(document_kind(kind).title) + after_title,
        recipient.language,
        sub.student_id,
        recipient.guardian_id,
    )
