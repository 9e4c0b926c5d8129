"""D20 lost phone / contact change (R43, R124): recording a report updates the guardian's
contact and keeps the day and hour of receipt and the old and new data; the form prints
blank or with the recorded report."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import ContactReport, Guardian, Student, StudentGuardian
from desktop.domain import clock
from desktop.domain.dates import school_zone
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.domain.salutation import gender_from_code
from desktop.i18n import N_
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.letters.part import LetterPart


@dataclass(frozen=True)
class ContactReportRecord:
    id: int
    guardian_id: int
    student_id: int | None
    kind: str
    received_at: datetime
    channel: str
    old_phone: str
    new_phone: str
    old_email: str
    new_email: str
    applied_at: datetime
    recorded_by: str


def _staff_name(session: Session, login: str | None) -> str:
    """The name printed for the staff member who recorded something: their full name, or ""
    when only the login is known (printed as the office; a login never goes on paper)."""
    from desktop.db.models import StaffUser

    name = session.scalar(select(StaffUser.full_name).where(StaffUser.login == login)) or ""
    name = name.strip()
    return "" if name == login else name


def _report(row: ContactReport) -> ContactReportRecord:
    return ContactReportRecord(
        row.id,
        row.guardian_id,
        row.student_id,
        row.kind,
        row.received_at,
        row.channel,
        row.old_phone,
        row.new_phone,
        row.old_email,
        row.new_email,
        row.applied_at,
        row.created_by,
    )


class ContactReports(LetterPart):
    """D20 lost phone / contact change (R43, R124)."""

    def record_contact_report(
        self,
        guardian_id: int,
        received_at: datetime,
        channel: str,
        *,
        kind: str = "CONTACT_CHANGE",
        new_phone: str = "",
        new_email: str = "",
        student_id: int | None = None,
        note: str = "",
    ) -> ContactReportRecord:
        """R43: the day and hour of receipt, the channel, the old and new contact data; the
        guardian's contact is updated in the same transaction (the audit log keeps who/when)."""
        if received_at.tzinfo is None:
            raise ValidationError("received_at", received_at.isoformat(), N_("needs a time zone"))
        if received_at > clock.now():
            raise ValidationError("received_at", received_at.isoformat(), N_("is in the future"))
        if kind not in ("LOST_DEVICE", "CONTACT_CHANGE"):
            raise ValidationError("kind", kind, N_("is not a kind of report"))
        channel = clean_text(channel)
        if not channel:
            raise ValidationError("channel", channel, N_("say how the report arrived"))
        new_phone, new_email = clean_text(new_phone), clean_text(new_email)
        if kind == "CONTACT_CHANGE" and not (new_phone or new_email):
            raise ValidationError("new_phone", "", N_("give the new mobile number or e-mail"))
        with self.write(Permission.EDIT_ROSTER, reason="contact report") as session:
            guardian = session.get(Guardian, guardian_id)
            if guardian is None:
                raise NotFound("guardian", guardian_id)
            if student_id is not None and not session.scalar(
                select(StudentGuardian.id).where(
                    StudentGuardian.student_id == student_id,
                    StudentGuardian.guardian_id == guardian_id,
                )
            ):
                raise ValidationError("student_id", student_id, N_("is not this guardian's child"))
            row = ContactReport(
                guardian_id=guardian_id,
                student_id=student_id,
                kind=kind,
                received_at=received_at,
                channel=channel[:40],
                old_phone=guardian.phone or "",
                new_phone=new_phone,
                old_email=guardian.email or "",
                new_email=new_email,
                note=note.strip(),
                applied_at=clock.now(),
            )
            if new_phone:
                guardian.phone = new_phone
            if new_email:
                guardian.email = new_email
            session.add(row)
            session.flush()
            return _report(row)

    def contact_reports(self, guardian_id: int | None = None) -> list[ContactReportRecord]:
        with self.read(Permission.VIEW_ROSTER) as session:
            stmt = select(ContactReport).order_by(ContactReport.received_at.desc())
            if guardian_id is not None:
                stmt = stmt.where(ContactReport.guardian_id == guardian_id)
            return [_report(r) for r in session.scalars(stmt)]

    def print_contact_report(
        self,
        guardian_id: int,
        *,
        report_id: int | None = None,
        student_id: int | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D20: the blank form for the guardian, or (report_id) the recorded report."""
        from desktop.documents.contact_report import TITLE, ContactReportData, contact_report_body

        school = self._school()
        with self.read(Permission.VIEW_ROSTER) as session:
            guardian = session.get(Guardian, guardian_id)
            if guardian is None:
                raise NotFound("guardian", guardian_id)
            report = session.get(ContactReport, report_id) if report_id else None
            if report_id and (report is None or report.guardian_id != guardian_id):
                raise NotFound("contact report", report_id)
            student_id = report.student_id if report else student_id
            if student_id is None:
                link = next(iter(guardian.student_links), None)
                student_id = link.student_id if link else None
            student = session.get(Student, student_id) if student_id else None
            if report:
                data = ContactReportData(
                    guardian.full_name,
                    student.full_name if student else "",
                    report.old_phone,
                    report.old_email,
                    report.kind,
                    report.new_phone,
                    report.new_email,
                    report.received_at,
                    report.channel,
                    report.note,
                    _staff_name(session, report.created_by),
                )
            else:
                data = ContactReportData(
                    guardian.full_name,
                    student.full_name if student else "",
                    guardian.phone or "",
                    guardian.email or "",
                )
        if student is not None:
            gender = gender_from_code(student.personal_code, school.country.value)
            data = replace(data, child_gender=gender)
        language = self._language(guardian_id=guardian_id)
        request = DocumentRequest(
            "contact-report", f"D20 {guardian.full_name}", language, student_id, guardian_id
        )
        zone = school_zone(school.country.value)
        return self._form(request, TITLE, lambda tr: contact_report_body(tr, data, zone), out)
