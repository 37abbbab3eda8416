"""Covering indexes on the hourly and daily rollups in provider/model order, so sums per model need no sort.

The rollups' keys start with the hour (or day) and then the user: summing per hour and user reads
them in order, but per hour and model SQLite had to sort every row first (about as long as reading
them). These indexes carry every column, so per-model sums read them in order, without the table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SUMS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
        "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "cache_savings_usd", "latency_ms")


def upgrade() -> None:
    op.create_index("ix_usage_rollups_by_model", "usage_rollups",
                    ["hour", "provider", "model_name", "user", "status", *SUMS])
    op.create_index("ix_usage_daily_by_model", "usage_daily", ["day", "provider", "model_name", "user", "status", *SUMS])


def downgrade() -> None:
    op.drop_index("ix_usage_daily_by_model", table_name="usage_daily")
    op.drop_index("ix_usage_rollups_by_model", table_name="usage_rollups")
