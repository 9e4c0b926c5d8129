"""The school's own records of the child: the roster, cards, terms decisions and requests,
and the documents produced.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.db.models import (
    AccessCode,
    AuditEntry,
    Card,
    ContactRestriction,
    DataRequest,
    GeneratedDocument,
    Guardian,
    Student,
    StudentGuardian,
    StudentPhoto,
    TermsAcceptance,
    TermsDocument,
    TermsVersion,
)
from desktop.documents.access_export import ExportColumn as Col
from desktop.documents.access_export import ExportSectionData
from desktop.domain.consent_workflow import WITHHELD_MARK
from desktop.i18n import N_
from desktop.services.export_sections.common import ExportContext, staff_names, table
from desktop.services.export_sections.labels import (
    ACTION_LABELS,
    BASIS_LABELS,
    CARD_KIND_LABELS,
    CARD_STATUS_LABELS,
    CHANNEL_LABELS,
    CODE_KIND_LABELS,
    DECISION_LABELS,
    KIND_LABELS,
    LANGUAGE_LABELS,
    PERSON_LABELS,
    RELATION_LABELS,
    REQUEST_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    RESTRICTION_LABELS,
    STATUS_LABELS,
)

# ---- roster --------------------------------------------------------------------------------

CHILD_NOTE = N_(
    "The school also holds the child's personal identification number. It is not printed on "
    "documents that leave the school; you can see it at the school office."
)


def roster_sections(session: Session, ctx: ExportContext) -> list[ExportSectionData]:
    s = session.get(Student, ctx.student_id)
    held = WITHHELD_MARK if (s.personal_code or s.foreign_document_id) else None
    child = table(
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
    own_restrictions = table(
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
        table(
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
        table(
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
        table(
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
        table(
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
    staff = staff_names(session)
    return [
        table(
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
