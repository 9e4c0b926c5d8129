"""Where the app keeps its files, and the few settings that are not in the database.

Settings live in a small JSON file in the user's config folder. Secrets never go here: the
PostgreSQL password and the card-provider token live in the OS keyring
(desktop.integrations.secrets).
Tests and portable installs point SCHOOL_OFFICE_HOME at a folder to keep everything in one place.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from desktop import APP_ID, ORG_NAME
from desktop.domain.errors import SchoolOfficeError
from desktop.i18n import N_  # shown translated by the app's start-up message

log = logging.getLogger(__name__)


class SettingsError(SchoolOfficeError):
    """The settings file exists but cannot be used. Nothing falls back to a new empty database
    in its place: the app and the CLI stop and say which file to fix."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(self.message())

    def message(self, translate=str) -> str:
        """The sentence, with `problem` passed through `translate` (the UI's `_`) first."""
        return N_(
            "The settings file {path} cannot be used: {problem}. Nothing was changed. Fix "
            "the file, or delete it to start again from the default settings (the "
            "embedded database)",
            path=str(self.path),
            problem=translate(self.problem),
        )


def _platform_dirs():
    from platformdirs import PlatformDirs

    return PlatformDirs(APP_ID, ORG_NAME, roaming=False)


def data_dir() -> Path:
    """The folder for the embedded database and logs (never a network share: see README)."""
    home = os.environ.get("SCHOOL_OFFICE_HOME")
    path = Path(home) / "data" if home else Path(_platform_dirs().user_data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    home = os.environ.get("SCHOOL_OFFICE_HOME")
    path = Path(home) / "config" if home else Path(_platform_dirs().user_config_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return f"sqlite:///{(data_dir() / 'school-office.sqlite3').as_posix()}"


@dataclass
class Settings:
    database_url: str = ""  # empty: the embedded SQLite file; never contains a password
    ui_language: str = ""  # empty: the school's language
    card_provider_url: str = ""
    # R120: the CA certificate that signed the PostgreSQL server's certificate. With it, the
    # connection is made with sslmode=verify-full (encrypted, and the server is the right one).
    database_ca_file: str = ""

    @property
    def effective_database_url(self) -> str:
        return with_ca_file(self.database_url or default_database_url(), self.database_ca_file)


def with_ca_file(url: str, ca_file: str) -> str:
    """A PostgreSQL address that verifies the server against `ca_file` (R120)."""
    if not ca_file or not url.startswith(("postgres", "postgresql")):
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    query = dict(parsed.query)
    query.setdefault("sslmode", "verify-full")
    query.setdefault("sslrootcert", ca_file)
    return parsed.set(query=query).render_as_string(hide_password=False)


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings() -> Settings:
    path = settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()  # the first start: defaults
    except UnicodeDecodeError:
        raise SettingsError(path, N_("it is not UTF-8 text")) from None
    except ValueError as exc:  # json.JSONDecodeError
        raise SettingsError(
            path, N_("it is not valid JSON (line {line})", line=getattr(exc, "lineno", 1))
        ) from None
    except OSError as exc:
        raise SettingsError(path, exc.strerror or type(exc).__name__) from None
    if not isinstance(raw, dict):
        raise SettingsError(path, N_("it does not hold a JSON object"))
    known = {f.name for f in fields(Settings)}
    for key, value in raw.items():
        if key in known and not isinstance(value, str):
            raise SettingsError(path, N_("{key} must be text", key=key))
    # Keys this version does not know are left alone (a newer version may have written them).
    return Settings(**{k: v for k, v in raw.items() if k in known})


def save_settings(settings: Settings) -> None:
    from sqlalchemy.engine import make_url

    if settings.database_url and make_url(settings.database_url).password:
        raise ValueError("a database password must go to the keyring, not the settings file")
    path = settings_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash never leaves half a settings file
