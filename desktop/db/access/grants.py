"""The grant matrix (R121, R122): which group role may do what on every app table, and
applying it to a provisioned database from scratch.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text

from desktop.db.access.names import group_role
from desktop.db.access.sql import ddl, ident
from desktop.domain.roles import Role

log = logging.getLogger(__name__)


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
    db_q = ident(connection, database)
    ddl(connection, f"REVOKE ALL ON DATABASE {db_q} FROM PUBLIC")
    ddl(connection, "REVOKE ALL ON SCHEMA public FROM PUBLIC")
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
        table_q = ident(connection, table)
        ddl(connection, f"REVOKE ALL ON {table_q} FROM PUBLIC")
        for name in [*groups.values(), *others]:
            ddl(connection, f"REVOKE ALL ON {table_q} FROM {ident(connection, name)}")
    for name in others:
        ddl(
            connection,
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ident(connection, name)}",
        )
    known = set(tables)
    for role, group in groups.items():
        group_q = ident(connection, group)
        ddl(connection, f"GRANT CONNECT, TEMPORARY ON DATABASE {db_q} TO {group_q}")
        ddl(connection, f"GRANT USAGE ON SCHEMA public TO {group_q}")
        ddl(connection, f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {group_q}")
        for table in SEQUENCE_KEPT_IN_STEP:
            if table in known:
                sequence = connection.scalar(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
                )
                if sequence:  # already quoted and schema-qualified by the server
                    ddl(connection, f"GRANT UPDATE ON SEQUENCE {sequence} TO {group_q}")
        for table, privileges in GRANTS[role].items():
            if table in known:
                if privileges == OFFICE_PROFILE:
                    privileges = _office_profile_privileges()
                ddl(connection, f"GRANT {privileges} ON {ident(connection, table)} TO {group_q}")
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
