"""The login audit (R116) on every database, and the embedded database's identity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desktop.cli import main as cli_main
from desktop.db.access.login_events import pc_name
from desktop.db.access.server import server_identity
from desktop.db.models import LoginEvent
from desktop.services.login_audit import record_start, remember_failed_login
from desktop.services.staff import resolve_actor

pytestmark = pytest.mark.db


def test_a_start_and_an_earlier_failed_login_are_recorded(db):
    remember_failed_login("postgresql://mallory@server/school", "refused", "gui")
    record_start(db, "mari", "gui")
    with db.read() as session:
        rows = session.scalars(select(LoginEvent).order_by(LoginEvent.id)).all()
    assert [(r.login, r.event, r.client) for r in rows] == [
        ("mallory", "failed", "gui"),
        ("mari", "start", "gui"),
    ]
    assert all(r.app_version and r.pc_name == pc_name() for r in rows)
    record_start(db, "mari", "cli")  # the failed login is recorded once
    with db.read() as session:
        assert (
            session.scalar(select(LoginEvent.id).where(LoginEvent.event == "failed").offset(1))
            is None
        )


def test_the_command_line_start_is_recorded(db_url, db, monkeypatch):
    monkeypatch.setattr("desktop.services.staff.os_login", lambda: "tajnica")
    assert cli_main(["--database", db_url, "staff", "list"]) == 0
    with db.read() as session:
        row = session.scalars(select(LoginEvent)).one()
    assert (row.login, row.event, row.client) == ("tajnica", "start", "cli")


def test_an_unprovisioned_database_keeps_the_os_account_as_the_identity(db, monkeypatch):
    # The embedded database (and a PostgreSQL one not yet provisioned): see README.
    assert server_identity(db.engine) is None
    monkeypatch.setattr("desktop.services.staff.os_login", lambda: "tajnica")
    assert resolve_actor(db).login == "tajnica"
