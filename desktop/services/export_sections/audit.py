"""The audit trail of the child's record, minus what concerns other guardians only."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.db.models import (
    AccessCode,
    AuditEntry,
    ContactRestriction,
    DataRequest,
    StudentGuardian,
    SubscriptionProfile,
    TermsAcceptance,
)
from desktop.documents.access_export import ExportColumn as Col
from desktop.documents.access_export import ExportSectionData
from desktop.domain.consent_workflow import scrub
from desktop.i18n import N_
from desktop.services.export_sections.common import ExportContext, staff_names
from desktop.services.export_sections.fields import changes
from desktop.services.export_sections.labels import (
    ACTION_LABELS,
    AUDIT_REASON_LABELS,
    ENTITY_LABELS,
)

# ---- the audit trail -----------------------------------------------------------------------


def _requester_link(session: Session, ctx: ExportContext) -> int | None:
    return session.scalar(
        select(StudentGuardian.id).where(
            StudentGuardian.student_id == ctx.student_id,
            StudentGuardian.guardian_id == ctx.guardian_id,
        )
    )


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
    staff = staff_names(session)
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


def audit_reason(reason: str) -> str | None:
    """The key of AUDIT_REASON_LABELS a stored reason starts with; None: not shown."""
    for prefix, _label in AUDIT_REASON_LABELS:
        if reason.startswith(prefix):
            return prefix
    return None
