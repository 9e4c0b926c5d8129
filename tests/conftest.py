"""Test configuration shared by every test.

Qt runs offscreen. Database tests take the `db` fixture, which is parametrised over SQLite
and, when SCHOOL_OFFICE_TEST_PG_URL points at a PostgreSQL server (CI sets it), PostgreSQL:
the session creates a throwaway database there and drops it at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep every test away from the real user's settings, database and keyring.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from desktop.db import schema
from desktop.db.base import Base
from desktop.db.session import Database
from desktop.domain import clock
from desktop.domain.roster import Country
from desktop.services.container import Services
from desktop.services.school import SchoolProfile
from desktop.services.staff import resolve_actor

# Every test starts on this instant, whatever the system date (one clock: desktop.domain.clock).
# Time moves on from it as usual; a test that needs a deadline to the second takes fixed_clock.
TEST_START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

PG_ADMIN_URL = os.environ.get("SCHOOL_OFFICE_TEST_PG_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_ADMIN_URL else ["sqlite"]


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config, items):
    # Under faketime (CI's other-date legs) the calendar moves, and so do libfaketime's
    # sleeps and timed waits, which break tests that measure real intervals: those say why.
    if os.environ.get("FAKETIME"):
        for item in items:
            if marker := item.get_closest_marker("real_clock"):
                item.add_marker(pytest.mark.skip(reason=f"needs the real clock: {marker.args[0]}"))
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _app_clock():
    previous = clock.install(clock.ShiftedClock.starting_at(TEST_START))
    yield
    clock.install(previous)


@pytest.fixture
def fixed_clock() -> clock.FixedClock:
    """A clock that stands still at TEST_START until the test moves it (set or advance)."""
    fixed = clock.FixedClock(TEST_START)
    clock.install(fixed)  # _app_clock puts the previous one back
    return fixed


@pytest.fixture
def inline_workers():
    """Background work (QThreadPool) runs on the calling thread, so a test sees its result."""
    from desktop.ui import workers

    workers.set_inline(True)
    yield
    workers.set_inline(False)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Settings, logs and the default SQLite file go to a per-test folder."""
    monkeypatch.setenv("SCHOOL_OFFICE_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def _english_ui_after_each_test():
    """A test that starts the app switches the UI language; the next test starts in English."""
    yield
    from desktop import i18n

    i18n.set_ui_language("en")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once is much faster."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test session, migrated once."""
    if not PG_ADMIN_URL:
        pytest.skip("SCHOOL_OFFICE_TEST_PG_URL is not set")
    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    name = f"school_office_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    schema.upgrade(db.engine)
    db.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(db: Database) -> None:
    from desktop.db import models

    models.load_all()  # models are imported lazily; every table is truncated
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "school.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    db = Database(url)
    _truncate_all(db)
    db.dispose()
    return url


_DATABASES: list[Database] = []  # the `db` fixture's databases in the running test


@pytest.fixture
def db(db_url) -> Database:
    database = Database(db_url)
    _DATABASES.append(database)
    return database  # closed by pytest_runtest_teardown, after every fixture


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    """The test's databases close once every fixture is gone, qtbot's included: windows and tabs
    still open on them close first, as in the app. Disposed any earlier, a widget closing later
    (or a reload it started) reconnects through the engine and abandons the connection, which
    surfaces as a ResourceWarning in whichever later test the garbage collector runs."""
    try:
        return (yield)
    finally:
        while _DATABASES:
            database = _DATABASES.pop()
            _close_windows_on(database)
            database.dispose()


def _close_windows_on(database: Database) -> None:
    if "PySide6.QtWidgets" not in sys.modules:  # no GUI in this test
        return
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    for widget in app.topLevelWidgets() if app is not None else []:
        services = getattr(widget, "services", None)
        if getattr(services, "db", None) is database:
            widget.close()


def make_services(
    db: Database, country: Country = Country.EE, login: str | None = None
) -> Services:
    """Services for the first (administrator) user of a database with a school.

    The default login is the OS login, so CLI commands run in the same test act as the same user.
    """
    services = Services(db, resolve_actor(db, login))
    if services.school.get() is None:
        services.school.create(
            SchoolProfile("Test School", country, "Kooli 1", "10111", "Tallinn")
            if country is Country.EE
            else SchoolProfile("Testna šola", country, "Šolska 1", "1000", "Ljubljana")
        )
    return services


@pytest.fixture
def services(db) -> Services:
    return make_services(db, Country.EE)


@pytest.fixture
def services_si(db) -> Services:
    return make_services(db, Country.SI)
