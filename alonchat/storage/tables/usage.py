"""The ledger (one row per call), its rollups, and budgets with what calls in flight hold against them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import ROLLUP_SUMS
from .base import Base, Money, utcnow


class UsageRecord(Base):
    """One row per call, success or failure, with its cost fixed at call time."""

    __tablename__ = "usage_records"
    __table_args__ = (
        Index("ix_usage_records_created_at", "created_at"),
        Index("ix_usage_records_user_created", "user", "created_at"),
        Index("ix_usage_records_source", "source", "source_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[str] = mapped_column(String(100))
    model_name: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(100))
    model_id: Mapped[str] = mapped_column(String(200))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    reasoning_tokens: Mapped[int] = mapped_column(Integer, default=0)
    usage_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    # What the cached input would have cost at the full input price, minus what it did cost (0003).
    cache_savings_usd: Mapped[Decimal | None] = mapped_column(Money)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    error_class: Mapped[str | None] = mapped_column(String(100))
    error_message: Mapped[str | None] = mapped_column(Text)
    conversation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # 0009: the 1-hour part of the cache writes, the spend on cache writes (all, and 1-hour), the tier
    # threshold the call was billed at (NULL = base prices), the price version (model_prices.id) that
    # priced it, and the endpoint's own cost (OpenRouter's usage.cost) with a flag when it disagrees.
    cache_write_1h_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_usd: Mapped[Decimal | None] = mapped_column(Money)
    cache_write_1h_usd: Mapped[Decimal | None] = mapped_column(Money)
    tier_threshold: Mapped[int | None] = mapped_column(Integer)
    price_id: Mapped[int | None] = mapped_column(Integer)
    reported_cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    cost_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    # The options the call was sent with, as JSON text (effort, temperature, ...; never attachment bytes) (0007).
    options: Mapped[str | None] = mapped_column(Text)
    team: Mapped[str] = mapped_column(String(100), default="", server_default="")  # the user's team then (0008)
    # Where the call came from (core.types.SOURCES; "" before 0011) and the run or battle it belongs to (0011).
    source: Mapped[str] = mapped_column(String(20), default="", server_default="")
    source_id: Mapped[int | None] = mapped_column(Integer)
    # The provider's id for the response (OpenRouter's generation id), so its billed cost can be looked up (0012).
    response_id: Mapped[str | None] = mapped_column(String(200))


# The rollups' column names live in storage/columns.py (SQL kept as text reads them without the ORM); the sums
# there carry the by-model indexes below (0006).


class _RollupSums:
    """The additive columns the hourly and daily rollups share (rollups.SUMS), after their key columns."""

    requests: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    priced_requests: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    unpriced_requests: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    cached_input_tokens: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    reasoning_tokens: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Money, sort_order=10, default=0)  # over priced rows only
    cache_savings_usd: Mapped[Decimal] = mapped_column(Money, sort_order=10, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, sort_order=10, default=0.0)  # a sum, for averages
    # 0009: cache writes by duration, and the calls billed at a long-context tier
    cache_write_1h_tokens: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    cache_write_usd: Mapped[Decimal] = mapped_column(Money, sort_order=10, default=0)
    cache_write_1h_usd: Mapped[Decimal] = mapped_column(Money, sort_order=10, default=0)
    tiered_requests: Mapped[int] = mapped_column(BigInteger, sort_order=10, default=0)
    tiered_cost_usd: Mapped[Decimal] = mapped_column(Money, sort_order=10, default=0)


class UsageRollup(_RollupSums, Base):
    """Ledger sums per UTC hour × user × team × source × model × provider × status, kept on write: no raw scans.

    Hourly (not daily) so that any whole-hour time zone gets exact day boundaries; `hour` is
    whole hours since the Unix epoch (UTC), an integer so bucket arithmetic is portable SQL.
    """

    __tablename__ = "usage_rollups"
    # Rows kept in key (hour-first) order on SQLite, so an hour range is one sequential read (0005); the
    # covering index holds them in provider/model order too, so sums per hour and model need no sort (0006).
    __table_args__ = (Index("ix_usage_rollups_by_model", "hour", "provider", "model_name", "user", "team", "source",
                            "status", *ROLLUP_SUMS),
                      {"sqlite_with_rowid": False})

    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(100), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)  # 0011
    model_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)


class UsageMonthly(Base):
    """Spend per UTC calendar month × user, kept on write so a budget check before each call is one tiny read."""

    __tablename__ = "usage_monthly"

    month: Mapped[int] = mapped_column(Integer, primary_key=True)  # year * 100 + month, e.g. 202611
    user: Mapped[str] = mapped_column(String(100), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    priced_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    unpriced_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Money, default=0)


class UsageDaily(_RollupSums, Base):
    """The hourly rollup summed per UTC day (0004): long ranges read ~24x fewer rows; `day` is days since the epoch."""

    __tablename__ = "usage_daily"
    # key order, and provider/model order in the covering index, as usage_rollups (0005, 0006)
    __table_args__ = (Index("ix_usage_daily_by_model", "day", "provider", "model_name", "user", "team", "source",
                            "status", *ROLLUP_SUMS),
                      {"sqlite_with_rowid": False})

    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(100), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)  # 0011
    model_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)


class Budget(Base):
    """A monthly spend limit for everyone (scope '*'), a team ('team:NAME') or one user (scope = user name)."""

    __tablename__ = "budgets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), unique=True)
    monthly_usd: Mapped[Decimal] = mapped_column(Money)
    soft_percent: Mapped[int] = mapped_column(Integer, default=80)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BudgetReservation(Base):
    """Money held for a call in flight, so concurrent calls cannot together pass a hard budget (0008)."""

    __tablename__ = "budget_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(100))
    month: Mapped[int] = mapped_column(Integer)
    amount_usd: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
