"""consent: acceptances, settings, data-subject requests, access codes, deletion requests,
legal holds, retention proposals, adult prohibitions and breach incidents

Revision ID: 0300_consent
Revises: 0001_foundation
Depends on: 0201_terms (acceptances reference terms_version)
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0300_consent"
down_revision = "0001_foundation"
branch_labels = ("consent",)
depends_on = ("0201_terms",)

TABLES = (
    "terms_acceptance",
    "deletion_request",
    "retention_proposal",
    "legal_hold",
    "data_request",
    "breach_notice",
    "breach_affected",
    "adult_prohibition",
    "access_code",
    "consent_settings",
    "breach_incident",
)

# R44: acceptance records are never edited (a withdrawal is a new record). The database refuses
# an UPDATE of the decision itself; on_behalf_guardian_id may still become NULL when that
# guardian's row is deleted (ON DELETE SET NULL), and a student's deletion still cascades.
_DECISION_COLUMNS = (
    "terms_version_id",
    "person_kind",
    "student_id",
    "guardian_id",
    "decision",
    "decided_at",
    "recorded_at",
    "recorded_by",
    "channel",
    "language_shown",
    "basis",
    "given_by",
    "age_basis",
    "age_basis_detail",
    "free_alternative_disclosed",
    "note",
)
_MESSAGE = "acceptance records are append-only; record a new decision instead"


def _append_only_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _DECISION_COLUMNS)
        changed += " OR NEW.warranties::text IS DISTINCT FROM OLD.warranties::text"
        op.execute(
            f"""
            CREATE FUNCTION terms_acceptance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {changed} THEN
                    RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER terms_acceptance_append_only BEFORE UPDATE ON terms_acceptance "
            "FOR EACH ROW EXECUTE FUNCTION terms_acceptance_guard()"
        )
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in (*_DECISION_COLUMNS, "warranties"))
        op.execute(
            "CREATE TRIGGER terms_acceptance_append_only BEFORE UPDATE ON terms_acceptance "
            f"FOR EACH ROW WHEN {changed} BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def upgrade() -> None:
    op.create_table('breach_incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('containment', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_incident'))
    )
    op.create_table('consent_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('age_rules', sa.JSON(), nullable=False),
    sa.Column('retention_rules', sa.JSON(), nullable=False),
    sa.Column('audiences', sa.JSON(), nullable=False),
    sa.Column('export_enabled', sa.Boolean(), nullable=False),
    sa.Column('reminder_days', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_settings'))
    )
    op.create_table('access_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('slip_document_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_access_code_guardian_id_guardian'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_access_code_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code'))
    )

    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.create_index('ix_access_code_pair', ['student_id', 'guardian_id', 'kind'], unique=False)
    op.create_table('adult_prohibition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('handwritten_signature', sa.Boolean(), nullable=False),
    sa.Column('letter_reference', sa.String(length=100), nullable=False),
    sa.Column('age_basis', sa.String(length=32), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_adult_prohibition_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adult_prohibition'))
    )

    with op.batch_alter_table('adult_prohibition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adult_prohibition_student_id'), ['student_id'], unique=False)
    op.create_table('breach_affected',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_breach_affected_guardian_id_guardian'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['breach_incident.id'], name=op.f('fk_breach_affected_incident_id_breach_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_breach_affected_student_id_student'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_affected'))
    )

    with op.batch_alter_table('breach_affected', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_breach_affected_incident_id'), ['incident_id'], unique=False)
    op.create_table('breach_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('notice', sa.String(length=30), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['breach_incident.id'], name=op.f('fk_breach_notice_incident_id_breach_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_notice')),
    sa.UniqueConstraint('incident_id', 'notice', name=op.f('uq_breach_notice_incident_id'))
    )
    op.create_table('data_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('requester_guardian_id', sa.Integer(), nullable=True),
    sa.Column('subject_student_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('forward_to', sa.String(length=200), nullable=False),
    sa.Column('forward_due_on', sa.Date(), nullable=True),
    sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requester_informed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=False),
    sa.Column('extension_notified_on', sa.Date(), nullable=True),
    sa.Column('extension_months', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_by', sa.String(length=100), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('last_reminder_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['requester_guardian_id'], ['guardian.id'], name=op.f('fk_data_request_requester_guardian_id_guardian'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_student_id'], ['student.id'], name=op.f('fk_data_request_subject_student_id_student'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request'))
    )

    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_subject_student_id'), ['subject_student_id'], unique=False)
    op.create_table('legal_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_on', sa.Date(), nullable=False),
    sa.Column('released_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_legal_hold_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold'))
    )

    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_hold_student_id'), ['student_id'], unique=False)
    op.create_table('retention_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=60), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_retention_proposal_student_id_student'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_proposal')),
    sa.UniqueConstraint('category', 'record_id', 'due_on', name=op.f('uq_retention_proposal_category'))
    )

    with op.batch_alter_table('retention_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_proposal_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_retention_proposal_student_id'), ['student_id'], unique=False)
    op.create_table('deletion_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('data_request_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('user_told_on', sa.Date(), nullable=True),
    sa.Column('deleted_on', sa.Date(), nullable=True),
    sa.Column('confirmed_by', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['data_request_id'], ['data_request.id'], name=op.f('fk_deletion_request_data_request_id_data_request'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_deletion_request_student_id_student'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_request'))
    )

    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deletion_request_student_id'), ['student_id'], unique=False)
    op.create_table('terms_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terms_version_id', sa.Integer(), nullable=False),
    sa.Column('person_kind', sa.String(length=10), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('language_shown', sa.String(length=2), nullable=False),
    sa.Column('basis', sa.String(length=24), nullable=False),
    sa.Column('on_behalf_guardian_id', sa.Integer(), nullable=True),
    sa.Column('given_by', sa.String(length=200), nullable=False),
    sa.Column('age_basis', sa.String(length=32), nullable=False),
    sa.Column('age_basis_detail', sa.Text(), nullable=False),
    sa.Column('warranties', sa.JSON(), nullable=False),
    sa.Column('free_alternative_disclosed', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("(person_kind = 'GUARDIAN' AND guardian_id IS NOT NULL) OR (person_kind = 'STUDENT' AND guardian_id IS NULL)", name=op.f('ck_terms_acceptance_person')),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_terms_acceptance_guardian_id_guardian'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['on_behalf_guardian_id'], ['guardian.id'], name=op.f('fk_terms_acceptance_on_behalf_guardian_id_guardian'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_terms_acceptance_student_id_student'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['terms_version_id'], ['terms_version.id'], name=op.f('fk_terms_acceptance_terms_version_id_terms_version'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms_acceptance'))
    )

    with op.batch_alter_table('terms_acceptance', schema=None) as batch_op:
        batch_op.create_index('ix_terms_acceptance_person', ['student_id', 'guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_terms_acceptance_terms_version_id'), ['terms_version_id'], unique=False)

    _append_only_trigger()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS terms_acceptance_append_only ON terms_acceptance")
        op.execute("DROP FUNCTION IF EXISTS terms_acceptance_guard()")
    for table in TABLES:
        op.drop_table(table)
