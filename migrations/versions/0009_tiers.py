"""Long-context price tiers, the 1-hour cache-write price, and the usage and rollup columns that keep them.

Catalog rows and their price history get `cache_write_1h_price` and `tiers` (JSON); usage rows get the
1-hour part of their cache writes, the cache-write spend, the tier they were billed at, the price
version that priced them and an endpoint's own reported cost; the hourly and daily rollups sum the new
measures (their covering indexes are rebuilt to carry them). A data step fills the 1-hour price and
tiers of every seeded model that still has genai-prices' base prices, in existing databases too.

Revision ID: 0009_tiers
Revises: 0008_teams
Create Date: 2026-11-30
"""
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0009_tiers"
down_revision = "0008_teams"
branch_labels = None
depends_on = None

PRICE = sa.Numeric(18, 9)
MONEY = sa.Numeric(precision=24, scale=12)
OLD_SUMS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
            "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "cache_savings_usd", "latency_ms")
NEW_SUMS = ("cache_write_1h_tokens", "cache_write_usd", "cache_write_1h_usd", "tiered_requests", "tiered_cost_usd")
ROLLUPS = (("usage_rollups", "hour", "ix_usage_rollups_by_model"), ("usage_daily", "day", "ix_usage_daily_by_model"))
BASE = ("input_price", "output_price", "cache_read_price", "cache_write_price")


def upgrade() -> None:
    for table in ("ai_models", "model_prices"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("cache_write_1h_price", PRICE, nullable=True))
            batch.add_column(sa.Column("tiers", sa.Text(), nullable=True))
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(sa.Column("cache_write_1h_tokens", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("cache_write_usd", MONEY, nullable=True))
        batch.add_column(sa.Column("cache_write_1h_usd", MONEY, nullable=True))
        batch.add_column(sa.Column("tier_threshold", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("price_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reported_cost_usd", MONEY, nullable=True))
        batch.add_column(sa.Column("cost_mismatch", sa.Boolean(), nullable=False, server_default=sa.false()))
    for table, first, index in ROLLUPS:
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            for c in NEW_SUMS:
                kind = MONEY if c.endswith("_usd") else sa.BigInteger()
                batch.add_column(sa.Column(c, kind, nullable=False, server_default="0"))
        # Existing rows predate every new measure, so their sums are 0 and no rebuild is needed.
        op.create_index(index, table, [first, "provider", "model_name", "user", "team", "status", *OLD_SUMS, *NEW_SUMS])
    _fill_seeded_models()


def _fill_seeded_models() -> None:
    """Give seeded models genai-prices' tiers and 1-hour price: in place if never used, else as a new price version."""
    from alonchat.catalog.seed import seed_extras

    conn = op.get_bind()
    models = sa.table("ai_models", sa.column("id"), sa.column("name"), sa.column("provider"), sa.column("model_id"),
                      sa.column("tiers"), *(sa.column(c, PRICE) for c in (*BASE, "cache_write_1h_price")))
    history = sa.table("model_prices", sa.column("id"), sa.column("model_pk"), sa.column("source"),
                       sa.column("changed_by"), sa.column("changed_at"), sa.column("tiers"),
                       *(sa.column(c, PRICE) for c in (*BASE, "cache_write_1h_price")))
    usage = sa.table("usage_records", sa.column("model_name"))
    now = datetime.now(UTC).replace(tzinfo=None)
    for extra in seed_extras():
        if extra["cache_write_1h_price"] is None and extra["tiers"] is None:
            continue
        row = conn.execute(sa.select(models).where(models.c.name == extra["name"])).first()
        if (row is None or row.provider != extra["provider"] or row.model_id != extra["model_id"]
                or row.tiers is not None or row.cache_write_1h_price is not None
                or any(_dec(getattr(row, f)) != _dec(extra["base"][f]) for f in BASE)):
            continue  # edited since the seed, or gone: "check prices" offers genai-prices' tiers instead
        values = {"cache_write_1h_price": extra["cache_write_1h_price"], "tiers": extra["tiers"]}
        conn.execute(models.update().where(models.c.id == row.id).values(**values))
        used = conn.execute(sa.select(sa.func.count()).select_from(usage)
                            .where(usage.c.model_name == row.name)).scalar_one()
        latest = conn.execute(sa.select(sa.func.max(history.c.id)).where(history.c.model_pk == row.id)).scalar()
        if used or latest is None:  # past usage keeps the version it was charged at
            conn.execute(history.insert().values(
                model_pk=row.id, source="genai-prices", changed_by="migration 0009", changed_at=now,
                **{f: getattr(row, f) for f in BASE}, **values))
        else:
            conn.execute(history.update().where(history.c.id == latest).values(**values))


def _dec(value):
    return None if value is None else Decimal(str(value)).normalize()


def downgrade() -> None:
    for table, first, index in ROLLUPS:
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            for c in NEW_SUMS:
                batch.drop_column(c)
        op.create_index(index, table, [first, "provider", "model_name", "user", "team", "status", *OLD_SUMS])
    with op.batch_alter_table("usage_records") as batch:
        for c in ("cost_mismatch", "reported_cost_usd", "price_id", "tier_threshold", "cache_write_1h_usd",
                  "cache_write_usd", "cache_write_1h_tokens"):
            batch.drop_column(c)
    for table in ("model_prices", "ai_models"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tiers")
            batch.drop_column("cache_write_1h_price")
