"""keep the work moving: e-mail addresses, a notifications outbox, notification preferences, out-of-office
delegations, and each task's reminders (how far they have gone, when the Hub team is told)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email', sa.String(length=320), nullable=True))
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('alert_stage', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('escalate_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_tasks_alerts', 'tasks', ['state', 'alert_stage', 'due_at'])
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('email_state', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notifications_unread', 'notifications', ['user_id', 'read_at'])
    op.create_index('ix_notifications_outbox', 'notifications', ['email_state', 'next_attempt_at'])
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('delivery', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id', 'kind'),
    )
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.ForeignKeyConstraint(['delegate_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_delegations_user_id', 'delegations', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_delegations_user_id', table_name='delegations')
    op.drop_table('delegations')
    op.drop_table('notification_preferences')
    op.drop_index('ix_notifications_outbox', table_name='notifications')
    op.drop_index('ix_notifications_unread', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_tasks_alerts', table_name='tasks')
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('escalate_at')
        batch.drop_column('alert_stage')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email')
