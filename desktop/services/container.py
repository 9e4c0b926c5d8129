"""The composition of services for one database and one staff member.

The CLI and the GUI both start here. Cross-area cascades are wired in one place: when a
student leaves (R7, R13), every area that must react does so in the same transaction.
"""

from __future__ import annotations

from desktop.db import schema
from desktop.db.session import Database
from desktop.services.base import Actor
from desktop.services.daily import DailyService
from desktop.services.roster import RosterService
from desktop.services.roster_import import RosterImportService
from desktop.services.school import SchoolService
from desktop.services.staff import StaffService, resolve_actor


class Services:
    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor
        self.school = SchoolService(db, actor)
        self.staff = StaffService(db, actor)
        self.roster = RosterService(db, actor)
        self.roster_io = RosterImportService(db, actor, self.roster)
        # Date-driven jobs, run once a day by `school-office daily` (and the app).
        self.daily = DailyService(db, actor, jobs=[])

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_database(url: str) -> Database:
    """Connect, refuse a newer schema, apply pending migrations. Raises DatabaseError."""
    db = Database(url)
    try:
        db.check_connection()
        schema.upgrade(db.engine)
    except BaseException:
        db.dispose()
        raise
    return db


def open_services(url: str, login: str | None = None) -> Services:
    db = open_database(url)
    try:
        return Services(db, resolve_actor(db, login))
    except BaseException:
        db.dispose()
        raise
