"""The OS keyring: the only place passwords and API tokens are kept.

Windows Credential Manager, macOS Keychain or the Secret Service on Linux. When no keyring is
available (a locked-down PC, a CI box), reading gives None and saving raises a clear error;
nothing is ever written to a settings file or a log instead.
"""

from __future__ import annotations

import logging

from desktop import APP_ID
from desktop.domain.errors import SchoolOfficeError

log = logging.getLogger(__name__)


class KeyringUnavailable(SchoolOfficeError):
    pass


def database_secret_key(user: str, host: str, port: int | None, database: str) -> str:
    return f"database:{user}@{host}:{port or 5432}/{database}"


CARD_PROVIDER_TOKEN_KEY = "card-provider-token"


def get_secret(key: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(APP_ID, key)
    except KeyringError as exc:
        log.info("keyring not available for %s: %s", key, type(exc).__name__)
        return None


def set_secret(key: str, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(APP_ID, key, value)
    except KeyringError as exc:
        raise KeyringUnavailable(
            "The password could not be saved: this computer has no usable password store "
            f"({type(exc).__name__}). Ask IT to enable the Windows Credential Manager."
        ) from None
