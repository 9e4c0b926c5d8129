"""The login audit (R116): every start of the app or a command, and every failed login.

Each row says who, when, the app version and the PC's name; never a password. A login the
server refused cannot write as that person: it waits in a small file in the user's data folder
(`failed-logins.jsonl`) and is recorded by the next successful start on that PC and Windows
account.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime

from sqlalchemy.engine import make_url

from desktop.db.access.login_events import login_event, record_login_events
from desktop.db.session import Database
from desktop.domain import clock

log = logging.getLogger(__name__)

PENDING_FILE = "failed-logins.jsonl"


def _pending_path():
    from desktop.settings import data_dir

    return data_dir() / PENDING_FILE


def remember_failed_login(url: str, reason: str, client: str) -> None:
    """A login that failed before it could write (refused by the server, not a staff member)."""
    try:
        login = make_url(url).username or ""
    except Exception:  # an address that cannot even be parsed failed for another reason
        return
    if not login:
        from desktop.services.staff import os_login

        login = os_login()
    row = login_event(login, "failed", client, reason[:500])
    row["at"] = row["at"].isoformat()
    try:
        with _pending_path().open("a", encoding="utf-8") as file:
            file.write(json.dumps(row) + "\n")
    except OSError as exc:  # the audit must never stop the app from saying what went wrong
        log.warning("cannot remember the failed login: %s", exc)


def record_start(db: Database, login: str, client: str) -> None:
    """This start, and the failed logins that waited for one (R116). Never stops the start."""
    rows = []
    path = _pending_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    except OSError:
        lines = []
    for line in lines:
        try:
            row = json.loads(line)
            row["at"] = datetime.fromisoformat(row["at"])
            rows.append(row)
        except (ValueError, KeyError, TypeError):
            continue
    rows.append(login_event(login, "start", client, at=clock.now()))
    try:
        record_login_events(db.engine, rows)
    except Exception as exc:  # a database without the table yet, or no INSERT grant
        log.warning("login audit not recorded: %s", exc)
        return
    if lines:
        with contextlib.suppress(OSError):
            path.unlink()
