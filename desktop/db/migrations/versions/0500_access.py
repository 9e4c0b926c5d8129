"""access: the login audit (R116), personal PostgreSQL logins (R119) and the TLS rule (R120)

Revision ID: 0500_access
Revises: 0001_foundation
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0500_access"
down_revision = "0001_foundation"
branch_labels = ("access",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("client", sa.String(length=10), nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("pc_name", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_event")),
    )
    with op.batch_alter_table("login_event") as batch_op:
        batch_op.create_index(batch_op.f("ix_login_event_at"), ["at"], unique=False)
    table = op.create_table(
        "db_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_prefix", sa.String(length=40), nullable=False),
        sa.Column("provisioned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provisioned_by", sa.String(length=100), nullable=False),
        sa.Column("allow_unencrypted", sa.Boolean(), nullable=False),
        sa.Column("allowed_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_db_access")),
    )
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "role_prefix": "",
                "provisioned_by": "",
                "allow_unencrypted": False,
                "allowed_by": "",
            }
        ],
    )
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("must_change_password")
    op.drop_table("db_access")
    op.drop_table("login_event")
