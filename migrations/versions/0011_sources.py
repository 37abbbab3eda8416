"""Where each call came from: usage rows gain a source (playground, cli, api, eval, judge, arena) and its id.

The hourly and daily rollups gain `source` in their keys (after the team), so the dashboard breaks spend
down by it without reading raw rows; they are rebuilt here from the raw ledger. Rows written before
this revision have no recorded source ("").

Revision ID: 0011_sources
Revises: 0010_thinking
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_sources"
down_revision = "0010_thinking"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=24, scale=12)
COUNTS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
          "cache_write_tokens", "output_tokens", "reasoning_tokens")
SUMS = (*COUNTS, "cost_usd", "cache_savings_usd", "latency_ms",
        "cache_write_1h_tokens", "cache_write_usd", "cache_write_1h_usd", "tiered_requests", "tiered_cost_usd")
INTS = {*COUNTS, "cache_write_1h_tokens", "tiered_requests"}
ROLLUPS = (("usage_rollups", "hour", "ix_usage_rollups_by_model"), ("usage_daily", "day", "ix_usage_daily_by_model"))


def _rollup(table: str, first: str, index: str, key: tuple[str, ...]) -> None:
    op.create_table(
        table,
        sa.Column(first, sa.Integer(), nullable=False),
        *(sa.Column(k, sa.String(length=20 if k in ("status", "source") else 100), nullable=False) for k in key),
        *(sa.Column(c, sa.BigInteger() if c in INTS else sa.Float() if c == "latency_ms" else MONEY, nullable=False)
          for c in SUMS),
        sa.PrimaryKeyConstraint(first, *key, name=f"pk_{table}"),
        sqlite_with_rowid=False,
    )
    op.create_index(index, table, [first, "provider", "model_name", *(k for k in key if k in ("user", "team", "source")),
                                   "status", *SUMS])


def _rebuild(key: tuple[str, ...]) -> None:
    """Drop and recreate the hourly and daily rollups with `key`, refilled from the raw ledger (frozen SQL)."""
    for table, _, _ in ROLLUPS:
        op.drop_table(table)
    for table, first, index in ROLLUPS:
        _rollup(table, first, index, key)
    if op.get_bind().dialect.name == "postgresql":
        hour = "CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 3600) AS INTEGER)"
    else:
        hour = "CAST(strftime('%s', created_at) AS INTEGER) / 3600"
    unpriced = ("CASE WHEN cost_usd IS NULL AND (status = 'ok' OR input_tokens > 0 OR output_tokens > 0) "
                "THEN 1 ELSE 0 END")
    tiered = "CASE WHEN tier_threshold IS NOT NULL THEN 1 ELSE 0 END"
    sums = (f"COUNT(*), SUM(CASE WHEN status != 'ok' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN cost_usd IS NOT NULL THEN 1 ELSE 0 END), SUM({unpriced}), SUM(input_tokens), "
            "SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens), "
            "COALESCE(SUM(cost_usd), 0), COALESCE(SUM(cache_savings_usd), 0), SUM(latency_ms), "
            "SUM(cache_write_1h_tokens), COALESCE(SUM(cache_write_usd), 0), COALESCE(SUM(cache_write_1h_usd), 0), "
            f"SUM({tiered}), COALESCE(SUM(CASE WHEN tier_threshold IS NOT NULL THEN cost_usd END), 0)")
    cols = ", ".join(f'"{k}"' for k in key)
    names = ", ".join(SUMS)
    op.execute(f"INSERT INTO usage_rollups (hour, {cols}, {names}) SELECT {hour}, {cols}, {sums} "
               f"FROM usage_records GROUP BY 1, {cols}")
    op.execute(f"INSERT INTO usage_daily (day, {cols}, {names}) SELECT hour / 24, {cols}, "
               + ", ".join(f"SUM({c})" for c in SUMS) + f" FROM usage_rollups GROUP BY 1, {cols}")


def upgrade() -> None:
    # Plain ADD COLUMN: no copy of the ledger on SQLite.
    op.add_column("usage_records", sa.Column("source", sa.String(length=20), nullable=False, server_default=""))
    op.add_column("usage_records", sa.Column("source_id", sa.Integer(), nullable=True))
    op.create_index("ix_usage_records_source", "usage_records", ["source", "source_id"])
    _rebuild(("user", "team", "source", "model_name", "provider", "status"))


def downgrade() -> None:
    _rebuild(("user", "team", "model_name", "provider", "status"))
    op.drop_index("ix_usage_records_source", table_name="usage_records")
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.drop_column("source_id")
        batch_op.drop_column("source")
