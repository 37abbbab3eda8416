"""SQLAlchemy 2 typed tables: the one description of the schema that migrations follow."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints so Alembic batch migrations on SQLite can find and alter them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Prices are USD per 1M tokens; 9 decimals keeps sub-cent per-1M prices exact.
Price = Numeric(18, 9)
# A single call can cost a fraction of a nano-dollar's multiple; 12 decimals keeps it.
Money = Numeric(24, 12)


def utcnow() -> datetime:
    """Timestamps are stored in UTC so day boundaries are computed once, in one zone."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """SQLite drops tzinfo; store naive UTC and hand back aware UTC so comparisons never mix zones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class AIModel(Base):
    __tablename__ = "ai_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(100), index=True)
    model_id: Mapped[str] = mapped_column(String(200))
    context_window: Mapped[int | None] = mapped_column(Integer)
    max_tokens: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    input_price: Mapped[Decimal | None] = mapped_column(Price)
    output_price: Mapped[Decimal | None] = mapped_column(Price)
    cache_read_price: Mapped[Decimal | None] = mapped_column(Price)
    cache_write_price: Mapped[Decimal | None] = mapped_column(Price)
    # The 1-hour cache write (Anthropic bills it apart from the 5-minute one) and long-context tiers (0009).
    cache_write_1h_price: Mapped[Decimal | None] = mapped_column(Price)
    tiers: Mapped[str | None] = mapped_column(Text)  # JSON, see pricing.tiers_json; NULL = no tiers
    # Which settings and attachments the model is offered (0007).
    supports_reasoning: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    supports_vision: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    supports_pdf: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    price_history: Mapped[list[ModelPrice]] = relationship(
        back_populates="model", cascade="all, delete-orphan", order_by="ModelPrice.changed_at"
    )


class ModelPrice(Base):
    """One row per price change, so the catalog can show who changed what and when."""

    __tablename__ = "model_prices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_pk: Mapped[int] = mapped_column(ForeignKey("ai_models.id", ondelete="CASCADE"), index=True)
    input_price: Mapped[Decimal | None] = mapped_column(Price)
    output_price: Mapped[Decimal | None] = mapped_column(Price)
    cache_read_price: Mapped[Decimal | None] = mapped_column(Price)
    cache_write_price: Mapped[Decimal | None] = mapped_column(Price)
    cache_write_1h_price: Mapped[Decimal | None] = mapped_column(Price)
    tiers: Mapped[str | None] = mapped_column(Text)  # the tiers of this price version (0009)
    source: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    model: Mapped[AIModel] = relationship(back_populates="price_history")


class ProviderEndpoint(Base):
    """An OpenAI-compatible endpoint added without code; holds the key's env var name, never the key."""

    __tablename__ = "provider_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    api_key_env: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    user: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The panes of the last send as JSON, in page order: [{"pane", "model", "settings", "since"}] (0015).
    layout: Mapped[str | None] = mapped_column(Text)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", order_by="Message.id"
    )


class Message(Base):
    """A turn in one pane of a conversation; each pane keeps its own history with its model."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    pane: Mapped[int] = mapped_column(Integer, default=0)
    model_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="ok")
    usage_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An answer's thinking text (or summary), shown collapsed above it when the conversation is reopened (0010).
    thinking: Mapped[str | None] = mapped_column(Text)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    attachments: Mapped[list[MessageAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="MessageAttachment.id")


class AttachmentBlob(Base):
    """A file's bytes, once per content however many panes, turns and eval sets carry it (0007; eval case files
    too since 0016). Written and read through storage/blobs.py."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MessageAttachment(Base):
    """A file sent with a prompt (an image or a PDF), kept with the conversation (0007)."""

    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"))


class Budget(Base):
    """A monthly spend limit for everyone (scope '*'), a team ('team:NAME') or one user (scope = user name)."""

    __tablename__ = "budgets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), unique=True)
    monthly_usd: Mapped[Decimal] = mapped_column(Money)
    soft_percent: Mapped[int] = mapped_column(Integer, default=80)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# The additive columns of the hourly and daily rollups, in the one order shared by writes, reads and rebuilds
# (rollups.SUMS is this tuple), carried by their by-model indexes (0006).
ROLLUP_SUMS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
               "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "cache_savings_usd",
               "latency_ms",
               # 0009: cache writes by duration, and the calls billed at a long-context tier
               "cache_write_1h_tokens", "cache_write_usd", "cache_write_1h_usd", "tiered_requests", "tiered_cost_usd")


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


class TeamMember(Base):
    """Who belongs to which team: an exact email, or every address of an @domain (0008)."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern: Mapped[str] = mapped_column(String(200), unique=True)
    team: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One change to a model, price, endpoint, budget, role or team: who, when, what (old -> new) (0008)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[str] = mapped_column(Text)  # JSON {field: [old, new]}


class BudgetReservation(Base):
    """Money held for a call in flight, so concurrent calls cannot together pass a hard budget (0008)."""

    __tablename__ = "budget_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(100))
    month: Mapped[int] = mapped_column(Integer)
    amount_usd: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- what providers billed (0012): fetched through their admin APIs or imported, kept to reconcile offline ----

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


class ArenaBattle(Base):
    """One blind battle: two panes (a model plus its settings) answered one prompt, and the vote once cast (0013).

    A battle holds at most one vote, so the vote is columns here (NULL until cast). `model_a` is the
    pane shown as "A" (LMArena's convention); `shown_left` says which of the two sat on the left
    (NULL when unknown, as in most imported data). Imported battles have no usage rows.
    """

    __tablename__ = "arena_battles"
    __table_args__ = (
        Index("ix_arena_battles_voted_at", "voted_at"),
        Index("ix_arena_battles_team_voted", "team", "voted_at"),
        Index("ix_arena_battles_user_voted", "user", "voted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the pair was drawn
    voted_at: Mapped[datetime | None] = mapped_column()
    user: Mapped[str] = mapped_column(String(200))  # who voted ("" when an import does not say)
    team: Mapped[str] = mapped_column(String(100), default="", server_default="")
    origin: Mapped[str] = mapped_column(String(20), default="arena", server_default="arena")  # arena | import
    category: Mapped[str | None] = mapped_column(String(100))
    model_a: Mapped[str] = mapped_column(String(100))
    model_b: Mapped[str] = mapped_column(String(100))
    settings_a: Mapped[str | None] = mapped_column(Text)  # JSON of the options sent (inputs.sent_options)
    settings_b: Mapped[str | None] = mapped_column(Text)
    usage_a: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))  # usage_records.id
    usage_b: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    shown_left: Mapped[str | None] = mapped_column(String(10))  # "model_a" | "model_b" | NULL (unknown)
    winner: Mapped[str | None] = mapped_column(String(10))  # model_a | model_b | tie | both_bad; NULL = no vote yet
    # The answer named its own model or vendor: the vote is kept, and marked (LMArena does the same).
    names_self_a: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    names_self_b: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[str | None] = mapped_column(Text)  # an import's other columns, as JSON, written back on export


# --- Evaluate (0014): test sets, their runs and each run's cells ---------------------------------------------


class EvalSet(Base):
    """One version of a named test set: its prompt variants, its checks for every case, and its table's columns."""

    __tablename__ = "eval_sets"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_eval_sets_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(100), default="")
    prompts: Mapped[str] = mapped_column(Text)  # JSON [{label, system, user}]
    checks: Mapped[str] = mapped_column(Text, default="[]")  # JSON: checks every case gets
    columns: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the case table's columns, in order
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    digest: Mapped[str] = mapped_column(String(64))  # of the content: saving the same content twice is one version
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual, csv, jsonl, promptfoo, import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvalCase(Base):
    """One case of a set version: its variables, its own checks, tags and description (JSON)."""

    __tablename__ = "eval_cases"
    __table_args__ = (UniqueConstraint("set_id", "idx", name="uq_eval_cases_set_idx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("eval_sets.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)


class EvalFile(Base):
    """A file a case variable names (`file://cat.png`): what the variable says, and the bytes it stands for."""

    __tablename__ = "eval_files"
    __table_args__ = (UniqueConstraint("set_id", "ref", name="uq_eval_files_set_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("eval_sets.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"))  # its bytes (0016: were eval_blobs)


class EvalRun(Base):
    """A set version x prompt variants x panes x repeats; its state lives here so any process can show or resume it."""

    __tablename__ = "eval_runs"
    __table_args__ = (Index("ix_eval_runs_user", "user"), Index("ix_eval_runs_team", "team"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("eval_sets.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    user: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, running, stopped, done, imported
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    panes: Mapped[str] = mapped_column(Text)  # JSON [{model, options}]
    prompts: Mapped[str] = mapped_column(Text)  # JSON: the set's prompt variants this run sends (indexes)
    repeats: Mapped[int] = mapped_column(Integer, default=1)
    concurrency: Mapped[str] = mapped_column(Text, default="{}")  # JSON {provider: most calls at once}
    judge: Mapped[str | None] = mapped_column(String(100))
    estimate_low_usd: Mapped[Decimal | None] = mapped_column(Money)
    estimate_high_usd: Mapped[Decimal | None] = mapped_column(Money)
    cells: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(Text)  # why it stopped on its own (a budget ran out, ...)


class EvalCell(Base):
    """One case x prompt x pane x repeat: claimed by one worker at a time, then its answer, verdict and cost."""

    __tablename__ = "eval_cells"
    __table_args__ = (
        UniqueConstraint("run_id", "case_idx", "prompt_idx", "pane_idx", "repeat_idx", name="uq_eval_cells_slot"),
        Index("ix_eval_cells_claim", "run_id", "state", "pane_idx"),
        Index("ix_eval_cells_pane", "run_id", "pane_idx", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"))
    case_idx: Mapped[int] = mapped_column(Integer)
    prompt_idx: Mapped[int] = mapped_column(Integer)
    pane_idx: Mapped[int] = mapped_column(Integer)
    repeat_idx: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending, running, done
    claim: Mapped[str | None] = mapped_column(String(40))  # the worker running it (eval_workers.token)
    status: Mapped[str | None] = mapped_column(String(20))  # the call's: ok, error, truncated, refused, ...
    passed: Mapped[bool | None] = mapped_column(Boolean)  # None: nothing was checked, or a check could not grade
    score: Mapped[float | None] = mapped_column(Float)  # the judge's mean score, 0..1
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    checks: Mapped[str | None] = mapped_column(Text)  # JSON [{check, passed, score, reason}]
    cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    judge_cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    usage_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    self_judged: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[datetime | None] = mapped_column()


class EvalWorker(Base):
    """A process working on a run; its heartbeat tells the others whether the cells it claimed are still in hand."""

    __tablename__ = "eval_workers"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    user: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
