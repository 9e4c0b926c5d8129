"""billing: POPOLNI subscriptions, trials, invoices, payments, notices, proposals, refunds and
received cancellation letters (RULES.md §6, §7)

Revision ID: 0400_billing
Revises: 0001_foundation
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0400_billing"
down_revision = "0001_foundation"
branch_labels = ("billing",)
depends_on = "0201_terms"


def upgrade() -> None:
    op.create_table(
        "billing_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("gross_cents", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("gross_cents >= 0", name=op.f("ck_billing_price_gross_cents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_price")),
        sa.UniqueConstraint(
            "school_year", "tier", "valid_from", name=op.f("uq_billing_price_school_year")
        ),
    )
    op.create_table(
        "billing_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("invitation_on", sa.Date(), nullable=False),
        sa.Column("invitation_due", sa.Date(), nullable=False),
        sa.Column("reminder1_on", sa.Date(), nullable=False),
        sa.Column("reminder1_due", sa.Date(), nullable=False),
        sa.Column("reminder2_on", sa.Date(), nullable=False),
        sa.Column("reminder2_due", sa.Date(), nullable=False),
        sa.Column("termination_effective", sa.Date(), nullable=False),
        sa.Column("first_reminder1_after_days", sa.Integer(), nullable=False),
        sa.Column("first_reminder2_after_days", sa.Integer(), nullable=False),
        sa.Column("first_lapse_after_days", sa.Integer(), nullable=False),
        sa.Column("reminder_fee_gross_cents", sa.Integer(), nullable=False),
        sa.Column("charge_reminder_fee_by_default", sa.Boolean(), nullable=False),
        sa.Column("trial_invitation_days_before_end", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_year")),
        sa.UniqueConstraint("school_year", name=op.f("uq_billing_year_school_year")),
    )
    op.create_table(
        "trial_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("length_days", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_offer")),
    )
    with op.batch_alter_table("trial_offer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trial_offer_school_year"), ["school_year"], unique=False
        )

    op.create_table(
        "billing_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("popolni_enabled", sa.Boolean(), nullable=False),
        sa.Column("entity_name", sa.String(length=200), nullable=False),
        sa.Column("entity_street", sa.String(length=200), nullable=False),
        sa.Column("entity_postal_code", sa.String(length=20), nullable=False),
        sa.Column("entity_city", sa.String(length=100), nullable=False),
        sa.Column("entity_country", sa.String(length=2), nullable=False),
        sa.Column("entity_registry_code", sa.String(length=40), nullable=False),
        sa.Column("entity_vat_id", sa.String(length=40), nullable=False),
        sa.Column("entity_email", sa.String(length=254), nullable=False),
        sa.Column("entity_phone", sa.String(length=40), nullable=False),
        sa.Column("entity_website", sa.String(length=200), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("bank_name", sa.String(length=100), nullable=False),
        sa.Column("reference_scheme", sa.String(length=8), nullable=False),
        sa.Column("upn_purpose_code", sa.String(length=4), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_billing_settings_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_settings")),
        sa.UniqueConstraint("school_id", name=op.f("uq_billing_settings_school_id")),
    )
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("ordered_by", sa.String(length=16), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("communication_mode", sa.String(length=16), nullable=True),
        sa.Column("student_statement_15", sa.Boolean(), nullable=False),
        sa.Column("warranties_given", sa.Boolean(), nullable=False),
        sa.Column("free_alternative_disclosed", sa.Boolean(), nullable=False),
        sa.Column("terms_version_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ordered_on", sa.Date(), nullable=True),
        sa.Column("child_first_name", sa.String(length=100), nullable=False),
        sa.Column("child_last_name", sa.String(length=100), nullable=False),
        sa.Column("class_name", sa.String(length=20), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("activated_on", sa.Date(), nullable=True),
        sa.Column("paid_school_year", sa.Integer(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_subscription_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["terms_version_id"],
            ["terms_version.id"],
            name=op.f("fk_subscription_terms_version_id_terms_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index("ix_subscription_state", ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_subscription_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "billing_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("cycle", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("school_year", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("refund_basis", sa.String(length=24), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_billing_proposal_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_billing_proposal_subscription_id_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_proposal")),
        sa.UniqueConstraint(
            "subscription_id", "kind", "cycle", name=op.f("uq_billing_proposal_subscription_id")
        ),
    )
    with op.batch_alter_table("billing_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_billing_proposal_status", ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_billing_proposal_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate_bp", sa.Integer(), nullable=False),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_invoice_amount_cents")),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_invoice_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_invoice_subscription_id_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("number", name=op.f("uq_invoice_number")),
        sa.UniqueConstraint("reference", name=op.f("uq_invoice_reference")),
        sa.UniqueConstraint(
            "subscription_id", "school_year", "kind", name=op.f("uq_invoice_subscription_id")
        ),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "subscription_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("mobile", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("is_payer", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("unsubscribed_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardian.id"],
            name=op.f("fk_subscription_profile_guardian_id_guardian"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_subscription_profile_subscription_id_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_profile")),
        sa.UniqueConstraint(
            "subscription_id", "position", name=op.f("uq_subscription_profile_subscription_id")
        ),
    )
    with op.batch_alter_table("subscription_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_profile_guardian_id"), ["guardian_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subscription_profile_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "trial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("length_days", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("started_by", sa.String(length=16), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardian.id"],
            name=op.f("fk_trial_guardian_id_guardian"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["trial_offer.id"], name=op.f("fk_trial_offer_id_trial_offer")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_trial_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_trial_subscription_id_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial")),
        sa.UniqueConstraint("student_id", "school_year", name=op.f("uq_trial_student_id")),
    )
    with op.batch_alter_table("trial", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trial_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "billing_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("cycle", sa.String(length=40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reply_by", sa.Date(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.String(length=40), nullable=True),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skipped_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_billing_notice_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_billing_notice_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_billing_notice_subscription_id_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_notice")),
        sa.UniqueConstraint(
            "subscription_id", "kind", "cycle", name=op.f("uq_billing_notice_subscription_id")
        ),
    )
    with op.batch_alter_table("billing_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_notice_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(
            "ix_billing_notice_unprinted", ["document_id", "due_on"], unique=False
        )

    op.create_table(
        "cancellation_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("letter_key", sa.String(length=120), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("letter_data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("notice_sent_on", sa.Date(), nullable=True),
        sa.Column("terms_version_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["subscription_profile.id"],
            name=op.f("fk_cancellation_letter_profile_id_subscription_profile"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_cancellation_letter_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_cancellation_letter_subscription_id_subscription"),
        ),
        sa.ForeignKeyConstraint(
            ["terms_version_id"],
            ["terms_version.id"],
            name=op.f("fk_cancellation_letter_terms_version_id_terms_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_letter")),
        sa.UniqueConstraint("letter_key", name=op.f("uq_cancellation_letter_letter_key")),
    )
    with op.batch_alter_table("cancellation_letter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cancellation_letter_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("processor_txn_id", sa.String(length=100), nullable=True),
        sa.Column("card_last_four", sa.String(length=4), nullable=True),
        sa.Column("payer_name", sa.String(length=200), nullable=False),
        sa.Column("payer_address", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payment_amount_cents")),
        sa.CheckConstraint(
            "card_last_four IS NULL OR length(card_last_four) = 4",
            name=op.f("ck_payment_card_last_four"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_payment_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_payment_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_payment_subscription_id_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("processor_txn_id", name=op.f("uq_payment_processor_txn_id")),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=24), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("period_first", sa.Date(), nullable=True),
        sa.Column("period_last", sa.Date(), nullable=True),
        sa.Column("period_days", sa.Integer(), nullable=True),
        sa.Column("lost_days", sa.Integer(), nullable=True),
        sa.Column("paid_cents", sa.Integer(), nullable=True),
        sa.Column("already_refunded_cents", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refund_amount_cents")),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["cancellation_letter.id"],
            name=op.f("fk_refund_letter_id_cancellation_letter"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["billing_proposal.id"],
            name=op.f("fk_refund_proposal_id_billing_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_refund_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_refund_subscription_id_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
    )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refund_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_subscription_id"))

    op.drop_table("refund")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_payment_invoice_id"))

    op.drop_table("payment")
    with op.batch_alter_table("cancellation_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cancellation_letter_subscription_id"))

    op.drop_table("cancellation_letter")
    with op.batch_alter_table("billing_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_notice_unprinted")
        batch_op.drop_index(batch_op.f("ix_billing_notice_subscription_id"))

    op.drop_table("billing_notice")
    with op.batch_alter_table("trial", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trial_subscription_id"))

    op.drop_table("trial")
    with op.batch_alter_table("subscription_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_profile_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_profile_guardian_id"))

    op.drop_table("subscription_profile")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_subscription_id"))

    op.drop_table("invoice")
    with op.batch_alter_table("billing_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_proposal_subscription_id"))
        batch_op.drop_index("ix_billing_proposal_status")

    op.drop_table("billing_proposal")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_student_id"))
        batch_op.drop_index("ix_subscription_state")

    op.drop_table("subscription")
    op.drop_table("billing_settings")
    with op.batch_alter_table("trial_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trial_offer_school_year"))

    op.drop_table("trial_offer")
    op.drop_table("billing_year")
    op.drop_table("billing_price")
