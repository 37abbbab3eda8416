"""The catalog's tables: models, each price version, OpenAI-compatible endpoints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Price, utcnow


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
