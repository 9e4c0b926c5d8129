"""Data-subject requests (R57, R58) and account deletion requests (R61, R19), with their due
dates and the daily reminders ("request-deadlines").

R58: the answer is due one calendar month after receipt, clamped (31 Jan → 28/29 Feb); an
extension (GDPR Art. 12(3)) needs a reason and a notice to the requester within the first
month. R57: a request that must go to someone else (the school, or the billing provider for
billing data) is forwarded at the latest on the next calendar day. R61: a deletion request is
blocked while the student has active study work (is enrolled, R19); its 14-day clock starts
when it becomes valid; deletion is confirmed by a person (R67) and is refused under a legal
hold (R64).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    DataRequest,
    DeletionRequestRow,
    Guardian,
    LegalHold,
    Student,
)
from desktop.domain import clock
from desktop.domain.consent import deletion as deletion_rules
from desktop.domain.consent.common import is_weekend
from desktop.domain.consent.deletion import DeletionState
from desktop.domain.consent.requests import (
    EXTENSION_MONTHS,
    DeadlineState,
    Extension,
    RequestKind,
    deadline_state,
    forwarding_deadline,
    response_due,
)
from desktop.domain.consent.retention import DataCategory
from desktop.domain.consent_workflow import (
    OPEN_REQUEST_STATES,
    RequestStatus,
    check_request_open,
    request_reminder,
)
from desktop.domain.dates import local_date
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.inputs import coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.consent.settings import load_settings
from desktop.services.school import SchoolService

# Anonymises a student's data in this database, inside the caller's transaction (retention.py).
Eraser = Callable[[Session, int, date], str]


@dataclass(frozen=True)
class RequestInput:
    kind: RequestKind
    received_at: datetime  # aware
    channel: str  # e-mail, letter, at the school, phone, portal
    requester_name: str
    category: DataCategory = DataCategory.SCHOOL
    requester_guardian_id: int | None = None
    subject_student_id: int | None = None
    details: str = ""
    forward_to: str = ""  # R57: who must receive it (empty: the school answers itself)

    def __post_init__(self) -> None:
        coerce_fields(self, kind=RequestKind, category=DataCategory)


@dataclass(frozen=True)
class RequestRecord:
    id: int
    version: int
    kind: RequestKind
    received_at: datetime
    channel: str
    requester_name: str
    requester_guardian_id: int | None
    subject_student_id: int | None
    subject_name: str
    category: DataCategory
    details: str
    due_on: date
    forward_to: str
    forward_due_on: date | None
    forwarded_at: datetime | None
    requester_informed_at: datetime | None
    extension_reason: str
    extension_months: int
    status: RequestStatus
    handled_by: str
    closed_on: date | None
    outcome: str
    deadline: DeadlineState  # today, for the list's colours

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATES

    @property
    def forward_before_weekend(self) -> bool:
        """R57: still to forward, by a Saturday or Sunday: the app warns to do it before."""
        return (
            self.forward_due_on is not None
            and self.forwarded_at is None
            and is_weekend(self.forward_due_on)
        )


@dataclass(frozen=True)
class DeletionRecord:
    id: int
    version: int
    student_id: int | None
    subject_name: str
    received_on: date
    state: DeletionState
    valid_from: date | None
    due_on: date | None
    user_told_on: date | None
    deleted_on: date | None
    must_tell_user: bool
    confirmed_by: str
    note: str


def _request_record(row: DataRequest, subject: str, today: date) -> RequestRecord:
    done = row.closed_on if row.status not in OPEN_REQUEST_STATES else None
    return RequestRecord(
        row.id,
        row.version,
        row.kind,
        row.received_at,
        row.channel,
        row.requester_name,
        row.requester_guardian_id,
        row.subject_student_id,
        subject,
        row.category,
        row.details,
        row.due_on,
        row.forward_to,
        row.forward_due_on,
        row.forwarded_at,
        row.requester_informed_at,
        row.extension_reason,
        row.extension_months,
        row.status,
        row.handled_by,
        row.closed_on,
        row.outcome,
        deadline_state(row.due_on, done, today),
    )


def _deletion_domain(row: DeletionRequestRow) -> deletion_rules.DeletionRequest:
    return deletion_rules.DeletionRequest(
        row.received_on, row.state, row.valid_from, row.user_told_on, row.deleted_on
    )


def _deletion_record(row: DeletionRequestRow) -> DeletionRecord:
    domain = _deletion_domain(row)
    return DeletionRecord(
        row.id,
        row.version,
        row.student_id,
        row.subject_name,
        row.received_on,
        row.state,
        row.valid_from,
        domain.due_on,
        row.user_told_on,
        row.deleted_on,
        domain.must_tell_user,
        row.confirmed_by,
        row.note,
    )


class RequestService(Service):
    def __init__(self, db, actor, eraser: Eraser | None = None):
        super().__init__(db, actor)
        self.eraser = eraser  # retention.anonymise_student, wired in container.py

    def _country(self) -> str:
        return SchoolService(self.db, self.actor).require_school().country.value

    def _today(self) -> date:
        return SchoolService(self.db, self.actor).require_school().today()

    # ---- data-subject requests (R57, R58) -------------------------------------------------

    def create(self, data: RequestInput) -> RequestRecord:
        if data.received_at.tzinfo is None:
            raise ValidationError(
                "received_at", data.received_at.isoformat(), N_("needs a time zone")
            )
        school = SchoolService(self.db, self.actor).require_school()
        received_on = local_date(data.received_at, school.country.value)
        if received_on > school.today():
            raise ValidationError("received_at", received_on.isoformat(), N_("is in the future"))
        name = clean_text(data.requester_name)
        if not name:
            raise ValidationError("requester_name", data.requester_name, N_("is required"))
        channel = clean_text(data.channel)
        if not channel:
            raise ValidationError("channel", data.channel, N_("say how the request arrived"))
        forward_to = clean_text(data.forward_to)
        with self.write(Permission.MANAGE_CONSENT, reason="data-subject request") as session:
            if data.subject_student_id is not None and not session.get(
                Student, data.subject_student_id
            ):
                raise NotFound("student", data.subject_student_id)
            if data.requester_guardian_id is not None and not session.get(
                Guardian, data.requester_guardian_id
            ):
                raise NotFound("guardian", data.requester_guardian_id)
            row = DataRequest(
                kind=RequestKind(data.kind),
                received_at=data.received_at,
                channel=channel,
                requester_name=name,
                requester_guardian_id=data.requester_guardian_id,
                subject_student_id=data.subject_student_id,
                category=DataCategory(data.category),
                details=data.details.strip(),
                due_on=response_due(received_on),
                forward_to=forward_to,
                forward_due_on=(forwarding_deadline(received_on).due_on if forward_to else None),
                status=RequestStatus.OPEN,
            )
            session.add(row)
            session.flush()
            return self._record(session, row)

    def mark_forwarded(self, request_id: int, expected_version: int, at: datetime | None = None):
        return self._change(request_id, expected_version, "forward", forwarded_at=at or clock.now())

    def mark_informed(self, request_id: int, expected_version: int, at: datetime | None = None):
        return self._change(
            request_id, expected_version, "inform", requester_informed_at=at or clock.now()
        )

    def extend(
        self,
        request_id: int,
        expected_version: int,
        reason: str,
        notified_on: date,
        months: int = EXTENSION_MONTHS,
    ) -> RequestRecord:
        """GDPR Art. 12(3) as R58 proposes: a reason, the requester told in the first month."""
        with self.write(Permission.MANAGE_CONSENT, reason="request extended") as session:
            row = self._row(session, request_id, expected_version)
            check_request_open(row.status, "extend")
            if row.extension_months:
                raise InvalidTransition("request", "EXTENDED", "extend", N_("it was extended once"))
            received_on = local_date(row.received_at, self._country())
            extension = Extension(clean_text(reason), notified_on, months)
            row.due_on = response_due(received_on, extension)
            row.extension_reason = extension.reason
            row.extension_notified_on = notified_on
            row.extension_months = months
            row.status = RequestStatus.EXTENDED
            session.flush()
            return self._record(session, row)

    def close(
        self,
        request_id: int,
        expected_version: int,
        outcome: str,
        *,
        refused: bool = False,
        closed_on: date | None = None,
    ) -> RequestRecord:
        """The answer was given (or the request refused with reasons); who handled it is kept."""
        closed_on = closed_on or self._today()
        text = outcome.strip()
        if not text:
            raise ValidationError("outcome", outcome, N_("say what was answered"))
        with self.write(Permission.MANAGE_CONSENT, reason="request answered") as session:
            row = self._row(session, request_id, expected_version)
            check_request_open(row.status, "close")
            if closed_on < local_date(row.received_at, self._country()):
                raise ValidationError("closed_on", closed_on.isoformat(), N_("is before receipt"))
            row.status = RequestStatus.REFUSED if refused else RequestStatus.DONE
            row.outcome = text
            row.closed_on = closed_on
            row.handled_by = self.actor.login
            session.flush()
            return self._record(session, row)

    def list_requests(self, *, open_only: bool = False) -> list[RequestRecord]:
        today = self._today()
        with self.read(Permission.MANAGE_CONSENT) as session:
            stmt = (
                select(DataRequest, Student.first_name, Student.last_name)
                .outerjoin(Student, Student.id == DataRequest.subject_student_id)
                .order_by(DataRequest.due_on, DataRequest.id)
            )
            if open_only:
                stmt = stmt.where(DataRequest.status.in_(list(OPEN_REQUEST_STATES)))
            return [
                _request_record(row, " ".join(p for p in (first, last) if p), today)
                for row, first, last in session.execute(stmt)
            ]

    def get(self, request_id: int) -> RequestRecord:
        with self.read(Permission.MANAGE_CONSENT) as session:
            row = session.get(DataRequest, request_id)
            if row is None:
                raise NotFound("request", request_id)
            return self._record(session, row)

    def remind_due(self, session: Session, today: date) -> str:
        """Daily job 'request-deadlines': what must be answered or forwarded soon (R57, R58)."""
        days = load_settings(session).reminder_days
        reminders = []
        for row in session.scalars(
            select(DataRequest)
            .where(DataRequest.status.in_(list(OPEN_REQUEST_STATES)))
            .order_by(DataRequest.due_on)
        ):
            reminder = request_reminder(
                row.id,
                row.status,
                row.due_on,
                today,
                reminder_days=days,
                forward_due_on=row.forward_due_on,
                forwarded=row.forwarded_at is not None,
            )
            if reminder is not None:
                row.last_reminder_on = today
                reminders.append(reminder)
        open_deletions = session.scalars(
            select(DeletionRequestRow).where(DeletionRequestRow.state != DeletionState.DELETED)
        )
        deletions = [
            d
            for d in map(_deletion_domain, open_deletions)
            if d.deadline(today) is DeadlineState.OVERDUE or d.must_tell_user
        ]
        if not reminders and not deletions:
            return "no request deadlines near"
        overdue = sum(r.overdue for r in reminders)
        parts = [f"{len(reminders)} request(s) to answer or forward ({overdue} overdue)"]
        parts += [r.text for r in reminders[:5]]
        if deletions:
            parts.append(f"{len(deletions)} deletion request(s) need attention")
        return "; ".join(parts)

    def _change(self, request_id: int, expected_version: int, action: str, **values):
        with self.write(Permission.MANAGE_CONSENT, reason=f"request {action}") as session:
            row = self._row(session, request_id, expected_version)
            check_request_open(row.status, action)
            for name, value in values.items():
                if value.tzinfo is None:
                    raise ValidationError(name, value.isoformat(), N_("needs a time zone"))
                if value < row.received_at:
                    raise ValidationError(name, value.isoformat(), N_("is before receipt"))
                setattr(row, name, value)
            session.flush()
            return self._record(session, row)

    @staticmethod
    def _row(session: Session, request_id: int, expected_version: int) -> DataRequest:
        row = session.get(DataRequest, request_id)
        if row is None:
            raise NotFound("request", request_id)
        ensure_version(row, expected_version, "request")
        return row

    def _record(self, session: Session, row: DataRequest) -> RequestRecord:
        subject = ""
        if row.subject_student_id is not None:
            student = session.get(Student, row.subject_student_id)
            subject = student.full_name if student else ""
        return _request_record(row, subject, self._today())

    # ---- deletion requests (R61, R19, R64, R67) ---------------------------------------------

    def create_deletion(
        self,
        student_id: int,
        received_on: date,
        note: str = "",
        data_request_id: int | None = None,
    ) -> DeletionRecord:
        if received_on > self._today():
            raise ValidationError("received_on", received_on.isoformat(), N_("is in the future"))
        with self.write(Permission.MANAGE_CONSENT, reason="deletion request") as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            domain = deletion_rules.assess_deletion(
                deletion_rules.DeletionRequest(received_on),
                active_study=_active_study(student),
                on=received_on,
            )
            row = DeletionRequestRow(
                student_id=student_id,
                subject_name=student.full_name,
                data_request_id=data_request_id,
                received_on=received_on,
                state=domain.state,
                valid_from=domain.valid_from,
                note=clean_text(note),
            )
            session.add(row)
            session.flush()
            return _deletion_record(row)

    def reassess(
        self, deletion_id: int, expected_version: int, on: date | None = None
    ) -> DeletionRecord:
        """R61: look again (the institution removed the user, or new study work started)."""
        on = on or self._today()
        with self.write(Permission.MANAGE_CONSENT, reason="deletion request reassessed") as session:
            row = self._deletion_row(session, deletion_id, expected_version)
            student = session.get(Student, row.student_id) if row.student_id else None
            domain = deletion_rules.assess_deletion(
                _deletion_domain(row), active_study=_active_study(student), on=on
            )
            row.state, row.valid_from = domain.state, domain.valid_from
            session.flush()
            return _deletion_record(row)

    def record_user_told(
        self, deletion_id: int, expected_version: int, on: date | None = None
    ) -> DeletionRecord:
        """R61: the user was told to have the institution remove them first."""
        with self.write(Permission.MANAGE_CONSENT, reason="deletion request") as session:
            row = self._deletion_row(session, deletion_id, expected_version)
            domain = deletion_rules.record_user_told(_deletion_domain(row), on or self._today())
            row.user_told_on = domain.user_told_on
            session.flush()
            return _deletion_record(row)

    def confirm_deletion(
        self, deletion_id: int, expected_version: int, note: str = ""
    ) -> DeletionRecord:
        """R61/R67: a person confirms; the student's data in this database are anonymised in
        the same transaction. Refused while blocked by study work or under a legal hold."""
        today = self._today()
        with self.write(Permission.MANAGE_CONSENT, reason="deletion confirmed") as session:
            row = self._deletion_row(session, deletion_id, expected_version)
            student = session.get(Student, row.student_id) if row.student_id else None
            # Study work may have started again since the request was scheduled (R19).
            domain = deletion_rules.assess_deletion(
                _deletion_domain(row), active_study=_active_study(student), on=today
            )
            domain = deletion_rules.mark_deleted(domain, today)
            if student is not None:
                hold = session.scalar(
                    select(LegalHold).where(
                        LegalHold.student_id == student.id, LegalHold.released_on.is_(None)
                    )
                )
                if hold is not None:
                    raise InvalidTransition(
                        "deletion request",
                        str(row.state),
                        "delete",
                        # R64
                        N_(
                            "a legal hold is in place since {date}: {reason}",
                            date=hold.placed_on,
                            reason=hold.reason,
                        ),
                    )
                if self.eraser is not None:
                    self.eraser(session, student.id, today)
            row.state = domain.state
            row.valid_from = domain.valid_from
            row.deleted_on = domain.deleted_on
            row.confirmed_by = self.actor.login
            if note.strip():
                row.note = clean_text(f"{row.note} {note}")
            session.flush()
            return _deletion_record(row)

    def deletions(self, *, open_only: bool = False) -> list[DeletionRecord]:
        with self.read(Permission.MANAGE_CONSENT) as session:
            stmt = select(DeletionRequestRow).order_by(DeletionRequestRow.received_on)
            if open_only:
                stmt = stmt.where(DeletionRequestRow.state != DeletionState.DELETED)
            return [_deletion_record(r) for r in session.scalars(stmt)]

    @staticmethod
    def _deletion_row(
        session: Session, deletion_id: int, expected_version: int
    ) -> DeletionRequestRow:
        row = session.get(DeletionRequestRow, deletion_id)
        if row is None:
            raise NotFound("deletion request", deletion_id)
        ensure_version(row, expected_version, "deletion request")
        return row


def _active_study(student: Student | None) -> bool:
    """R19: the roster's 'has active study work': an enrolled student still studies."""
    return student is not None and student.status is StudentStatus.ENROLLED
