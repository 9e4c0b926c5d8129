"""Billing letters, both ways: registering the letters that arrive (cancellation R95–R98,
single-guardian unsubscription R97, withdrawal after a terms change R51/R102) and printing the
ones that go out (D3–D5, D10–D14) through the DocumentService, which numbers and records every
document and refuses a restricted recipient (R15, R48).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from desktop.db.models import (
    BillingNotice,
    CancellationLetter,
    GeneratedDocument,
    Guardian,
    Invoice,
    Payment,
    Refund,
    Student,
    Subscription,
    SubscriptionProfile,
    Trial,
)
from desktop.db.session import audit_entry, write_audit_entries
from desktop.documents import billing_letters as docs
from desktop.documents.kinds import document_kind
from desktop.domain import clock
from desktop.domain.billing import (
    LIVE_STATES,
    MISMATCH,
    MISSING,
    GuardianContact,
    InvoiceKind,
    LetterChannel,
    LetterIssue,
    LetterKind,
    LetterStatus,
    NoticeKind,
    RefundBasis,
    SubscriberData,
    SubscriptionEvent,
    SubscriptionState,
    cancellation_effective_date,
    check_letter_data,
    policy_for,
    require_terms_withdrawal_in_time,
    switch_off_date,
    terms_withdrawal_deadline,
)
from desktop.domain.dates import SchoolYear, add_days
from desktop.domain.errors import NotFound, ValidationError, ValidationErrors
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, clean_text, fold
from desktop.domain.upn_qr import ENCODING, FIELD_MAX_LENGTHS, UpnQrData, build_upn_qr
from desktop.i18n import N_, translator
from desktop.services.base import Service, ensure_version
from desktop.services.billing import (
    BillingService,
    BillingSettingsRecord,
    current_subscription_id,
    end_subscription,
    load_policies,
    load_settings,
    load_subscription,
    paid_per_invoice,
)
from desktop.services.documents import (
    DocumentRequest,
    DocumentService,
    Produced,
    check_output,
)
from desktop.services.school import SchoolProfile, SchoolService

_S = SubscriptionState
_PAYING = (_S.ORDERED, _S.ACTIVE, _S.RENEWAL_DUE)
CALLING_CODES = {Country.SI: "386", Country.EE: "372"}

# What a notice prints as: document kind, builder.
_NOTICE_KINDS = {
    NoticeKind.TRIAL_INVITATION_1: "billing-trial-invitation",
    NoticeKind.TRIAL_INVITATION_2: "billing-trial-invitation",
    NoticeKind.TRIAL_END_NOTICE: "billing-trial-end",
    NoticeKind.ORDER_REMINDER_1: "billing-reminder-1",
    NoticeKind.ORDER_REMINDER_2: "billing-reminder-2",
    NoticeKind.RENEWAL_INVITATION: "billing-renewal-invitation",
    NoticeKind.RENEWAL_REMINDER_1: "billing-reminder-1",
    NoticeKind.RENEWAL_REMINDER_2: "billing-reminder-2",
    NoticeKind.TERMINATION_NOTICE: "billing-termination-notice",
}
_REMINDERS = {
    NoticeKind.ORDER_REMINDER_1: (1, False),
    NoticeKind.ORDER_REMINDER_2: (2, False),
    NoticeKind.RENEWAL_REMINDER_1: (1, True),
    NoticeKind.RENEWAL_REMINDER_2: (2, True),
}
_TRIAL_NOTICES = (
    NoticeKind.TRIAL_INVITATION_1,
    NoticeKind.TRIAL_INVITATION_2,
    NoticeKind.TRIAL_END_NOTICE,
)


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


@dataclass(frozen=True)
class PendingNotice:
    id: int
    subscription_id: int
    student_id: int
    child_name: str
    kind: NoticeKind
    due_on: date
    reply_by: date | None


@dataclass(frozen=True)
class PrintedBatch:
    produced: Produced | None
    printed: int
    refused: tuple[tuple[str, str], ...]  # (child, reason) not printed: restricted recipient
    skipped: int  # overtaken before printing (paid, ordered, ended)


@dataclass(frozen=True)
class _Recipient:
    guardian_id: int | None
    lines: tuple[str, ...]
    salutation: str
    language: str
    street: str
    city: str


@dataclass(frozen=True)
class _Office:
    """Read once per letter or print run: the school, the billing settings, the issuer."""

    school: SchoolProfile
    settings: BillingSettingsRecord
    issuer: docs.BillingIssuer


class BillingLetterService(Service):
    def __init__(self, db, actor, billing: BillingService, documents: DocumentService):
        super().__init__(db, actor)
        self.billing = billing
        self.documents = documents

    def _school(self):
        return SchoolService(self.db, self.actor).require_school()

    # ==== received letters ========================================================================

    def order_data(self, subscription_id: int) -> SubscriberData:
        """The R96 items as given with the order: what the pre-filled letter carries."""
        with self.read(Permission.VIEW_BILLING) as session:
            return _order_data(load_subscription(session, subscription_id))

    def terms_notice_sent_on(self, subscription_id: int, received_on: date) -> date | None:
        """R51/D10: the day the latest notice of a change of terms was sent to this subscriber,
        on or before `received_on`, as recorded (None: no notice recorded). A withdrawal's
        deadline runs from it; the letter dialog shows it pre-filled."""
        from desktop.services.letters import latest_notice_for

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
            sub = _live_subscription(session, student_id)
            notice_sent = letter.notice_sent_on
            if kind is LetterKind.TERMS_WITHDRAWAL:
                from desktop.services.letters import notice_sent_on

                # R51/D10: the deadline runs from the recorded notice, never a typed date; a
                # withdrawal citing a change of terms nobody was told of is refused.
                notice_sent = notice_sent_on(
                    session, sub.id, letter.notice_sent_on, letter.received_on
                )
                require_terms_withdrawal_in_time(notice_sent, letter.received_on)
                if sub.state not in _PAYING:
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

    # ==== printing ===============================================================================

    def print_cancellation_form(
        self,
        student_id: int,
        only_profile_id: int | None = None,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D3 (whole subscription) or D4 (only one user), pre-filled from the order (R96, R97),
        with the school's and the billing entity's addresses and signature lines (R95)."""
        with self.read(Permission.VIEW_BILLING) as session:
            sub = _live_subscription(session, student_id)
            active = [p for p in sub.profiles if p.active]
            only = None
            if only_profile_id is not None:
                only = next((p for p in active if p.id == only_profile_id), None)
                if only is None:
                    raise NotFound("active user on the subscription", only_profile_id)
                if len(active) < 2:
                    raise ValidationError(
                        "only",
                        only.full_name,
                        N_(
                            "the only user cannot be unsubscribed alone; "
                            "cancel the whole subscription instead"
                        ),
                    )
            addressee = only or _payer(sub)
            recipient = self._recipient(session, sub, addressee)
            office = self._office(session)
        form = docs.CancellationForm(
            school=self.documents.letterhead(),
            issuer=office.issuer,
            language=recipient.language,
            child=_child(sub),
            guardians=tuple(_form_guardian(p) for p in active),
            only=_form_guardian(only) if only else None,
        )
        kind = "billing-unsubscribe-letter" if only else "billing-cancellation-letter"
        request = _request(kind, sub, recipient)
        return self.documents.produce(request, lambda info: docs.build_form(form, info), out=out)

    def print_invoice(
        self, invoice_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D11: the invoice, in the billing entity's name (R73), with the bank details and the
        reference; a Slovenian invoice carries the UPN QR code. The amount to pay, printed and
        in the QR code, is the balance still open today. A reprint is marked as a copy and
        keeps the invoice's number; once its due date has passed it gives a new one."""
        with self.read(Permission.VIEW_BILLING) as session:
            invoice = session.get(Invoice, invoice_id)
            if invoice is None:
                raise NotFound("invoice", invoice_id)
            sub = load_subscription(session, invoice.subscription_id)
            recipient = self._recipient(session, sub, _payer(sub))
            office = self._office(session)
            _require_invoice_identity(office.issuer)
            renewal = invoice.kind is InvoiceKind.ANNUAL and bool(
                session.scalar(
                    select(BillingNotice.id).where(
                        BillingNotice.invoice_id == invoice.id,
                        BillingNotice.kind == NoticeKind.RENEWAL_INVITATION,
                    )
                )
            )
            paid = paid_per_invoice(session, Payment.invoice_id == invoice.id).get(invoice.id, 0)
            today = office.school.today()
            data = _invoice_letter(
                office,
                sub,
                invoice,
                recipient,
                renewal,
                paid,
                today if _printed_before(session, invoice) else None,
            )
        kind = "billing-renewal-invitation" if renewal else "billing-invoice"
        request = _request(kind, sub, recipient, f" {invoice.number}")
        return self.documents.produce(
            request, lambda info: docs.build_one(docs.invoice_spec, data, info), out=out
        )

    def latest_invoice_id(self, student_id: int) -> int:
        """The invoice `print invoice --student` means: the oldest unpaid one of the child's
        current subscription, else the newest."""
        with self.read(Permission.VIEW_BILLING) as session:
            sub_id = current_subscription_id(session, student_id)
            if sub_id is None:
                raise NotFound("subscription of student", student_id)
            invoices = list(
                session.scalars(
                    select(Invoice)
                    .where(Invoice.subscription_id == sub_id)
                    .order_by(Invoice.issued_on, Invoice.id)
                )
            )
            if not invoices:
                raise NotFound("invoice for student", student_id)
            paid = paid_per_invoice(session, Payment.subscription_id == sub_id)
            for invoice in invoices:
                if invoice.cancelled_on is None and paid.get(invoice.id, 0) < invoice.amount_cents:
                    return invoice.id
            return invoices[-1].id

    def print_confirmation(
        self, letter_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D5 after a cancellation or unsubscription (effective date, no refund: R98, R99);
        D10 after a withdrawal (with the R88 refund: R102)."""
        with self.read(Permission.VIEW_BILLING) as session:
            row = session.get(CancellationLetter, letter_id)
            if row is None:
                raise NotFound("letter", letter_id)
            if row.status is not LetterStatus.READY or row.effective_on is None:
                raise ValidationError(
                    "letter",
                    letter_id,
                    N_("the letter could not be processed: data are missing"),  # R96
                )
            sub = load_subscription(session, row.subscription_id)
            profile = session.get(SubscriptionProfile, row.profile_id) if row.profile_id else None
            recipient = self._recipient(session, sub, profile or _payer(sub))
            office = self._office(session)
            today = office.school.today()
            if row.kind is LetterKind.TERMS_WITHDRAWAL:
                refund = session.scalar(select(Refund).where(Refund.letter_id == row.id))
                data = docs.WithdrawalConfirmation(
                    office.issuer,
                    recipient.language,
                    recipient.lines,
                    recipient.salutation,
                    today,
                    row.notice_sent_on,
                    terms_withdrawal_deadline(row.notice_sent_on),
                    row.received_on,
                    row.effective_on,
                    _child(sub),
                    _figures(refund, recipient.language) if refund else None,
                )
                kind, make = "billing-withdrawal-confirmation", docs.withdrawal_confirmation_spec
            else:
                data = docs.CancellationConfirmation(
                    office.issuer,
                    recipient.language,
                    recipient.lines,
                    recipient.salutation,
                    today,
                    row.received_on,
                    row.effective_on,
                    _child(sub),
                    profile.full_name if profile else "",
                )
                kind, make = (
                    "billing-cancellation-confirmation",
                    docs.cancellation_confirmation_spec,
                )
        request = _request(kind, sub, recipient)
        return self.documents.produce(
            request, lambda info: docs.build_one(make, data, info), out=out
        )

    def print_refund_statement(
        self, refund_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D13: basis, P, D_P, L and the amount (R83, R84, R88)."""
        with self.read(Permission.VIEW_BILLING) as session:
            refund = session.get(Refund, refund_id)
            if refund is None:
                raise NotFound("refund", refund_id)
            sub = load_subscription(session, refund.subscription_id)
            recipient = self._recipient(session, sub, _payer(sub))
            office = self._office(session)
            data = docs.RefundStatement(
                office.issuer,
                recipient.language,
                recipient.lines,
                recipient.salutation,
                office.school.today(),
                _child(sub),
                _figures(refund, recipient.language),
            )
        request = _request("billing-refund-statement", sub, recipient)
        return self.documents.produce(
            request, lambda info: docs.build_one(docs.refund_statement_spec, data, info), out=out
        )

    # ---- notices on the calendar (R80, R81, R91, R103) -------------------------------------

    def pending_notices(self, today: date | None = None) -> list[PendingNotice]:
        today = today or self._school().today()
        with self.read(Permission.VIEW_BILLING) as session:
            rows = session.execute(
                select(
                    BillingNotice.id,
                    BillingNotice.subscription_id,
                    BillingNotice.student_id,
                    Student.first_name,
                    Student.last_name,
                    BillingNotice.kind,
                    BillingNotice.due_on,
                    BillingNotice.reply_by,
                )
                .join(Student, Student.id == BillingNotice.student_id)
                .join(Subscription, Subscription.id == BillingNotice.subscription_id)
                .where(
                    BillingNotice.document_id.is_(None),
                    BillingNotice.skipped_reason == "",
                    BillingNotice.due_on <= today,
                    ~(
                        (BillingNotice.kind == NoticeKind.TRIAL_END_NOTICE)
                        & (Subscription.state == _S.TRIAL)
                    ),
                )
                .order_by(BillingNotice.due_on, BillingNotice.id)
            )
            return [
                PendingNotice(
                    r.id,
                    r.subscription_id,
                    r.student_id,
                    f"{r.first_name} {r.last_name}",
                    r.kind,
                    r.due_on,
                    r.reply_by,
                )
                for r in rows
            ]

    def print_notices(
        self,
        notice_ids: Sequence[int] | None = None,
        progress=None,
        cancel=None,
        today: date | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> PrintedBatch:
        """Print the notices that are due (all, or the chosen ones) into one PDF. A notice
        overtaken meanwhile (invoice paid, trial ordered, subscription ended) is skipped and
        marked so; a restricted recipient (R15, R48) is left unprinted and reported.

        With `out` the PDF is written there first; the notices are marked printed in the same
        transaction that records the documents, so a missing folder, a full disk or a killed
        run leaves every notice unprinted, to be printed by the next run."""
        self.require(Permission.EDIT_BILLING)
        today = today or self._school().today()
        if out is not None:
            check_output(out)  # one line naming the folder, before anything is built
        items, requests, notice_of, skipped = self._prepare_notices(notice_ids, today)
        # The pre-flight list: restricted (R15), the adult child's prohibition (R48) and, as
        # these go by post, no postal address; the batch goes on without them and says why.
        allowed, refused = self.documents.split_contactable(requests, today, postal=True)
        produced = None
        if allowed:
            position = {id(r): n for n, r in enumerate(requests)}
            chosen = [items[position[id(r)]] for r in allowed]
            produced = self._produce(chosen, allowed, progress, cancel, notice_of, out)
        names = {id(r): r.title for r in requests}
        return PrintedBatch(
            produced,
            len(allowed),
            tuple((names[id(r)], reason) for r, reason in refused),
            skipped,
        )

    def _produce(self, items, requests, progress, cancel, notice_of, out) -> Produced:
        def build(infos, progress, cancel):
            return docs.build_many(items, infos, progress, cancel)

        def mark_printed(session: Session, document_ids: tuple[str, ...]) -> None:
            session.info["audit_reason"] = "notices printed"
            now = clock.now()
            changes = [
                {"id": notice_of[id(r)], "document_id": d, "printed_at": now}
                for r, d in zip(requests, document_ids, strict=True)
            ]
            session.execute(update(BillingNotice), changes)
            # A bulk UPDATE passes the ORM's audit hook by: each status change is audited here.
            write_audit_entries(
                session,
                [
                    audit_entry(
                        session,
                        "printed",
                        "billing_notice",
                        change["id"],
                        after={"document_id": change["document_id"], "printed_at": now.isoformat()},
                    )
                    for change in changes
                ],
            )

        return self.documents.produce_batch(
            requests, build, progress, cancel, out=out, on_recorded=mark_printed
        )

    def _prepare_notices(self, notice_ids, today):
        with self.db.read() as session:
            stmt = select(BillingNotice).where(
                BillingNotice.document_id.is_(None),
                BillingNotice.skipped_reason == "",
                BillingNotice.due_on <= today,
            )
            if notice_ids is not None:
                stmt = stmt.where(BillingNotice.id.in_(list(notice_ids)))
            notices = list(session.scalars(stmt.order_by(BillingNotice.due_on, BillingNotice.id)))
            if not notices:
                return [], [], {}, 0
            subs = {
                s.id: s
                for s in session.scalars(
                    select(Subscription)
                    .where(Subscription.id.in_({n.subscription_id for n in notices}))
                    .options(selectinload(Subscription.profiles))
                )
            }
            invoices = {
                i.id: i
                for i in session.scalars(
                    select(Invoice).where(
                        Invoice.id.in_({n.invoice_id for n in notices if n.invoice_id})
                    )
                )
            }
            paid = paid_per_invoice(session, Payment.invoice_id.in_(list(invoices)))
            trials = {
                t.subscription_id: t
                for t in session.scalars(select(Trial).where(Trial.subscription_id.in_(list(subs))))
            }
            fees = {
                (i.subscription_id, i.school_year): i
                for i in session.scalars(
                    select(Invoice).where(
                        Invoice.kind == InvoiceKind.FEE, Invoice.subscription_id.in_(list(subs))
                    )
                )
            }
            fee_paid = paid_per_invoice(
                session, Payment.invoice_id.in_([i.id for i in fees.values()])
            )
            guardians = self._guardians(session, subs.values())
            office = self._office(session)
            default_language = office.school.default_language.value
            letterhead = self.documents.letterhead()
            policies = load_policies(session)
            students = dict(
                session.execute(
                    select(Student.id, Student.language).where(
                        Student.id.in_({s.student_id for s in subs.values()})
                    )
                ).all()
            )
            items, requests, notice_of, skip = [], [], {}, []
            for notice in notices:
                sub = subs[notice.subscription_id]
                invoice = invoices.get(notice.invoice_id)
                if _waits(notice, sub):
                    continue
                reason = _overtaken(notice, sub, invoice, paid)
                if reason:
                    skip.append({"id": notice.id, "skipped_reason": reason})
                    continue
                payer = _payer(sub)
                guardian = guardians.get(payer.guardian_id) if payer and payer.guardian_id else None
                recipient = _make_recipient(
                    sub,
                    payer,
                    guardian,
                    students.get(sub.student_id),
                    default_language,
                    letterhead,
                )
                child = _child(sub)
                if notice.kind in _TRIAL_NOTICES:
                    trial = trials[sub.id]
                    data = docs.TrialLetter(
                        office.issuer,
                        recipient.language,
                        recipient.lines,
                        recipient.salutation,
                        notice.due_on,
                        notice.kind is NoticeKind.TRIAL_END_NOTICE,
                        trial.starts_on,
                        trial.ends_on,
                        child,
                    )
                    make = docs.trial_spec
                elif notice.kind in _REMINDERS:
                    level, renewal = _REMINDERS[notice.kind]
                    owed = invoice.amount_cents - paid.get(invoice.id, 0)
                    policy = policy_for(SchoolYear(invoice.school_year), policies)
                    data = docs.ReminderLetter(
                        office.issuer,
                        recipient.language,
                        recipient.lines,
                        recipient.salutation,
                        level,
                        renewal,
                        notice.due_on,
                        notice.reply_by or notice.due_on,
                        invoice.number,
                        invoice.issued_on,
                        SchoolYear(invoice.school_year).label,
                        child,
                        owed,
                        _payment(
                            office,
                            invoice,
                            owed,
                            notice.reply_by or invoice.due_on,
                            recipient,
                        ),
                        policy.renewal.termination_effective if renewal else None,
                        policy.reminder_fee_gross_cents,
                    )
                    make = docs.reminder_spec
                elif notice.kind is NoticeKind.RENEWAL_INVITATION:
                    data = _invoice_letter(
                        office, sub, invoice, recipient, True, paid.get(invoice.id, 0)
                    )
                    make = docs.invoice_spec
                else:  # TERMINATION_NOTICE (R103)
                    year = SchoolYear.of(sub.ends_on or notice.due_on)
                    fee = fees.get((sub.id, year.start_year))
                    fee_charge = None
                    if fee is not None:
                        fee_open = max(fee.amount_cents - fee_paid.get(fee.id, 0), 0)
                        fee_charge = docs.FeeCharge(
                            fee.amount_cents,
                            fee.net_cents,
                            fee.vat_cents,
                            fee.number,
                            _payment(
                                office, fee, fee_open, fee.due_on, recipient, with_qr=fee_open > 0
                            ),
                        )
                    data = docs.TerminationLetter(
                        office.issuer,
                        recipient.language,
                        recipient.lines,
                        recipient.salutation,
                        notice.due_on,
                        year.label,
                        sub.ends_on or notice.due_on,
                        child,
                        fee_charge,
                    )
                    make = docs.termination_spec
                request = _request(_NOTICE_KINDS[notice.kind], sub, recipient, f": {child.name}")
                items.append((make, data))
                requests.append(request)
                notice_of[id(request)] = notice.id
        if skip:
            with self.write(Permission.EDIT_BILLING, reason="notices overtaken") as session:
                session.execute(update(BillingNotice), skip)
                write_audit_entries(
                    session,
                    [
                        audit_entry(
                            session,
                            "skipped",
                            "billing_notice",
                            change["id"],
                            after={"skipped_reason": change["skipped_reason"]},
                        )
                        for change in skip
                    ],
                )
        return items, requests, notice_of, len(skip)

    # ---- pieces -------------------------------------------------------------------------------

    def _office(self, session: Session) -> _Office:
        school = self._school()
        settings = load_settings(session, school.country)
        # R73: invoices and reminders carry the billing entity's identity.
        issuer = docs.BillingIssuer(
            name=settings.entity_name,
            address_lines=settings.entity_address_lines,
            country=school.country.value,
            registry_code=settings.entity_registry_code,
            vat_id=settings.entity_vat_id,
            email=settings.entity_email,
            phone=settings.entity_phone,
            website=settings.entity_website,
        )
        return _Office(school, settings, issuer)

    def _guardians(self, session: Session, subs) -> dict[int, Guardian]:
        ids = {p.guardian_id for s in subs for p in s.profiles if p.guardian_id}
        if not ids:
            return {}
        return {g.id: g for g in session.scalars(select(Guardian).where(Guardian.id.in_(ids)))}

    def _recipient(
        self, session: Session, sub: Subscription, profile: SubscriptionProfile | None
    ) -> _Recipient:
        guardian = (
            session.get(Guardian, profile.guardian_id) if profile and profile.guardian_id else None
        )
        language = session.scalar(select(Student.language).where(Student.id == sub.student_id))
        return _make_recipient(
            sub,
            profile,
            guardian,
            language,
            self._school().default_language.value,
            self.documents.letterhead(),
        )


# A reprint whose due date has passed asks for payment within this many days of printing: the
# reply window of a payment reminder (R81: reminder 1 on 8 Oct, due 15 Oct).
REPRINT_PAYMENT_DAYS = 7


def _invoice_letter(
    office: _Office,
    sub: Subscription,
    invoice: Invoice,
    recipient: _Recipient,
    renewal: bool,
    paid_cents: int = 0,
    copy_on: date | None = None,
) -> docs.InvoiceLetter:
    """The invoice asking for what is still open; `copy_on`: a reprint made on that day."""
    open_cents = max(invoice.amount_cents - paid_cents, 0)
    due_on, original_due = invoice.due_on, None
    if copy_on is not None and invoice.due_on < copy_on:
        due_on, original_due = add_days(copy_on, REPRINT_PAYMENT_DAYS), invoice.due_on
    return docs.InvoiceLetter(
        office.issuer,
        recipient.language,
        recipient.lines,
        recipient.salutation,
        invoice.number,
        invoice.issued_on,
        SchoolYear(invoice.school_year).label,
        _child(sub),
        invoice.kind is InvoiceKind.FEE,
        renewal,
        invoice.net_cents,
        invoice.vat_cents,
        invoice.amount_cents,
        invoice.vat_rate_bp,
        _payment(office, invoice, open_cents, due_on, recipient, with_qr=open_cents > 0),
        paid_cents=min(paid_cents, invoice.amount_cents),
        copy_printed_on=copy_on,
        original_due_on=original_due,
        # The date of supply: the school year the cost covers; the fee's service is the day.
        supplied=(invoice.issued_on, invoice.issued_on)
        if invoice.kind is InvoiceKind.FEE
        else (SchoolYear(invoice.school_year).first_day, SchoolYear(invoice.school_year).last_day),
    )


def _require_invoice_identity(issuer: docs.BillingIssuer) -> None:
    """An invoice names its issuer's VAT number and registry number: without them it is no
    valid invoice, so it is not printed (the billing settings are where they are entered)."""
    missing = [
        ValidationError(field, "", N_("is needed on an invoice; enter it in the billing settings"))
        for field, value in (
            ("entity_vat_id", issuer.vat_id),
            ("entity_registry_code", issuer.registry_code),
        )
        if not value
    ]
    if missing:
        raise missing[0] if len(missing) == 1 else ValidationErrors(missing)


def _printed_before(session: Session, invoice: Invoice) -> bool:
    """Has this invoice gone out already (printed alone, or as the renewal invitation)?"""
    alone = session.scalar(
        select(GeneratedDocument.id)
        .where(
            GeneratedDocument.student_id == invoice.student_id,
            GeneratedDocument.kind.in_(("billing-invoice", "billing-renewal-invitation")),
            GeneratedDocument.title.like(f"% {invoice.number}"),
        )
        .limit(1)
    )
    invited = session.scalar(
        select(BillingNotice.id)
        .where(
            BillingNotice.invoice_id == invoice.id,
            BillingNotice.kind == NoticeKind.RENEWAL_INVITATION,
            BillingNotice.document_id.is_not(None),
        )
        .limit(1)
    )
    return alone is not None or invited is not None


def _payment(
    office: _Office,
    invoice: Invoice,
    amount: int,
    due_on: date,
    recipient: _Recipient,
    *,
    with_qr: bool = True,
) -> docs.PaymentDetails:
    s, country = office.settings, office.school.country
    if not s.iban:
        raise ValidationError(
            "iban",
            "",
            # R77
            N_(
                "set the billing entity's IBAN in the billing settings before "
                "printing invoices or reminders"
            ),
        )
    upn = None
    if country is Country.SI and with_qr:  # UPN QR: a Slovenian payment order
        year = SchoolYear(invoice.school_year).label
        tr = translator(recipient.language)
        purpose = (
            tr.gettext("Reminder fee %(year)s") % {"year": year}
            if invoice.kind is InvoiceKind.FEE
            else f"{docs.PRODUCT} {year}"
        )
        upn = build_upn_qr(
            UpnQrData(
                payer_name=_latin2(recipient.salutation, "payer_name"),
                payer_street=_latin2(recipient.street, "payer_street"),
                payer_city=_latin2(recipient.city, "payer_city"),
                amount_cents=amount,
                purpose_code=s.upn_purpose_code,
                purpose=_latin2(purpose, "purpose"),
                recipient_iban=s.iban,
                recipient_reference=invoice.reference,
                recipient_name=_latin2(s.entity_name, "recipient_name"),
                recipient_street=_latin2(s.entity_street, "recipient_street"),
                recipient_city=_latin2(
                    f"{s.entity_postal_code} {s.entity_city}".strip(), "recipient_city"
                ),
                due_date=due_on,
            )
        ).data
    return docs.PaymentDetails(
        s.iban,
        s.bic,
        s.bank_name,
        invoice.reference,
        amount,
        due_on,
        card_and_flik=country is Country.SI,
        upn_payload=upn,
    )


# ---- module helpers ---------------------------------------------------------------------------


def _live_subscription(session: Session, student_id: int) -> Subscription:
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


def _order_data(sub: Subscription) -> SubscriberData:
    return SubscriberData(
        sub.child_first_name,
        sub.child_last_name,
        sub.school_name,
        tuple(
            GuardianContact(p.first_name, p.last_name, p.mobile, p.email)
            for p in sub.profiles
            if p.active
        ),
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


def _payer(sub: Subscription) -> SubscriptionProfile | None:
    return next((p for p in sub.profiles if p.is_payer), None) or next(iter(sub.profiles), None)


def _child(sub: Subscription) -> docs.Child:
    return docs.Child(
        f"{sub.child_first_name} {sub.child_last_name}", sub.class_name, sub.school_name
    )


def _form_guardian(p: SubscriptionProfile) -> docs.FormGuardian:
    return docs.FormGuardian(p.full_name, p.mobile, p.email)


def _make_recipient(
    sub: Subscription,
    profile: SubscriptionProfile | None,
    guardian: Guardian | None,
    student_language,
    default_language: str,
    school,
) -> _Recipient:
    """The payer at their roster address, in their language (else the child's, else the
    school's). A student who ordered alone gets the letter at school."""
    if guardian is not None:
        from desktop.domain.addresses import person_lines

        place = " ".join(p for p in (guardian.postal_code, guardian.city) if p)
        language = guardian.language or student_language
        code = language.value if language else default_language
        # abroad: the country's name in capitals as the last line (DIN 5008, UPU)
        lines = person_lines(guardian, code, school.country)
        return _Recipient(
            guardian.id,
            lines,
            guardian.full_name,
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
    return _Recipient(
        None,
        lines[:6],
        name,
        student_language.value if student_language else default_language,
        school.address_lines[0] if school.address_lines else "",
        school.address_lines[1] if len(school.address_lines) > 1 else "",
    )


def _waits(notice, sub) -> bool:
    """The end-of-trial notice says the child is on MINIMALNI: it waits until a person has
    confirmed that switch (R67, R91)."""
    return notice.kind is NoticeKind.TRIAL_END_NOTICE and sub.state is _S.TRIAL


def _overtaken(notice, sub, invoice, paid) -> str:
    """A due letter that no longer makes sense when it comes to printing."""
    if notice.kind is NoticeKind.TERMINATION_NOTICE:
        return ""
    if notice.kind is NoticeKind.TRIAL_END_NOTICE:
        return "" if sub.state is _S.MINIMALNI else "ordered or ended meanwhile"
    if notice.kind in _TRIAL_NOTICES:
        return "" if sub.state is _S.TRIAL else "ordered or ended meanwhile"
    if sub.state not in _PAYING:
        return "subscription ended meanwhile"
    if invoice is None:
        return "no invoice"
    if invoice.cancelled_on is not None:
        return "invoice cancelled"
    if notice.kind is not NoticeKind.RENEWAL_INVITATION and (
        paid.get(invoice.id, 0) >= invoice.amount_cents
    ):
        return "paid meanwhile"
    return ""


def _figures(refund: Refund, language: str) -> docs.RefundFigures:
    tr = translator(language)
    return docs.RefundFigures(
        basis_text=tr.gettext(_BASIS_TEXT[refund.basis]),
        school_year=SchoolYear(refund.school_year).label,
        paid_cents=refund.paid_cents or 0,
        already_refunded_cents=refund.already_refunded_cents or 0,
        amount_cents=refund.amount_cents,
        reason=refund.reason,
        period_first=refund.period_first,
        period_last=refund.period_last,
        period_days=refund.period_days,
        lost_days=refund.lost_days,
    )


_BASIS_TEXT = {
    RefundBasis.OUTAGE: N_("Service outage of more than 30 days"),
    RefundBasis.SCHOOL_WITHDREW: N_("The school withdrew from the service"),
    RefundBasis.TERMS_WITHDRAWAL: N_("Withdrawal after a change of the terms"),
    RefundBasis.DISCRETIONARY: N_("Refund decided by the office"),
    RefundBasis.OVERPAYMENT: N_("Overpayment"),
}


def _request(
    kind: str, sub: Subscription, recipient: _Recipient, after_title: str = ""
) -> DocumentRequest:
    """The letter as DocumentService records it: titled in the recipient's language."""
    return DocumentRequest(
        kind,
        translator(recipient.language).gettext(document_kind(kind).title) + after_title,
        recipient.language,
        sub.student_id,
        recipient.guardian_id,
    )


def _latin2(text: str, field: str) -> str:
    """UPN fields are ISO 8859-2 with fixed lengths: spell other letters without their marks
    (õ → o) and cut to the field's length, rather than refuse to print the invoice."""
    out = []
    for ch in text.strip():
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if base.encode(ENCODING, "ignore") else "?")
    return "".join(out)[: FIELD_MAX_LENGTHS[field]]
