"""Prices, to explain a dollar gap: the catalog's rates in force on a day, the provider's billed rates and where they
changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from ...core.pricing import MILLION, Prices, effective_rate
from ...storage.engine import get_engine
from ...storage.tables import AIModel, ModelPrice
from ..bills import KINDS
from .gather import Bucket
from .types import Tolerance

# Our price field for each kind of a bill (the fallbacks of pricing.effective_rate apply).
PRICE_OF = {"input": "input_price", "cache_read": "cache_read_price", "cache_write_5m": "cache_write_price",
            "cache_write_1h": "cache_write_1h_price", "output": "output_price"}


def price_history(names: Iterable[str]) -> dict[str, list[tuple[datetime, Prices]]]:
    m, p = AIModel.__table__, ModelPrice.__table__
    names = list(set(names))
    if not names:
        return {}
    out: dict[str, list[tuple[datetime, Prices]]] = defaultdict(list)
    with get_engine().connect() as conn:
        for r in conn.execute(select(m.c.name, p).join(m, m.c.id == p.c.model_pk).where(m.c.name.in_(names))
                              .order_by(p.c.changed_at, p.c.id)):
            out[r.name].append((r.changed_at, Prices.of(r)))
    return out


def catalog_rates(history: list[tuple[datetime, Prices]], day: date, kind: str) -> list[tuple[Decimal, datetime]]:
    """The catalog's rates for `kind` in force at some time of the UTC day, with the date each took effect.

    A day before the catalog's first recorded price (history starts when the model was added) gets that
    first price: the ledger's calls of that day were priced with something no later than it.
    """
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    versions = [(when, prices) for when, prices in history if when < end]
    live = [v for v in versions if v[0] >= start]
    before = [v for v in versions if v[0] < start][-1:] or ([] if live else history[:1])
    out = []
    for when, prices in before + live:
        rate, _, _ = effective_rate(prices, PRICE_OF[kind], 0)
        if rate is not None:
            out.append((rate, when))
    return out


def provider_rates(acc: Bucket) -> dict[str, Decimal]:
    """USD per 1M the provider billed per kind: the kind's cost over all its tokens that day (all keys)."""
    out = {}
    for kind in KINDS:
        tokens = acc.all_tokens.get(kind)
        if tokens and kind in acc.costs:
            out[kind] = acc.costs[kind] / tokens * MILLION
    return out


def per_m(rate: Decimal) -> str:
    text = format(rate.quantize(Decimal("0.0001")).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}/1M"


def price_changes(rates: dict) -> dict[tuple[str, str, str], tuple[date, date, Decimal, Decimal]]:
    """Where the provider's rate for a model and kind first changed in the range: (last day at the old rate, first
    day at the new one, old rate, new rate); days without usage in between tell nothing."""
    series: dict[tuple[str, str, str], list[tuple[date, Decimal]]] = defaultdict(list)
    for (day, provider, model_id), kinds in rates.items():
        for kind, rate in kinds.items():
            series[(provider, model_id, kind)].append((day, rate))
    out = {}
    for key, points in series.items():
        points.sort()
        for (day_before, before), (day, after) in zip(points, points[1:], strict=False):
            if not Tolerance().close(before, after):
                out[key] = (day_before, day, before, after)
                break
    return out
