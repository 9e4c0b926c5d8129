"""Names and passwords: the group roles' names, one-time initial passwords, and the
SCRAM-SHA-256 verifiers that are all the server ever sees of a password (R118, R119).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string

from desktop.domain.errors import ValidationError
from desktop.domain.roles import Role
from desktop.i18n import N_  # shown translated by the UI

GROUP_SUFFIX = {
    Role.OFFICE: "office",
    Role.BILLING: "billing",
    Role.DATA_PROTECTION: "authorised",
    Role.ADMIN: "admin",
}
MIN_PASSWORD_LENGTH = 12  # R118: the app's own staff accounts, stricter than Moodle's rule


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
