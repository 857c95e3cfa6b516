"""documents and discussion: file contents stored once by SHA-256, documents attached to tasks, and comments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'file_contents',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('field', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by', sa.String(length=80), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attached_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.ForeignKeyConstraint(['sha256'], ['file_contents.sha256']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_documents_instance_id', 'documents', ['instance_id'])
    op.create_index('ix_documents_task', 'documents', ['task_id', 'state'])
    op.create_table(
        'comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('author', sa.String(length=80), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('visibility', sa.String(length=20), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=True),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('mentions', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.ForeignKeyConstraint(['supersedes_id'], ['comments.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_comments_instance_id', 'comments', ['instance_id'])


def downgrade() -> None:
    op.drop_index('ix_comments_instance_id', table_name='comments')
    op.drop_table('comments')
    op.drop_index('ix_documents_task', table_name='documents')
    op.drop_index('ix_documents_instance_id', table_name='documents')
    op.drop_table('documents')
    op.drop_table('file_contents')
