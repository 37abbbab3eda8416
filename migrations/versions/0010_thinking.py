"""An answer's thinking text kept with the conversation, so a reopened pane shows it again.

Revision ID: 0010_thinking
Revises: 0009_tiers
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_thinking"
down_revision = "0009_tiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("thinking", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "thinking")
