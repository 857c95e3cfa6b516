"""inbox index in due order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_inbox")
        batch.create_index("ix_tasks_inbox", ["state", "role", "due_at", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_inbox")
        batch.create_index("ix_tasks_inbox", ["state", "role", "due_at"])
