"""The schema: migrations match the models, newer databases are refused, SQLite is tuned."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.schema import CreateIndex

from desktop.cli import main
from desktop.db import schema
from desktop.db.base import Base
from desktop.db.session import Database
from desktop.services.container import open_database

pytestmark = pytest.mark.db


def test_migrations_create_exactly_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_open_virtual_card_index_is_partial_in_the_model_and_the_database(db):
    """Alembic does not compare an index's condition: the model's CREATE INDEX (its condition
    given by partial_index, not by dialect keywords) and the migrated index must both have it."""
    from desktop.db.models import Card
    from desktop.db.models.cards import OPEN_VIRTUAL_WHERE

    dialect = db.engine.dialect
    (index,) = (i for i in Card.__table__.indexes if i.name == "uq_card_open_virtual")
    assert str(CreateIndex(index).compile(dialect=dialect)) == (
        f"CREATE UNIQUE INDEX uq_card_open_virtual ON card (student_id) WHERE {OPEN_VIRTUAL_WHERE}"
    )
    with db.engine.connect() as connection:
        (reflected,) = (
            i for i in inspect(connection).get_indexes("card") if i["name"] == index.name
        )
    where = str(reflected["dialect_options"][f"{dialect.name}_where"])
    assert reflected["unique"] and "'VIRTUAL'" in where and "'CLOSED'" in where


def test_upgrade_is_idempotent(db):
    assert schema.upgrade(db.engine) is False


@pytest.fixture
def future_schema(db_url):
    """Pretend a newer release wrote the database; put it back afterwards (PostgreSQL is shared)."""
    db = Database(db_url)
    with db.engine.begin() as connection:
        original = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('9999_future')"))
    yield db_url
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        for revision in original:
            connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})
    db.dispose()


def test_database_from_a_newer_release_is_refused_untouched(future_schema):
    db_url = future_schema
    with pytest.raises(schema.SchemaTooNew) as info:
        open_database(db_url)
    assert "newer version of School Office" in str(info.value)
    db = Database(db_url)
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "9999_future"
    db.dispose()


def test_cli_reports_newer_schema_in_one_line(future_schema, capsys):
    assert main(["--database", future_schema, "db", "upgrade"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "newer version" in err


def test_sqlite_is_wal_with_foreign_keys(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.dispose()


def test_default_database_is_created_in_the_data_folder(tmp_path, capsys):
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "home" / "data" / "school-office.sqlite3").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://nobody:s3cret-pw@127.0.0.1:1/nodb",
        "sqlite:////nonexistent-dir/\0bad",
        "mysql://root@localhost/x",
        "not a url",
    ],
)
def test_unreachable_database_is_one_line_without_password(url, capsys):
    code = main(["--database", url, "db", "upgrade"])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err and "s3cret-pw" not in captured.err
