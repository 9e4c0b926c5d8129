"""Data breaches (R69, R70): the incident log and its 72-hour notification clock.

The clock starts at detected_at (awareness, GDPR Art. 33) and runs exactly 72 hours, weekends
included (R2, R69). Estonia needs the home-page notice, the e-mail to the persons concerned and
the reports to RIA and AKI; Slovenia the same workflow with the Information Commissioner (R70).
The tab shows the countdown live from `status(now)`; nothing here sends anything itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from desktop.db.models import (
    BreachAffected,
    BreachIncident,
    BreachNoticeSent,
    Guardian,
    Student,
)
from desktop.domain import clock
from desktop.domain.consent import breaches as rules
from desktop.domain.consent.breaches import BreachNotice, BreachStatus
from desktop.domain.consent.retention import DataCategory
from desktop.domain.errors import InvalidTransition, NotFound, ValidationError
from desktop.domain.inputs import coerce_enum, coerce_enums
from desktop.domain.roles import Permission
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.school import SchoolService


@dataclass(frozen=True)
class AffectedPerson:
    id: int
    name: str
    email: str
    student_id: int | None
    guardian_id: int | None


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    version: int
    detected_at: datetime
    description: str
    categories: tuple[DataCategory, ...]
    containment: str
    closed_at: datetime | None
    affected: tuple[AffectedPerson, ...]
    sent: dict[BreachNotice, datetime]
    required: tuple[BreachNotice, ...]
    recorded_by: str

    def status(self, country: str, now: datetime) -> BreachStatus:
        """R69: the deadline, the time left and each notice's state at `now`."""
        return rules.breach_status(country, self.detected_at, self.sent, now)

    @property
    def email_list(self) -> list[str]:
        """R69 (2): who gets the e-mail to persons concerned."""
        return sorted({p.email for p in self.affected if p.email})


# An incident's people and notices, loaded with it (two queries for any number of incidents).
_CHILDREN = (selectinload(BreachIncident.affected), selectinload(BreachIncident.notices))


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationError(name, value.isoformat(), N_("needs a time zone"))
    return value


class BreachService(Service):
    def _country(self) -> str:
        return SchoolService(self.db, self.actor).require_school().country.value

    def record(
        self,
        detected_at: datetime,
        description: str,
        categories: Sequence[DataCategory] = (),
        containment: str = "",
    ) -> IncidentRecord:
        _aware("detected_at", detected_at)
        if detected_at > clock.now():
            raise ValidationError("detected_at", detected_at.isoformat(), N_("is in the future"))
        if not description.strip():
            raise ValidationError("description", description, N_("describe what happened"))
        with self.write(Permission.MANAGE_CONSENT, reason="breach recorded") as session:
            row = BreachIncident(
                detected_at=detected_at,
                description=description.strip(),
                categories=[str(c) for c in coerce_enums(DataCategory, "categories", categories)],
                containment=containment.strip(),
            )
            session.add(row)
            session.flush()
            return self._record(session, row.id)

    def update(
        self,
        incident_id: int,
        expected_version: int,
        *,
        description: str | None = None,
        containment: str | None = None,
        categories: Sequence[DataCategory] | None = None,
    ) -> IncidentRecord:
        with self.write(Permission.MANAGE_CONSENT, reason="breach updated") as session:
            row = self._row(session, incident_id, expected_version)
            if description is not None:
                if not description.strip():
                    raise ValidationError("description", description, N_("describe what happened"))
                row.description = description.strip()
            if containment is not None:
                row.containment = containment.strip()
            if categories is not None:
                row.categories = [
                    str(c) for c in coerce_enums(DataCategory, "categories", categories)
                ]
            session.flush()
            return self._record(session, incident_id)

    def add_affected(
        self,
        incident_id: int,
        *,
        student_id: int | None = None,
        guardian_id: int | None = None,
        name: str = "",
        email: str = "",
    ) -> IncidentRecord:
        """A person concerned: from the roster (their e-mail taken from it) or typed in."""
        with self.write(Permission.MANAGE_CONSENT, reason="breach: person concerned") as session:
            incident = session.get(BreachIncident, incident_id)
            if incident is None:
                raise NotFound("breach", incident_id)
            if guardian_id is not None:
                guardian = session.get(Guardian, guardian_id)
                if guardian is None:
                    raise NotFound("guardian", guardian_id)
                name = name or guardian.full_name
                email = email or (guardian.email or "")
            elif student_id is not None:
                student = session.get(Student, student_id)
                if student is None:
                    raise NotFound("student", student_id)
                name = name or student.full_name
            if not name.strip():
                raise ValidationError("name", name, N_("name the person concerned"))
            session.add(
                BreachAffected(
                    incident_id=incident_id,
                    student_id=student_id,
                    guardian_id=guardian_id,
                    name=name.strip(),
                    email=email.strip(),
                )
            )
            session.flush()
            return self._record(session, incident_id)

    def record_notice(
        self, incident_id: int, notice: BreachNotice, sent_at: datetime, note: str = ""
    ) -> IncidentRecord:
        """When one required notice went out (R69 (1)–(3), R70). Recorded once per notice."""
        _aware("sent_at", sent_at)
        notice = coerce_enum(BreachNotice, "notice", notice)
        required = rules.BREACH_NOTICES[self._country()]
        if notice not in required:
            raise ValidationError(
                "notice", str(notice), N_("is not a notice of this school's country")
            )
        with self.write(Permission.MANAGE_CONSENT, reason=f"breach notice {notice}") as session:
            incident = session.get(BreachIncident, incident_id)
            if incident is None:
                raise NotFound("breach", incident_id)
            if sent_at < incident.detected_at:
                raise ValidationError("sent_at", sent_at.isoformat(), N_("is before detection"))
            if sent_at > clock.now():
                raise ValidationError("sent_at", sent_at.isoformat(), N_("is in the future"))
            if session.scalar(
                select(BreachNoticeSent.id).where(
                    BreachNoticeSent.incident_id == incident_id, BreachNoticeSent.notice == notice
                )
            ):
                raise ValidationError("notice", str(notice), N_("is already recorded"))
            session.add(
                BreachNoticeSent(
                    incident_id=incident_id,
                    notice=notice,
                    sent_at=sent_at,
                    recorded_by=self.actor.login,
                    note=note.strip(),
                )
            )
            session.flush()
            return self._record(session, incident_id)

    def close(
        self, incident_id: int, expected_version: int, closed_at: datetime | None = None
    ) -> IncidentRecord:
        closed_at = _aware("closed_at", closed_at or clock.now())
        with self.write(Permission.MANAGE_CONSENT, reason="breach closed") as session:
            row = self._row(session, incident_id, expected_version)
            if row.closed_at is not None:
                raise InvalidTransition("breach", "closed", "close")
            if closed_at < row.detected_at:
                raise ValidationError("closed_at", closed_at.isoformat(), N_("is before detection"))
            if not row.containment.strip():
                raise ValidationError("containment", "", N_("record the measures taken first"))
            row.closed_at = closed_at
            session.flush()
            return self._record(session, incident_id)

    def incidents(self, *, open_only: bool = False) -> list[IncidentRecord]:
        required = rules.BREACH_NOTICES[self._country()]
        with self.read(Permission.MANAGE_CONSENT) as session:
            stmt = (
                select(BreachIncident)
                .options(*_CHILDREN)
                .order_by(BreachIncident.detected_at.desc())
            )
            if open_only:
                stmt = stmt.where(BreachIncident.closed_at.is_(None))
            return [_incident_record(row, required) for row in session.scalars(stmt)]

    def get(self, incident_id: int) -> IncidentRecord:
        with self.read(Permission.MANAGE_CONSENT) as session:
            return self._record(session, incident_id)

    @staticmethod
    def _row(session: Session, incident_id: int, expected_version: int) -> BreachIncident:
        row = session.get(BreachIncident, incident_id)
        if row is None:
            raise NotFound("breach", incident_id)
        ensure_version(row, expected_version, "breach")
        return row

    def _record(self, session: Session, incident_id: int) -> IncidentRecord:
        row = session.scalar(
            select(BreachIncident)
            .options(*_CHILDREN)
            .where(BreachIncident.id == incident_id)
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise NotFound("breach", incident_id)
        return _incident_record(row, rules.BREACH_NOTICES[self._country()])


def _incident_record(row: BreachIncident, required: tuple[BreachNotice, ...]) -> IncidentRecord:
    return IncidentRecord(
        row.id,
        row.version,
        row.detected_at,
        row.description,
        tuple(DataCategory(c) for c in row.categories),
        row.containment,
        row.closed_at,
        tuple(
            AffectedPerson(a.id, a.name, a.email, a.student_id, a.guardian_id) for a in row.affected
        ),
        {n.notice: n.sent_at for n in row.notices},
        required,
        row.created_by,
    )
