"""What providers billed (0012): fetched through their admin APIs or imported, kept to reconcile offline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Money, utcnow


class BillingFetch(Base):
    """One provider's UTC day as last fetched (or imported): when and from where; a settled day is not refetched."""

    __tablename__ = "billing_fetches"

    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(20))  # "api" or "csv"


class BillingUsage(Base):
    """Tokens a provider reports it served on one UTC day, per model (as it names it), API key and project/workspace."""

    __tablename__ = "billing_usage"
    __table_args__ = (Index("ix_billing_usage_provider_day", "provider", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    model: Mapped[str] = mapped_column(String(200))
    api_key_id: Mapped[str] = mapped_column(String(200), default="")  # "" = not grouped, or no key (Workbench)
    scope: Mapped[str] = mapped_column(String(200), default="")  # the OpenAI project or Anthropic workspace
    requests: Mapped[int | None] = mapped_column(BigInteger)  # None where the provider does not count them
    # None = the provider does not report that kind apart (OpenAI has no cache-write split)
    input_tokens: Mapped[int | None] = mapped_column(BigInteger)  # uncached input
    cache_read_tokens: Mapped[int | None] = mapped_column(BigInteger)
    cache_write_5m_tokens: Mapped[int | None] = mapped_column(BigInteger)
    cache_write_1h_tokens: Mapped[int | None] = mapped_column(BigInteger)
    output_tokens: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class BillingCost(Base):
    """Dollars a provider billed on one UTC day: one line item (a model's token kind, or a charge apart from models)."""

    __tablename__ = "billing_costs"
    __table_args__ = (Index("ix_billing_costs_provider_day", "provider", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    model: Mapped[str] = mapped_column(String(200), default="")  # "" = not attributed to a model
    kind: Mapped[str] = mapped_column(String(20))  # a token kind, "total" (not split) or "other"
    item: Mapped[str] = mapped_column(String(300), default="")  # the line item as the provider wrote it
    scope: Mapped[str] = mapped_column(String(200), default="")
    amount_usd: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(20))  # "api" or "csv"
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class BillingGeneration(Base):
    """One OpenRouter generation looked up by id, for calls whose response carried no cost."""

    __tablename__ = "billing_generations"

    generation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    provider: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200), default="")
    total_cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    input_tokens: Mapped[int | None] = mapped_column(BigInteger)  # native prompt tokens, cache reads included
    cache_read_tokens: Mapped[int | None] = mapped_column(BigInteger)
    output_tokens: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
