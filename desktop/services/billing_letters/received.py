"""Letters that arrive (R95): a cancellation (R98), a single user's unsubscription (R97) or a
withdrawal after a change of terms (R51, R102), checked against the order (R96) and, when
complete, processed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.models import CancellationLetter, Refund, Subscription, SubscriptionProfile
from desktop.domain.billing.letters import (
    MISMATCH,
    MISSING,
    GuardianContact,
    LetterIssue,
    LetterStatus,
    SubscriberData,
    cancellation_effective_date,
    check_letter_data,
    require_terms_withdrawal_in_time,
)
from desktop.domain.billing.records import LetterChannel, LetterKind, RefundBasis
from desktop.domain.billing.refunds import switch_off_date
from desktop.domain.billing.states import LIVE_STATES, SubscriptionEvent
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, clean_text, fold
from desktop.i18n import N_
from desktop.services.base import ensure_version
from desktop.services.billing import end_subscription, load_subscription
from desktop.services.billing_letters.common import (
    PAYING,
    BillingLettersBase,
    contact,
    live_subscription,
)

CALLING_CODES = {Country.SI: "386", Country.EE: "372"}


@dataclass(frozen=True)
class ReceivedLetter:
    """A letter that arrived (R95). `data` is what the letter says (R96 items); None means it
    is the pre-filled form D3/D4, signed, carrying the order's data unchanged."""

    kind: LetterKind
    received_on: date
    channel: LetterChannel
    data: SubscriberData | None = None
    only: GuardianContact | None = None  # R97: the one user to unsubscribe
    notice_sent_on: date | None = None  # R51: when the terms-change notice was sent
    terms_version_id: int | None = None
    evidence: str = ""  # where the scan / e-mail is kept

    def __post_init__(self) -> None:
        # A combo box or a script hands plain strings: R97/R51 compare enum members.
        coerce_fields(self, kind=LetterKind, channel=LetterChannel)


@dataclass(frozen=True)
class LetterResult:
    letter_id: int
    version: int
    subscription_id: int
    kind: LetterKind
    status: LetterStatus
    issues: tuple[LetterIssue, ...]
    received_on: date
    effective_on: date | None
    refund_cents: int = 0

    @property
    def processed(self) -> bool:
        return self.status is LetterStatus.READY


class ReceivedLetters(BillingLettersBase):
    """Registering and correcting the letters that arrive."""

    def order_data(self, subscription_id: int) -> SubscriberData:
        """The R96 items as given with the order: what the pre-filled letter carries."""
        with self.read(Permission.VIEW_BILLING) as session:
            return _order_data(load_subscription(session, subscription_id))

    def terms_notice_sent_on(self, subscription_id: int, received_on: date) -> date | None:
        """R51/D10: the day the latest notice of a change of terms was sent to this subscriber,
        on or before `received_on`, as recorded (None: no notice recorded). A withdrawal's
        deadline runs from it; the letter dialog shows it pre-filled."""
        from desktop.services.letters.terms_change import latest_notice_for

        with self.read(Permission.VIEW_BILLING) as session:
            row = latest_notice_for(session, subscription_id, received_on)
            return row.sent_on if row is not None else None

    def register_letter(self, student_id: int, letter: ReceivedLetter) -> LetterResult:
        """Check a received letter against the order (R96) and, if it is complete, process it:
        a cancellation ends the subscription on received + 1 (R98); an unsubscription ends one
        profile only (R97); a withdrawal after a terms change, if it arrived within 8 days of
        the notice (R51), ends the subscription on received + 1 with its R88 refund (R102).
        A letter with data missing is recorded as "cannot be processed" and changes nothing."""
        kind = LetterKind(letter.kind)
        with self.write(Permission.EDIT_BILLING, reason=f"letter {kind.value}") as session:
            sub = live_subscription(session, student_id)
            notice_sent = letter.notice_sent_on
            if kind is LetterKind.TERMS_WITHDRAWAL:
                from desktop.services.letters.terms_change import notice_sent_on

                # R51/D10: the deadline runs from the recorded notice, never a typed date; a
                # withdrawal citing a change of terms nobody was told of is refused.
                notice_sent = notice_sent_on(
                    session, sub.id, letter.notice_sent_on, letter.received_on
                )
                require_terms_withdrawal_in_time(notice_sent, letter.received_on)
                if sub.state not in PAYING:
                    raise ValidationError(
                        "kind",
                        sub.state.value,
                        # R51
                        N_(
                            "only a subscriber with an order can withdraw over a change of "
                            "terms; a trial is simply cancelled"
                        ),
                    )
            order = _order_data(sub)
            said = letter.data or order
            issues = list(
                check_letter_data(order, said, CALLING_CODES[self._school().country]).issues
            )
            profile = None
            if kind is LetterKind.UNSUBSCRIBE_ONE:
                profile, more = _profile_to_unsubscribe(sub, letter.only)
                issues += more
            row = CancellationLetter(
                subscription_id=sub.id,
                student_id=sub.student_id,
                kind=kind,
                letter_key=f"{sub.id}:{kind.value}:{letter.received_on.isoformat()}:"
                f"{profile.id if profile else ''}",
                received_on=letter.received_on,
                channel=LetterChannel(letter.channel),
                letter_data=_data_json(said, letter.only),
                status=LetterStatus.DATA_MISSING if issues else LetterStatus.READY,
                issues=[asdict(i) for i in issues],
                profile_id=profile.id if profile else None,
                notice_sent_on=notice_sent,
                terms_version_id=letter.terms_version_id,
                evidence=clean_text(letter.evidence),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise ValidationError(
                    "letter",
                    letter.received_on,
                    N_("this letter is already registered"),  # R122
                ) from None
            refund = self._process(session, sub, row, profile) if not issues else 0
            session.flush()
            return _letter_result(row, refund)

    def correct_letter(
        self, letter_id: int, version: int, data: SubscriberData, only: GuardianContact | None
    ) -> LetterResult:
        """R96: a letter that could not be processed, re-checked with what it really says
        (the office misread it, or the missing item arrived)."""
        with self.write(Permission.EDIT_BILLING, reason="letter corrected") as session:
            row = session.get(CancellationLetter, letter_id)
            if row is None:
                raise NotFound("letter", letter_id)
            ensure_version(row, version, "letter")
            if row.status is LetterStatus.READY:
                raise ValidationError("letter", letter_id, N_("this letter is already processed"))
            sub = load_subscription(session, row.subscription_id)
            if sub.state not in LIVE_STATES:
                raise ValidationError(
                    "letter", letter_id, N_("the subscription has ended meanwhile")
                )
            order = _order_data(sub)
            issues = list(
                check_letter_data(order, data, CALLING_CODES[self._school().country]).issues
            )
            profile = None
            if row.kind is LetterKind.UNSUBSCRIBE_ONE:
                profile, more = _profile_to_unsubscribe(sub, only)
                issues += more
            row.letter_data = _data_json(data, only)
            row.issues = [asdict(i) for i in issues]
            row.status = LetterStatus.DATA_MISSING if issues else LetterStatus.READY
            row.profile_id = profile.id if profile else None
            refund = self._process(session, sub, row, profile) if not issues else 0
            session.flush()
            return _letter_result(row, refund)

    def _process(
        self,
        session: Session,
        sub: Subscription,
        row: CancellationLetter,
        profile: SubscriptionProfile | None,
    ) -> int:
        if row.kind is LetterKind.CANCEL_ALL:
            row.effective_on = cancellation_effective_date(row.received_on)  # R98
            end_subscription(
                session,
                sub,
                SubscriptionEvent.SUBSCRIBER_CANCELLED,
                row.effective_on,
                f"cancelled by letter received on {row.received_on.isoformat()}",
            )
            return 0
        if row.kind is LetterKind.UNSUBSCRIBE_ONE:
            row.effective_on = cancellation_effective_date(row.received_on)
            profile.active = False
            profile.unsubscribed_on = row.effective_on
            profile.end_reason = f"unsubscribed by letter received on {row.received_on}"
            return 0
        row.effective_on = switch_off_date(row.received_on)  # R51, R88
        year = SchoolYear.of(row.effective_on)
        end_subscription(
            session,
            sub,
            SubscriptionEvent.TERMS_WITHDRAWAL,
            row.effective_on,
            f"withdrew after the terms notice of {row.notice_sent_on}",
        )
        calc = self.billing.switch_off_refund(session, sub, year, row.effective_on)
        if calc.refund_cents <= 0:
            return 0
        self.billing.add_refund(
            session,
            sub,
            year,
            RefundBasis.TERMS_WITHDRAWAL,
            calc.refund_cents,
            str(N_("withdrawal after a change of terms")),  # stored in English, printed translated
            row.received_on,
            calc=calc,
            letter_id=row.id,
        )
        return calc.refund_cents

    def letters(self, subscription_id: int) -> list[LetterResult]:
        with self.read(Permission.VIEW_BILLING) as session:
            refunds = dict(
                session.execute(
                    select(Refund.letter_id, func.sum(Refund.amount_cents))
                    .where(Refund.subscription_id == subscription_id, Refund.letter_id.is_not(None))
                    .group_by(Refund.letter_id)
                ).all()
            )
            return [
                _letter_result(row, refunds.get(row.id, 0))
                for row in session.scalars(
                    select(CancellationLetter)
                    .where(CancellationLetter.subscription_id == subscription_id)
                    .order_by(CancellationLetter.received_on)
                )
            ]


def _order_data(sub: Subscription) -> SubscriberData:
    return SubscriberData(
        sub.child_first_name,
        sub.child_last_name,
        sub.school_name,
        tuple(contact(p) for p in sub.profiles if p.active),
    )


def _data_json(data: SubscriberData, only: GuardianContact | None) -> dict:
    return asdict(data) | ({"only": asdict(only)} if only is not None else {})


def _profile_to_unsubscribe(
    sub: Subscription, only: GuardianContact | None
) -> tuple[SubscriptionProfile | None, list[LetterIssue]]:
    """R97: the letter must say that only one user goes, and identify that user clearly."""
    active = [p for p in sub.profiles if p.active]
    if len(active) < 2:
        raise ValidationError(
            "only",
            only.first_name if only else "",
            N_(
                "the subscription has one user only; "
                "register a cancellation of the whole subscription instead"
            ),
        )
    if only is None or not (only.first_name.strip() and only.last_name.strip()):
        return None, [LetterIssue("user to unsubscribe", MISSING)]
    key = (fold(only.first_name), fold(only.last_name))
    for p in active:
        if (fold(p.first_name), fold(p.last_name)) == key:
            if not (only.mobile.strip() or only.email.strip()):
                return None, [LetterIssue("user to unsubscribe: mobile or e-mail", MISSING)]
            return p, []
    return None, [
        LetterIssue(f"user to unsubscribe ({only.first_name} {only.last_name})", MISMATCH)
    ]


def _letter_result(row: CancellationLetter, refund: int) -> LetterResult:
    return LetterResult(
        row.id,
        row.version,
        row.subscription_id,
        row.kind,
        row.status,
        tuple(LetterIssue(i["item"], i["problem"]) for i in row.issues),
        row.received_on,
        row.effective_on,
        refund,
    )
