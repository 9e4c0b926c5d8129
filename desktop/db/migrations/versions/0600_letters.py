"""letters: terms-change notices sent (R51), contact reports (R43, R124), the DPO (R59)

Revision ID: 0600_letters
Revises: 0001_foundation
Create Date: 2026-12-20

Depends on: 0400_billing (notices reference subscriptions) and 0201_terms (terms versions).
"""

import sqlalchemy as sa
from alembic import op

revision = "0600_letters"
down_revision = "0001_foundation"
branch_labels = ("letters",)
depends_on = ("0400_billing", "0201_terms")


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "terms_change_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terms_version_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("document_id", sa.String(length=40), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardian.id"],
            name=op.f("fk_terms_change_notice_guardian_id_guardian"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_terms_change_notice_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_terms_change_notice_subscription_id_subscription"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["terms_version_id"],
            ["terms_version.id"],
            name=op.f("fk_terms_change_notice_terms_version_id_terms_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_change_notice")),
        sa.UniqueConstraint(
            "terms_version_id",
            "subscription_id",
            "guardian_id",
            name=op.f("uq_terms_change_notice_terms_version_id"),
        ),
    )
    with op.batch_alter_table("terms_change_notice") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_terms_change_notice_subscription_id"), ["subscription_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_terms_change_notice_terms_version_id"), ["terms_version_id"]
        )
    op.create_table(
        "contact_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("old_phone", sa.String(length=40), nullable=False),
        sa.Column("new_phone", sa.String(length=40), nullable=False),
        sa.Column("old_email", sa.String(length=254), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardian.id"],
            name=op.f("fk_contact_report_guardian_id_guardian"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_contact_report_student_id_student"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_report")),
    )
    with op.batch_alter_table("contact_report") as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_report_guardian_id"), ["guardian_id"])
    op.create_table(
        "letter_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dpo_name", sa.String(length=200), nullable=False),
        sa.Column("dpo_email", sa.String(length=254), nullable=False),
        sa.Column("dpo_phone", sa.String(length=40), nullable=False),
        sa.Column("dpo_address", sa.String(length=300), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_settings")),
    )


def downgrade() -> None:
    op.drop_table("letter_settings")
    with op.batch_alter_table("contact_report") as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_report_guardian_id"))
    op.drop_table("contact_report")
    with op.batch_alter_table("terms_change_notice") as batch_op:
        batch_op.drop_index(batch_op.f("ix_terms_change_notice_terms_version_id"))
        batch_op.drop_index(batch_op.f("ix_terms_change_notice_subscription_id"))
    op.drop_table("terms_change_notice")
