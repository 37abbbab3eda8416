"""What providers billed, kept to reconcile with the ledger offline; the response id on each usage row.

billing_fetches says which UTC days of which provider are stored and when they were fetched;
billing_usage and billing_costs hold the provider's tokens and dollars per day; billing_generations
holds OpenRouter generations looked up by id. usage_records.response_id is the id the provider gave
the response (OpenRouter's generation id), NULL for older rows.

Revision ID: 0012_bills
Revises: 0011_sources
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_bills"
down_revision = "0011_sources"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=24, scale=12)
TOKENS = ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens")


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(sa.Column("response_id", sa.String(length=200), nullable=True))
    op.create_table(
        "billing_fetches",
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("provider", "day", name="pk_billing_fetches"),
    )
    op.create_table(
        "billing_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("api_key_id", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=True),
        *(sa.Column(c, sa.BigInteger(), nullable=True) for c in TOKENS),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_billing_usage"),
    )
    op.create_index("ix_billing_usage_provider_day", "billing_usage", ["provider", "day"])
    op.create_table(
        "billing_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("item", sa.String(length=300), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("amount_usd", MONEY, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_billing_costs"),
    )
    op.create_index("ix_billing_costs_provider_day", "billing_costs", ["provider", "day"])
    op.create_table(
        "billing_generations",
        sa.Column("generation_id", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("total_cost_usd", MONEY, nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=True),
        sa.Column("cache_read_tokens", sa.BigInteger(), nullable=True),
        sa.Column("output_tokens", sa.BigInteger(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("generation_id", name="pk_billing_generations"),
    )


def downgrade() -> None:
    op.drop_table("billing_generations")
    op.drop_index("ix_billing_costs_provider_day", table_name="billing_costs")
    op.drop_table("billing_costs")
    op.drop_index("ix_billing_usage_provider_day", table_name="billing_usage")
    op.drop_table("billing_usage")
    op.drop_table("billing_fetches")
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("response_id")
