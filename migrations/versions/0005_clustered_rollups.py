"""Rollup tables stored in key order on SQLite (WITHOUT ROWID), so an hour range is one sequential read.

A rowid table keeps its rows in write order and finds a key through a separate index: a dashboard
reading thousands of hourly rows paid a random lookup per row. PostgreSQL is left as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=24, scale=12)
KEY = ("user", "model_name", "provider", "status")
COUNTS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
          "cache_write_tokens", "output_tokens", "reasoning_tokens")
TABLES = (("usage_rollups", "hour"), ("usage_daily", "day"))


def _recreate(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    cols = ", ".join(f'"{c}"' for c in (*KEY, *COUNTS, "cost_usd", "cache_savings_usd", "latency_ms"))
    for table, first in TABLES:
        op.create_table(
            f"{table}_new",
            sa.Column(first, sa.Integer(), nullable=False),
            sa.Column("user", sa.String(length=100), nullable=False),
            sa.Column("model_name", sa.String(length=100), nullable=False),
            sa.Column("provider", sa.String(length=100), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
            sa.Column("cost_usd", MONEY, nullable=False),
            sa.Column("cache_savings_usd", MONEY, nullable=False),
            sa.Column("latency_ms", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint(first, *KEY, name=f"pk_{table}"),
            sqlite_with_rowid=with_rowid,
        )
        # ORDER BY the key: the new table is filled in its own order, one sequential write
        op.execute(f'INSERT INTO {table}_new ({first}, {cols}) SELECT {first}, {cols} FROM {table} '
                   f'ORDER BY {first}, "user", model_name, provider, status')
        op.drop_table(table)
        op.rename_table(f"{table}_new", table)


def upgrade() -> None:
    _recreate(with_rowid=False)


def downgrade() -> None:
    _recreate(with_rowid=True)
