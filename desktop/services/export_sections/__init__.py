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

The package: `common` (the context, a provider's registration, a table of rows), `labels`
(printed values), `fields` (a recorded change's fields), and the providers: `school_records`
(roster, cards, consent, documents), `billing` (billing and bank transfers) and `audit`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    AuditEntry,
    Card,
    GeneratedDocument,
    Invoice,
    Payment,
    Student,
    Subscription,
    TermsAcceptance,
    Trial,
)
from desktop.domain.dates import local_date
from desktop.services.export_sections.audit import audit_sections
from desktop.services.export_sections.billing import bank_sections, billing_sections
from desktop.services.export_sections.common import ExportSection
from desktop.services.export_sections.school_records import (
    card_sections,
    consent_sections,
    document_sections,
    roster_sections,
)


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
