"""Seed the catalog (models with genai-prices data, their first price-history row) and endpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PRICE = sa.Numeric(18, 9)


def upgrade() -> None:
    from alonchat.catalog.seed import seed_endpoints, seed_models

    now = datetime.now(UTC).replace(tzinfo=None)
    models = sa.table(
        "ai_models", *(sa.column(c) for c in (
            "id", "name", "display_name", "provider", "model_id", "context_window", "max_tokens",
            "description", "is_active", "created_at", "updated_at")),
        *(sa.column(c, PRICE) for c in ("input_price", "output_price", "cache_read_price", "cache_write_price")),
    )
    history = sa.table(
        "model_prices", *(sa.column(c) for c in ("model_pk", "source", "changed_by", "changed_at")),
        *(sa.column(c, PRICE) for c in ("input_price", "output_price", "cache_read_price", "cache_write_price")),
    )
    endpoints = sa.table("provider_endpoints", *(sa.column(c) for c in (
        "name", "base_url", "api_key_env", "enabled", "description", "created_at", "updated_at")))
    conn = op.get_bind()
    for row in seed_models():
        source = row.pop("price_source")
        # No explicit ids: PostgreSQL's sequence must hand them out, or the next insert collides.
        conn.execute(models.insert().values(created_at=now, updated_at=now, **row))
        pk = conn.execute(sa.select(models.c.id).where(models.c.name == row["name"])).scalar_one()
        conn.execute(history.insert().values(
            model_pk=pk, source=source, changed_by="seed", changed_at=now,
            **{k: row[k] for k in ("input_price", "output_price", "cache_read_price", "cache_write_price")}))
    for ep in seed_endpoints():
        conn.execute(endpoints.insert().values(created_at=now, updated_at=now, **ep))


def downgrade() -> None:
    op.execute("DELETE FROM model_prices")
    op.execute("DELETE FROM ai_models")
    op.execute("DELETE FROM provider_endpoints")
