"""Data-subject requests (R57, R58), deletion requests (R61, R19, R64), retention proposals a
person confirms (R64, R67), breaches with their 72-hour clock (R69, R70), and the daily jobs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from desktop.db.models import AuditEntry, Card, Guardian, RetentionProposalRow, Student
from desktop.domain.consent.breaches import BreachNotice, NoticeState
from desktop.domain.consent.deletion import DeletionState
from desktop.domain.consent.requests import DeadlineState, RequestKind, forwarding_deadline
from desktop.domain.consent.retention import DataCategory
from desktop.domain.consent_workflow import ProposalState, RequestStatus
from desktop.domain.dates import school_zone
from desktop.domain.errors import InvalidTransition, ValidationError, ValidationErrors
from desktop.domain.roster import StudentStatus
from desktop.services.requests import RequestInput
from desktop.services.retention_sources import ANONYMISED
from tests.consent_helpers import noon, si_family

pytestmark = pytest.mark.db


def _request(services, received: date, **kw):
    return services.requests.create(
        RequestInput(
            kw.pop("kind", RequestKind.ACCESS), noon(received), "e-mail", "Ana Novak", **kw
        )
    )


# ---- R58 / R57 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),  # clamped to the month's end
        (date(2024, 1, 31), date(2024, 2, 29)),  # leap year
        (date(2024, 11, 30), date(2024, 12, 30)),
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2024, 2, 29), date(2024, 3, 29)),
        (date(2024, 12, 15), date(2025, 1, 15)),
    ],
)
def test_answer_due_one_calendar_month_clamped(services_si, received, due):
    assert _request(services_si, received).due_on == due


def test_friday_request_is_forwarded_by_saturday(services_si):
    friday = date(2024, 6, 21)
    record = _request(services_si, friday, category=DataCategory.BILLING, forward_to="eŠola")
    assert record.forward_due_on == date(2024, 6, 22) and record.forward_before_weekend
    warning = forwarding_deadline(friday).message
    assert "2024-06-22" in warning and "Saturday" in warning and "weekend" in warning
    assert _request(services_si, friday).forward_due_on is None  # the school answers itself


def test_extension_needs_a_reason_within_the_first_month(services_si):
    record = _request(services_si, date(2025, 1, 31))
    with pytest.raises(ValidationErrors) as info:
        services_si.requests.extend(record.id, record.version, " ", date(2025, 3, 1))
    assert {e.field for e in info.value.errors} == {"reason", "requester_notified_on"}
    extended = services_si.requests.extend(
        record.id, record.version, "many years of records", date(2025, 2, 20)
    )
    assert extended.due_on == date(2025, 4, 30) and extended.status is RequestStatus.EXTENDED
    with pytest.raises(InvalidTransition):
        services_si.requests.extend(extended.id, extended.version, "again", date(2025, 2, 21))
    closed = services_si.requests.close(
        extended.id, extended.version, "copy sent", closed_on=date(2025, 4, 30)
    )
    assert closed.deadline is DeadlineState.DONE_IN_TIME
    assert closed.handled_by == services_si.actor.login


def test_daily_reminders_once_a_day(services_si):
    family = si_family(services_si)
    today = services_si.school.require_school().today()
    near = _request(
        services_si,
        today - timedelta(days=25),
        subject_student_id=family.student.id,
        requester_guardian_id=family.mother_id,
    )
    late = _request(services_si, today - timedelta(days=40))
    _request(services_si, today - timedelta(days=2))  # not yet
    forward = _request(services_si, today, forward_to="the school")
    results = {r.job: r for r in services_si.daily.run(today)}
    summary = results["request-deadlines"].summary
    assert "3 request(s) to answer or forward (1 overdue)" in summary
    assert f"request {near.id}:" in summary and f"request {late.id}:" in summary
    assert f"request {forward.id}: forwarding" in summary
    again = {r.job: r for r in services_si.daily.run(today)}["request-deadlines"]
    assert again.already_ran and again.summary == summary
    rows = {r.id: r for r in services_si.requests.list_requests(open_only=True)}
    assert rows[late.id].deadline is DeadlineState.OVERDUE
    assert rows[near.id].subject_name == "Žiga Novak"


# ---- R61 deletion requests ------------------------------------------------------------------


def test_deletion_blocked_while_enrolled_then_scheduled_and_confirmed(services_si):
    family = si_family(services_si)
    today = services_si.school.require_school().today()
    request = services_si.requests.create_deletion(family.student.id, today - timedelta(days=3))
    assert request.state is DeletionState.BLOCKED_ACTIVE_STUDY and request.due_on is None
    assert request.must_tell_user
    request = services_si.requests.record_user_told(request.id, request.version)
    with pytest.raises(InvalidTransition, match="active study"):
        services_si.requests.confirm_deletion(request.id, request.version)
    student = services_si.roster.get(family.student.id)
    services_si.roster.mark_left(student.id, student.version, today - timedelta(days=1))
    request = services_si.requests.reassess(request.id, request.version)
    # R61 proposal: the 2-week clock starts when the request becomes valid
    assert request.state is DeletionState.SCHEDULED
    assert (request.valid_from, request.due_on) == (today, today + timedelta(days=14))
    hold = services_si.retention.place_hold(
        family.student.id, DataCategory.SCHOOL, "court case pending"
    )
    with pytest.raises(InvalidTransition, match="legal hold"):
        services_si.requests.confirm_deletion(request.id, request.version)
    services_si.retention.release_hold(hold.id, hold.version)
    done = services_si.requests.confirm_deletion(request.id, request.version)
    assert done.state is DeletionState.DELETED and done.confirmed_by == services_si.actor.login
    assert done.subject_name == "Žiga Novak"  # the request keeps who asked
    with services_si.db.read() as session:
        student = session.get(Student, family.student.id)
        assert student.first_name == ANONYMISED and student.personal_code is None
        assert session.scalar(select(Guardian.id)) is None  # no other child: deleted
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "anonymise"))
        assert "Žiga" not in str(entry.after) and entry.student_id == family.student.id


def test_deletion_of_someone_who_left_is_valid_at_once(services_si):
    family = si_family(services_si)
    today = services_si.school.require_school().today()
    student = services_si.roster.get(family.student.id)
    services_si.roster.mark_left(student.id, student.version, today - timedelta(days=30))
    request = services_si.requests.create_deletion(family.student.id, today - timedelta(days=20))
    assert request.state is DeletionState.SCHEDULED
    assert request.due_on == today - timedelta(days=6)
    summary = {r.job: r for r in services_si.daily.run(today)}["request-deadlines"].summary
    assert "1 deletion request(s) need attention" in summary


# ---- R64 / R67 retention ---------------------------------------------------------------------


def _closed_card(services, student_id: int, closed: datetime) -> int:
    with services.db.write("tester") as session:
        card = Card(
            student_id=student_id,
            kind="PHYSICAL",
            card_number="TK-000001",
            issued_on=date(2023, 9, 1),
            valid_until=date(2024, 8, 31),
            status="REVOKED",
            status_changed_at=closed,
            status_reason="left the school: Žiga Novak",
        )
        session.add(card)
        session.flush()
        return card.id


def test_retention_proposes_and_a_person_confirms(services_si):
    family = si_family(services_si)
    card_id = _closed_card(services_si, family.student.id, noon(date(2024, 10, 1)))
    # R64 proposal: kept to the end of the next school year (31 Aug 2026), acted on 1 Sep 2026
    day_before = {r.job: r for r in services_si.daily.run(date(2026, 8, 31))}
    assert day_before["retention-proposals"].summary.startswith("0 new")
    services_si.daily.run(date(2026, 9, 1))
    [proposal] = services_si.retention.proposals()
    assert proposal.record_id == str(card_id) and proposal.due_on == date(2026, 9, 1)
    assert "TK-000001" in proposal.label
    with services_si.db.read() as session:  # proposed only: nothing changed yet
        assert session.get(Card, card_id).status_reason.startswith("left the school")
    with pytest.raises(ValidationError, match="why"):
        services_si.retention.decide(proposal.id, proposal.version, confirm=False)
    done = services_si.retention.decide(proposal.id, proposal.version, confirm=True)
    assert done.state is ProposalState.CONFIRMED and done.decided_by == services_si.actor.login
    with services_si.db.read() as session:
        assert session.get(Card, card_id).status_reason == ""
    services_si.daily.run(date(2026, 9, 2))
    assert services_si.retention.proposals() == []  # not proposed again


def test_legal_hold_keeps_records_out_of_the_proposals(services_si):
    family = si_family(services_si)
    _closed_card(services_si, family.student.id, noon(date(2024, 10, 1)))
    services_si.retention.place_hold(family.student.id, DataCategory.CARDS, "police request")
    services_si.daily.run(date(2026, 9, 1))
    assert services_si.retention.proposals() == []


def test_school_rule_anonymises_leavers_when_configured(services_si):
    family = si_family(services_si)
    student = services_si.roster.get(family.student.id)
    services_si.roster.mark_left(student.id, student.version, date(2024, 6, 20))
    today = services_si.school.require_school().today()
    services_si.daily.run(today)
    assert services_si.retention.proposals() == []  # no period for school data by default
    settings = services_si.consent.settings()
    rules = [r.to_dict() for r in settings.retention_rules] + [
        {
            "category": "SCHOOL",
            "action": "ANONYMISE",
            "amount": 1,
            "unit": "YEARS",
            "act_next_day": True,
            "rule_ref": "school",
            "description": "leavers after a year",
        }
    ]
    services_si.consent.update_settings(settings.version, retention_rules=rules)
    with services_si.db.write("tester") as session:
        summary = services_si.retention.propose_due(session, today)
    assert summary.startswith("1 new")
    [proposal] = services_si.retention.proposals()
    kept = services_si.retention.decide(
        proposal.id, proposal.version, confirm=False, note="pupil records kept for the archive"
    )
    assert kept.state is ProposalState.REJECTED
    with services_si.db.read() as session:
        assert session.get(Student, family.student.id).first_name == "Žiga"
        assert session.scalar(select(RetentionProposalRow.decision_note)).startswith("pupil")
    assert services_si.roster.get(family.student.id).status is StudentStatus.LEFT


# ---- R69 / R70 breaches ------------------------------------------------------------------------


def test_breach_clock_runs_72_hours_over_the_weekend(services):
    friday = datetime(2025, 3, 7, 15, 0, tzinfo=school_zone("EE"))  # Fri 15:00 → Mon 15:00
    incident = services.breaches.record(friday, "lost USB stick", [DataCategory.SCHOOL])
    family_email = "kadri@example.ee"
    incident = services.breaches.add_affected(incident.id, name="Kadri Kask", email=family_email)
    assert incident.email_list == [family_email]
    monday = friday + timedelta(hours=72)
    status = incident.status("EE", friday + timedelta(hours=70))
    assert status.deadline == monday.astimezone(UTC) and status.remaining == timedelta(hours=2)
    assert {n.notice for n in status.notices} == {
        BreachNotice.HOME_PAGE,
        BreachNotice.AFFECTED_PERSONS,
        BreachNotice.RIA,
        BreachNotice.AKI,
    }
    incident = services.breaches.record_notice(incident.id, BreachNotice.RIA, monday)
    incident = services.breaches.record_notice(
        incident.id, BreachNotice.AKI, monday + timedelta(minutes=1)
    )
    states = {n.notice: n.state for n in incident.status("EE", monday + timedelta(hours=1)).notices}
    assert states[BreachNotice.RIA] is NoticeState.SENT_IN_TIME  # exactly at the deadline
    assert states[BreachNotice.AKI] is NoticeState.SENT_LATE
    assert states[BreachNotice.HOME_PAGE] is NoticeState.OVERDUE
    with pytest.raises(ValidationError, match="already recorded"):
        services.breaches.record_notice(incident.id, BreachNotice.RIA, monday)
    with pytest.raises(ValidationError, match="not a notice"):
        services.breaches.record_notice(incident.id, BreachNotice.INFORMATION_COMMISSIONER, monday)
    with pytest.raises(ValidationError, match="measures"):
        services.breaches.close(incident.id, incident.version)
    incident = services.breaches.update(
        incident.id, incident.version, containment="passwords changed"
    )
    closed = services.breaches.close(incident.id, incident.version)
    assert closed.closed_at is not None
    assert services.breaches.incidents(open_only=True) == []


def test_slovenian_breach_goes_to_the_information_commissioner(services_si):
    incident = services_si.breaches.record(noon(date(2025, 3, 7)), "wrong e-mail recipient")
    assert incident.required == (
        BreachNotice.HOME_PAGE,
        BreachNotice.AFFECTED_PERSONS,
        BreachNotice.INFORMATION_COMMISSIONER,
    )
