"""Daily rollups (the hourly ones summed per UTC day), so month-long dashboard ranges stay fast.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=24, scale=12)
COUNTS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
          "cache_write_tokens", "output_tokens", "reasoning_tokens")


def upgrade() -> None:
    op.create_table(
        "usage_daily",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
        sa.Column("cost_usd", MONEY, nullable=False),
        sa.Column("cache_savings_usd", MONEY, nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "user", "model_name", "provider", "status", name=op.f("pk_usage_daily")),
    )
    sums = ", ".join(f"SUM({c})" for c in (*COUNTS, "cost_usd", "cache_savings_usd", "latency_ms"))
    cols = ", ".join((*COUNTS, "cost_usd", "cache_savings_usd", "latency_ms"))
    op.execute(f"""
        INSERT INTO usage_daily (day, "user", model_name, provider, status, {cols})
        SELECT hour / 24, "user", model_name, provider, status, {sums}
        FROM usage_rollups GROUP BY hour / 24, "user", model_name, provider, status
    """)


def downgrade() -> None:
    op.drop_table("usage_daily")
