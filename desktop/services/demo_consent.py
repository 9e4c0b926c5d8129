"""Consent records for the demo school, so the Consent tab has something to show: decisions on
the demo terms (most accepted, a few declined, many not yet answered) and one open request.

Decisions respect the rules they would be checked against: a Moodle account is accepted by a
student of 13 or more, or by a guardian for a younger child (R46 c); the paid service by a
guardian, with the warranties and the free alternative told (R41, R55).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from desktop.db.bulk import bulk_insert
from desktop.db.models import (
    DataRequest,
    Guardian,
    Student,
    StudentGuardian,
    TermsAcceptance,
    TermsDocument,
    TermsVersion,
)
from desktop.db.session import Database, record_audit
from desktop.domain import clock
from desktop.domain.consent.ages import MOODLE_ACCOUNT, default_age_rule
from desktop.domain.consent.requests import RequestKind, response_due
from desktop.domain.consent.retention import DataCategory
from desktop.domain.consent.terms import AcceptanceDecision, Channel, OnBehalfBasis
from desktop.domain.consent_workflow import PersonKind, RequestStatus, audience_of
from desktop.domain.dates import has_reached_age, school_zone
from desktop.domain.roster import SCHOOL_LANGUAGE, Country, StudentStatus
from desktop.services.base import Actor
from desktop.services.consent.recording import WARRANTIES

ACCEPTED, DECLINED = 0.55, 0.04  # shares of persons; the rest have not answered


def seed_demo_consent(db: Database, actor: Actor, country: Country, today: date) -> int:
    rnd = random.Random(5)
    zone = school_zone(country.value)
    language = SCHOOL_LANGUAGE[country].value
    moodle_age = default_age_rule(MOODLE_ACCOUNT).min_age  # R46
    rows: list[dict] = []
    with db.write(actor.login) as session:
        students = session.execute(
            select(Student.id, Student.birth_date).where(Student.status == StudentStatus.ENROLLED)
        ).all()
        links = session.execute(
            select(
                StudentGuardian.student_id,
                StudentGuardian.guardian_id,
                Guardian.first_name,
                Guardian.last_name,
                Guardian.language,
            )
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .order_by(StudentGuardian.id)
        ).all()
        by_student: dict[int, list] = {}
        for link in links:
            by_student.setdefault(link.student_id, []).append(link)
        for document in session.scalars(select(TermsDocument)):
            audience = audience_of(document.key)
            first = session.scalar(
                select(TermsVersion)
                .where(
                    TermsVersion.document_id == document.id,
                    TermsVersion.effective_from.is_not(None),
                )
                .order_by(TermsVersion.effective_from)
                .limit(1)
            )
            if first is None or first.effective_from >= today:
                continue
            span = (min(today, first.effective_to or today) - first.effective_from).days

            def decided_at(base: date = first.effective_from, days: int = span) -> datetime:
                day = base + timedelta(days=rnd.randint(0, max(days, 0)))
                return datetime.combine(
                    day, time(rnd.randint(8, 15), rnd.randint(0, 59)), tzinfo=zone
                )

            for student_id, birth in students:
                guardians = by_student.get(student_id, [])
                persons = (
                    [(None, guardians[0] if guardians else None)]
                    if audience is PersonKind.STUDENT
                    else [(g.guardian_id, g) for g in guardians]
                )
                for guardian_id, link in persons:
                    draw = rnd.random()
                    if draw >= ACCEPTED + DECLINED:
                        continue
                    decision = (
                        AcceptanceDecision.ACCEPTED
                        if draw < ACCEPTED
                        else AcceptanceDecision.DECLINED
                    )
                    at = decided_at()
                    row = _row(
                        first,
                        student_id,
                        guardian_id,
                        decision,
                        at,
                        actor.login,
                        document.free_alternative,
                        language,
                    )
                    if audience is PersonKind.STUDENT:
                        adult_enough = has_reached_age(birth, moodle_age, at.date())
                        if not adult_enough:
                            if link is None:
                                continue
                            row |= {
                                "basis": OnBehalfBasis.LEGAL_REPRESENTATIVE,
                                "on_behalf_guardian_id": link.guardian_id,
                                "given_by": f"{link.first_name} {link.last_name}",
                            }
                        if decision is AcceptanceDecision.ACCEPTED:
                            row["age_basis"] = "age" if adult_enough else "guardian_consent"
                    rows.append(row)
        bulk_insert(session, TermsAcceptance.__table__, rows, audit=False)
        if links:
            link = links[len(links) // 3]
            received = datetime.combine(today - timedelta(days=24), time(10, 30), tzinfo=zone)
            session.add(
                DataRequest(
                    kind=RequestKind.ACCESS,
                    received_at=received,
                    channel="e-mail",
                    requester_name=f"{link.first_name} {link.last_name}",
                    requester_guardian_id=link.guardian_id,
                    subject_student_id=link.student_id,
                    category=DataCategory.SCHOOL,
                    details="A copy of everything the school holds about my child.",
                    due_on=response_due(received.date()),
                    status=RequestStatus.OPEN,
                )
            )
        record_audit(
            session,
            "demo",
            "terms_acceptance",
            reason="demo school",
            after={"decisions": len(rows)},
        )
    return len(rows)


def _row(version, student_id, guardian_id, decision, at, login, free_alternative, language):
    person = PersonKind.GUARDIAN if guardian_id is not None else PersonKind.STUDENT
    accepted = decision is AcceptanceDecision.ACCEPTED
    return {
        "terms_version_id": version.id,
        "person_kind": person,
        "student_id": student_id,
        "guardian_id": guardian_id,
        "decision": decision,
        "decided_at": at,
        "recorded_at": clock.now(),
        "recorded_by": login,
        "channel": Channel.PAPER_AT_SCHOOL,
        "language_shown": language,
        "basis": OnBehalfBasis.SELF,
        "on_behalf_guardian_id": None,
        "given_by": "",
        "age_basis": "",
        "age_basis_detail": "",
        "warranties": list(WARRANTIES) if accepted and free_alternative else [],
        "free_alternative_disclosed": accepted and free_alternative,
        "note": "",
    }
