"""Arena: blind battles between two panes and their votes, in one table (a battle holds at most one vote).

Revision ID: 0013_arena
Revises: 0012_bills
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_arena"
down_revision = "0012_bills"
branch_labels = None
depends_on = None

USAGE_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "arena_battles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("voted_at", sa.DateTime(), nullable=True),
        sa.Column("user", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("origin", sa.String(length=20), nullable=False, server_default="arena"),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("model_a", sa.String(length=100), nullable=False),
        sa.Column("model_b", sa.String(length=100), nullable=False),
        sa.Column("settings_a", sa.Text(), nullable=True),
        sa.Column("settings_b", sa.Text(), nullable=True),
        sa.Column("usage_a", USAGE_ID, nullable=True),
        sa.Column("usage_b", USAGE_ID, nullable=True),
        sa.Column("shown_left", sa.String(length=10), nullable=True),
        sa.Column("winner", sa.String(length=10), nullable=True),
        sa.Column("names_self_a", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("names_self_b", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_arena_battles"),
    )
    op.create_index("ix_arena_battles_voted_at", "arena_battles", ["voted_at"])
    op.create_index("ix_arena_battles_team_voted", "arena_battles", ["team", "voted_at"])
    op.create_index("ix_arena_battles_user_voted", "arena_battles", ["user", "voted_at"])


def downgrade() -> None:
    op.drop_index("ix_arena_battles_user_voted", table_name="arena_battles")
    op.drop_index("ix_arena_battles_team_voted", table_name="arena_battles")
    op.drop_index("ix_arena_battles_voted_at", table_name="arena_battles")
    op.drop_table("arena_battles")
