"""CardService against SQLite and PostgreSQL: R20–R31, R7, R24, R34, outbox, audit, locking."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from desktop.db.models import AuditEntry, Card, ProviderOutbox
from desktop.domain.cards.activation import ActivationRefusal
from desktop.domain.cards.events import ProviderEventKind, SuspendReason
from desktop.domain.cards.machines import CardKind
from desktop.domain.cards.numbering import CardNumber
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.errors import (
    ConflictError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from desktop.domain.roles import Role
from desktop.domain.roster import StudentStatus
from desktop.services.base import Actor
from desktop.services.cards import CardService
from desktop.services.cards.read_models import CARD_COLUMNS, CardFilter, CardRow
from desktop.services.cards.virtual import ActivationRefused
from desktop.services.container import Services
from desktop.services.roster import StudentInput

pytestmark = pytest.mark.db

OCT = date(2025, 10, 1)
MARI = StudentInput("Mari-Liis", "Õunapuu", "61205171232", class_name="5.b")
JAAN = StudentInput("Jaan", "Tamm", "51205171231", class_name="6.a")
ANNA = StudentInput(
    "Anna", "Smith", "", birth_date=date(2012, 2, 1), no_local_code=True, class_name="5.b"
)


def outbox(db) -> list[tuple]:
    with db.read() as session:
        return [
            (r.student_id, r.kind, dict(r.payload), r.state)
            for r in session.scalars(select(ProviderOutbox).order_by(ProviderOutbox.id))
        ]


def card_row(db, card_id: int) -> tuple:
    with db.read() as session:
        c = session.get(Card, card_id)
        return (c.status, c.valid_until, c.version, c.device_binding_ref, c.status_reason)


@pytest.fixture
def mari(services):
    return services.roster.create_student(MARI)


# ---- issue ---------------------------------------------------------------------------------


def test_issue_gives_a_numbered_active_card_and_publishes_the_entitlement(services, mari, db):
    card = services.cards.issue_physical(mari.id, today=OCT)
    assert card.kind is CardKind.PHYSICAL and card.status == "ACTIVE"
    assert card.card_number == str(CardNumber("TS", 1))  # "Test School" → TS
    assert card.valid_until == date(2026, 8, 31)  # R21: 31 Aug of the school year
    [(student_id, kind, payload, state)] = outbox(db)
    assert (student_id, kind, state) == (mari.id, ProviderEventKind.UPSERT_ENTITLEMENT, "PENDING")
    assert payload == {
        "personal_code": "61205171232",
        "first_name": "Mari-Liis",
        "last_name": "Õunapuu",
        "school": "TS",
        "valid_until": "2026-08-31",
        "status": "ACTIVE",
    }


def test_no_provider_event_for_a_student_without_isikukood(services, db):
    anna = services.roster.create_student(ANNA)
    services.cards.issue_physical(anna.id, today=OCT)
    assert outbox(db) == []  # R34: no Smart-ID, no virtual card, nothing to tell the provider


def test_no_provider_event_in_a_slovenian_school(services_si, db):
    student = services_si.roster.create_student(
        StudentInput("Živa", "Kovačič", "0101006500006", class_name="7.a")
    )
    card = services_si.cards.issue_physical(student.id, today=OCT)
    assert card.card_number.startswith("TS-") and outbox(db) == []


@pytest.mark.parametrize("held", ["ACTIVE", "LOST"])
def test_a_second_card_is_refused_while_one_is_held(services, mari, held):
    card = services.cards.issue_physical(mari.id, today=OCT)
    if held == "LOST":
        services.cards.report_lost(card.id, card.version)
    with pytest.raises(ValidationError) as info:
        services.cards.issue_physical(mari.id, today=OCT)
    assert info.value.field == "card" and card.card_number in str(info.value)


def test_numbers_are_never_reused_even_after_cards_are_deleted(services, mari, db):
    first = services.cards.issue_physical(mari.id, today=OCT)
    with db.engine.begin() as connection:  # e.g. a student's data erased for good
        connection.execute(text("DELETE FROM card"))
    jaan = services.roster.create_student(JAAN)
    second = services.cards.issue_physical(jaan.id, today=OCT)
    assert CardNumber.parse(second.card_number).serial == 2
    assert second.card_number != first.card_number


# ---- lost / replace (R22, R23) ---------------------------------------------------------------


def test_lost_card_is_blocked_replaced_and_the_virtual_card_is_untouched(services, mari, db):
    old = services.cards.issue_physical(mari.id, today=OCT)
    virtual = services.cards.record_activation(mari.id, "PNOEE-61205171232", "phone-1", OCT)
    before_virtual = card_row(db, virtual.id)
    events_before = outbox(db)

    new = services.cards.report_lost_and_replace(old.id, old.version, today=date(2025, 11, 3))

    old_now = services.cards.get(old.id)
    assert old_now.status == "REPLACED" and old_now.replaced_by_card_id == new.id
    assert old_now.status_reason == "reported lost"
    assert new.status == "ACTIVE" and new.card_number != old.card_number
    assert new.valid_until == old.valid_until
    # R22: the virtual card row did not change at all, and the provider hears nothing (R23).
    assert card_row(db, virtual.id) == before_virtual
    assert outbox(db) == events_before


def test_report_lost_then_replace_later(services, mari):
    card = services.cards.issue_physical(mari.id, today=OCT)
    lost = services.cards.report_lost(card.id, card.version)
    assert lost.status == "LOST"
    new = services.cards.replace(lost.id, lost.version, today=OCT)
    assert services.cards.get(card.id).replaced_by_card_id == new.id


def test_a_replaced_card_cannot_be_reported_lost(services, mari):
    card = services.cards.issue_physical(mari.id, today=OCT)
    services.cards.report_lost_and_replace(card.id, card.version, today=OCT)
    card = services.cards.get(card.id)
    with pytest.raises(InvalidTransition) as info:
        services.cards.report_lost(card.id, card.version)
    assert "REPLACED" in str(info.value)


def test_revoking_a_physical_card_needs_a_reason_and_leaves_the_virtual_card(services, mari, db):
    card = services.cards.issue_physical(mari.id, today=OCT)
    virtual = services.cards.record_activation(mari.id, "61205171232", today=OCT)
    before = card_row(db, virtual.id)
    with pytest.raises(ValidationError) as info:
        services.cards.revoke(card.id, card.version, "  ")
    assert info.value.field == "reason"
    assert services.cards.revoke(card.id, card.version, "card withdrawn").status == "REVOKED"
    assert card_row(db, virtual.id) == before
    with pytest.raises(ValidationError):
        services.cards.revoke(virtual.id, virtual.version, "wrong kind")


# ---- extension (R21) ----------------------------------------------------------------------------


def test_extend_moves_both_cards_to_next_31_august_once(services, mari, db):
    card = services.cards.issue_physical(mari.id, today=OCT)
    virtual = services.cards.record_activation(mari.id, "61205171232", today=OCT)
    item = services.cards.extend(mari.id, today=date(2026, 6, 15))
    assert item.new_valid_until == date(2027, 8, 31)
    assert {c.card_id for c in item.changes} == {card.id, virtual.id}
    assert services.cards.get(card.id).valid_until == date(2027, 8, 31)
    assert services.cards.get(virtual.id).valid_until == date(2027, 8, 31)
    assert outbox(db)[-1][2]["valid_until"] == "2027-08-31"
    # September batch run after a June extension adds nothing (R21: never twice).
    again = services.cards.extend(mari.id, today=date(2026, 9, 2))
    assert again.empty and len(outbox(db)) == 2


def test_extend_reactivates_an_expired_card(services, mari):
    card = services.cards.issue_physical(mari.id, today=OCT)
    services.daily.run(date(2026, 9, 1))
    assert services.cards.get(card.id).status == "EXPIRED"
    services.cards.extend(mari.id, today=date(2026, 9, 3))
    again = services.cards.get(card.id)
    assert (again.status, again.valid_until) == ("ACTIVE", date(2027, 8, 31))


def test_extending_a_student_without_cards_or_code_is_refused(services):
    anna = services.roster.create_student(ANNA)
    with pytest.raises(ValidationError) as info:
        services.cards.extend(anna.id, today=OCT)
    assert "issue a card first" in info.value.reason


def test_extend_all_preview_then_apply(services, db):
    mari = services.roster.create_student(MARI)
    jaan = services.roster.create_student(JAAN)
    anna = services.roster.create_student(ANNA)
    for s in (mari, jaan, anna):
        services.cards.issue_physical(s.id, today=OCT)
    services.cards.extend(jaan.id, today=date(2026, 6, 1))  # already done
    before = outbox(db)

    plan = services.cards.preview_extend_all(today=date(2026, 6, 20))
    assert [i.student_id for i in plan.items] == [anna.id, mari.id]  # by class, then name
    assert plan.card_count == 2 and plan.event_count == 1  # Anna has no isikukood (R34)
    assert outbox(db) == before  # a preview writes nothing

    services.cards.apply_extension(plan)
    rows = services.cards.rows(CardFilter(kind=CardKind.PHYSICAL))
    assert {r.valid_until for r in rows} == {date(2027, 8, 31)}
    assert len(outbox(db)) == len(before) + 1
    assert services.cards.preview_extend_all(today=date(2026, 6, 20)).items == ()


def test_extend_all_on_a_new_database_publishes_entitlements_without_cards(services, db):
    mari = services.roster.create_student(MARI)
    plan = services.cards.preview_extend_all(today=date(2026, 6, 20))
    [item] = plan.items
    assert (item.student_id, item.changes, item.publishes) == (mari.id, (), True)
    services.cards.apply_extension(plan)
    assert outbox(db)[0][2]["valid_until"] == "2027-08-31"


def test_extend_all_refuses_a_plan_that_changed_since_the_preview(services, mari):
    card = services.cards.issue_physical(mari.id, today=OCT)
    plan = services.cards.preview_extend_all(today=date(2026, 6, 20))
    services.cards.report_lost(card.id, card.version)
    with pytest.raises(ConflictError):
        services.cards.apply_extension(plan)
    assert services.cards.get(card.id).valid_until == date(2026, 8, 31)


# ---- daily expiry (R21) -----------------------------------------------------------------------


def card_expiry(services, day: date):
    [result] = [r for r in services.daily.run(day) if r.job == "card-expiry"]
    return result


def test_daily_job_expires_cards_after_31_august_and_tells_the_provider(services, mari, db):
    card = services.cards.issue_physical(mari.id, today=OCT)
    virtual = services.cards.record_activation(mari.id, "61205171232", today=OCT)
    assert str(card_expiry(services, date(2026, 8, 31))) == (
        "card-expiry: 0 card(s) expired (0 physical, 0 virtual); 0 provider event(s) queued"
    )
    result = card_expiry(services, date(2026, 9, 1))
    assert result.summary.startswith("2 card(s) expired (1 physical, 1 virtual); 1 provider")
    assert services.cards.get(card.id).status == "EXPIRED"
    assert services.cards.get(virtual.id).status == "EXPIRED"
    assert outbox(db)[-1][2]["status"] == "EXPIRED"
    assert card_expiry(services, date(2026, 9, 1)).already_ran


# ---- roster removal (R7, R24) -------------------------------------------------------------------


@pytest.mark.parametrize("status", [StudentStatus.LEFT, StudentStatus.GRADUATED])
def test_leaving_revokes_physical_closes_virtual_and_queues_close(services, mari, db, status):
    old = services.cards.issue_physical(mari.id, today=OCT)
    new = services.cards.report_lost_and_replace(old.id, old.version, today=OCT)
    virtual = services.cards.record_activation(mari.id, "61205171232", today=OCT)
    record = services.roster.get(mari.id)

    services.roster.mark_left(mari.id, record.version, date(2026, 2, 1), "moved", status)

    assert services.cards.get(old.id).status == "REVOKED"
    assert services.cards.get(new.id).status == "REVOKED"
    assert services.cards.get(virtual.id).status == "CLOSED"
    student_id, kind, payload, state = outbox(db)[-1]
    assert (student_id, kind, state) == (mari.id, ProviderEventKind.CLOSE_ENTITLEMENT, "PENDING")
    assert payload == {"reason": status.value, "effective_on": "2026-02-01"}


def test_leaving_is_one_transaction_with_the_cards(services, mari, db):
    services.cards.issue_physical(mari.id, today=OCT)
    services.cards.record_activation(mari.id, "61205171232", today=OCT)

    def broken(session, student, left_on):
        raise RuntimeError("a later handler fails")

    services.roster.leaving_handlers.append(broken)
    record = services.roster.get(mari.id)
    with pytest.raises(RuntimeError):
        services.roster.mark_left(mari.id, record.version, date(2026, 2, 1), "moved")
    assert {c.status for c in services.cards.student_cards(mari.id)} == {"ACTIVE"}
    assert [k for _, k, _, _ in outbox(db)] == [ProviderEventKind.UPSERT_ENTITLEMENT]


# ---- virtual card (R24–R27, R34) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("51205171231", ActivationRefusal.CODES_DIFFER),
        ("", ActivationRefusal.BAD_SMART_ID_CODE),
    ],
)
def test_activation_needs_the_rosters_code(services, mari, code, refusal):
    with pytest.raises(ActivationRefused) as info:
        services.cards.record_activation(mari.id, code, today=OCT)
    assert info.value.refusal is refusal and info.value.message
    assert services.cards.student_cards(mari.id) == []


def test_a_student_without_isikukood_cannot_activate_and_is_told_why(services):
    anna = services.roster.create_student(ANNA)
    with pytest.raises(ActivationRefused) as info:
        services.cards.record_activation(anna.id, "61205171232", today=OCT)
    assert info.value.refusal is ActivationRefusal.NO_ESTONIAN_CODE
    assert "physical card" in info.value.message


def test_new_phone_keeps_the_card_and_suspension_round_trip(services, mari, db):
    card = services.cards.record_activation(mari.id, "61205171232", "phone-1", OCT)
    moved = services.cards.record_activation(mari.id, "61205171232", "phone-2", OCT)
    assert moved.id == card.id and moved.device_binding_ref == "phone-2"  # R27
    assert moved.valid_until == card.valid_until

    services.cards.request_suspension(mari.id, SuspendReason.LOST_PHONE)
    assert outbox(db)[-1][1] is ProviderEventKind.SUSPEND_ENTITLEMENT
    assert services.cards.history(mari.id)[-1].action == "suspension_requested"
    assert services.cards.get(card.id).status == "ACTIVE"  # R25: only once the provider confirms
    suspended = services.cards.record_suspension(card.id, moved.version)
    assert suspended.status == "SUSPENDED"
    back = services.cards.record_activation(mari.id, "61205171232", "phone-3", OCT)
    assert (back.id, back.status) == (card.id, "ACTIVE")


def test_closing_the_virtual_card_is_final_and_a_new_one_may_follow(services, mari, db):
    card = services.cards.record_activation(mari.id, "61205171232", today=OCT)
    closed = services.cards.close_virtual(card.id, card.version, "entitlement removed", OCT)
    assert closed.status == "CLOSED"
    assert outbox(db)[-1][2] == {"reason": "ENTITLEMENT_REMOVED", "effective_on": "2025-10-01"}
    with pytest.raises(InvalidTransition):
        services.cards.close_virtual(card.id, closed.version, "again", OCT)
    fresh = services.cards.record_activation(mari.id, "61205171232", today=OCT)
    assert fresh.id != card.id and fresh.status == "ACTIVE"


def test_the_database_allows_one_open_virtual_card_per_student(services, mari, db):
    services.cards.record_activation(mari.id, "61205171232", today=OCT)
    with pytest.raises(IntegrityError), db.write("tester") as session:
        session.add(
            Card(
                student_id=mari.id,
                kind=CardKind.VIRTUAL,
                issued_on=OCT,
                valid_until=OCT,
                status="SUSPENDED",
            )
        )
        session.flush()
    # Closed ones do not count: any number of them may exist next to the open one.
    with db.write("tester") as session:
        for _ in range(2):
            session.add(
                Card(
                    student_id=mari.id,
                    kind=CardKind.VIRTUAL,
                    issued_on=OCT,
                    valid_until=OCT,
                    status="CLOSED",
                )
            )


# ---- reads, history, locking, roles -------------------------------------------------------------


def test_rows_filter_by_status_class_and_expiry(services, db):
    mari = services.roster.create_student(MARI)
    jaan = services.roster.create_student(JAAN)
    services.cards.issue_physical(mari.id, today=OCT)
    services.cards.issue_physical(jaan.id, today=OCT)
    services.cards.extend(jaan.id, today=date(2026, 6, 1))
    assert len(services.cards.rows()) == 2
    assert [r.last_name for r in services.cards.rows(CardFilter(class_name="6.a"))] == ["Tamm"]
    soon = services.cards.rows(CardFilter(expiring_before=date(2026, 9, 1)))
    assert [r.first_name for r in soon] == ["Mari-Liis"]
    assert services.cards.rows(CardFilter(status="LOST")) == []


def test_rows_are_card_rows_named_like_their_columns(services):
    # CardRow's fields and CARD_COLUMNS are two lists in one order: a drift would swap values.
    assert tuple(c.key for c in CARD_COLUMNS) == CardRow._fields
    mari = services.roster.create_student(MARI)
    card = services.cards.issue_physical(mari.id, today=OCT)
    [row] = services.cards.rows()
    assert type(row) is CardRow
    assert (row.id, row.version, row.student_id) == (card.id, card.version, mari.id)
    assert (row.card_number, row.kind, row.valid_until) == (
        card.card_number,
        CardKind.PHYSICAL,
        card.valid_until,
    )


def test_history_lists_every_change_with_who(services, mari):
    card = services.cards.issue_physical(mari.id, today=OCT)
    services.cards.report_lost_and_replace(card.id, card.version, today=OCT)
    history = services.cards.history(mari.id)
    steps = [(h.card_label, h.action, h.status_before, h.status_after) for h in history]
    assert steps[0] == (card.card_number, "insert", None, "ACTIVE")
    assert (card.card_number, "update", "ACTIVE", "LOST") in steps
    assert (card.card_number, "update", "LOST", "REPLACED") in steps
    assert {h.actor for h in history} == {services.actor.login}


def test_card_changes_are_audited_with_the_student(services, mari, db):
    card = services.cards.issue_physical(mari.id, today=OCT)
    services.cards.revoke(card.id, card.version, "withdrawn")
    with db.read() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "card")).all()
    assert [e.action for e in entries] == ["insert", "update"]
    assert {e.student_id for e in entries} == {mari.id}
    assert entries[1].after["status"] == "REVOKED"


def test_stale_version_is_refused_with_who(db, services, mari):
    card = services.cards.issue_physical(mari.id, today=OCT)
    other = Services(db, Actor("secretary2", "Second Secretary", frozenset({Role.OFFICE})))
    other.cards.report_lost(card.id, card.version)
    with pytest.raises(ConflictError) as info:
        services.cards.revoke(card.id, card.version, "withdrawn")
    assert info.value.who == "secretary2"


def test_cards_need_the_office_role(db, services, mari):
    billing = CardService(db, Actor("billing1", "Billing", frozenset({Role.BILLING})))
    with pytest.raises(PermissionDenied):
        billing.issue_physical(mari.id, today=OCT)
    with pytest.raises(PermissionDenied):
        billing.rows()


def test_lookups_give_clear_errors(services):
    with pytest.raises(NotFound):
        services.cards.issue_physical(999, today=OCT)
    with pytest.raises(ValidationError) as info:
        services.cards.find_by_number("TS-00000001-0")
    assert "check digit" in info.value.reason
    with pytest.raises(NotFound):
        services.cards.find_by_number(str(CardNumber("TS", 5)))


def test_settings_default_and_update(services, mari):
    settings = services.cards.settings()
    assert settings.school_code == "TS" and settings.version == 0
    assert ("E-mail", "hello@konnekt.ee") in settings.support_contacts
    saved = services.cards.update_settings(0, "tk", [("Phone", "+372 000 0000")])
    assert saved.school_code == "TK" and saved.support_contacts == (("Phone", "+372 000 0000"),)
    assert services.cards.issue_physical(mari.id, today=OCT).card_number.startswith("TK-")
    with pytest.raises(ValidationError):
        services.cards.update_settings(saved.version, "T1", [])


# ---- photos ----------------------------------------------------------------------------------


def image_bytes(size=(300, 400), fmt="JPEG", **save) -> bytes:
    buf = BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(buf, fmt, **save)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_photo_import_stores_a_card_ready_jpeg(services, mari, fmt):
    info = services.cards.import_photo(mari.id, image_bytes((900, 1200), fmt))
    assert (info.mime, info.width, info.height) == ("image/jpeg", 480, 640)
    stored = Image.open(BytesIO(services.cards.photo(mari.id)))
    assert stored.format == "JPEG" and stored.size == (480, 640)


def test_photo_upright_from_exif(services, mari):
    img = Image.new("RGB", (400, 300), (10, 20, 30))  # taken sideways; EXIF says rotate
    exif = img.getexif()
    exif[0x0112] = 6
    buf = BytesIO()
    img.save(buf, "JPEG", exif=exif)
    info = services.cards.import_photo(mari.id, buf.getvalue())
    assert (info.width, info.height) == (300, 400)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (image_bytes((299, 400)), "at least 300 × 400 px"),
        (image_bytes((4001, 4000), "PNG"), "at most 4000 × 4000 px"),
        (b"GIF89a not really", "JPEG or PNG"),
        (image_bytes((300, 400), "GIF"), "JPEG or PNG"),
        (b"\xff\xd8" + b"\0" * (2 * 1024 * 1024), "JPEG or PNG"),
    ],
)
def test_photo_limits_are_named(services, mari, data, reason):
    with pytest.raises(ValidationError) as info:
        services.cards.import_photo(mari.id, data)
    assert info.value.field == "photo" and reason in info.value.reason
    assert services.cards.photo(mari.id) is None


def test_photo_over_two_megabytes_is_refused(services, mari):
    import os

    noisy = Image.frombytes("RGB", (1200, 1600), os.urandom(1200 * 1600 * 3))
    buf = BytesIO()
    noisy.save(buf, "PNG")
    with pytest.raises(ValidationError) as info:
        services.cards.import_photo(mari.id, buf.getvalue())
    assert "at most 2 MB" in info.value.reason


# ---- printing ------------------------------------------------------------------------------


def test_print_logs_the_file_hash_and_refuses_inactive_cards(services, mari, db):
    import hashlib

    card = services.cards.issue_physical(mari.id, today=OCT)
    services.cards.import_photo(mari.id, image_bytes((600, 800)))
    pdf = services.cards.print_cards([card.id], sheet=True)
    assert pdf.startswith(b"%PDF")
    with db.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "print"))
        assert entry.after["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert entry.student_id == mari.id
        assert session.scalar(select(func.count()).select_from(ProviderOutbox)) == 1
    lost = services.cards.report_lost(card.id, card.version)
    with pytest.raises(ValidationError):
        services.cards.print_cards([lost.id], sheet=False)


def test_outbox_rows_carry_unique_idempotency_keys(services, mari, db):
    services.cards.issue_physical(mari.id, today=OCT)
    services.cards.extend(mari.id, today=date(2026, 6, 1))
    with db.read() as session:
        keys = session.scalars(select(ProviderOutbox.idempotency_key)).all()
        states = set(session.scalars(select(ProviderOutbox.state)))
    assert len(set(keys)) == 2 and states == {OutboxState.PENDING}
