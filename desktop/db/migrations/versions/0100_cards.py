"""cards: physical and virtual cards, photos, the provider outbox and its sync status

Revision ID: 0100_cards
Revises: 0001_foundation
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = '0100_cards'
down_revision = '0001_foundation'
branch_labels = ('cards',)
depends_on = None


def upgrade() -> None:
    op.create_table('card_provider_sync',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('auth_failed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_provider_sync'))
    )
    op.create_table('card_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_code', sa.String(length=6), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.Column('support_contacts', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_settings'))
    )
    op.create_table('card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('card_number', sa.String(length=24), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('replaced_by_card_id', sa.Integer(), nullable=True),
    sa.Column('device_binding_ref', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['replaced_by_card_id'], ['card.id'], name=op.f('fk_card_replaced_by_card_id_card'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_card_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card')),
    sa.UniqueConstraint('card_number', name=op.f('uq_card_card_number'))
    )
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.create_index('ix_card_status_valid_until', ['status', 'valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_student_id'), ['student_id'], unique=False)
        batch_op.create_index('uq_card_open_virtual', ['student_id'], unique=True, sqlite_where=sa.text("kind = 'VIRTUAL' AND status <> 'CLOSED'"), postgresql_where=sa.text("kind = 'VIRTUAL' AND status <> 'CLOSED'"))

    op.create_table('card_provider_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('student_ref', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('idempotency_key', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_card_provider_outbox_student_id_student'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_provider_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_card_provider_outbox_event_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_card_provider_outbox_idempotency_key'))
    )
    with op.batch_alter_table('card_provider_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_card_provider_outbox_state_student', ['state', 'student_ref', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_provider_outbox_student_id'), ['student_id'], unique=False)

    op.create_table('student_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('mime', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_student_photo_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_photo')),
    sa.UniqueConstraint('student_id', name=op.f('uq_student_photo_student_id'))
    )


def downgrade() -> None:
    op.drop_table('student_photo')
    with op.batch_alter_table('card_provider_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_provider_outbox_student_id'))
        batch_op.drop_index('ix_card_provider_outbox_state_student')

    op.drop_table('card_provider_outbox')
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index('uq_card_open_virtual', sqlite_where=sa.text("kind = 'VIRTUAL' AND status <> 'CLOSED'"), postgresql_where=sa.text("kind = 'VIRTUAL' AND status <> 'CLOSED'"))
        batch_op.drop_index(batch_op.f('ix_card_student_id'))
        batch_op.drop_index('ix_card_status_valid_until')

    op.drop_table('card')
    op.drop_table('card_settings')
    op.drop_table('card_provider_sync')
