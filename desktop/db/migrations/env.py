"""Alembic environment: always driven from desktop.db.schema with an open connection."""

from alembic import context
from sqlalchemy import TypeDecorator

from desktop.db import models
from desktop.db.base import Base

models.load_all()  # every table on Base.metadata, for autogenerate


def render_item(type_, obj, autogen_context):
    """Migrations spell our column types as plain SQLAlchemy types, never as app classes."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only ALTER by rebuilding tables
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
