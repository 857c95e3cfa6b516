"""process drafts: the modeller's per-owner unfinished diagrams, decision tables and forms

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('dmn_json', sa.Text(), nullable=False),
    sa.Column('forms_json', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_check_json', sa.Text(), nullable=True),
    sa.Column('deployed_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['base_version_id'], ['process_versions.id'], ),
    sa.ForeignKeyConstraint(['deployed_version_id'], ['process_versions.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_drafts_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_drafts_owner_id'))
    op.drop_table('process_drafts')
