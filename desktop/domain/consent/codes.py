"""Access codes: the 6-digit MojArhiv code (R40) and the onboarding security code (R39).

A code is bound to (guardian, child), stored only as a hash, used once and locked after too
many wrong attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from desktop.domain.consent.common import Id, local_day_end, require_aware
from desktop.domain.dates import add_days, local_date
from desktop.i18n import N_, Nn_  # refusals are shown translated by the UI


class CodeKind(StrEnum):
    EXPORT = "EXPORT"  # R40: 6 digits, MojArhiv export
    SECURITY = "SECURITY"  # R39: 12 base32 characters, guardian onboarding / first access


@dataclass(frozen=True)
class CodePolicy:
    valid_days: int
    max_failures: int


CODE_POLICIES: dict[CodeKind, CodePolicy] = {
    CodeKind.EXPORT: CodePolicy(valid_days=14, max_failures=5),  # R40 proposal
    # R39 sets 30 days; the attempt limit is ours (the provider checks the code in practice).
    CodeKind.SECURITY: CodePolicy(valid_days=30, max_failures=5),
}

BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648: no 0/1/8/9, fewer misreadings
SECURITY_CODE_LENGTH = 12
_EXPORT_CODE = re.compile(r"[0-9]{6}")
_SECURITY_CODE = re.compile(f"[{BASE32_ALPHABET}]{{{SECURITY_CODE_LENGTH}}}")


def format_export_code(number: int) -> str:
    """R40: 000000–999999 as text, leading zeros kept."""
    if not 0 <= number <= 999_999:
        raise ValueError("an export code is a number 0–999999")
    return f"{number:06d}"


def new_export_code() -> str:
    return format_export_code(secrets.randbelow(1_000_000))


def new_security_code() -> str:
    """R39: 12 random base32 characters (60 bits), unformatted."""
    return "".join(secrets.choice(BASE32_ALPHABET) for _ in range(SECURITY_CODE_LENGTH))


def format_security_code(code: str) -> str:
    """R39: printed as 4-4-4 (ABCD-EFGH-2345) so it can be read out and typed."""
    normal = normalise_code(CodeKind.SECURITY, code)
    if normal is None:
        raise ValueError("not a security code")
    return "-".join(normal[i : i + 4] for i in range(0, SECURITY_CODE_LENGTH, 4))


def normalise_code(kind: CodeKind, entered: str) -> str | None:
    """The typed code without spaces or dashes (upper-cased); None if it cannot be a code."""
    text = re.sub(r"[\s\-]", "", entered)
    if kind is CodeKind.SECURITY:
        text = text.upper()
        return text if _SECURITY_CODE.fullmatch(text) else None
    return text if _EXPORT_CODE.fullmatch(text) else None


# scrypt: memory-hard, in the standard library. n=2**14, r=8 uses 16 MiB and ~50 ms per check.
SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


def hash_code(code: str, *, n: int = SCRYPT_N) -> str:
    """Hash a (normalised) code for storage with a fresh random salt: 'scrypt$n$r$p$salt$hash'.

    The plain code is printed once on slip D15 and never stored (R39, R40). A 6-digit code can be
    brute-forced offline whatever the hash; the real protection is the attempt limit.
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(code.encode(), salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_code(code: str, stored: str) -> bool:
    """Constant-time comparison of a code against a stored hash from hash_code."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        candidate = hashlib.scrypt(
            code.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError as exc:
        raise ValueError("the stored code hash is damaged or of an unknown kind") from exc
    return hmac.compare_digest(candidate, expected)


def code_expires_at(issued_at: datetime, country: str, valid_days: int) -> datetime:
    """R1/R2: valid N days = until the end of the Nth local day after the day of issue."""
    issued_on = local_date(require_aware("issued_at", issued_at), country)
    return local_day_end(add_days(issued_on, valid_days), country)


@dataclass(frozen=True)
class IssuedCode:
    """A code as stored: bound to (guardian, child), hashed, single use (R39, R40).

    `expires_at` is fixed at issue, so slip D15 and the check always agree.
    """

    kind: CodeKind
    guardian_id: Id
    child_id: Id
    code_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    failed_attempts: int = 0
    revoked: bool = False  # R39: issuing a new code revokes the old one

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CodeKind(self.kind))
        object.__setattr__(self, "issued_at", require_aware("issued_at", self.issued_at))
        object.__setattr__(self, "expires_at", require_aware("expires_at", self.expires_at))
        if self.used_at is not None:
            object.__setattr__(self, "used_at", require_aware("used_at", self.used_at))
        if self.failed_attempts < 0:
            raise ValueError("failed_attempts cannot be negative")


def issue_code(
    kind: CodeKind,
    guardian_id: Id,
    child_id: Id,
    now: datetime,
    country: str,
    policy: CodePolicy | None = None,
    *,
    n: int = SCRYPT_N,
) -> tuple[str, IssuedCode]:
    """A new code: the printable text (for slip D15, shown once) and the record to store."""
    policy = policy or CODE_POLICIES[kind]
    if kind is CodeKind.EXPORT:
        plain = new_export_code()
        printable = plain
    else:
        plain = new_security_code()
        printable = format_security_code(plain)
    record = IssuedCode(
        kind,
        guardian_id,
        child_id,
        hash_code(plain, n=n),
        now,
        code_expires_at(now, country, policy.valid_days),
    )
    return printable, record


def revoke(code: IssuedCode) -> IssuedCode:
    """R39: a new code for the same (child, guardian) invalidates the old one."""
    return replace(code, revoked=True)


class CodeState(StrEnum):
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    USED = "USED"
    LOCKED = "LOCKED"
    REVOKED = "REVOKED"


def code_state(code: IssuedCode, now: datetime, policy: CodePolicy | None = None) -> CodeState:
    """R39/R40. Precedence when several hold: used, revoked, locked, expired."""
    policy = policy or CODE_POLICIES[code.kind]
    now = require_aware("now", now)
    if code.used_at is not None:
        return CodeState.USED
    if code.revoked:
        return CodeState.REVOKED
    if code.failed_attempts >= policy.max_failures:
        return CodeState.LOCKED
    if now >= code.expires_at:
        return CodeState.EXPIRED
    return CodeState.VALID


class AttemptResult(StrEnum):
    ACCEPTED = "ACCEPTED"
    WRONG = "WRONG"  # counted; attempts_left says how many remain
    LOCKED = "LOCKED"  # this attempt (or an earlier one) used up the attempts
    EXPIRED = "EXPIRED"
    USED = "USED"
    REVOKED = "REVOKED"
    WRONG_PERSON = "WRONG_PERSON"  # the code is bound to another guardian or child
    MALFORMED = "MALFORMED"  # not a code at all (5 digits, a letter): not counted


_ATTEMPT_MESSAGES = {
    AttemptResult.ACCEPTED: N_("the code is correct"),
    AttemptResult.WRONG: N_("the code is wrong"),
    AttemptResult.LOCKED: N_("too many wrong attempts: the code is locked; issue a new one"),
    AttemptResult.EXPIRED: N_("the code has expired; issue a new one"),
    AttemptResult.USED: N_("the code has already been used; issue a new one"),
    AttemptResult.REVOKED: N_("the code was replaced by a newer one"),
    AttemptResult.WRONG_PERSON: N_("this code was issued for another guardian or child"),
    AttemptResult.MALFORMED: N_("that is not a code of the right form"),
}


@dataclass(frozen=True)
class CodeAttempt:
    result: AttemptResult
    code: IssuedCode  # the record to store back (used_at / failed_attempts updated)
    attempts_left: int

    @property
    def accepted(self) -> bool:
        return self.result is AttemptResult.ACCEPTED

    @property
    def message(self) -> str:
        if self.result is AttemptResult.WRONG:
            return Nn_(
                "the code is wrong; {n} attempt left",
                "the code is wrong; {n} attempts left",
                self.attempts_left,
            )
        return _ATTEMPT_MESSAGES[self.result]


def try_code(
    code: IssuedCode,
    entered: str,
    *,
    guardian_id: Id,
    child_id: Id,
    now: datetime,
    policy: CodePolicy | None = None,
) -> CodeAttempt:
    """R39/R40: one attempt at a code for (guardian, child). Returns the record to store."""
    policy = policy or CODE_POLICIES[code.kind]
    now = require_aware("now", now)
    left = max(policy.max_failures - code.failed_attempts, 0)
    if (code.guardian_id, code.child_id) != (guardian_id, child_id):
        return CodeAttempt(AttemptResult.WRONG_PERSON, code, left)
    state = code_state(code, now, policy)
    if state is not CodeState.VALID:
        return CodeAttempt(AttemptResult(state.value), code, left)
    normal = normalise_code(code.kind, entered)
    if normal is None:
        return CodeAttempt(AttemptResult.MALFORMED, code, left)
    if verify_code(normal, code.code_hash):
        return CodeAttempt(AttemptResult.ACCEPTED, replace(code, used_at=now), left)
    failed = replace(code, failed_attempts=code.failed_attempts + 1)
    left = max(policy.max_failures - failed.failed_attempts, 0)
    return CodeAttempt(AttemptResult.LOCKED if left == 0 else AttemptResult.WRONG, failed, left)
