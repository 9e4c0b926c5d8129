"""terms: terms documents and their versions; a published version cannot change (R49)

Revision ID: 0201_terms
Revises: 0200_documents
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0201_terms"
down_revision = "0200_documents"
branch_labels = None
depends_on = None

# A published version keeps these columns for ever; effective_to may be set once (superseded).
_FROZEN = (
    "document_id",
    "label",
    "major",
    "minor",
    "texts",
    "summary",
    "dated_on",
    "published_on",
    "effective_from",
    "tacit_acceptance",
    "content_hash",
)
_MESSAGE = "terms version is published and cannot be changed; make a new version instead"


def _sqlite_changed() -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN)
    closed = "OLD.effective_to IS NOT NULL AND NEW.effective_to IS NOT OLD.effective_to"
    return f"{changed} OR ({closed})"


def _postgresql_changed() -> str:
    # json has no equality operator in PostgreSQL: compare the JSON columns as text.
    parts = [
        f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text"
        if c in ("texts", "summary")
        else f"NEW.{c} IS DISTINCT FROM OLD.{c}"
        for c in _FROZEN
    ]
    closed = "OLD.effective_to IS NOT NULL AND NEW.effective_to IS DISTINCT FROM OLD.effective_to"
    return " OR ".join([*parts, f"({closed})"])


def upgrade() -> None:
    op.create_table(
        "terms_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("provider_name", sa.String(length=200), nullable=False),
        sa.Column("provider_address", sa.JSON(), nullable=False),
        sa.Column("provider_registry_code", sa.String(length=40), nullable=False),
        sa.Column("provider_contacts", sa.JSON(), nullable=False),
        sa.Column("free_alternative", sa.Boolean(), nullable=False),
        sa.Column("amendment_rule", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_document")),
        sa.UniqueConstraint("key", name=op.f("uq_terms_document_key")),
    )
    op.create_table(
        "terms_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("major", sa.Integer(), nullable=False),
        sa.Column("minor", sa.Integer(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("dated_on", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("tacit_acceptance", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["terms_document.id"],
            name=op.f("fk_terms_version_document_id_terms_document"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_version")),
        sa.UniqueConstraint("document_id", "label", name=op.f("uq_terms_version_document_id")),
    )
    with op.batch_alter_table("terms_version") as batch_op:
        batch_op.create_index("ix_terms_version_document_id", ["document_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION terms_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.published_on IS NOT NULL THEN
                    IF TG_OP = 'DELETE' OR {_postgresql_changed()} THEN
                        RAISE EXCEPTION '{_MESSAGE}'
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER terms_version_published BEFORE UPDATE OR DELETE ON terms_version "
            "FOR EACH ROW EXECUTE FUNCTION terms_version_guard()"
        )
    else:
        op.execute(
            "CREATE TRIGGER terms_version_published_update BEFORE UPDATE ON terms_version "
            f"FOR EACH ROW WHEN OLD.published_on IS NOT NULL AND ({_sqlite_changed()}) "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
        op.execute(
            "CREATE TRIGGER terms_version_published_delete BEFORE DELETE ON terms_version "
            "FOR EACH ROW WHEN OLD.published_on IS NOT NULL "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS terms_version_published ON terms_version")
        op.execute("DROP FUNCTION IF EXISTS terms_version_guard()")
    op.drop_table("terms_version")
    op.drop_table("terms_document")
