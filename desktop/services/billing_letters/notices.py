"""The notices on the billing calendar (R80, R81, R91, R103): trial notices (D14), the renewal
invitation and the reminders (D11), the termination notice (D12). Printing a batch is three
stages: select what is due and still makes sense, prepare one letter per notice, then produce
the PDF and mark the notices printed in the transaction that records the documents."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from desktop.db.models import (
    BillingNotice,
    Guardian,
    Invoice,
    Payment,
    Student,
    Subscription,
    Trial,
)
from desktop.db.session import audit_entry, write_audit_entries
from desktop.domain import clock
from desktop.domain.billing.policy import BillingPolicy, policy_for
from desktop.domain.billing.records import InvoiceKind, NoticeKind
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.dates import SchoolYear
from desktop.domain.roles import Permission
from desktop.services.billing import load_policies, paid_per_invoice
from desktop.services.billing_letters.common import (
    PAYING,
    BillingLettersBase,
    Office,
    Recipient,
    child,
    document_request,
    make_recipient,
    payer,
)
from desktop.services.billing_letters.payment import invoice_letter, payment_details
from desktop.services.documents import DocumentRequest, Produced, check_output

if TYPE_CHECKING:  # loaded when a letter is built (see common)
    from desktop.documents import billing_letters as docs

_S = SubscriptionState

# What a notice prints as: its document kind.
NOTICE_KINDS = {
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
_REMINDERS = {  # level, and whether it is about a renewal (R81) or a first order (R80)
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

# One letter to build: the spec builder and its data.
LetterToBuild = tuple["docs.SpecBuilder", Any]


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


@dataclass
class _Prepared:
    """The letters of a print run, each with its request and the notice it prints."""

    letters: list[LetterToBuild] = field(default_factory=list)
    requests: list[DocumentRequest] = field(default_factory=list)
    notice_of: dict[int, int] = field(default_factory=dict)  # id(request) → notice id
    skipped: list[dict] = field(default_factory=list)  # {"id", "skipped_reason"} per notice

    def add(self, letter: LetterToBuild, request: DocumentRequest, notice_id: int) -> None:
        self.letters.append(letter)
        self.requests.append(request)
        self.notice_of[id(request)] = notice_id


@dataclass(frozen=True)
class _PrintRun:
    """What a batch of notices is written from, read once for the whole batch."""

    office: Office
    letterhead: Any  # the school as printed: a letter to a student goes to the school
    subs: dict[int, Subscription]
    invoices: dict[int, Invoice]
    paid: dict[int, int]  # invoice id → cents paid
    trials: dict[int, Trial]  # by subscription id
    fees: dict[tuple[int, int], Invoice]  # (subscription id, start year) → reminder fee
    fee_paid: dict[int, int]
    guardians: dict[int, Guardian]
    student_languages: dict[int, Any]
    policies: dict[SchoolYear, BillingPolicy]

    def recipient(self, sub: Subscription) -> Recipient:
        profile = payer(sub)
        guardian = (
            self.guardians.get(profile.guardian_id) if profile and profile.guardian_id else None
        )
        return make_recipient(
            sub,
            profile,
            guardian,
            self.student_languages.get(sub.student_id),
            self.office.school.default_language.value,
            self.letterhead,
        )

    def letter(self, notice: BillingNotice, sub: Subscription, to: Recipient) -> LetterToBuild:
        from desktop.documents import billing_letters as docs

        if notice.kind in _TRIAL_NOTICES:
            return docs.trial_spec, self._trial(notice, sub, to)
        if notice.kind in _REMINDERS:
            return docs.reminder_spec, self._reminder(notice, sub, to)
        if notice.kind is NoticeKind.RENEWAL_INVITATION:
            invoice = self.invoices[notice.invoice_id]
            paid = self.paid.get(invoice.id, 0)
            return docs.invoice_spec, invoice_letter(self.office, sub, invoice, to, True, paid)
        return docs.termination_spec, self._termination(notice, sub, to)  # R103

    def _trial(self, notice: BillingNotice, sub: Subscription, to: Recipient) -> docs.TrialLetter:
        from desktop.documents import billing_letters as docs

        trial = self.trials[sub.id]
        return docs.TrialLetter(
            self.office.issuer,
            to.language,
            to.header,
            notice.due_on,
            notice.kind is NoticeKind.TRIAL_END_NOTICE,
            trial.starts_on,
            trial.ends_on,
            child(sub),
        )

    def _reminder(
        self, notice: BillingNotice, sub: Subscription, to: Recipient
    ) -> docs.ReminderLetter:
        from desktop.documents import billing_letters as docs

        level, renewal = _REMINDERS[notice.kind]
        invoice = self.invoices[notice.invoice_id]
        owed = invoice.amount_cents - self.paid.get(invoice.id, 0)
        year = SchoolYear(invoice.school_year)
        policy = policy_for(year, self.policies)
        pay_by = notice.reply_by or invoice.due_on
        return docs.ReminderLetter(
            self.office.issuer,
            to.language,
            to.header,
            level,
            renewal,
            notice.due_on,
            notice.reply_by or notice.due_on,
            invoice.number,
            invoice.issued_on,
            year.label,
            child(sub),
            owed,
            payment_details(self.office, invoice, owed, pay_by, to),
            policy.renewal.termination_effective if renewal else None,
            policy.reminder_fee_gross_cents,
        )

    def _termination(
        self, notice: BillingNotice, sub: Subscription, to: Recipient
    ) -> docs.TerminationLetter:
        from desktop.documents import billing_letters as docs

        ends_on = sub.ends_on or notice.due_on
        year = SchoolYear.of(ends_on)
        return docs.TerminationLetter(
            self.office.issuer,
            to.language,
            to.header,
            notice.due_on,
            year.label,
            ends_on,
            child(sub),
            self._fee_charge(sub, year, to),
        )

    def _fee_charge(
        self, sub: Subscription, year: SchoolYear, to: Recipient
    ) -> docs.FeeCharge | None:
        """R81: the reminder fee the termination notice states, with what is still open."""
        from desktop.documents import billing_letters as docs

        fee = self.fees.get((sub.id, year.start_year))
        if fee is None:
            return None
        fee_open = max(fee.amount_cents - self.fee_paid.get(fee.id, 0), 0)
        return docs.FeeCharge(
            fee.amount_cents,
            fee.net_cents,
            fee.vat_cents,
            fee.number,
            payment_details(self.office, fee, fee_open, fee.due_on, to, with_qr=fee_open > 0),
        )


class NoticePrinting(BillingLettersBase):
    """The notices the daily job put on the calendar, printed in batches."""

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
        prepared = self._prepare_notices(notice_ids, today)
        self._mark_skipped(prepared.skipped)
        requests = prepared.requests
        # The pre-flight list: restricted (R15), the adult child's prohibition (R48) and, as
        # these go by post, no postal address; the batch goes on without them and says why.
        allowed, refused = self.documents.split_contactable(requests, today, postal=True)
        produced = None
        if allowed:
            position = {id(r): n for n, r in enumerate(requests)}
            chosen = [prepared.letters[position[id(r)]] for r in allowed]
            produced = self._produce(chosen, allowed, progress, cancel, prepared.notice_of, out)
        names = {id(r): r.title for r in requests}
        return PrintedBatch(
            produced,
            len(allowed),
            tuple((names[id(r)], reason) for r, reason in refused),
            len(prepared.skipped),
        )

    def _prepare_notices(self, notice_ids: Sequence[int] | None, today: date) -> _Prepared:
        """One letter per due notice; a notice overtaken meanwhile is set aside to be marked."""
        prepared = _Prepared()
        with self.db.read() as session:
            notices = _due_notices(session, notice_ids, today)
            if not notices:
                return prepared
            run = self._read_run(session, notices)
            for notice in notices:
                sub = run.subs[notice.subscription_id]
                if _waits(notice, sub):
                    continue
                reason = _overtaken(notice, sub, run.invoices.get(notice.invoice_id), run.paid)
                if reason:
                    prepared.skipped.append({"id": notice.id, "skipped_reason": reason})
                    continue
                to = run.recipient(sub)
                title = f": {child(sub).name}"
                request = document_request(NOTICE_KINDS[notice.kind], sub, to, title)
                prepared.add(run.letter(notice, sub, to), request, notice.id)
        return prepared

    def _read_run(self, session: Session, notices: list[BillingNotice]) -> _PrintRun:
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
        fees = _fee_invoices(session, subs)
        return _PrintRun(
            office=self._office(session),
            letterhead=self.documents.letterhead(),
            subs=subs,
            invoices=invoices,
            paid=paid_per_invoice(session, Payment.invoice_id.in_(list(invoices))),
            trials={
                t.subscription_id: t
                for t in session.scalars(select(Trial).where(Trial.subscription_id.in_(list(subs))))
            },
            fees=fees,
            fee_paid=paid_per_invoice(
                session, Payment.invoice_id.in_([i.id for i in fees.values()])
            ),
            guardians=self._guardians(session, subs.values()),
            student_languages=_student_languages(session, subs.values()),
            policies=load_policies(session),
        )

    def _mark_skipped(self, skipped: list[dict]) -> None:
        """A notice overtaken before printing is marked so, and not offered again."""
        if not skipped:
            return
        with self.write(Permission.EDIT_BILLING, reason="notices overtaken") as session:
            session.execute(update(BillingNotice), skipped)
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
                    for change in skipped
                ],
            )

    def _produce(self, items, requests, progress, cancel, notice_of, out) -> Produced:
        from desktop.documents import billing_letters as docs

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


def _due_notices(
    session: Session, notice_ids: Sequence[int] | None, today: date
) -> list[BillingNotice]:
    stmt = select(BillingNotice).where(
        BillingNotice.document_id.is_(None),
        BillingNotice.skipped_reason == "",
        BillingNotice.due_on <= today,
    )
    if notice_ids is not None:
        stmt = stmt.where(BillingNotice.id.in_(list(notice_ids)))
    return list(session.scalars(stmt.order_by(BillingNotice.due_on, BillingNotice.id)))


def _fee_invoices(
    session: Session, subs: dict[int, Subscription]
) -> dict[tuple[int, int], Invoice]:
    return {
        (i.subscription_id, i.school_year): i
        for i in session.scalars(
            select(Invoice).where(
                Invoice.kind == InvoiceKind.FEE, Invoice.subscription_id.in_(list(subs))
            )
        )
    }


def _student_languages(session: Session, subs: Iterable[Subscription]) -> dict[int, Any]:
    return dict(
        session.execute(
            select(Student.id, Student.language).where(Student.id.in_({s.student_id for s in subs}))
        ).all()
    )


def _waits(notice: BillingNotice, sub: Subscription) -> bool:
    """The end-of-trial notice says the child is on MINIMALNI: it waits until a person has
    confirmed that switch (R67, R91)."""
    return notice.kind is NoticeKind.TRIAL_END_NOTICE and sub.state is _S.TRIAL


def _overtaken(
    notice: BillingNotice, sub: Subscription, invoice: Invoice | None, paid: dict[int, int]
) -> str:
    """A due letter that no longer makes sense when it comes to printing."""
    if notice.kind is NoticeKind.TERMINATION_NOTICE:
        return ""
    if notice.kind is NoticeKind.TRIAL_END_NOTICE:
        return "" if sub.state is _S.MINIMALNI else "ordered or ended meanwhile"
    if notice.kind in _TRIAL_NOTICES:
        return "" if sub.state is _S.TRIAL else "ordered or ended meanwhile"
    if sub.state not in PAYING:
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
