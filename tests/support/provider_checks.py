"""Checks shared by the provider tests: ledger rows, and the cost a catalog row's own prices give."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from alonchat.storage.engine import session
from alonchat.storage.tables import AIModel, UsageRecord


def ledger() -> list[UsageRecord]:
    with session() as s:
        return list(s.scalars(select(UsageRecord).order_by(UsageRecord.id)))


def expected_cost(model_name: str, usage: dict) -> Decimal:
    """What the call must cost at the catalog row's prices, from usage in the engine's convention."""
    with session() as s:
        row = s.scalars(select(AIModel).where(AIModel.name == model_name)).one()
    assert row.input_price is not None and row.output_price is not None, f"{model_name} is unpriced"
    price = {k: Decimal(str(getattr(row, k))) if getattr(row, k) is not None else None
             for k in ("input_price", "output_price", "cache_read_price", "cache_write_price")}
    read = price["cache_read_price"] if price["cache_read_price"] is not None else price["input_price"]
    write = price["cache_write_price"] if price["cache_write_price"] is not None else price["input_price"]
    plain = usage["input"] - usage.get("cached", 0) - usage.get("cache_write", 0)
    total = (plain * price["input_price"] + usage.get("cached", 0) * read
             + usage.get("cache_write", 0) * write + usage["output"] * price["output_price"])
    return total / Decimal(1_000_000)


def assert_usage(row_or_usage, usage: dict) -> None:
    """Token columns (of a ledger row or a Usage) equal the scripted counts, engine convention."""
    got = (row_or_usage.input_tokens, row_or_usage.cached_input_tokens, row_or_usage.cache_write_tokens,
           row_or_usage.output_tokens, row_or_usage.reasoning_tokens)
    want = (usage["input"], usage.get("cached", 0), usage.get("cache_write", 0), usage["output"],
            usage.get("reasoning", 0))
    assert got == want
