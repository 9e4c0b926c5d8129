"""The letters about the subscription itself: D14 trial notices (R89, R91), the pre-filled
cancellation forms D3/D4 (R95–R97), D5 the confirmation of a cancellation (R98, R99), D13 the
refund statement and D10 the withdrawal confirmation (R88, R102)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from desktop.documents.billing_letters.common import (
    FREE_TIER,
    PRODUCT,
    BillingIssuer,
    BillingLetter,
    Child,
    child_rows,
    child_table,
    issuer_letter,
)
from desktop.documents.builders import build_report
from desktop.documents.model import (
    AddressBlock,
    AddressBlocks,
    Block,
    Boxed,
    DataTable,
    DocumentInfo,
    Heading,
    KeyValueTable,
    Letterhead,
    LetterSpec,
    Paragraph,
    ReportSpec,
    SignatureLines,
    Spacer,
)
from desktop.documents.template import PLACE_AND_DATE, SIGNATURE
from desktop.domain.billing.letters import GuardianContact
from desktop.i18n import Translator, translator
from desktop.i18n.stored import stored_text


@dataclass(frozen=True)
class TrialLetter(BillingLetter):
    sent_on: date
    ended: bool  # False: invitation to order; True: end of trial and switch to MINIMALNI
    starts_on: date
    ends_on: date
    child: Child


def trial_spec(data: TrialLetter, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "free": FREE_TIER,
        "start": tr.format_date(data.starts_on),
        "end": tr.format_date(data.ends_on),
        "after": tr.format_date(data.ends_on + timedelta(days=1)),
    }
    if data.ended:
        subject = _("Your free trial of %(product)s has ended") % values
        body: list[Block] = [
            Paragraph(
                _(
                    "The free trial of %(product)s (from %(start)s to %(end)s) has ended. "
                    "Since no order was placed, your child's account switched to the free "
                    "%(free)s on %(after)s."
                )
                % values
            ),
            Paragraph(_("Nothing was charged for the trial.")),
        ]
    else:
        subject = _("Your free trial of %(product)s") % values
        body = [
            Paragraph(
                _(
                    "Your free trial of %(product)s runs from %(start)s to %(end)s. To keep the "
                    "automatic notifications after the trial, order %(product)s through the "
                    "parents' portal before the trial ends."
                )
                % values
            ),
            Paragraph(
                _(
                    "If you do not order, the account switches to the free %(free)s after the "
                    "trial. Nothing is charged for the trial."
                )
                % values
            ),
        ]
    body.append(child_table(tr, data.child))
    return issuer_letter(data, info, subject, body, data.sent_on)


# ---- D3 / D4: pre-filled cancellation forms (R95–R97) -----------------------------------------


@dataclass(frozen=True)
class CancellationForm:
    school: Letterhead
    issuer: BillingIssuer
    language: str
    child: Child
    guardians: tuple[GuardianContact, ...]  # as in the order: every active profile (R96)
    only: GuardianContact | None = None  # D4: the one user to unsubscribe (R97)


def cancellation_form_spec(data: CancellationForm, info: DocumentInfo) -> ReportSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {"product": PRODUCT, "free": FREE_TIER}
    if data.only is None:
        title = _("Cancellation of the %(product)s subscription") % values
        statement = _(
            "I hereby cancel the %(product)s subscription for the child named below. I "
            "understand that the cancellation takes effect on the day after this letter is "
            "received and that costs already paid are not refunded."
        )
    else:
        title = _("Unsubscribing one user from %(product)s") % values
        statement = _(
            "I hereby ask that **only the user named below** be unsubscribed from %(product)s. "
            "The subscription and the other user's profile remain active. The change takes "
            "effect on the day after this letter is received; costs already paid are not "
            "refunded."
        )
    body: list[Block] = [
        Paragraph(_("Send the signed letter to one of these addresses:")),
        AddressBlocks(
            (
                AddressBlock(_("The school"), (data.school.name, *data.school.address_lines)),
                AddressBlock(data.issuer.name, (data.issuer.name, *data.issuer.address_lines)),
            )
        ),
        Paragraph(
            _(
                "You can also send a scanned signed letter or a digitally signed e-mail to "
                "%(email)s."
            )
            % {"email": data.issuer.email or "starsi@easistent.com"},
            small=True,
        ),
        Boxed(statement % values),
        Heading(_("Child"), 2),
        child_table(tr, data.child),
    ]
    if data.only is not None:
        body += [Heading(_("Unsubscribe only this user"), 2), _guardian_table(tr, (data.only,))]
    heading = _("Parents or guardians") if len(data.guardians) > 1 else _("Parent or guardian")
    body += [Heading(heading, 2), _guardian_table(tr, data.guardians), Spacer(8)]
    signers = data.guardians if data.only is None else (data.only,)
    body.append(
        SignatureLines(
            (tr.gettext(PLACE_AND_DATE), *(tr.gettext(SIGNATURE) for _ in signers)),
            ("", *(_full_name(guardian) for guardian in signers)),
        )
    )
    body.append(
        Paragraph(
            _(
                "A handwritten signature is required. The free %(free)s remains available "
                "after the cancellation."
            )
            % values,
            small=True,
        )
    )
    return ReportSpec(
        school=data.school,
        info=info,
        language=data.language,
        title=title,
        body=tuple(body),
        subtitle=f"{data.child.name} · {data.child.school_name}",
    )


def _guardian_table(tr: Translator, guardians: Sequence[GuardianContact]) -> DataTable:
    _ = tr.gettext
    return DataTable(
        (_("Name and surname"), _("Mobile phone"), _("E-mail")),
        tuple((_full_name(p), p.mobile or "—", p.email or "—") for p in guardians),
        widths=(35, 25, 40),
    )


def _full_name(guardian: GuardianContact) -> str:
    return f"{guardian.first_name} {guardian.last_name}"


# ---- D5: confirmation of a cancellation / unsubscription (R98, R99) ---------------------------


@dataclass(frozen=True)
class CancellationConfirmation(BillingLetter):
    sent_on: date
    received_on: date
    effective_on: date
    child: Child
    only_user: str = ""  # R97: the unsubscribed user's name; empty for a whole cancellation


def cancellation_confirmation_spec(
    data: CancellationConfirmation, info: DocumentInfo
) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "free": FREE_TIER,
        "received": tr.format_date(data.received_on),
        "effective": tr.format_date(data.effective_on),
        "user": data.only_user,
    }
    if data.only_user:
        subject = _("Confirmation: one user unsubscribed from %(product)s") % values
        text = _(
            "On %(received)s we received your written request to unsubscribe the user "
            "%(user)s from %(product)s. The unsubscription takes effect on **%(effective)s**; "
            "from that day on, this user receives no more notifications. The subscription and "
            "the other user's profile remain active, and the price does not change."
        )
    else:
        subject = _("Confirmation of the cancellation of %(product)s") % values
        text = _(
            "On %(received)s we received your written cancellation of %(product)s. The "
            "cancellation takes effect on **%(effective)s**; from that day on, no more "
            "notifications are sent. The free %(free)s remains available."
        )
    body: list[Block] = [
        Paragraph(text % values),
        KeyValueTable(
            (
                (_("Letter received on"), tr.format_date(data.received_on)),
                (_("Takes effect on"), tr.format_date(data.effective_on)),
                *child_rows(tr, data.child),
            ),
            key_width_mm=45,
        ),
        Boxed(_("In accordance with the terms, costs already paid are not refunded.")),
    ]
    return issuer_letter(data, info, subject, body, data.sent_on)


# ---- D13 refund statement and D10 withdrawal confirmation (R88, R102) -------------------------


@dataclass(frozen=True)
class RefundFigures:
    """R88: P, D_P, L and the amount; empty period for an overpayment or a discretionary
    refund."""

    basis_text: str
    school_year: str
    paid_cents: int
    already_refunded_cents: int
    amount_cents: int
    reason: str
    period_first: date | None = None
    period_last: date | None = None
    period_days: int | None = None
    lost_days: int | None = None


def _refund_rows(tr: Translator, f: RefundFigures) -> tuple[tuple[str, str], ...]:
    _ = tr.gettext
    rows = [
        (_("Basis"), f.basis_text),
        (_("School year"), f.school_year),
        (_("Paid for the school year"), tr.format_money(f.paid_cents)),
    ]
    if f.period_days:
        rows += [
            (
                _("Paid period"),
                f"{tr.format_date(f.period_first)} – {tr.format_date(f.period_last)}",
            ),
            (_("Days in the paid period"), str(f.period_days)),
            (_("Days without the service"), str(f.lost_days)),
            (
                _("Calculation"),
                f"{tr.format_money(f.paid_cents)} × {f.lost_days} / {f.period_days}",
            ),
        ]
    if f.already_refunded_cents:
        rows.append((_("Already refunded"), tr.format_money(f.already_refunded_cents)))
    rows.append((_("Refund"), f"**{tr.format_money(f.amount_cents)}**"))
    return tuple(rows)


@dataclass(frozen=True)
class RefundStatement(BillingLetter):
    sent_on: date
    child: Child
    figures: RefundFigures


def refund_statement_spec(data: RefundStatement, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    body: list[Block] = [
        Paragraph(
            _(
                "We refund you **%(amount)s** for %(product)s. The amount will be paid to the "
                "account from which the payment was made."
            )
            % {"amount": tr.format_money(data.figures.amount_cents), "product": PRODUCT}
        ),
        KeyValueTable(_refund_rows(tr, data.figures), key_width_mm=55),
        Paragraph(_("Reason: %(reason)s") % {"reason": stored_text(tr, data.figures.reason)}),
        child_table(tr, data.child),
    ]
    subject = _("Refund statement: %(product)s") % {"product": PRODUCT}
    return issuer_letter(data, info, subject, body, data.sent_on)


@dataclass(frozen=True)
class WithdrawalConfirmation(BillingLetter):
    sent_on: date
    notice_sent_on: date
    deadline: date
    received_on: date
    effective_on: date
    child: Child
    figures: RefundFigures | None  # None: nothing had been paid


def withdrawal_confirmation_spec(data: WithdrawalConfirmation, info: DocumentInfo) -> LetterSpec:
    tr = translator(data.language)
    _ = tr.gettext
    values = {
        "product": PRODUCT,
        "free": FREE_TIER,
        "notice": tr.format_date(data.notice_sent_on),
        "deadline": tr.format_date(data.deadline),
        "received": tr.format_date(data.received_on),
        "effective": tr.format_date(data.effective_on),
    }
    body: list[Block] = [
        Paragraph(
            _(
                "On %(received)s we received your withdrawal from %(product)s following the "
                "change of the terms of use notified to you on %(notice)s. The withdrawal "
                "arrived within the 8-day period (until %(deadline)s) and takes effect on "
                "**%(effective)s**."
            )
            % values
        ),
        child_table(tr, data.child),
    ]
    if data.figures is not None and data.figures.amount_cents > 0:
        body += [
            Paragraph(
                _(
                    "You are entitled to a proportional refund of the annual communication cost "
                    "for the days from %(effective)s to the end of the school year:"
                )
                % values
            ),
            KeyValueTable(_refund_rows(tr, data.figures), key_width_mm=55),
        ]
    else:
        body.append(Paragraph(_("Nothing had been paid, so there is nothing to refund.")))
    body.append(Paragraph(_("The free %(free)s remains available.") % values))
    subject = _("Confirmation of your withdrawal from %(product)s") % values
    return issuer_letter(data, info, subject, body, data.sent_on)


def build_form(data: CancellationForm, info: DocumentInfo) -> bytes:
    return build_report(cancellation_form_spec(data, info))
