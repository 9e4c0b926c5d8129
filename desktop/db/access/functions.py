"""The SECURITY DEFINER functions owned by the owner role through which administrators create,
change and deactivate logins without CREATEROLE themselves (R119).
"""

from __future__ import annotations

from sqlalchemy import Connection

from desktop.db.access.names import GROUP_SUFFIX, group_role
from desktop.db.access.sql import ddl, ident, literal
from desktop.domain.roles import Role

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


def _sql_array(connection: Connection, values: list[str]) -> str:
    return "ARRAY[" + ", ".join(literal(connection, v) for v in values) + "]::text[]"


def install_functions(connection: Connection, prefix: str) -> None:
    groups = [group_role(prefix, r) for r in Role]
    sql = _FUNCTIONS % {
        "groups": _sql_array(connection, groups),
        "app_roles": _sql_array(connection, [r.value for r in Role]),
        "suffixes": _sql_array(connection, [GROUP_SUFFIX[r] for r in Role]),
        "prefix": literal(connection, prefix),
    }
    ddl(connection, sql)
    for signature in _ADMIN_FUNCTIONS + _INTERNAL_FUNCTIONS + ("school_office_password_changed()",):
        ddl(connection, f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    admin = ident(connection, group_role(prefix, Role.ADMIN))
    for signature in _ADMIN_FUNCTIONS:
        ddl(connection, f"GRANT EXECUTE ON FUNCTION {signature} TO {admin}")
    for role in Role:
        ddl(
            connection,
            "GRANT EXECUTE ON FUNCTION school_office_password_changed() TO "
            + ident(connection, group_role(prefix, role)),
        )
