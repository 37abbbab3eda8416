"""Voted arena battles written straight into the table, with their answers' ledger rows when given a cost."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from sqlalchemy import insert

from alonchat.core.types import Usage
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import ArenaBattle
from alonchat.usage import ledger


def when(day: int) -> datetime:
    return datetime(2026, 11, day, 12, tzinfo=UTC)


def battle(a: str, b: str, winner: str, *, day: int = 1, user: str = "tester", team: str = "", category=None,
           shown_left="model_a", flag_a=False, cost_a=None, cost_b=None, source="arena") -> None:
    """One voted battle as the arena stores it; a cost (or "unpriced") adds that side's ledger row."""
    usage = {}
    for side, model, cost in (("a", a, cost_a), ("b", b, cost_b)):
        if cost is not None:
            usage[side] = ledger.record(ledger.UsageEntry(
                user=user, model_name=model, provider="openai", model_id=model, usage=Usage(10, 0, 0, 10),
                cost_usd=None if cost == "unpriced" else D(cost), latency_ms=5.0, ttft_ms=None, status="ok",
                source=source, team=team))
    with get_engine().begin() as conn:
        conn.execute(insert(ArenaBattle.__table__), {
            "created_at": when(day), "voted_at": when(day), "user": user, "team": team, "origin": "arena",
            "category": category, "model_a": a, "model_b": b, "winner": winner, "shown_left": shown_left,
            "names_self_a": flag_a, "usage_a": usage.get("a"), "usage_b": usage.get("b")})


def many(a, b, winner, n, **kw):
    for _ in range(n):
        battle(a, b, winner, **kw)
