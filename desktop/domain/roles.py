"""Staff roles and what each may do (R121).

Services call `require(actor, Permission.X)`; the UI may hide buttons too, but the check that
counts is the one in the service.
"""

from __future__ import annotations

import enum

from desktop.i18n import N_  # labels and actions are shown translated by the UI


class Role(enum.StrEnum):
    OFFICE = "office"  # roster, cards, consent records, subscription status
    BILLING = "billing"  # payer data and payments, for billing only (R121, R56)
    DATA_PROTECTION = "data_protection"  # the school's authorised person: codes (R39, R40)
    ADMIN = "admin"  # staff accounts, school profile, database settings


ROLE_LABELS = {
    Role.OFFICE: N_("Office"),
    Role.BILLING: N_("Billing"),
    Role.DATA_PROTECTION: N_("Authorised person (data protection)"),
    Role.ADMIN: N_("Administrator"),
}


class Permission(enum.StrEnum):
    VIEW_ROSTER = N_("view the roster")
    EDIT_ROSTER = N_("change the roster")
    MANAGE_CARDS = N_("manage student cards")
    MANAGE_CONSENT = N_("record consents and requests")
    ISSUE_ACCESS_CODES = N_("issue data-protection codes")
    EXPORT_PERSONAL_DATA = N_("check codes and give copies of a child's data")
    VIEW_BILLING = N_("see payer data and payments")
    EDIT_BILLING = N_("record orders, payments and refunds")
    MANAGE_STAFF = N_("manage staff accounts")
    EDIT_SCHOOL = N_("change the school profile")
    PRINT_DOCUMENTS = N_("print documents")
    MANAGE_TERMS = N_("record providers' terms versions")
    RUN_DAILY_JOBS = N_("run the daily jobs")


_MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_ROSTER: frozenset(
        {Role.OFFICE, Role.BILLING, Role.DATA_PROTECTION, Role.ADMIN}
    ),
    Permission.EDIT_ROSTER: frozenset({Role.OFFICE}),  # R11: billing may not edit the roster
    Permission.MANAGE_CARDS: frozenset({Role.OFFICE}),
    Permission.MANAGE_CONSENT: frozenset({Role.OFFICE, Role.DATA_PROTECTION}),
    Permission.ISSUE_ACCESS_CODES: frozenset({Role.DATA_PROTECTION}),  # R40
    # R60/R40: the copy holds everything the school keeps on the child, payer data and
    # payments included, which the office may not see (R121); and checking a code reads the
    # code table, the authorised person's alone. The server's grants say the same
    # (desktop.db.access).
    Permission.EXPORT_PERSONAL_DATA: frozenset({Role.DATA_PROTECTION}),
    Permission.VIEW_BILLING: frozenset({Role.BILLING}),
    Permission.EDIT_BILLING: frozenset({Role.BILLING}),
    Permission.MANAGE_STAFF: frozenset({Role.ADMIN}),
    Permission.EDIT_SCHOOL: frozenset({Role.ADMIN}),
    Permission.PRINT_DOCUMENTS: frozenset({Role.OFFICE, Role.BILLING, Role.DATA_PROTECTION}),
    Permission.MANAGE_TERMS: frozenset({Role.OFFICE, Role.ADMIN}),  # R49: versions as published
    Permission.RUN_DAILY_JOBS: frozenset({Role.OFFICE, Role.BILLING, Role.ADMIN}),
}


def roles_allowed(permission: Permission) -> frozenset[Role]:
    return _MATRIX[permission]


def allows(roles: frozenset[Role] | set[Role], permission: Permission) -> bool:
    return bool(_MATRIX[permission] & set(roles))
