"""sign-in and identity: single sign-on (linked identities, group to role mappings, one-time sign-in states),
second factors (authenticator secrets, hashed recovery codes, who must use one) and named API tokens that expire

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 21:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('name', sa.String(length=100), nullable=False, server_default='API token'))
        batch.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('made_with_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_api_tokens_made_with_id', 'api_tokens', ['made_with_id'], ['id'])
    with op.batch_alter_table('sign_in_sessions') as batch:
        batch.add_column(sa.Column('provider', sa.String(length=40), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_recovery_codes_user_id', 'recovery_codes', ['user_id'])
    op.create_table(
        'second_factor_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scope', 'value'),
    )
    op.create_table(
        'external_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('groups_json', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider', 'subject'),
    )
    op.create_index('ix_external_identities_user_id', 'external_identities', ['user_id'])
    op.create_table(
        'role_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('group_value', sa.String(length=255), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider', 'group_value', 'role'),
    )
    op.create_table(
        'sign_in_states',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_sign_in_states_expires_at', 'sign_in_states', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_sign_in_states_expires_at', table_name='sign_in_states')
    op.drop_table('sign_in_states')
    op.drop_table('role_mappings')
    op.drop_index('ix_external_identities_user_id', table_name='external_identities')
    op.drop_table('external_identities')
    op.drop_table('second_factor_rules')
    op.drop_index('ix_recovery_codes_user_id', table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('sign_in_sessions') as batch:
        batch.drop_column('provider')
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_constraint('fk_api_tokens_made_with_id', type_='foreignkey')
        batch.drop_column('made_with_id')
        batch.drop_column('last_used_at')
        batch.drop_column('revoked_at')
        batch.drop_column('expires_at')
        batch.drop_column('name')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('totp_last_step')
        batch.drop_column('totp_secret')
