"""sessions stored server-side: sign_in_sessions holds each signed-in browser's hashed token until revoked

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_sign_in_sessions_user_id', 'sign_in_sessions', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_sign_in_sessions_user_id', table_name='sign_in_sessions')
    op.drop_table('sign_in_sessions')
