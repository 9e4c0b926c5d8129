"""change counter: one row that every write bumps, so other PCs notice changes

Revision ID: 0002_change_counter
Revises: 0001_foundation
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_change_counter"
down_revision = "0001_foundation"
branch_labels = ("changes",)
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("change_counter")
