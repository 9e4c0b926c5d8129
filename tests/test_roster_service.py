from datetime import date

import pytest
from sqlalchemy import select

from desktop.db.models import AuditEntry
from desktop.domain.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from desktop.domain.roles import Role
from desktop.domain.roster import Relation, RestrictionKind, StudentStatus
from desktop.services.base import Actor
from desktop.services.container import Services
from desktop.services.roster import (
    ROSTER_COLUMNS,
    ContactRestricted,
    GuardianInput,
    RosterRow,
    StudentInput,
)

pytestmark = pytest.mark.db

MARI = StudentInput("Mari-Liis", "Õunapuu", "61205171232", class_name="5.b")


def test_create_student_derives_birth_date_from_code(services):
    record = services.roster.create_student(MARI)
    assert record.birth_date == date(2012, 5, 17)
    assert record.status is StudentStatus.ENROLLED
    assert record.version == 1
    assert record.updated_by == services.actor.login
    [row] = services.roster.table_rows()
    assert type(row) is RosterRow
    assert row == (
        record.id,
        "Õunapuu",
        "Mari-Liis",
        "61205171232",
        "5.b",
        StudentStatus.ENROLLED,
        date(2012, 5, 17),
    )
    assert (row.last_name, row.personal_code, row.birth_date) == (
        "Õunapuu",
        "61205171232",
        record.birth_date,
    )
    # RosterRow's fields and ROSTER_COLUMNS are two lists in one order: a drift would swap values.
    assert tuple(c.key for c in ROSTER_COLUMNS) == RosterRow._fields


def test_every_bad_field_is_reported_together(services):
    with pytest.raises(ValidationErrors) as info:
        services.roster.create_student(StudentInput("", "Tamm", "61205171233", class_name=""))
    fields = {e.field for e in info.value.errors}
    assert fields == {"first_name", "personal_code", "class"}
    assert services.roster.table_rows() == []


def test_student_without_local_code_needs_birth_date(services):
    with pytest.raises(ValidationErrors) as info:
        services.roster.create_student(StudentInput("Anna", "Smith", "", class_name="3.a"))
    assert info.value.errors[0].field == "personal_code"
    record = services.roster.create_student(
        StudentInput("Anna", "Smith", "", birth_date=date(2015, 2, 1), class_name="3.a")
    )
    assert record.no_local_code and record.personal_code is None


def test_birth_date_must_agree_with_code(services):
    with pytest.raises(ValidationErrors) as info:
        services.roster.create_student(
            StudentInput(
                "Mari", "Tamm", "61205171232", birth_date=date(2012, 5, 18), class_name="1"
            )
        )
    assert info.value.errors[0].field == "birth_date"


def test_duplicate_code_names_the_owner(services):
    services.roster.create_student(MARI)
    with pytest.raises(ValidationErrors) as info:
        services.roster.create_student(StudentInput("Other", "Kid", "61205171232", class_name="1"))
    assert "Mari-Liis Õunapuu" in info.value.errors[0].reason


def test_slovenian_school_validates_emso(services_si):
    record = services_si.roster.create_student(
        StudentInput("Živa", "Kovačič", "101006500006", class_name="7.a")  # leading 0 restored
    )
    assert record.personal_code == "0101006500006"
    with pytest.raises(ValidationErrors):
        services_si.roster.create_student(
            StudentInput("Žan", "Novak", "61205171232", class_name="1")
        )


def test_stale_save_is_refused_with_who_and_when(db, services):
    record = services.roster.create_student(MARI)
    other = Services(db, Actor("secretary2", "Second Secretary", frozenset({Role.OFFICE})))
    other.roster.update_student(
        record.id, record.version, MARI.__class__(**{**MARI.__dict__, "class_name": "6.b"})
    )
    changed = StudentInput(**{**MARI.__dict__, "first_name": "Mari"})
    with pytest.raises(ConflictError) as info:
        services.roster.update_student(record.id, record.version, changed)
    assert info.value.who == "secretary2"
    assert info.value.when is not None
    assert services.roster.get(record.id).first_name == "Mari-Liis"  # nothing lost either way
    assert services.roster.get(record.id).class_name == "6.b"


def test_roles_are_enforced_in_the_service(db, services):
    record = services.roster.create_student(MARI)
    billing = Services(db, Actor("billing1", "", frozenset({Role.BILLING})))
    assert billing.roster.get(record.id).first_name == "Mari-Liis"  # may view
    with pytest.raises(PermissionDenied) as info:
        billing.roster.update_student(record.id, record.version, MARI)  # R11: may not edit
    assert "Office" in str(info.value)
    with pytest.raises(PermissionDenied):
        billing.staff.add("someone", "", {Role.OFFICE})


def test_every_write_is_audited_with_before_and_after(db, services):
    record = services.roster.create_student(MARI)
    services.roster.update_student(
        record.id, record.version, StudentInput(**{**MARI.__dict__, "class_name": "6.b"})
    )
    with db.read() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.student_id == record.id).order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == ["insert", "update"]
    assert entries[0].after["personal_code"] == "61205171232"
    assert entries[1].before == {"class_name": "5.b"}
    assert entries[1].after == {"class_name": "6.b"}
    assert entries[1].actor == services.actor.login


def test_mark_left_runs_leaving_handlers_in_the_same_transaction(services):
    record = services.roster.create_student(MARI)
    seen = []
    services.roster.leaving_handlers.append(lambda s, student, on: seen.append((student.id, on)))
    left = services.roster.mark_left(record.id, record.version, date(2026, 6, 30), "moved away")
    assert left.status is StudentStatus.LEFT and left.left_on == date(2026, 6, 30)
    assert seen == [(record.id, date(2026, 6, 30))]


def test_failing_leaving_handler_rolls_back_the_leaving(services):
    record = services.roster.create_student(MARI)

    def fail(session, student, on):
        raise RuntimeError("provider outbox unavailable")

    services.roster.leaving_handlers.append(fail)
    with pytest.raises(RuntimeError):
        services.roster.mark_left(record.id, record.version, date(2026, 6, 30))
    assert services.roster.get(record.id).status is StudentStatus.ENROLLED


def test_guardians_and_contact_restrictions(services):
    record = services.roster.create_student(MARI)
    record = services.roster.add_guardian(
        record.id, GuardianInput("Kadri", "Õunapuu", phone="+372 5123 4567"), Relation.MOTHER
    )
    record = services.roster.add_guardian(
        record.id, GuardianInput("Tiit", "Õunapuu", email="tiit@example.com"), Relation.FATHER
    )
    mother, father = record.guardians
    assert mother.primary_contact and not father.primary_contact
    services.roster.add_restriction(
        father.link_id,
        RestrictionKind.PROHIBITION,
        permanent=False,
        valid_from=date(2026, 11, 1),
        valid_to=date(2027, 10, 31),
        authority="Tartu court",
        reference="2-26-123",
    )
    day = date(2026, 11, 23)
    assert [g.first_name for g in services.roster.contactable_guardians(record.id, day)] == [
        "Kadri"
    ]
    assert len(services.roster.contactable_guardians(record.id, date(2026, 10, 31))) == 2
    with pytest.raises(ContactRestricted):
        services.roster.assert_may_contact(record.id, father.guardian_id, day)
    services.roster.assert_may_contact(record.id, mother.guardian_id, day)  # no error
    with pytest.raises(NotFound):
        services.roster.assert_may_contact(record.id, 999_999, day)


def test_audit_of_an_insert_names_the_new_row(db, services):
    record = services.roster.create_student(MARI)
    with db.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "student", AuditEntry.action == "insert")
        ).one()
    assert entry.entity_id == str(record.id)


def test_a_siblings_parent_is_linked_not_duplicated(services):
    first = services.roster.create_student(MARI)
    second = services.roster.create_student(
        StudentInput("Jüri", "Õunapuu", "51205171231", class_name="5.b")
    )
    services.roster.add_guardian(
        first.id, GuardianInput("Kadri", "Õunapuu", phone="+372 5123 4567")
    )
    second = services.roster.add_guardian(
        second.id, GuardianInput("KADRI", "Õunapuu", phone="+37251234567")
    )
    assert second.guardians[0].guardian_id == services.roster.get(first.id).guardians[0].guardian_id


def test_update_link_moves_the_primary_contact(services):
    record = services.roster.create_student(MARI)
    services.roster.add_guardian(
        record.id, GuardianInput("Kadri", "Õunapuu", phone="+372 511 1111")
    )
    record = services.roster.add_guardian(
        record.id, GuardianInput("Tiit", "Õunapuu", phone="+372 522 2222")
    )
    father = record.guardians[1]
    record = services.roster.update_link(father.link_id, father.link_version, Relation.FATHER, True)
    by_name = {g.first_name: g for g in record.guardians}
    assert by_name["Tiit"].primary_contact and by_name["Tiit"].relation is Relation.FATHER
    assert not by_name["Kadri"].primary_contact


def test_restriction_is_kept_and_can_be_ended(services):
    record = services.roster.create_student(MARI)
    record = services.roster.add_guardian(
        record.id, GuardianInput("Tiit", "Õunapuu", phone="+372 522 2222")
    )
    link = record.guardians[0]
    with pytest.raises(ValidationError) as info:
        services.roster.add_restriction(
            link.link_id,
            RestrictionKind.RESTRICTION,
            permanent=True,
            valid_from=None,
            valid_to=None,
            authority="Court",
        )
    assert info.value.field == "valid_from"
    restriction = services.roster.add_restriction(
        link.link_id,
        RestrictionKind.RESTRICTION,
        permanent=True,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        authority="Court",
    )
    with pytest.raises(ValidationError):  # the court order is a record to keep
        services.roster.unlink_guardian(link.link_id, link.link_version)
    services.roster.end_restriction(restriction.id, restriction.version, date(2026, 6, 30))
    assert services.roster.contactable_guardians(record.id, date(2026, 7, 1))
    assert not services.roster.contactable_guardians(record.id, date(2026, 6, 30))
