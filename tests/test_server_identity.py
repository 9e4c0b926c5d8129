"""Personal PostgreSQL logins (R119), the role matrix enforced by the server (R121), the
append-only audit tables (R122), the login audit (R116) and the TLS rule (R120).

Runs against the local PostgreSQL server (SCHOOL_OFFICE_TEST_PG_URL, a superuser with trust
authentication). The session makes its own owner role, database, group roles and staff logins,
all with names unique to this run, and drops them at the end (DROP OWNED BY, then DROP ROLE).
Trust authentication does not check passwords, so the password tests check what is stored
(the SCRAM verifier, the flag) rather than a refused wrong password.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from desktop.cli import main as cli_main
from desktop.db.access import grants
from desktop.db.access.names import group_role
from desktop.db.access.provisioning import provision
from desktop.db.access.server import UnencryptedConnection, check_transport
from desktop.db.models import LoginEvent, Payment
from desktop.db.session import Database
from desktop.domain.errors import AccessRevoked, PermissionDenied, ServerRefused
from desktop.domain.roles import Role
from desktop.services.container import Services, open_database, open_services
from desktop.services.staff import NotStaff, OwnerLogin, change_own_password, resolve_actor
from tests.conftest import PG_ADMIN_URL

pytestmark = [
    pytest.mark.db,
    pytest.mark.skipif(not PG_ADMIN_URL, reason="SCHOOL_OFFICE_TEST_PG_URL is not set"),
]


@dataclass
class Server:
    tag: str
    database: str
    owner: str
    admin: str
    office: str
    billing: str
    authorised: str
    admin_url: str  # the superuser, on the school's database

    def url(self, login: str) -> str:
        return (
            make_url(self.admin_url)
            .set(username=login, password=None)
            .render_as_string(hide_password=False)
        )

    def dsn(self, login: str) -> str:
        url = make_url(self.admin_url)
        return f"host={url.host} port={url.port or 5432} dbname={self.database} user={login}"


@pytest.fixture(scope="module")
def server():
    tag = uuid.uuid4().hex[:8]
    database = f"so_ident_{tag}"
    owner = f"so_{tag}_owner"
    su_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    su = create_engine(su_url, isolation_level="AUTOCOMMIT")
    with su.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{owner}" LOGIN CREATEROLE'))
        connection.execute(text(f'GRANT pg_signal_backend TO "{owner}"'))
        connection.execute(text(f'CREATE DATABASE "{database}" OWNER "{owner}"'))
    school_url = su_url.set(database=database).render_as_string(hide_password=False)
    s = Server(
        tag,
        database,
        owner,
        admin=f"so_{tag}_admin",
        office=f"so_{tag}_office",
        billing=f"so_{tag}_billing",
        authorised=f"so_{tag}_dpo",
        admin_url=school_url,
    )
    try:
        owner_db = open_database(s.url(owner))  # migrated by the owner: the owner's schema
        report = provision(owner_db.engine, s.admin, admin_name="Anne Admin")
        owner_db.dispose()
        assert report.logins[s.admin]  # a one-time password, shown once
        with _services(s, s.admin) as admin:
            for login, role in (
                (s.office, Role.OFFICE),
                (s.billing, Role.BILLING),
                (s.authorised, Role.DATA_PROTECTION),
            ):
                record = admin.staff.add(login, login, {role})
                assert record.initial_password
        yield s
    finally:
        with su.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            roles = list(
                connection.scalars(
                    text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p ORDER BY 1"),
                    {"p": f"so\\_%{tag}%"},
                )
            )
            for role in roles:  # logins first, then the groups they were members of
                connection.execute(text(f'DROP OWNED BY "{role}" CASCADE'))
            for role in sorted(roles, key=lambda r: r == owner):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        su.dispose()


def _services(server: Server, login: str) -> Services:
    db = Database(server.url(login))
    return Services(db, resolve_actor(db))


def _denied(server: Server, login: str, sql: str) -> bool:
    with psycopg.connect(server.dsn(login)) as connection:
        try:
            connection.execute(sql)
        except psycopg.errors.InsufficientPrivilege:
            return True
        connection.rollback()
    return False


# ---- the server enforces the role matrix (R121) ----------------------------------------------


@pytest.mark.parametrize("table", ["payment", "invoice", "subscription_profile", "access_code"])
def test_office_login_cannot_read_payer_or_code_tables(server, table):
    assert _denied(server, server.office, f"SELECT * FROM {table}")
    assert not _denied(
        server,
        server.billing if table != "access_code" else server.authorised,
        f"SELECT * FROM {table}",
    )


def test_office_still_reads_the_roster_and_subscription_status(server):
    for table in ("student", "guardian", "subscription"):
        assert not _denied(server, server.office, f"SELECT * FROM {table}")


def test_only_the_authorised_person_inserts_codes(server):
    sql = "INSERT INTO access_code SELECT * FROM access_code WHERE false"
    assert not _denied(server, server.authorised, sql)
    for login in (server.office, server.billing, server.admin):
        assert _denied(server, login, sql)


@pytest.mark.parametrize("table", ["audit_entry", "terms_acceptance", "generated_document"])
def test_audit_like_tables_are_insert_only_for_every_role(server, table):
    for login in (server.office, server.billing, server.authorised, server.admin):
        assert _denied(server, login, f"UPDATE {table} SET id = id")
        assert _denied(server, login, f"DELETE FROM {table}")
    assert not _denied(
        server, server.office, f"INSERT INTO {table} SELECT * FROM {table} WHERE false"
    )


def test_a_server_refusal_reaches_the_app_as_a_typed_error(server):
    db = Database(server.url(server.office))
    try:
        with pytest.raises(ServerRefused) as caught, db.read() as session:
            session.scalars(select(Payment)).all()
        assert isinstance(caught.value, PermissionDenied)
        assert "refused" in str(caught.value)
    finally:
        db.dispose()


# ---- identity is the server's session_user (R119) ----------------------------------------------


def test_environment_variables_change_nothing(server, monkeypatch, capsys):
    for name in ("LOGNAME", "USER", "USERNAME"):
        monkeypatch.setenv(name, server.admin)
    _clear_one_time_password(server, server.office)
    with _services(server, server.office) as office:
        assert office.actor.login == server.office
        assert office.actor.roles == frozenset({Role.OFFICE})
    code = cli_main(
        ["--database", server.url(server.office), "staff", "add", "eve", "--role", "billing"]
    )
    assert code == 4  # permission denied: office is not an administrator
    assert "eve" not in capsys.readouterr().out


def test_a_claimed_login_other_than_the_servers_is_refused(server):
    db = Database(server.url(server.office))
    try:
        with pytest.raises(NotStaff):
            resolve_actor(db, server.admin)
    finally:
        db.dispose()


def test_the_owner_login_is_nobodys_staff_account(server):
    db = Database(server.url(server.owner))
    try:
        with pytest.raises(OwnerLogin) as caught:
            resolve_actor(db)
        assert "own login" in str(caught.value)
    finally:
        db.dispose()


# ---- logins, passwords and provisioning ------------------------------------------------------


def _clear_one_time_password(server: Server, login: str) -> None:
    db = Database(server.url(login))
    try:
        actor = resolve_actor(db)
        if actor.must_change_password:
            change_own_password(db, actor, f"{login}-chosen-password")
    finally:
        db.dispose()


def test_a_new_login_must_choose_a_password_before_working(server, capsys):
    with _services(server, server.admin) as admin:
        record = admin.staff.add(f"so_{server.tag}_new", "New Person", {Role.OFFICE})
    login, password = record.login, record.initial_password
    assert password and len(password) >= 12
    su = create_engine(make_url(server.admin_url), isolation_level="AUTOCOMMIT")
    with su.connect() as connection:
        stored = connection.scalar(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :n"), {"n": login}
        )
        member = connection.scalar(
            text("SELECT pg_has_role(:n, :g, 'MEMBER')"),
            {"n": login, "g": group_role(server.database, Role.OFFICE)},
        )
    su.dispose()
    assert stored.startswith("SCRAM-SHA-256$") and password not in stored
    assert member
    assert cli_main(["--database", server.url(login), "staff", "list"]) == 1
    assert "staff password" in capsys.readouterr().err
    db = Database(server.url(login))
    try:
        actor = resolve_actor(db)
        assert actor.must_change_password
        kept = []
        change_own_password(db, actor, "a long new password", kept.append)
        assert kept == ["a long new password"]
        assert not resolve_actor(db).must_change_password
    finally:
        db.dispose()
    assert cli_main(["--database", server.url(login), "staff", "list"]) == 0


def test_provisioning_again_changes_nothing_and_makes_no_new_passwords(server):
    db = Database(server.url(server.owner))
    try:
        report = provision(db.engine, server.admin)
    finally:
        db.dispose()
    assert not report.first_time
    assert report.groups_created == []
    assert all(password is None for password in report.logins.values())
    assert _denied(server, server.office, "SELECT * FROM payment")


def test_an_existing_role_can_be_mapped_without_a_password(server):
    su = create_engine(make_url(server.admin_url), isolation_level="AUTOCOMMIT")
    login = f"so_{server.tag}_kerberos"
    with su.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{login}" NOLOGIN'))
    su.dispose()
    with _services(server, server.admin) as admin:
        record = admin.staff.add(login, "Kerb Eros", {Role.BILLING}, existing_role=True)
    assert record.initial_password is None
    with _services(server, login) as billing:
        assert billing.actor.roles == frozenset({Role.BILLING})
        assert not billing.actor.must_change_password


# ---- deactivation is immediate (R119) ----------------------------------------------------------


def test_deactivation_locks_out_a_running_client_within_one_action(server):
    login = f"so_{server.tag}_leaving"
    with _services(server, server.admin) as admin:
        admin.staff.add(login, "Leaving Soon", {Role.OFFICE})
    _clear_one_time_password(server, login)
    running = _services(server, login)
    try:
        running.school.get()  # the app is open and working
        with _services(server, server.admin) as admin:
            admin.staff.deactivate(login)
        with pytest.raises(AccessRevoked) as caught:
            running.school.get()
        assert "deactivated" in str(caught.value)
        with pytest.raises(AccessRevoked):  # and it stays locked out
            open_services(server.url(login))
    finally:
        running.close()


# ---- the login audit (R116) and TLS (R120) -----------------------------------------------------


def test_every_start_is_in_the_login_audit(server):
    _clear_one_time_password(server, server.billing)
    assert cli_main(["--database", server.url(server.billing), "staff", "list"]) == 0
    with _services(server, server.admin) as admin, admin.db.read() as session:
        rows = session.scalars(select(LoginEvent).where(LoginEvent.login == server.billing)).all()
    assert rows and rows[-1].event == "start" and rows[-1].client == "cli"
    assert rows[-1].app_version and rows[-1].pc_name is not None


def test_a_remote_server_without_tls_is_refused_unless_allowed(server):
    db = Database(server.url(server.admin))
    try:
        with pytest.raises(UnencryptedConnection):
            check_transport(db.engine, local=False)
        with _services(server, server.admin) as admin:
            admin.staff.allow_unencrypted(True)
        check_transport(db.engine, local=False)
        with _services(server, server.admin) as admin:
            admin.staff.allow_unencrypted(False)
    finally:
        db.dispose()


# ---- through the app: each role does its work, and only its work --------------------------------


def test_each_role_works_through_the_app_and_the_server_backs_the_app_checks(server):
    from desktop.domain.roster import Country
    from desktop.services.roster import StudentInput
    from desktop.services.school import SchoolProfile
    from tests.billing_fixtures import add_family, emso_for

    for login in (server.office, server.billing):
        _clear_one_time_password(server, login)
    with _services(server, server.admin) as admin:
        if admin.school.get() is None:
            admin.school.create(SchoolProfile("Testna šola", Country.SI, "Šolska 1", "1000"))
    with _services(server, server.office) as office:
        family = add_family(office)
        assert office.roster.get(family.student_id).first_name == "Ana"
        results = office.daily.run()  # billing's jobs stay due for billing
        assert results
        with pytest.raises(PermissionDenied):  # the app's own check, before the server's
            office.billing.settings()
    with _services(server, server.billing) as billing:
        billing.billing.settings()  # billing reads its own tables
        with pytest.raises(PermissionDenied):
            billing.roster.create_student(
                StudentInput("Eve", "Spy", emso_for(date(2012, 1, 1), 501), class_name="7.a")
            )


def test_the_shared_login_of_before_loses_its_access_and_is_told_why(server):
    shared = f"so_{server.tag}_shared"
    su = create_engine(make_url(server.admin_url), isolation_level="AUTOCOMMIT")
    with su.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{shared}" LOGIN'))
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{server.database}" TO "{shared}"'))
        connection.execute(text(f'GRANT SELECT ON payment, student TO "{shared}"'))
    su.dispose()
    db = Database(server.url(server.owner))
    try:
        report = provision(db.engine, None)
    finally:
        db.dispose()
    assert shared in report.revoked_from
    assert _denied(server, shared, "SELECT * FROM public.payment")
    su = create_engine(make_url(server.admin_url), isolation_level="AUTOCOMMIT")
    with su.connect() as connection:
        connection.execute(text(f'REVOKE CONNECT ON DATABASE "{server.database}" FROM "{shared}"'))
    su.dispose()
    with pytest.raises(AccessRevoked) as caught:
        open_database(server.url(shared))
    assert "personal login" in str(caught.value)


def test_an_administrator_cannot_take_over_a_login_that_is_not_staff_here(server):
    outsider = f"so_{server.tag}_outsider"
    su = create_engine(make_url(server.admin_url), isolation_level="AUTOCOMMIT")
    with su.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{outsider}" LOGIN'))
    su.dispose()
    for sql in (
        f"SELECT school_office_reset_password('{outsider}', 'SCRAM-SHA-256$x')",
        f"SELECT school_office_set_access('{outsider}', ARRAY['admin'], true)",
        f"SELECT school_office_create_login('{outsider}', '', ARRAY['admin'], true)",
        "SELECT school_office_create_login('pg_read_all_data', '', ARRAY['admin'], true)",
    ):
        assert _denied(server, server.admin, sql), sql
    assert _denied(
        server,
        server.office,
        f"SELECT school_office_set_access('{server.admin}', ARRAY[]::text[], false)",
    )


def test_every_table_has_its_place_in_the_grant_matrix(server):
    """A new table needs a line in desktop/db/access/grants.py, or no staff login can use it."""
    with psycopg.connect(server.dsn(server.owner)) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
    assert tables - grants._ALL_CLASSIFIED == set()


# ---- office work that ends subscriptions, on a provisioned database (R13, R15, R121) -----------


def _billing_ready(server: Server) -> int:
    """The school, POPOLNI terms (office), billing settings and prices (billing); returns the
    POPOLNI terms version id. Safe to call from several tests."""
    from desktop.domain.dates import SchoolYear
    from desktop.domain.roster import Country
    from desktop.services.demo_terms import seed_demo_terms
    from desktop.services.school import SchoolProfile
    from tests.billing_fixtures import PRICE, si_iban

    for login in (server.office, server.billing, server.authorised):
        _clear_one_time_password(server, login)
    with _services(server, server.admin) as admin:
        if admin.school.get() is None:
            admin.school.create(SchoolProfile("Testna šola", Country.SI, "Šolska 1", "1000"))
    with _services(server, server.office) as office:
        seed_demo_terms(office.db, office.actor, Country.SI)
    with _services(server, server.billing) as billing:
        settings = billing.billing.settings()
        if not settings.popolni_enabled:
            billing.billing.update_settings(
                replace(
                    settings,
                    popolni_enabled=True,
                    iban=si_iban(),
                    bic="LJBASI2X",
                    bank_name="Nova Ljubljanska banka d.d.",
                    entity_vat_id="SI12345679",
                    entity_registry_code="1234579000",
                )
            )
            for year in (2025, 2026, 2027):
                billing.billing.set_price(SchoolYear(year), PRICE)
        return billing.terms.versions("SI-POPOLNI-TERMS")[0].id


def _ordered_family(server: Server, serial: int, first: str, *, both: bool = False):
    """A family added by the office and an unpaid order (its invoice open) by billing."""
    from tests.billing_fixtures import add_family, order_input

    terms = _billing_ready(server)
    with _services(server, server.office) as office:
        family = add_family(office, first=first, serial=serial)
    with _services(server, server.billing) as billing:
        sub = billing.billing.order(order_input(family, terms, date(2026, 11, 2), both=both))
        [(invoice_id, *_rest)] = billing.billing.open_invoices(sub.id)
    return family, sub.id, invoice_id


def _audit_by(server: Server, login: str, entity: str, entity_id: int):
    from desktop.db.models import AuditEntry

    with _services(server, server.admin) as admin, admin.db.read() as session:
        return session.scalars(
            select(AuditEntry).where(
                AuditEntry.actor == login,
                AuditEntry.entity == entity,
                AuditEntry.entity_id == str(entity_id),
            )
        ).all()


def _invoice_cancelled_on(server: Server, invoice_id: int):
    with psycopg.connect(server.dsn(server.billing)) as connection:
        return connection.execute(
            "SELECT cancelled_on FROM invoice WHERE id = %s", (invoice_id,)
        ).fetchone()[0]


def test_office_marks_a_subscriber_as_left_and_billing_settles_the_money_side(server):
    from desktop.domain.billing.states import SubscriptionState
    from desktop.domain.roster import StudentStatus

    family, sub_id, invoice_id = _ordered_family(server, 610, "Lea")
    with _services(server, server.office) as office:
        student = office.roster.get(family.student_id)
        office.roster.mark_left(
            family.student_id, student.version, date(2026, 12, 4), "moved", StudentStatus.LEFT
        )
        with pytest.raises(PermissionDenied):  # still no payer data through the app
            office.billing.subscription(sub_id)
        # The office's daily run cannot settle it: billing's tables (left for billing).
        settle = [r for r in office.daily.run(date(2026, 12, 5)) if r.job == "settle-endings"]
        assert settle and "colleague" in settle[0].summary
    with _services(server, server.billing) as billing:
        ended = billing.billing.subscription(sub_id)
        assert ended.state is SubscriptionState.ENDED_LEFT_SCHOOL
        assert ended.ends_on == date(2026, 12, 5)
    [entry] = _audit_by(server, server.office, "subscription", sub_id)
    assert entry.after["state"] == "ENDED_LEFT_SCHOOL" and entry.before["state"] == "ORDERED"
    # The money side is billing's: the unpaid invoice stays open until billing's daily run.
    assert _invoice_cancelled_on(server, invoice_id) is None
    with _services(server, server.billing) as billing:
        [settle] = [r for r in billing.daily.run(date(2026, 12, 5)) if r.job == "settle-endings"]
        assert settle.summary.startswith("1 ")
    assert _invoice_cancelled_on(server, invoice_id) == date(2026, 12, 5)
    assert _audit_by(server, server.billing, "invoice", invoice_id)


def test_office_records_a_restriction_on_the_payer_without_reading_contact_data(server):
    from desktop.domain.billing.states import SubscriptionState
    from desktop.domain.roster import RestrictionKind

    family, sub_id, _invoice = _ordered_family(server, 620, "Eva", both=True)
    with _services(server, server.office) as office:
        office.roster.add_restriction(
            family.mother_link_id,  # the payer (the order's first guardian)
            RestrictionKind.RESTRICTION,
            permanent=False,
            valid_from=date(2026, 12, 7),
            valid_to=date(2027, 6, 30),
            authority="CSD",
        )
    with _services(server, server.billing) as billing:
        ended = billing.billing.subscription(sub_id)
        assert ended.state is SubscriptionState.ENDED_AUTHORITY_RESTRICTION
    [entry] = _audit_by(server, server.office, "subscription", sub_id)
    assert entry.after["state"] == "ENDED_AUTHORITY_RESTRICTION"
    with psycopg.connect(server.dsn(server.billing)) as connection:
        [profile_id] = connection.execute(
            "SELECT id FROM subscription_profile WHERE subscription_id = %s AND is_payer",
            (sub_id,),
        ).fetchone()
    [entry] = _audit_by(server, server.office, "subscription_profile", profile_id)
    assert entry.after["active"] is False and entry.before["active"] is True
    contact = {"first_name", "last_name", "mobile", "email"}
    assert not contact & (set(entry.after) | set(entry.before))


def test_office_psql_sees_who_subscribes_but_not_the_payers_contact_or_money(server):
    office = server.office
    allowed = (
        "SELECT id, subscription_id, guardian_id, is_payer, active, unsubscribed_on "
        "FROM subscription_profile",
        "SELECT id, state, tier, ends_on FROM subscription",
    )
    for sql in allowed:
        assert not _denied(server, office, sql), sql
    refused = [
        *(f"SELECT {c} FROM subscription_profile" for c in ("first_name", "last_name")),
        *(f"SELECT {c} FROM subscription_profile" for c in ("mobile", "email")),
        "SELECT * FROM subscription_profile",
        "UPDATE subscription_profile SET email = ''",
        "UPDATE subscription_profile SET is_payer = is_payer",
        "SELECT amount_cents FROM payment",
        "SELECT cancelled_on FROM invoice",
        "UPDATE invoice SET cancelled_on = NULL",
        "SELECT * FROM billing_proposal",
        "SELECT * FROM refund",
        "SELECT code_hash FROM access_code",
        "UPDATE access_code SET failed_attempts = 0",
        "UPDATE audit_entry SET reason = ''",
        "DELETE FROM audit_entry",
    ]
    for sql in refused:
        assert _denied(server, office, sql), sql


def test_only_the_authorised_person_checks_codes_and_gives_the_copy(server):
    from desktop.services.access_export import CodeRefused

    family, _sub_id, _invoice = _ordered_family(server, 630, "Zala")
    with _services(server, server.office) as office:
        for call in (
            lambda: office.access_export.check_code(family.student_id, family.mother_id, "1"),
            lambda: office.access_export.export(family.student_id, family.mother_id, "123456"),
            lambda: office.access_export.codes(),
        ):
            with pytest.raises(PermissionDenied) as caught:
                call()
            assert caught.value.needed == "Authorised person (data protection)"
    with _services(server, server.authorised) as dpo:
        issued = dpo.access_export.issue_code(family.student_id, family.mother_id)
        with pytest.raises(CodeRefused):
            dpo.access_export.check_code(family.student_id, family.mother_id, "000000")
        result = dpo.access_export.export(family.student_id, family.mother_id, issued.code)
    keys = [s.key for s in result.export.sections]
    assert result.produced.pdf.startswith(b"%PDF") and keys
