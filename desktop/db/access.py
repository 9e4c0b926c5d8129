"""Personal PostgreSQL logins and the role matrix enforced by the server (R119, R121, R122).

On a provisioned PostgreSQL database every staff member has their own login role; the app
identifies them by the server-verified `session_user`, never by environment variables. Each
app role is a group role (`<prefix>_office`, `_billing`, `_authorised`, `_admin`) whose GRANTs
follow the role matrix, so psql with an office login cannot read payments either. The schema
belongs to the owner role, used only by `db upgrade` and `db provision`.

Creating, changing and deactivating logins needs CREATEROLE, which the administrators' logins
do not have: they call SECURITY DEFINER functions owned by the owner role, which do exactly
that and nothing more (only this database's group roles, never a superuser or the owner).
Passwords are sent to the server as SCRAM-SHA-256 verifiers, so no plain password can reach a
server log.

On the embedded SQLite file (one Windows user, one PC) the OS account is the identity.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import platform
import re
import secrets
import string
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.engine import URL

from desktop import __version__
from desktop.db.models import DbAccess, LoginEvent
from desktop.domain import clock
from desktop.domain.errors import DatabaseError, SchoolOfficeError, ValidationError
from desktop.domain.roles import Role
from desktop.i18n import N_  # shown translated by the UI

log = logging.getLogger(__name__)

GROUP_SUFFIX = {
    Role.OFFICE: "office",
    Role.BILLING: "billing",
    Role.DATA_PROTECTION: "authorised",
    Role.ADMIN: "admin",
}
MIN_PASSWORD_LENGTH = 12  # R118: the app's own staff accounts, stricter than Moodle's rule
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})

# ---- the grant matrix (R121, R122) ----------------------------------------------------------

_R = "SELECT"
_RI = "SELECT, INSERT"
_RW = "SELECT, INSERT, UPDATE, DELETE"
# SELECT of the id alone: SQLAlchemy reads the new row's key back (INSERT … RETURNING id).
_I = "INSERT, SELECT (id)"

ROSTER = ("student", "guardian", "student_guardian", "contact_restriction", "contact_report")
CARDS = ("card", "card_settings", "student_photo", "card_provider_outbox", "card_provider_sync")
CONSENT = (
    "consent_settings",
    "data_request",
    "deletion_request",
    "legal_hold",
    "retention_proposal",
    "adult_prohibition",
    "breach_incident",
    "breach_affected",
    "breach_notice",
    "letter_settings",  # the data protection officer named in request letters
)
CODES = ("access_code",)
# Subscription status is school data (R121: the office sees who subscribes); payer data,
# invoices and payments are the billing role's only.
SUBSCRIPTION_STATUS = (
    "subscription",
    "trial",
    "trial_offer",
    "billing_settings",
    "billing_year",
    "billing_price",
)
PAYER_DATA = (
    "subscription_profile",
    "invoice",
    "payment",
    "refund",
    "billing_notice",
    "billing_proposal",
    "cancellation_letter",
    "bank_entry",  # bank statement entries booked as payments
    "terms_change_notice",  # which subscriber was told of new terms (billing letters)
)
TERMS = ("terms_document", "terms_version")
# What the roster's cascades change on a profile when they end it (desktop.services.billing:
# a student leaving, a restriction, an adult's prohibition), with the row version's stamps.
PROFILE_ENDING = ("active", "unsubscribed_on", "end_reason", "version", "updated_at", "updated_by")


# Resolved when the grants are applied (the billing models are not imported at start-up).
OFFICE_PROFILE = "(office's columns of subscription_profile)"


def _office_profile_privileges() -> str:
    """The office's column privileges on subscription_profile (R121): who subscribes (the
    guardian, payer or not, active or not) is school data; the payer's name, phone and e-mail
    as given with the order (PROFILE_CONTACT_COLUMNS) are not, so a `SELECT *` or any query
    naming them is refused. The office may end a profile, and change nothing else on it."""
    from desktop.db.models import SubscriptionProfile
    from desktop.db.models.billing import PROFILE_CONTACT_COLUMNS

    table = SubscriptionProfile.__table__
    readable = [c.name for c in table.columns if c.name not in PROFILE_CONTACT_COLUMNS]
    return f"SELECT ({', '.join(readable)}), UPDATE ({', '.join(PROFILE_ENDING)})"


# Tables whose ids the app gives itself and whose serial sequence it then moves on with setval,
# which needs UPDATE on the sequence: the document register (numbers without gaps, every role
# prints). Moving it back could only make the next insert fail on the primary key.
SEQUENCE_KEPT_IN_STEP = ("generated_document",)
# Append-only for every app role: no UPDATE, no DELETE (R122, R44, the document register).
# The app never updates or deletes these rows itself; the owner's foreign-key actions (a
# deleted guardian's acceptance keeps the record, ON DELETE SET NULL) run as the owner.
APPEND_ONLY = ("audit_entry", "terms_acceptance", "generated_document", "login_event")


def _grants() -> dict[Role, dict[str, str]]:
    shared: dict[str, str] = {
        "alembic_version": _R,
        "db_access": _R,
        "school": _R,
        "staff_user": _R,
        "staff_role": _R,
        "change_counter": "SELECT, INSERT, UPDATE",
        "daily_run": _RI,
        "login_event": _I,
        "audit_entry": _I,
        "generated_document": _RI,
        **dict.fromkeys(TERMS, _R),
        **dict.fromkeys(ROSTER, _R),  # every role views the roster (the app's matrix)
        "consent_settings": _R,
        "adult_prohibition": _R,  # a recipient check before every document (R48)
        "terms_acceptance": _R,
        "letter_settings": _R,
    }
    office = {
        **shared,
        **dict.fromkeys(ROSTER, _RW),
        **dict.fromkeys(CARDS, _RW),
        **dict.fromkeys(CONSENT, _RW),
        **dict.fromkeys(TERMS, _RW),
        **dict.fromkeys(SUBSCRIPTION_STATUS, "SELECT, UPDATE"),
        # Not the payer's contact columns; invoices, proposals and payments not at all: the
        # money side of an ending the office causes is billing's daily "settle-endings".
        "subscription_profile": OFFICE_PROFILE,
        "terms_acceptance": _RI,
        "audit_entry": _RI,  # the card history (R122 read, never changed)
    }
    billing = {
        **shared,
        **dict.fromkeys(SUBSCRIPTION_STATUS, _RW),
        **dict.fromkeys(PAYER_DATA, _RW),
        "terms_acceptance": _RI,
    }
    authorised = {
        **shared,
        **dict.fromkeys(CONSENT, _RW),
        **dict.fromkeys(CODES, _RW),  # only this role issues codes (R40)
        # The data-access export (R60) collects what the school holds on the child: cards,
        # subscriptions and payments included. Read only.
        **dict.fromkeys(CARDS, _R),
        **dict.fromkeys(SUBSCRIPTION_STATUS, _R),
        **dict.fromkeys(PAYER_DATA, _R),
        "terms_acceptance": _RI,
        "audit_entry": _RI,
    }
    admin = {
        **shared,
        "school": "SELECT, INSERT, UPDATE",  # the school profile (a new database's first)
        **dict.fromkeys(TERMS, _RW),
        "audit_entry": _RI,
        "login_event": _RI,  # who opened the app and when (R116)
        "db_access": "SELECT, UPDATE",
        "staff_user": "SELECT, INSERT, UPDATE",  # database logins only through the functions
        "staff_role": _RW,
    }
    return {
        Role.OFFICE: office,
        Role.BILLING: billing,
        Role.DATA_PROTECTION: authorised,
        Role.ADMIN: admin,
    }


GRANTS = _grants()


# ---- names and passwords ----------------------------------------------------------------------


def default_prefix(database: str) -> str:
    """The group roles' prefix: the database's name, so several schools share one server."""
    prefix = re.sub(r"[^a-z0-9_]+", "_", database.lower()).strip("_") or "school"
    return prefix[:40]


def check_prefix(prefix: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", prefix):
        raise ValidationError(
            "prefix", prefix, N_("use lower-case letters, digits and _ (at most 40)")
        )
    return prefix


def group_role(prefix: str, role: Role) -> str:
    return f"{prefix}_{GROUP_SUFFIX[role]}"


def new_password(length: int = 16) -> str:
    """A one-time initial password: letters and digits that cannot be mistaken for each other."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.islower() for c in password) and any(c.isdigit() for c in password):
            return password


def check_new_password(password: str, login: str = "") -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "password",
            "",
            N_("is shorter than {limit} characters", limit=MIN_PASSWORD_LENGTH),
        )
    if login and password.lower() == login.lower():
        raise ValidationError("password", "", N_("cannot be the login name"))
    return password


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802/7677), computed here so
    that the password itself never travels in an SQL statement (nor reaches a server log)."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


# ---- what the server says about this connection ---------------------------------------------


@dataclass(frozen=True)
class ServerIdentity:
    login: str  # session_user: who the server let in
    prefix: str  # the group roles' prefix
    is_owner: bool  # the schema's owner (db upgrade, provisioning), not a staff login


def _prefix(connection: Connection) -> str:
    try:
        with connection.begin_nested():
            return connection.scalar(text("SELECT role_prefix FROM db_access WHERE id = 1")) or ""
    except Exception:  # a database from before the access migration, or no SELECT on it
        return ""


def server_identity(engine: Engine) -> ServerIdentity | None:
    """The server-verified identity on a provisioned PostgreSQL database, else None (SQLite,
    or a PostgreSQL database still shared through one login: see README)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        prefix = _prefix(connection)
        if not prefix:
            return None
        login, owner = connection.execute(
            text(
                "SELECT session_user, pg_get_userbyid(c.relowner) FROM pg_class c "
                "WHERE c.oid = to_regclass('staff_user')"
            )
        ).one()
    return ServerIdentity(login, prefix, login == owner)


def is_provisioned(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return bool(_prefix(connection))


# ---- TLS (R120) -------------------------------------------------------------------------------


def is_local_host(url: URL) -> bool:
    host = (url.host or url.query.get("host") or "").strip("[]")
    if isinstance(host, tuple):
        host = host[0] if host else ""
    return host in LOCAL_HOSTS or host.startswith("/")


class UnencryptedConnection(DatabaseError):
    pass


def check_transport(engine: Engine, local: bool | None = None) -> None:
    """A server on another computer is reached only over TLS, unless an administrator allowed
    an unencrypted connection for this school (`school-office db allow-unencrypted`)."""
    if engine.dialect.name != "postgresql":
        return
    if local is None:
        local = is_local_host(engine.url)
    if local:
        return
    with engine.connect() as connection:
        encrypted = connection.scalar(
            text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        )
        if encrypted:
            return
        try:
            with connection.begin_nested():
                allowed = connection.scalar(
                    text("SELECT allow_unencrypted FROM db_access WHERE id = 1")
                )
        except Exception:  # a new database: nobody has allowed anything yet
            allowed = False
    if not allowed:
        raise UnencryptedConnection(
            N_(
                "The database server {host} is on another computer and the connection is not "
                "encrypted (TLS), so School Office does not use it. Add ?sslmode=verify-full "
                "to the database address and choose the server's CA certificate in Settings.",
                host=engine.url.host or "",
            )
        )


def set_allow_unencrypted(connection: Connection, allowed: bool, by: str) -> None:
    connection.execute(
        DbAccess.__table__.update()
        .where(DbAccess.id == 1)
        .values(allow_unencrypted=allowed, allowed_by=by)
    )


# ---- the login audit (R116) -------------------------------------------------------------------


def pc_name() -> str:
    try:
        return platform.node()[:255]
    except Exception:  # platform.node() should not fail, but the audit must never stop a start
        return ""


def login_event(login: str, event: str, client: str, detail: str = "", at=None) -> dict:
    return {
        "at": at or clock.now(),
        "login": login[:100],
        "event": event,
        "client": client,
        "app_version": __version__,
        "pc_name": pc_name(),
        "detail": detail,
    }


def record_login_events(engine: Engine, rows: list[dict]) -> None:
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(LoginEvent.__table__), rows)


# ---- provisioning -----------------------------------------------------------------------------


def _ddl(connection: Connection, sql: str) -> None:
    """A statement without parameters, as written: a '%' in a name or a function body is not
    a placeholder."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def _q(connection: Connection, name: str) -> str:
    """An identifier quoted by the server's own rules."""
    return connection.scalar(text("SELECT quote_ident(:n)"), {"n": name})


def _role_exists(connection: Connection, name: str) -> bool:
    return bool(connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}))


_FUNCTIONS = """
CREATE OR REPLACE FUNCTION school_office_check_login(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE r record;
BEGIN
    IF p_login IS NULL OR length(p_login) = 0 OR length(p_login) > 63 THEN
        RAISE EXCEPTION 'a login name has 1 to 63 characters' USING ERRCODE = '22023';
    END IF;
    SELECT rolsuper, rolcreaterole, rolcanlogin INTO r FROM pg_roles WHERE rolname = p_login;
    IF starts_with(p_login, 'pg_') OR (FOUND AND (r.rolsuper OR r.rolcreaterole
            OR p_login = current_user OR p_login = ANY(%(groups)s))) THEN
        RAISE EXCEPTION 'login %% cannot be a School Office staff login', p_login
            USING ERRCODE = '42501';
    END IF;
    -- Only this school's staff: never another school's login or another application's role.
    IF NOT EXISTS (SELECT 1 FROM public.staff_user WHERE login = p_login) THEN
        RAISE EXCEPTION '%% is not a staff member of this database', p_login
            USING ERRCODE = '42501';
    END IF;
END $fn$;

CREATE OR REPLACE FUNCTION school_office_sync_groups(p_login text, p_roles text[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE app_role text; grp text;
BEGIN
    FOREACH app_role IN ARRAY %(app_roles)s LOOP
        grp := %(prefix)s || '_' || (%(suffixes)s)[array_position(%(app_roles)s, app_role)];
        IF app_role = ANY(p_roles) THEN
            EXECUTE format('GRANT %%I TO %%I', grp, p_login);
        ELSIF pg_has_role(p_login, grp, 'MEMBER') THEN
            EXECUTE format('REVOKE %%I FROM %%I', grp, p_login);
        END IF;
    END LOOP;
END $fn$;

CREATE OR REPLACE FUNCTION school_office_create_login(
    p_login text, p_verifier text, p_roles text[], p_existing boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
    PERFORM school_office_check_login(p_login);
    IF p_existing THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
            RAISE EXCEPTION 'there is no database role %%', p_login USING ERRCODE = '42704';
        END IF;
        EXECUTE format('ALTER ROLE %%I LOGIN', p_login);
    ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        -- never a new password for a role someone else made: map it instead
        RAISE EXCEPTION 'database role %% exists already', p_login USING ERRCODE = '42710';
    ELSE
        EXECUTE format('CREATE ROLE %%I LOGIN PASSWORD %%L', p_login, p_verifier);
    END IF;
    PERFORM school_office_sync_groups(p_login, p_roles);
END $fn$;

CREATE OR REPLACE FUNCTION school_office_set_access(
    p_login text, p_roles text[], p_active boolean)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE ended integer := 0; backend integer;
BEGIN
    PERFORM school_office_check_login(p_login);
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        RETURN 0;  -- a staff row from before provisioning, with no login yet
    END IF;
    IF p_active THEN
        EXECUTE format('ALTER ROLE %%I LOGIN', p_login);
        PERFORM school_office_sync_groups(p_login, p_roles);
    ELSE
        EXECUTE format('ALTER ROLE %%I NOLOGIN', p_login);
        PERFORM school_office_sync_groups(p_login, ARRAY[]::text[]);
        FOR backend IN SELECT pid FROM pg_stat_activity WHERE usename = p_login LOOP
            IF pg_terminate_backend(backend) THEN
                ended := ended + 1;
            END IF;
        END LOOP;
    END IF;
    RETURN ended;
END $fn$;

CREATE OR REPLACE FUNCTION school_office_reset_password(p_login text, p_verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
    PERFORM school_office_check_login(p_login);
    EXECUTE format('ALTER ROLE %%I PASSWORD %%L', p_login, p_verifier);
    UPDATE staff_user SET must_change_password = true WHERE login = p_login;
END $fn$;

CREATE OR REPLACE FUNCTION school_office_password_changed() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
    UPDATE staff_user SET must_change_password = false WHERE login = session_user;
$fn$;
"""

_ADMIN_FUNCTIONS = (
    "school_office_create_login(text, text, text[], boolean)",
    "school_office_set_access(text, text[], boolean)",
    "school_office_reset_password(text, text)",
)
_INTERNAL_FUNCTIONS = (
    "school_office_check_login(text)",
    "school_office_sync_groups(text, text[])",
)


@dataclass
class ProvisionReport:
    database: str
    owner: str
    prefix: str
    groups_created: list[str] = field(default_factory=list)
    revoked_from: list[str] = field(default_factory=list)
    # login → one-time initial password, shown once; None for a mapped existing role
    logins: dict[str, str | None] = field(default_factory=dict)
    can_end_sessions: bool = True
    first_time: bool = True
    # staff logins that cannot be database logins: the owner, a superuser, a group role
    skipped: list[str] = field(default_factory=list)


def _sql_array(connection: Connection, values: list[str]) -> str:
    return "ARRAY[" + ", ".join(_literal(connection, v) for v in values) + "]::text[]"


def _literal(connection: Connection, value: str) -> str:
    return connection.scalar(text("SELECT quote_literal(:v)"), {"v": value})


def install_functions(connection: Connection, prefix: str) -> None:
    groups = [group_role(prefix, r) for r in Role]
    sql = _FUNCTIONS % {
        "groups": _sql_array(connection, groups),
        "app_roles": _sql_array(connection, [r.value for r in Role]),
        "suffixes": _sql_array(connection, [GROUP_SUFFIX[r] for r in Role]),
        "prefix": _literal(connection, prefix),
    }
    _ddl(connection, sql)
    for signature in _ADMIN_FUNCTIONS + _INTERNAL_FUNCTIONS + ("school_office_password_changed()",):
        _ddl(connection, f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    admin = _q(connection, group_role(prefix, Role.ADMIN))
    for signature in _ADMIN_FUNCTIONS:
        _ddl(connection, f"GRANT EXECUTE ON FUNCTION {signature} TO {admin}")
    for role in Role:
        _ddl(
            connection,
            "GRANT EXECUTE ON FUNCTION school_office_password_changed() TO "
            + _q(connection, group_role(prefix, role)),
        )


def _app_tables(connection: Connection) -> list[str]:
    return list(
        connection.scalars(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'p') ORDER BY 1"
            )
        )
    )


def apply_grants(connection: Connection, prefix: str) -> list[str]:
    """Every app table's privileges from GRANTS, from scratch (so it can run again safely).
    Returns the other roles whose privileges on the app's tables were taken away."""
    groups = {role: group_role(prefix, role) for role in Role}
    owner = connection.scalar(text("SELECT current_user"))
    database = connection.scalar(text("SELECT current_database()"))
    db_q = _q(connection, database)
    _ddl(connection, f"REVOKE ALL ON DATABASE {db_q} FROM PUBLIC")
    _ddl(connection, "REVOKE ALL ON SCHEMA public FROM PUBLIC")
    tables = _app_tables(connection)
    # Anyone else holding privileges on the app's tables: the shared login of before (README).
    others = sorted(
        set(
            connection.scalars(
                text(
                    "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a "
                    "WHERE n.nspname = 'public' AND a.grantee <> 0 AND a.grantee <> c.relowner"
                )
            )
        )
        - set(groups.values())
    )
    for table in tables:
        table_q = _q(connection, table)
        _ddl(connection, f"REVOKE ALL ON {table_q} FROM PUBLIC")
        for name in [*groups.values(), *others]:
            _ddl(connection, f"REVOKE ALL ON {table_q} FROM {_q(connection, name)}")
    for name in others:
        _ddl(
            connection, f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {_q(connection, name)}"
        )
    known = set(tables)
    for role, group in groups.items():
        group_q = _q(connection, group)
        _ddl(connection, f"GRANT CONNECT, TEMPORARY ON DATABASE {db_q} TO {group_q}")
        _ddl(connection, f"GRANT USAGE ON SCHEMA public TO {group_q}")
        _ddl(connection, f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {group_q}")
        for table in SEQUENCE_KEPT_IN_STEP:
            if table in known:
                sequence = connection.scalar(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
                )
                if sequence:  # already quoted and schema-qualified by the server
                    _ddl(connection, f"GRANT UPDATE ON SEQUENCE {sequence} TO {group_q}")
        for table, privileges in GRANTS[role].items():
            if table in known:
                if privileges == OFFICE_PROFILE:
                    privileges = _office_profile_privileges()
                _ddl(connection, f"GRANT {privileges} ON {_q(connection, table)} TO {group_q}")
        unknown = known - set(GRANTS[role]) - set(_ALL_CLASSIFIED)
        if unknown:  # a table added by a newer migration and not yet classified here
            log.warning("no grants for %s on %s", group, ", ".join(sorted(unknown)))
    log.info("grants applied for %s by %s", prefix, owner)
    return others


_ALL_CLASSIFIED = {
    *ROSTER,
    *CARDS,
    *CONSENT,
    *CODES,
    *SUBSCRIPTION_STATUS,
    *PAYER_DATA,
    *TERMS,
    *APPEND_ONLY,
    "alembic_version",
    "db_access",
    "school",
    "staff_user",
    "staff_role",
    "change_counter",
    "daily_run",
}


class ProvisionError(SchoolOfficeError):
    pass


def provision(
    engine: Engine,
    admin: str | None,
    *,
    admin_name: str = "",
    admin_existing_role: bool = False,
    prefix: str | None = None,
) -> ProvisionReport:
    """Group roles, grants and functions on a migrated PostgreSQL database; the first
    administrator's login; logins for staff accounts from before. Safe to run again."""
    if engine.dialect.name != "postgresql":
        raise ProvisionError(
            N_(
                "Only a PostgreSQL database can be provisioned; the embedded database uses the "
                "Windows account as the staff identity."
            )
        )
    with engine.begin() as connection:
        owner, database, superuser = connection.execute(
            text(
                "SELECT current_user, current_database(), "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
            )
        ).one()
        table_owner = connection.scalar(
            text(
                "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'staff_user'::regclass"
            )
        )
        if table_owner != owner:
            raise ProvisionError(
                N_(
                    "Connect as the database's owner {owner} to provision it (you are {login}).",
                    owner=table_owner,
                    login=owner,
                )
            )
        current = connection.scalar(text("SELECT role_prefix FROM db_access WHERE id = 1")) or ""
        prefix = check_prefix(prefix or current or default_prefix(database))
        if current and prefix != current:
            raise ProvisionError(
                N_(
                    "This database was provisioned with the prefix {prefix}; run again without "
                    "--prefix.",
                    prefix=current,
                )
            )
        report = ProvisionReport(database, owner, prefix, first_time=not current)
        _ddl(connection, "SET LOCAL lock_timeout = '10s'")
        for role in Role:
            name = group_role(prefix, role)
            if not _role_exists(connection, name):
                _ddl(connection, f"CREATE ROLE {_q(connection, name)} NOLOGIN")
                report.groups_created.append(name)
        report.revoked_from = apply_grants(connection, prefix)
        install_functions(connection, prefix)
        report.can_end_sessions = bool(superuser) or bool(
            connection.scalar(
                text("SELECT pg_has_role(current_user, 'pg_signal_backend', 'MEMBER')")
            )
        )
        now = clock.now()
        if not current:
            connection.execute(
                DbAccess.__table__.update()
                .where(DbAccess.id == 1)
                .values(role_prefix=prefix, provisioned_at=now, provisioned_by=owner)
            )
        # The first administrator: a staff row with the admin role and a login.
        if admin:
            _ensure_admin(connection, admin, admin_name, now, owner)
        # Every active staff member gets a login (the one given, or a new one-time password).
        staff = connection.execute(
            text(
                "SELECT u.login, u.active, coalesce(array_agg(r.role) FILTER "
                "(WHERE r.role IS NOT NULL), ARRAY[]::varchar[]) FROM staff_user u "
                "LEFT JOIN staff_role r ON r.staff_id = u.id GROUP BY u.login, u.active "
                "ORDER BY u.login"
            )
        ).all()
        for login, active, roles in staff:
            if not active:
                continue
            if _reserved(connection, login, owner, prefix):
                report.skipped.append(login)
                continue
            mapped = _role_exists(connection, login)
            if login == admin and admin_existing_role and not mapped:
                raise ProvisionError(N_("There is no database role {login} to map.", login=login))
            if mapped:  # an existing role (Kerberos, SSPI, a certificate) or a rerun
                connection.execute(
                    text("SELECT school_office_create_login(:l, '', :r, true)"),
                    {"l": login, "r": list(roles)},
                )
                report.logins.setdefault(login, None)
                continue
            password = new_password()
            connection.execute(
                text("SELECT school_office_create_login(:l, :v, :r, false)"),
                {"l": login, "v": scram_verifier(password), "r": list(roles)},
            )
            connection.execute(
                text("UPDATE staff_user SET must_change_password = true WHERE login = :l"),
                {"l": login},
            )
            report.logins[login] = password
    return report


def _reserved(connection: Connection, login: str, owner: str, prefix: str) -> bool:
    if login == owner or login in {group_role(prefix, r) for r in Role}:
        return True
    return bool(
        connection.scalar(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = :n"), {"n": login}
        )
    )


def _ensure_admin(connection: Connection, login: str, full_name: str, now, by: str) -> None:
    staff_id = connection.scalar(text("SELECT id FROM staff_user WHERE login = :l"), {"l": login})
    stamps = {"at": now, "by": by}
    if staff_id is None:
        staff_id = connection.scalar(
            text(
                "INSERT INTO staff_user (login, full_name, active, must_change_password, "
                "version, created_at, created_by, updated_at, updated_by) VALUES "
                "(:l, :n, true, false, 1, :at, :by, :at, :by) RETURNING id"
            ),
            {"l": login, "n": full_name or login, **stamps},
        )
        connection.execute(
            insert(_audit()),
            [_audit_row("insert", "staff_user", staff_id, {"login": login}, by, now)],
        )
    else:
        connection.execute(
            text("UPDATE staff_user SET active = true WHERE id = :i"), {"i": staff_id}
        )
    has_admin = connection.scalar(
        text("SELECT 1 FROM staff_role WHERE staff_id = :i AND role = :r"),
        {"i": staff_id, "r": Role.ADMIN.value},
    )
    if not has_admin:
        connection.execute(
            text("INSERT INTO staff_role (staff_id, role) VALUES (:i, :r)"),
            {"i": staff_id, "r": Role.ADMIN.value},
        )
        connection.execute(
            insert(_audit()),
            [_audit_row("insert", "staff_role", staff_id, {"role": "admin"}, by, now)],
        )


def _audit():
    from desktop.db.models import AuditEntry

    return AuditEntry.__table__


def _audit_row(action: str, entity: str, entity_id, after: dict, by: str, now) -> dict:
    return {
        "at": now,
        "actor": by,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "student_id": None,
        "before": None,
        "after": after,
        "reason": "db provision",
    }


def refresh_grants(engine: Engine) -> bool:
    """After `db upgrade` by the owner of a provisioned database: grants for the new tables
    and the current functions. Returns False when there was nothing to do."""
    identity = server_identity(engine)
    if identity is None or not identity.is_owner:
        return False
    with engine.begin() as connection:
        apply_grants(connection, identity.prefix)
        install_functions(connection, identity.prefix)
    return True
