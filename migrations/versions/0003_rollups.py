"""Dashboard rollups (hourly and monthly sums kept on write) and the per-call cache savings column.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=24, scale=12)
KEY = ("user", "model_name", "provider", "status")


def upgrade() -> None:
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cache_savings_usd", MONEY, nullable=True))
    op.create_table(
        "usage_rollups",
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in (
            "requests", "errors", "priced_requests", "unpriced_requests", "input_tokens",
            "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")),
        sa.Column("cost_usd", MONEY, nullable=False),
        sa.Column("cache_savings_usd", MONEY, nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hour", *KEY, name=op.f("pk_usage_rollups")),
    )
    op.create_table(
        "usage_monthly",
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in (
            "requests", "priced_requests", "unpriced_requests")),
        sa.Column("cost_usd", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("month", "user", name=op.f("pk_usage_monthly")),
    )
    # Existing ledgers get their rollups now (frozen SQL: later code changes must not alter history).
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        hour = "CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 3600) AS INTEGER)"
        month = "CAST(TO_CHAR(created_at, 'YYYYMM') AS INTEGER)"
    else:
        hour = "CAST(strftime('%s', created_at) AS INTEGER) / 3600"
        month = "CAST(strftime('%Y%m', created_at) AS INTEGER)"
    unpriced = ("CASE WHEN cost_usd IS NULL AND (status = 'ok' OR input_tokens > 0 OR output_tokens > 0) "
                "THEN 1 ELSE 0 END")
    op.execute(f"""
        INSERT INTO usage_rollups (hour, "user", model_name, provider, status, requests, errors,
            priced_requests, unpriced_requests, input_tokens, cached_input_tokens, cache_write_tokens,
            output_tokens, reasoning_tokens, cost_usd, cache_savings_usd, latency_ms)
        SELECT {hour}, "user", model_name, provider, status, COUNT(*),
            SUM(CASE WHEN status != 'ok' THEN 1 ELSE 0 END),
            SUM(CASE WHEN cost_usd IS NOT NULL THEN 1 ELSE 0 END), SUM({unpriced}),
            SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens),
            SUM(reasoning_tokens), COALESCE(SUM(cost_usd), 0), COALESCE(SUM(cache_savings_usd), 0),
            SUM(latency_ms)
        FROM usage_records GROUP BY 1, "user", model_name, provider, status
    """)
    op.execute(f"""
        INSERT INTO usage_monthly (month, "user", requests, priced_requests, unpriced_requests, cost_usd)
        SELECT {month}, "user", COUNT(*), SUM(CASE WHEN cost_usd IS NOT NULL THEN 1 ELSE 0 END),
            SUM({unpriced}), COALESCE(SUM(cost_usd), 0)
        FROM usage_records GROUP BY 1, "user"
    """)


def downgrade() -> None:
    op.drop_table("usage_monthly")
    op.drop_table("usage_rollups")
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.drop_column("cache_savings_usd")
