"""The login audit (R116): who started the app or failed to log in, when and from which PC."""

from __future__ import annotations

import platform

from sqlalchemy import Engine, insert

from desktop import __version__
from desktop.db.models import LoginEvent
from desktop.domain import clock


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
