"""documents: the record of every generated document

Revision ID: 0200_documents
Revises: 0001_foundation
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0200_documents"
down_revision = "0001_foundation"
branch_labels = ("documents",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generated_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("batch", sa.String(length=40), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_document")),
        sa.UniqueConstraint("document_id", name=op.f("uq_generated_document_document_id")),
    )
    with op.batch_alter_table("generated_document") as batch_op:
        batch_op.create_index("ix_generated_document_student_id", ["student_id"], unique=False)
        batch_op.create_index("ix_generated_document_guardian_id", ["guardian_id"], unique=False)


def downgrade() -> None:
    op.drop_table("generated_document")
