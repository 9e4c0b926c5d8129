"""What each area contributes to a data-access export (D2, R60): one small provider per area.

A provider reads its own tables inside the export's read transaction and returns sections of
rows (desktop.documents.access_export.ExportSectionData). container.py lists the providers, so
the export itself knows no area; a new area adds a provider and one line there.

What a guardian's copy leaves out, and why (GDPR Art. 15(4): a copy must not reveal other
people's data; R38: no national personal code on a document that leaves the school):
- the child's personal code and foreign document number: the export says they are held, not
  their value; the same masking applies to audit snapshots (consent_workflow.scrub);
- other guardians' contact details, their own decisions, requests and codes, their contact
  restrictions (R101), and letters addressed to them;
- card device references (the provider's opaque binding to a phone) and payer details, which
  the billing controller holds (R56, R65).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.db.models import (
    AccessCode,
    AuditEntry,
    BankEntry,
    Card,
    ContactRestriction,
    DataRequest,
    GeneratedDocument,
    Guardian,
    Invoice,
    Payment,
    Refund,
    StaffUser,
    Student,
    StudentGuardian,
    StudentPhoto,
    Subscription,
    SubscriptionProfile,
    TermsAcceptance,
    TermsDocument,
    TermsVersion,
    Trial,
)
from desktop.documents.access_export import ExportColumn as Col
from desktop.documents.access_export import ExportSectionData, FieldChange
from desktop.documents.kinds import DOCUMENT_KINDS
from desktop.domain.bank_matching import names_agree
from desktop.domain.consent_workflow import WITHHELD_MARK, scrub
from desktop.domain.dates import local_date
from desktop.i18n import N_


@dataclass(frozen=True)
class ExportContext:
    student_id: int
    guardian_id: int  # the requesting guardian
    country: str
    generated_at: datetime


SectionProvider = Callable[[Session, ExportContext], Sequence[ExportSectionData]]


@dataclass(frozen=True)
class ExportSection:
    key: str
    order: int  # sections are printed in this order
    collect: SectionProvider


# ---- labels shared by several sections -----------------------------------------------------

STATUS_LABELS = {"ENROLLED": N_("Enrolled"), "LEFT": N_("Left"), "GRADUATED": N_("Graduated")}
RELATION_LABELS = {
    "MOTHER": N_("Mother"),
    "FATHER": N_("Father"),
    "GUARDIAN": N_("Legal guardian"),
    "OTHER": N_("Other"),
}
LANGUAGE_LABELS = {"et": N_("Estonian"), "sl": N_("Slovenian"), "en": N_("English")}
CARD_KIND_LABELS = {"PHYSICAL": N_("Physical card"), "VIRTUAL": N_("Virtual card")}
CARD_STATUS_LABELS = {
    "ACTIVE": N_("Active"),
    "LOST": N_("Lost"),
    "REPLACED": N_("Replaced"),
    "EXPIRED": N_("Expired"),
    "REVOKED": N_("Revoked"),
    "SUSPENDED": N_("Suspended"),
    "CLOSED": N_("Closed"),
}
DECISION_LABELS = {
    "ACCEPTED": N_("Accepted"),
    "DECLINED": N_("Declined"),
    "WITHDRAWN": N_("Withdrawn"),
}
CHANNEL_LABELS = {
    "PAPER_AT_SCHOOL": N_("On paper at the school"),
    "PORTAL": N_("Parents' portal"),
    "LETTER": N_("Letter"),
    "ELECTRONIC_REGISTRATION": N_("Electronic registration"),
}
BASIS_LABELS = {
    "SELF": N_("Own decision"),
    "LEGAL_REPRESENTATIVE": N_("By a legal representative"),
    "INSTITUTION_ADMIN": N_("By the institution's administrator"),
}
PERSON_LABELS = {"STUDENT": N_("The student"), "GUARDIAN": N_("You")}
REQUEST_KIND_LABELS = {
    "ACCESS": N_("Access"),
    "RECTIFICATION": N_("Rectification"),
    "DELETION": N_("Erasure"),
    "RESTRICTION": N_("Restriction of use"),
    "OBJECTION": N_("Objection"),
    "PORTABILITY": N_("Data portability"),
}
REQUEST_STATUS_LABELS = {
    "OPEN": N_("Open"),
    "EXTENDED": N_("Extended"),
    "DONE": N_("Answered"),
    "REFUSED": N_("Refused"),
}
CODE_KIND_LABELS = {"EXPORT": N_("Data-access copy"), "SECURITY": N_("Portal security code")}
ACTION_LABELS = {
    "insert": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "export": N_("Copy of data given"),
    "issue-code": N_("Code issued"),
    "anonymise": N_("Anonymised"),
    "print": N_("Printed"),
}
ENTITY_LABELS = {
    "student": N_("Student record"),
    "student_guardian": N_("Guardian link"),
    "contact_restriction": N_("Contact restriction"),
    "card": N_("Student card"),
    "student_photo": N_("Card photo"),
    "terms_acceptance": N_("Terms decision"),
    "access_code": N_("Verification code"),
    "data_request": N_("Data protection request"),
    "deletion_request": N_("Deletion request"),
    "adult_prohibition": N_("Prohibition by the adult student"),
    "legal_hold": N_("Legal hold"),
    "retention_proposal": N_("Retention decision"),
    "breach_affected": N_("Data breach"),
    "subscription": N_("Subscription"),
    "subscription_profile": N_("Subscription profile"),
    "trial": N_("Trial"),
    "invoice": N_("Invoice"),
    "payment": N_("Payment"),
    "refund": N_("Refund"),
    "billing_notice": N_("Billing notice"),
    "billing_proposal": N_("Billing proposal"),
    "cancellation_letter": N_("Cancellation letter"),
    "generated_document": N_("Document produced"),
    "terms_change_notice": N_("Notice of a change of terms"),
}
KIND_LABELS = {kind.key: kind.title for kind in DOCUMENT_KINDS}
RESTRICTION_LABELS = {
    "PROHIBITION": N_("Prohibition of contact"),
    "RESTRICTION": N_("Restriction of contact"),
}
TIER_LABELS = {"MINIMALNI": "mojAsistent MINIMALNI", "POPOLNI": "mojAsistent POPOLNI"}
SUBSCRIPTION_STATE_LABELS = {
    "TRIAL": N_("Trial"),
    "ORDERED": N_("Ordered, not paid"),
    "ACTIVE": N_("Active"),
    "RENEWAL_DUE": N_("Renewal due"),
    "MINIMALNI": N_("Free tier (after trial)"),
    "CANCELLED": N_("Cancelled"),
    "ENDED_LEFT_SCHOOL": N_("Ended: left the school"),
    "ENDED_ADULT_PROHIBITION": N_("Ended: adult student's prohibition"),
    "ENDED_AUTHORITY_RESTRICTION": N_("Ended: authority restriction"),
    "ENDED_SCHOOL_WITHDREW": N_("Ended: school withdrew"),
    "WITHDRAWN_TERMS_CHANGE": N_("Withdrawn after a terms change"),
    "TERMINATED_NONPAYMENT": N_("Terminated: not paid"),
    "LAPSED_UNPAID": N_("Lapsed: never paid"),
    "DISABLED_BREACH": N_("Disabled: breach of terms"),
}
INVOICE_KIND_LABELS = {"ANNUAL": N_("Invoice"), "FEE": N_("Reminder fee")}
PAYMENT_METHOD_LABELS = {
    "TRANSFER": N_("Bank transfer"),
    "CARD": N_("Card"),
    "FLIK": N_("Flik"),
}
REFUND_BASIS_LABELS = {
    "OUTAGE": N_("Outage of more than 30 days"),
    "SCHOOL_WITHDREW": N_("School withdrew from POPOLNI"),
    "TERMS_WITHDRAWAL": N_("Withdrawal after a terms change"),
    "DISCRETIONARY": N_("Discretionary, after another ending"),
    "OVERPAYMENT": N_("Overpayment"),
}
LETTER_KIND_LABELS = {
    "CANCEL_ALL": N_("Cancellation"),
    "UNSUBSCRIBE_ONE": N_("Unsubscription of one user"),
    "TERMS_WITHDRAWAL": N_("Withdrawal after a terms change"),
}
LETTER_CHANNEL_LABELS = {
    "LETTER_TO_SCHOOL": N_("Signed letter to the school"),
    "LETTER_TO_PROVIDER": N_("Signed letter to eŠola"),
    "SCANNED_EMAIL": N_("Scanned signed letter by e-mail"),
    "SIGNED_EMAIL": N_("Digitally signed e-mail"),
    "PORTAL_OR_SCHOOL": N_("Portal or in person at school"),
}
ORDERED_BY_LABELS = {"GUARDIAN": N_("Parent or guardian"), "STUDENT": N_("The student")}
ORDER_CHANNEL_LABELS = {
    "ELECTRONIC": N_("Electronic registration"),
    "PORTAL": N_("Parents' portal"),
    "AT_SCHOOL": N_("At the school"),
    "LETTER": N_("Letter"),
}
COMMUNICATION_LABELS = {
    "SMS": N_("SMS"),
    "EMAIL": N_("E-mail"),
    "SMS_AND_EMAIL": N_("SMS and e-mail"),
}
# Why a change was recorded, as the services note it (in code, English): what the reader sees.
AUDIT_REASON_LABELS = (
    ("code issued", N_("Code issued")),
    ("EXPORT code", N_("Code issued")),
    ("SECURITY code", N_("Code issued")),
    ("code attempt", N_("Code entered")),
    ("copy of the data", N_("Copy of data given")),
    ("order", N_("Order")),
    ("payment", N_("Payment")),
    ("letter", N_("Letter received")),
    ("confirm proposal", N_("Confirmed by the school")),
    ("daily", N_("Scheduled check")),
    ("trial", N_("Free trial")),
    ("reminder fee", N_("Reminder fee")),
    ("adult prohibition", N_("Prohibition by the adult student")),
    ("notices printed", N_("Letters printed")),
    ("demo school", N_("Demo data")),
)


def _requester_link(session: Session, ctx: ExportContext) -> int | None:
    return session.scalar(
        select(StudentGuardian.id).where(
            StudentGuardian.student_id == ctx.student_id,
            StudentGuardian.guardian_id == ctx.guardian_id,
        )
    )


def _table(
    key: str,
    title: str,
    columns: Sequence[Col],
    items: Iterable[Any],
    note: str = "",
    layout: Literal["table", "record"] = "table",
    **computed: Callable[[Any], Any],
) -> ExportSectionData:
    """A section whose every column reads the item's attribute of the same name (an enum as
    its value); `computed` gives a column's value where it is no attribute, or is withheld."""
    return ExportSectionData(
        key,
        title,
        tuple(columns),
        tuple(
            {
                c.key: computed[c.key](item) if c.key in computed else _plain(getattr(item, c.key))
                for c in columns
            }
            for item in items
        ),
        note,
        layout,
    )


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


# ---- roster --------------------------------------------------------------------------------

CHILD_NOTE = N_(
    "The school also holds the child's personal identification number. It is not printed on "
    "documents that leave the school; you can see it at the school office."
)


def roster_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    s = session.get(Student, ctx.student_id)
    held = WITHHELD_MARK if (s.personal_code or s.foreign_document_id) else None
    child = _table(
        "child",
        N_("The child"),
        (
            Col("first_name", N_("First name")),
            Col("last_name", N_("Last name")),
            Col("birth_date", N_("Birth date"), "date"),
            Col("personal_code", N_("Personal identification number")),
            Col("class_name", N_("Class")),
            Col("status", N_("Status"), "enum", STATUS_LABELS),
            Col("enrolled_on", N_("Enrolled on"), "date"),
            Col("left_on", N_("Left on"), "date"),
            Col("leaving_reason", N_("Reason for leaving")),
            Col("language", N_("Language for letters"), "enum", LANGUAGE_LABELS),
            Col("full_capacity_from", N_("Full legal capacity from"), "date"),
        ),
        [s],
        CHILD_NOTE,
        "record",
        personal_code=lambda _s: held,
    )
    links = session.execute(
        select(StudentGuardian, Guardian)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(StudentGuardian.student_id == ctx.student_id)
        .order_by(StudentGuardian.id)
    ).all()
    guardians = []
    for link, g in links:
        own = g.id == ctx.guardian_id
        address = ", ".join(p for p in (g.street, f"{g.postal_code} {g.city}".strip()) if p)
        guardians.append(
            {
                "name": g.full_name,
                "relation": str(link.relation),
                "primary_contact": link.primary_contact,
                "phone": g.phone if own else None,
                "email": g.email if own else None,
                "address": address if own else None,
                "language": str(g.language) if own and g.language else None,
            }
        )
    guardian_section = ExportSectionData(
        "guardians",
        N_("Parents and guardians"),
        (
            Col("name", N_("Name"), width=1.4),
            Col("relation", N_("Relation"), "enum", RELATION_LABELS, 1.0),
            Col("primary_contact", N_("Main contact"), "bool", width=0.7),
            Col("phone", N_("Phone")),
            Col("email", N_("E-mail"), width=1.4),
            Col("address", N_("Address"), width=1.4),
            Col("language", N_("Language"), "enum", LANGUAGE_LABELS, 0.8),
        ),
        tuple(guardians),
        N_("Contact details are shown only for you; those of other guardians are their data."),
    )
    restrictions = session.execute(
        select(ContactRestriction)
        .join(StudentGuardian, StudentGuardian.id == ContactRestriction.link_id)
        .where(
            StudentGuardian.student_id == ctx.student_id,
            StudentGuardian.guardian_id == ctx.guardian_id,
        )
        .order_by(ContactRestriction.valid_from)
    ).scalars()
    own_restrictions = _table(
        "contact_restrictions",
        N_("Contact restrictions on your link to the child"),
        (
            Col("kind", N_("Measure"), "enum", RESTRICTION_LABELS),
            Col("valid_from", N_("From"), "date"),
            Col("valid_to", N_("Until"), "date"),
            Col("authority", N_("Authority")),
            Col("reference", N_("Reference")),
        ),
        restrictions,
    )
    return [child, guardian_section, own_restrictions]


# ---- cards ---------------------------------------------------------------------------------


def card_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    cards = session.scalars(
        select(Card).where(Card.student_id == ctx.student_id).order_by(Card.id)
    ).all()
    labels = {c.id: c.card_number for c in cards}
    history = []
    for e in session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "card", AuditEntry.student_id == ctx.student_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ):
        before, after = e.before or {}, e.after or {}
        card_id = int(e.entity_id) if e.entity_id.isdigit() else after.get("id")
        history.append(
            {
                "at": e.at,
                "card": labels.get(card_id) or after.get("card_number") or None,
                "action": e.action,
                "status_before": before.get("status"),
                "status_after": after.get("status"),
                "valid_until": after.get("valid_until"),
                "reason": after.get("status_reason") or None,
            }
        )
    photo = session.execute(
        select(StudentPhoto.created_at).where(StudentPhoto.student_id == ctx.student_id)
    ).first()
    return [
        _table(
            "cards",
            N_("Student cards"),
            (
                Col("kind", N_("Card"), "enum", CARD_KIND_LABELS),
                Col("card_number", N_("Number")),
                Col("issued_on", N_("Issued"), "date", width=0.8),
                Col("valid_until", N_("Valid until"), "date", width=0.8),
                Col("status", N_("Status"), "enum", CARD_STATUS_LABELS, 0.8),
                Col("status_changed_at", N_("Status since"), "datetime"),
                Col("status_reason", N_("Reason"), "stored"),
            ),
            cards,
            N_("The card provider's reference to the phone of a virtual card is not shown."),
        ),
        ExportSectionData(
            "card_history",
            N_("Card history"),
            (
                Col("at", N_("When"), "datetime"),
                Col("card", N_("Card")),
                Col("action", N_("What"), "enum", ACTION_LABELS, 0.9),
                Col("status_before", N_("Status before"), "enum", CARD_STATUS_LABELS, 0.8),
                Col("status_after", N_("Status after"), "enum", CARD_STATUS_LABELS, 0.8),
                Col("valid_until", N_("Valid until"), "date", width=0.8),
                Col("reason", N_("Reason"), "stored"),
            ),
            tuple(history),
        ),
        ExportSectionData(
            "card_photo",
            N_("Photo for the student card"),
            (
                Col("held", N_("A photo is held"), "bool"),
                Col("since", N_("Since"), "datetime"),
            ),
            ({"held": photo is not None, "since": photo[0] if photo else None},),
            layout="record",
        ),
    ]


# ---- consent -------------------------------------------------------------------------------


def consent_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    decisions = session.execute(
        select(
            TermsDocument.key.label("document"),
            TermsVersion.label.label("version"),
            TermsAcceptance.person_kind.label("person"),
            TermsAcceptance.decision,
            TermsAcceptance.decided_at,
            TermsAcceptance.channel,
            TermsAcceptance.basis,
            TermsAcceptance.given_by,
            TermsAcceptance.language_shown,
            TermsAcceptance.free_alternative_disclosed,
        )
        .join(TermsVersion, TermsVersion.id == TermsAcceptance.terms_version_id)
        .join(TermsDocument, TermsDocument.id == TermsVersion.document_id)
        .where(
            TermsAcceptance.student_id == ctx.student_id,
            or_(
                TermsAcceptance.guardian_id.is_(None),
                TermsAcceptance.guardian_id == ctx.guardian_id,
            ),
        )
        .order_by(TermsAcceptance.decided_at, TermsAcceptance.id)
    ).all()
    requests = session.scalars(
        select(DataRequest)
        .where(
            DataRequest.subject_student_id == ctx.student_id,
            DataRequest.requester_guardian_id == ctx.guardian_id,
        )
        .order_by(DataRequest.received_at)
    ).all()
    codes = session.scalars(
        select(AccessCode)
        .where(AccessCode.student_id == ctx.student_id, AccessCode.guardian_id == ctx.guardian_id)
        .order_by(AccessCode.issued_at)
    ).all()
    return [
        _table(
            "terms_decisions",
            N_("Decisions on terms of use"),
            (
                Col("document", N_("Terms")),
                Col("version", N_("Version"), width=0.6),
                Col("person", N_("Whose decision"), "enum", PERSON_LABELS, 0.8),
                Col("decision", N_("Decision"), "enum", DECISION_LABELS, 0.8),
                Col("decided_at", N_("When"), "datetime"),
                Col("channel", N_("How"), "enum", CHANNEL_LABELS),
                Col("basis", N_("Given"), "enum", BASIS_LABELS),
                Col("given_by", N_("By")),
                Col("language_shown", N_("Language shown"), "enum", LANGUAGE_LABELS, 0.8),
                Col("free_alternative_disclosed", N_("Free alternative told"), "bool", width=0.7),
            ),
            decisions,
            N_("Decisions of other guardians are their data and are not shown."),
        ),
        _table(
            "data_requests",
            N_("Your data protection requests about the child"),
            (
                Col("kind", N_("Request"), "enum", REQUEST_KIND_LABELS),
                Col("received_at", N_("Received"), "datetime"),
                Col("due_on", N_("Answer due"), "date"),
                Col("status", N_("Status"), "enum", REQUEST_STATUS_LABELS),
                Col("closed_on", N_("Answered on"), "date"),
            ),
            requests,
        ),
        _table(
            "verification_codes",
            N_("Verification codes issued to you for the child"),
            (
                Col("id", N_("Code no."), "number", width=0.6),
                Col("kind", N_("Purpose"), "enum", CODE_KIND_LABELS),
                Col("issued_at", N_("Issued"), "datetime"),
                Col("expires_at", N_("Valid until"), "datetime"),
                Col("used_at", N_("Used"), "datetime"),
                Col("failed_attempts", N_("Wrong attempts"), "number", width=0.6),
                Col("revoked", N_("Replaced"), "bool", width=0.6),
            ),
            codes,
            N_("The codes themselves are never stored; only their numbers are shown."),
        ),
    ]


# ---- documents -----------------------------------------------------------------------------


def document_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    rows = session.scalars(
        select(GeneratedDocument)
        .where(
            GeneratedDocument.student_id == ctx.student_id,
            GeneratedDocument.sha256 != "",
            or_(
                GeneratedDocument.guardian_id.is_(None),
                GeneratedDocument.guardian_id == ctx.guardian_id,
            ),
        )
        .order_by(GeneratedDocument.generated_at, GeneratedDocument.id)
    ).all()
    staff = _staff_names(session)
    return [
        _table(
            "documents",
            N_("Documents the school produced about the child"),
            (
                Col("document_id", N_("Document no.")),
                Col("kind", N_("Kind"), "enum", KIND_LABELS, 1.4),
                Col("title", N_("Title"), width=1.6),
                Col("language", N_("Language"), "enum", LANGUAGE_LABELS, 0.7),
                Col("generated_at", N_("Produced"), "datetime"),
                Col("generated_by", N_("By"), "staff"),
            ),
            rows,
            N_("Letters addressed to other guardians are not listed."),
            generated_by=lambda d: staff.get(d.generated_by, ""),
        )
    ]


# ---- the audit trail -----------------------------------------------------------------------


def _ids(session: Session, stmt) -> set[str]:
    return {str(i) for i in session.scalars(stmt)}


def audit_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    """Every change recorded about the child, minus what concerns other guardians only."""
    own_link = _requester_link(session, ctx)
    own_links = {str(own_link)} if own_link is not None else set()
    other_people = {
        "student_guardian": own_links,
        "contact_restriction": _ids(
            session, select(ContactRestriction.id).where(ContactRestriction.link_id == own_link)
        ),
        "terms_acceptance": _ids(
            session,
            select(TermsAcceptance.id).where(
                TermsAcceptance.student_id == ctx.student_id,
                or_(
                    TermsAcceptance.guardian_id.is_(None),
                    TermsAcceptance.guardian_id == ctx.guardian_id,
                ),
            ),
        ),
        "access_code": _ids(
            session,
            select(AccessCode.id).where(
                AccessCode.student_id == ctx.student_id, AccessCode.guardian_id == ctx.guardian_id
            ),
        ),
        "data_request": _ids(
            session,
            select(DataRequest.id).where(
                DataRequest.subject_student_id == ctx.student_id,
                DataRequest.requester_guardian_id == ctx.guardian_id,
            ),
        ),
        # the billing area's guardian profiles: only the requester's own
        "subscription_profile": _ids(
            session,
            select(SubscriptionProfile.id).where(
                SubscriptionProfile.guardian_id == ctx.guardian_id
            ),
        ),
    }
    staff = _staff_names(session)
    rows = []
    for e in session.scalars(
        select(AuditEntry)
        .where(AuditEntry.student_id == ctx.student_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ):
        allowed = other_people.get(e.entity)
        # An insert is logged before the row has its identity: the id is in `after`.
        entity_id = e.entity_id or str((e.after or {}).get("id", ""))
        if allowed is not None and entity_id not in allowed:
            continue
        rows.append(
            {
                "at": e.at,
                "by": staff.get(e.actor, ""),
                "action": e.action,
                "entity": e.entity,
                "changes": changes(e.entity, e.action, scrub(e.before), scrub(e.after)),
                "reason": audit_reason(e.reason),
            }
        )
    return [
        ExportSectionData(
            "audit_trail",
            N_("Record of changes and uses of the child's data"),
            (
                Col("at", N_("When"), "datetime", width=0.9),
                Col("by", N_("By (staff)"), "staff", width=0.8),
                Col("action", N_("What"), "enum", ACTION_LABELS, 0.9),
                Col("entity", N_("Kind of record"), "enum", ENTITY_LABELS, 0.9),
                Col("changes", N_("Details"), "changes", width=2.4),
                Col("reason", N_("Reason"), "enum", dict(AUDIT_REASON_LABELS), 0.8),
            ),
            tuple(rows),
            N_(
                "Entries about other guardians are left out. Personal identification numbers "
                "are shown as (withheld)."
            ),
        )
    ]


def _staff_names(session: Session) -> dict[str, str]:
    """login → full name; a login without a name is printed as the school office."""
    return {
        login: name
        for login, name in session.execute(select(StaffUser.login, StaffUser.full_name))
        if name and name != login
    }


def audit_reason(reason: str) -> str | None:
    """The key of AUDIT_REASON_LABELS a stored reason starts with; None: not shown."""
    for prefix, _label in AUDIT_REASON_LABELS:
        if reason.startswith(prefix):
            return prefix
    return None


# ---- the fields of a recorded change: a label and a formatter each ---------------------------


def _f(label: str, kind: str = "text", labels: dict[str, str] | None = None):
    return (label, kind, labels or {})


# Fields a reader may see, by record, then for every record. A field not listed (ids, keys,
# hashes, internal bookkeeping) is left out of the copy; the JSON attachment has the data.
COMMON_FIELDS = {
    "first_name": _f(N_("First name")),
    "last_name": _f(N_("Last name")),
    "birth_date": _f(N_("Birth date"), "date"),
    "personal_code": _f(N_("Personal identification number")),
    "foreign_document_id": _f(N_("Foreign document number")),
    "class_name": _f(N_("Class")),
    "enrolled_on": _f(N_("Enrolled on"), "date"),
    "left_on": _f(N_("Left on"), "date"),
    "leaving_reason": _f(N_("Reason for leaving")),
    "language": _f(N_("Language"), "enum", LANGUAGE_LABELS),
    "full_capacity_from": _f(N_("Full legal capacity from"), "date"),
    "relation": _f(N_("Relation"), "enum", RELATION_LABELS),
    "primary_contact": _f(N_("Main contact"), "bool"),
    "valid_from": _f(N_("From"), "date"),
    "valid_to": _f(N_("Until"), "date"),
    "permanent": _f(N_("Permanent"), "bool"),
    "authority": _f(N_("Authority")),
    "reference": _f(N_("Reference")),
    "issued_on": _f(N_("Issued"), "date"),
    "issued_at": _f(N_("Issued"), "datetime"),
    "valid_until": _f(N_("Valid until"), "date"),
    "expires_at": _f(N_("Valid until"), "datetime"),
    "used_at": _f(N_("Used"), "datetime"),
    "failed_attempts": _f(N_("Wrong attempts"), "number"),
    "revoked": _f(N_("Replaced"), "bool"),
    "card_number": _f(N_("Number")),
    "status_reason": _f(N_("Reason"), "stored"),
    "decided_at": _f(N_("When"), "datetime"),
    "received_at": _f(N_("Received"), "datetime"),
    "received_on": _f(N_("Received"), "date"),
    "due_on": _f(N_("Due"), "date"),
    "closed_on": _f(N_("Answered on"), "date"),
    "ordered_on": _f(N_("Ordered"), "date"),
    "activated_on": _f(N_("Activated"), "date"),
    "ends_on": _f(N_("Ends"), "date"),
    "starts_on": _f(N_("From"), "date"),
    "end_reason": _f(N_("Reason"), "stored"),
    "effective_on": _f(N_("Takes effect"), "date"),
    "notice_sent_on": _f(N_("Notice sent"), "date"),
    "number": _f(N_("Number")),
    "amount_cents": _f(N_("Amount"), "money"),
    "value_date": _f(N_("Date"), "date"),
    "decided_on": _f(N_("Decided"), "date"),
    "cancelled_on": _f(N_("Cancelled"), "date"),
    "tier": _f(N_("Service"), "enum", TIER_LABELS),
    "method": _f(N_("Method"), "enum", PAYMENT_METHOD_LABELS),
    "basis": _f(N_("Basis"), "enum", REFUND_BASIS_LABELS),
    "ordered_by": _f(N_("Ordered by"), "enum", ORDERED_BY_LABELS),
    "communication_mode": _f(N_("Messages by"), "enum", COMMUNICATION_LABELS),
    "length_days": _f(N_("Days"), "number"),
    "handwritten_signature": _f(N_("Handwritten signature"), "bool"),
    "letter_reference": _f(N_("Reference")),
    "active": _f(N_("Active"), "bool"),
    "mobile": _f(N_("Mobile phone")),
    "email": _f(N_("E-mail")),
    "is_payer": _f(N_("Payer"), "bool"),
}
FIELDS_BY_ENTITY = {
    "student": {"status": _f(N_("Status"), "enum", STATUS_LABELS)},
    "student_guardian": {},
    "contact_restriction": {"kind": _f(N_("Measure"), "enum", RESTRICTION_LABELS)},
    "card": {
        "kind": _f(N_("Card"), "enum", CARD_KIND_LABELS),
        "status": _f(N_("Status"), "enum", CARD_STATUS_LABELS),
    },
    "access_code": {"kind": _f(N_("Purpose"), "enum", CODE_KIND_LABELS)},
    "data_request": {
        "kind": _f(N_("Request"), "enum", REQUEST_KIND_LABELS),
        "status": _f(N_("Status"), "enum", REQUEST_STATUS_LABELS),
    },
    "terms_acceptance": {
        "decision": _f(N_("Decision"), "enum", DECISION_LABELS),
        "channel": _f(N_("How"), "enum", CHANNEL_LABELS),
    },
    "subscription": {
        "state": _f(N_("Status"), "enum", SUBSCRIPTION_STATE_LABELS),
        "channel": _f(N_("How"), "enum", ORDER_CHANNEL_LABELS),
    },
    "invoice": {"kind": _f(N_("Kind"), "enum", INVOICE_KIND_LABELS)},
    "cancellation_letter": {
        "kind": _f(N_("Letter"), "enum", LETTER_KIND_LABELS),
        "channel": _f(N_("How"), "enum", LETTER_CHANNEL_LABELS),
    },
}
# Records whose changes are bookkeeping with no field a reader needs
QUIET_ENTITIES = frozenset({"billing_notice", "billing_proposal"})


def changes(
    entity: str, action: str, before: dict | None, after: dict | None
) -> tuple[FieldChange, ...]:
    """A recorded change as labelled fields; an update shows "before → after"."""
    if entity in QUIET_ENTITIES or not isinstance(after or before or {}, dict):
        return ()
    fields = {**COMMON_FIELDS, **FIELDS_BY_ENTITY.get(entity, {})}
    update = action == "update" and before is not None and after is not None
    values = after if after is not None else before
    out = []
    for key, value in (values or {}).items():
        spec = fields.get(key)
        if spec is None:
            continue
        label, kind, labels = spec
        if update:
            out.append(FieldChange(key, label, kind, labels, before.get(key), value, True))
        elif value not in (None, "", [], {}):
            out.append(FieldChange(key, label, kind, labels, None, value))
    return tuple(out)


# ---- billing (R56: the billing entity is the controller; what the school's copy holds) ------


PAYMENTS_NOTE = N_(
    "Payments are made to the billing provider, which keeps the payer's details as their "
    "controller; the school's copy shows what is listed here."
)
# Columns only the billing tables show (not fields of a recorded change)
BILLING_ONLY_FIELDS = {
    "card_last_four": _f(N_("Card (last 4 digits)")),
    "reason": _f(N_("Reason"), "stored"),
}


def _columns(entity: str, *keys: str) -> tuple[Col, ...]:
    """Columns labelled as the same fields are in a recorded change: one label per field."""
    fields = {**COMMON_FIELDS, **FIELDS_BY_ENTITY.get(entity, {}), **BILLING_ONLY_FIELDS}
    return tuple(Col(key, *fields[key]) for key in keys)


# The child's billing records, one table each: (key, title, model, order, columns, note)
BILLING_TABLES = (
    (
        "subscriptions",
        N_("Subscriptions"),
        Subscription,
        Subscription.id,
        _columns(
            "subscription", "tier", "state", "ordered_on", "activated_on", "ends_on", "end_reason"
        ),
        "",
    ),
    (
        "trials",
        N_("Free trials"),
        Trial,
        Trial.id,
        _columns("trial", "starts_on", "ends_on", "length_days"),
        "",
    ),
    (
        "invoices",
        N_("Invoices"),
        Invoice,
        Invoice.issued_on,
        _columns(
            "invoice", "number", "kind", "issued_on", "due_on", "amount_cents", "cancelled_on"
        ),
        "",
    ),
    (
        "payments",
        N_("Payments"),
        Payment,
        Payment.value_date,
        _columns("payment", "value_date", "amount_cents", "method", "reference", "card_last_four"),
        PAYMENTS_NOTE,
    ),
    (
        "refunds",
        N_("Refunds"),
        Refund,
        Refund.decided_on,
        _columns("refund", "decided_on", "amount_cents", "basis", "reason"),
        "",
    ),
)


def billing_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    return [
        _table(
            key,
            title,
            columns,
            session.scalars(
                select(model).where(model.student_id == ctx.student_id).order_by(order, model.id)
            ),
            note,
        )
        for key, title, model, order, columns, note in BILLING_TABLES
    ]


# ---- bank statements: the transfers booked as the child's payments (R77) ---------------------


def bank_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    """The bank entries booked on the child's invoices. Who paid, from which account and with
    what message is the payer's data: shown when the requesting guardian is the payer named
    by the bank (GDPR Art. 15(4))."""
    requester = session.get(Guardian, ctx.guardian_id)
    entries = session.scalars(
        select(BankEntry)
        .join(Invoice, Invoice.id == BankEntry.invoice_id)
        .where(Invoice.student_id == ctx.student_id)
        .order_by(BankEntry.booked_on, BankEntry.id)
    ).all()

    def own(attribute: str) -> Callable[[BankEntry], str | None]:
        def value(entry: BankEntry) -> str | None:
            mine = requester is not None and names_agree(requester.full_name, entry.debtor_name)
            return getattr(entry, attribute) if mine else None

        return value

    return [
        _table(
            "bank_transfers",
            N_("Bank transfers received for the child"),
            (
                Col("booked_on", N_("Booked on"), "date", width=0.8),
                Col("amount_cents", N_("Amount"), "money", width=0.8),
                Col("reference", N_("Reference")),
                Col("debtor_name", N_("Payer")),
                Col("debtor_iban", N_("Payer's account"), width=1.3),
                Col("text", N_("Payment description"), width=1.4),
            ),
            entries,
            N_(
                "The payer's name, account and payment description are shown only for "
                "transfers you made yourself."
            ),
            debtor_name=own("debtor_name"),
            debtor_iban=own("debtor_iban"),
            text=own("text"),
        )
    ]


def default_sections() -> list[ExportSection]:
    """Every area's provider; container.py registers them."""
    return [
        ExportSection("roster", 10, roster_sections),
        ExportSection("cards", 20, card_sections),
        ExportSection("consent", 30, consent_sections),
        ExportSection("billing", 40, billing_sections),
        ExportSection("bank", 45, bank_sections),
        ExportSection("documents", 80, document_sections),
        ExportSection("audit", 90, audit_sections),
    ]


def earliest_day(session: Session, student_id: int, country: str) -> date | None:
    """The first day the school held data about the student: the earliest of the record's
    creation, its first logged change, and the days the data themselves name (enrolment, the
    birth of a card, an order, a decision): the export's period covers what it lists."""
    instants: list[date] = []

    def add(value: Any) -> None:
        if isinstance(value, datetime):
            instants.append(local_date(value, country))
        elif isinstance(value, date):
            instants.append(value)

    student = session.get(Student, student_id)
    if student is not None:
        add(student.created_at)
        add(student.enrolled_on)
    add(
        session.scalar(
            select(AuditEntry.at).where(AuditEntry.student_id == student_id).order_by(AuditEntry.at)
        )
    )
    for column, where in (
        (Card.issued_on, Card.student_id),
        (TermsAcceptance.decided_at, TermsAcceptance.student_id),
        (Subscription.ordered_on, Subscription.student_id),
        (Trial.starts_on, Trial.student_id),
        (Invoice.issued_on, Invoice.student_id),
        (Payment.value_date, Payment.student_id),
        (GeneratedDocument.generated_at, GeneratedDocument.student_id),
    ):
        add(session.scalar(select(column).where(where == student_id).order_by(column).limit(1)))
    return min(instants) if instants else None
