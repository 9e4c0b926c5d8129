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
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from desktop.cli import main as cli_main
from desktop.db import access
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
        report = access.provision(owner_db.engine, s.admin, admin_name="Anne Admin")
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
            {"n": login, "g": access.group_role(server.database, Role.OFFICE)},
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
        report = access.provision(db.engine, server.admin)
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
        with pytest.raises(access.UnencryptedConnection):
            access.check_transport(db.engine, local=False)
        with _services(server, server.admin) as admin:
            admin.staff.allow_unencrypted(True)
        access.check_transport(db.engine, local=False)
        with _services(server, server.admin) as admin:
            admin.staff.allow_unencrypted(False)
    finally:
        db.dispose()
