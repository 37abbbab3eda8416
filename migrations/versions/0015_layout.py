"""A conversation keeps the panes of its last send (model, settings, order), so reopening it restores them exactly.

Revision ID: 0015_layout
Revises: 0014_evals
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_layout"
down_revision = "0014_evals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("layout", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("layout")
