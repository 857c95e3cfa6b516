"""four-eyes excludes every preparer: tasks.excluded_user (one name) becomes excluded_users ('|a|b|')

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.alter_column('excluded_user', new_column_name='excluded_users', type_=sa.Text(),
                           existing_type=sa.String(length=80), existing_nullable=True)
    op.execute("UPDATE tasks SET excluded_users = '|' || excluded_users || '|' WHERE excluded_users IS NOT NULL")


def downgrade() -> None:
    op.execute("UPDATE tasks SET excluded_users = split_part(excluded_users, '|', 2) "
               "WHERE excluded_users IS NOT NULL" if op.get_bind().dialect.name == "postgresql" else
               "UPDATE tasks SET excluded_users = substr(excluded_users, 2, instr(substr(excluded_users, 2), '|') - 1) "
               "WHERE excluded_users IS NOT NULL")
    with op.batch_alter_table('tasks') as batch:
        batch.alter_column('excluded_users', new_column_name='excluded_user', type_=sa.String(length=80),
                           existing_type=sa.Text(), existing_nullable=True)
