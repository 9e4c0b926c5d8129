"""bank statements: the bank entries booked as payments, each once (R77, R122)

Revision ID: 0600_bank_statements
Revises: 0001_foundation
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0600_bank_statements"
down_revision = "0001_foundation"
branch_labels = ("bank",)
depends_on = "0400_billing"


def upgrade() -> None:
    op.create_table(
        "bank_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=120), nullable=False),
        sa.Column("entry_ref", sa.String(length=80), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("statement_id", sa.String(length=120), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("message_kind", sa.String(length=20), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("debtor_name", sa.String(length=140), nullable=False),
        sa.Column("debtor_iban", sa.String(length=34), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("assigned", sa.Boolean(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("surplus_cents", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_bank_entry_amount_cents")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_bank_entry_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_bank_entry_payment_id_payment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entry")),
        sa.UniqueConstraint("entry_key", name=op.f("uq_bank_entry_entry_key")),
    )
    with op.batch_alter_table("bank_entry") as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_entry_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_table("bank_entry")
