"""Teams: the email/domain → team map, the audit log, budget reservations, and the team on usage and its rollups.

The rollups gain `team` in their keys (after the user), so they are rebuilt here from the raw ledger;
existing rows belong to no team (""), which is what they were.

Revision ID: 0008_teams
Revises: 0007_compare
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_teams"
down_revision = "0007_compare"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=24, scale=12)
COUNTS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
          "cache_write_tokens", "output_tokens", "reasoning_tokens")
SUMS = (*COUNTS, "cost_usd", "cache_savings_usd", "latency_ms")


def _rollup(table: str, first: str, key: tuple[str, ...]) -> None:
    op.create_table(
        table,
        sa.Column(first, sa.Integer(), nullable=False),
        *(sa.Column(k, sa.String(length=20 if k == "status" else 100), nullable=False) for k in key),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
        sa.Column("cost_usd", MONEY, nullable=False),
        sa.Column("cache_savings_usd", MONEY, nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(first, *key, name=f"pk_{table}"),
        sqlite_with_rowid=False,
    )
    op.create_index(f"ix_{table}_by_model", table, [first, "provider", "model_name", *(k for k in key if k in ("user", "team")), "status", *SUMS])


def _rebuild_rollups(key: tuple[str, ...]) -> None:
    """Drop and recreate the three rollups with `key`, refilled from the raw ledger (frozen SQL)."""
    for table in ("usage_rollups", "usage_daily", "usage_monthly"):
        op.drop_table(table)
    _rollup("usage_rollups", "hour", key)
    _rollup("usage_daily", "day", key)
    month_key = ("user", "team") if "team" in key else ("user",)
    op.create_table(
        "usage_monthly",
        sa.Column("month", sa.Integer(), nullable=False),
        *(sa.Column(k, sa.String(length=100), nullable=False) for k in month_key),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in ("requests", "priced_requests", "unpriced_requests")),
        sa.Column("cost_usd", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("month", *month_key, name="pk_usage_monthly"),
    )
    if op.get_bind().dialect.name == "postgresql":
        hour = "CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 3600) AS INTEGER)"
        month = "CAST(TO_CHAR(created_at, 'YYYYMM') AS INTEGER)"
    else:
        hour = "CAST(strftime('%s', created_at) AS INTEGER) / 3600"
        month = "CAST(strftime('%Y%m', created_at) AS INTEGER)"
    unpriced = ("CASE WHEN cost_usd IS NULL AND (status = 'ok' OR input_tokens > 0 OR output_tokens > 0) "
                "THEN 1 ELSE 0 END")
    cols = ", ".join(f'"{k}"' for k in key)
    sums = (f"COUNT(*), SUM(CASE WHEN status != 'ok' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN cost_usd IS NOT NULL THEN 1 ELSE 0 END), SUM({unpriced}), SUM(input_tokens), "
            "SUM(cached_input_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens), "
            "COALESCE(SUM(cost_usd), 0), COALESCE(SUM(cache_savings_usd), 0), SUM(latency_ms)")
    names = ", ".join(SUMS)
    op.execute(f"INSERT INTO usage_rollups (hour, {cols}, {names}) SELECT {hour}, {cols}, {sums} "
               f"FROM usage_records GROUP BY 1, {cols}")
    op.execute(f"INSERT INTO usage_daily (day, {cols}, {names}) SELECT hour / 24, {cols}, "
               + ", ".join(f"SUM({c})" for c in SUMS) + f" FROM usage_rollups GROUP BY 1, {cols}")
    mcols = ", ".join(f'"{k}"' for k in month_key)
    op.execute(f"INSERT INTO usage_monthly (month, {mcols}, requests, priced_requests, unpriced_requests, cost_usd) "
               f"SELECT {month}, {mcols}, COUNT(*), SUM(CASE WHEN cost_usd IS NOT NULL THEN 1 ELSE 0 END), "
               f"SUM({unpriced}), COALESCE(SUM(cost_usd), 0) FROM usage_records GROUP BY 1, {mcols}")


def upgrade() -> None:
    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.String(length=200), nullable=False),  # an email, or @domain
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_team_members"),
        sa.UniqueConstraint("pattern", name="uq_team_members_pattern"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),  # JSON {field: [old, new]}
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "budget_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("amount_usd", MONEY, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_budget_reservations"),
    )
    # Plain ADD COLUMN: no copy of the ledger on SQLite.
    op.add_column("usage_records", sa.Column("team", sa.String(length=100), nullable=False, server_default=""))
    _rebuild_rollups(("user", "team", "model_name", "provider", "status"))


def downgrade() -> None:
    _rebuild_rollups(("user", "model_name", "provider", "status"))
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.drop_column("team")
    op.drop_table("budget_reservations")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("team_members")
