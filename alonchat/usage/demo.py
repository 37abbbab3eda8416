"""Synthetic but realistic usage for the ledger, so the cost dashboard can be tried (and benchmarked) at once."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..catalog import models as catalog
from ..core.pricing import Prices, cache_savings_usd, receipt
from ..core.types import Usage
from . import ledger

# Who calls: a small team, some heavier users than others.
USERS = {"alice": 9, "bob": 6, "carol": 5, "dave": 4, "erin": 3, "frank": 2, "grace": 2, "heidi": 1}
# What they call: (catalog name, weight); cheap models are called most. Missing ones are skipped.
MODELS = {"gpt-5-mini": 14, "gpt-4.1-mini": 10, "gpt-5": 6, "o4-mini": 4, "gpt-4o-mini": 6,
          "claude-sonnet-4-6": 8, "claude-haiku-4-5": 8, "claude-opus-4-7": 2, "gemini-2.5-flash": 10,
          "gemini-2.5-pro": 4, "gemini-2.5-flash-lite": 5, "echo": 2}
# A self-hosted model the catalog has no price for: its calls are "unpriced", never $0.
UNPRICED = ("llama-local", "ollama", 4)
REASONING = ("gpt-5", "o4-", "gemini-2.5-pro", "claude-opus")
ERRORS = (("error", "RateLimitError", "Rate limited by the provider; wait and try again."),
          ("error", "ServerError", "The provider is failing or overloaded; try again later."),
          ("error", "AuthError", "Check that the API key is valid and has access to this model."),
          ("truncated", "TruncatedStreamError", "The stream ended without a finish reason."),
          ("cancelled", "CancelledError", "Cancelled by the user."))


@dataclass(frozen=True)
class _Model:
    name: str
    provider: str
    model_id: str
    prices: Prices
    weight: int


def _models() -> list[_Model]:
    specs = {s.name: s for s in catalog.list_models()}
    out = [_Model(n, specs[n].provider, specs[n].model_id, specs[n].prices, w) for n, w in MODELS.items() if n in specs]
    out.append(_Model(UNPRICED[0], UNPRICED[1], UNPRICED[0], Prices(), UNPRICED[2]))
    return out


def _when(rng: random.Random, start: datetime, seconds: float) -> datetime:
    """A moment in [start, start + seconds), busier in working hours and on weekdays."""
    while True:
        t = start + timedelta(seconds=rng.random() * seconds)
        weight = 0.25 + 0.75 * math.exp(-(((t.hour + t.minute / 60) - 14) / 4) ** 2)
        if t.weekday() >= 5:
            weight *= 0.3
        if rng.random() < weight:
            return t


def _entry(rng: random.Random, model: _Model, user: str, when: datetime) -> ledger.UsageEntry:
    input_tokens = max(1, int(rng.lognormvariate(7.2, 1.0)))  # median ~1,300, long tail
    cached = write = 0
    if model.provider in ("openai", "anthropic", "gemini") and rng.random() < 0.35:
        cached = int(input_tokens * rng.uniform(0.3, 0.9))
    if model.provider == "anthropic" and rng.random() < 0.15:
        write = int((input_tokens - cached) * rng.uniform(0.2, 0.8))
    output = max(1, int(rng.lognormvariate(5.8, 0.9)))  # median ~330
    reasoning = int(output * rng.uniform(0.2, 0.7)) if model.name.startswith(REASONING) else 0
    roll = rng.random()
    status, error_class, message = "ok", None, None
    if roll < 0.045:
        status, error_class, message = ERRORS[int(roll / 0.045 * len(ERRORS))]
    if status in ("error",):
        usage = Usage()
    elif status in ("truncated", "cancelled"):
        usage = Usage(input_tokens=input_tokens, output_tokens=output // 3, estimated=True)
    else:
        # A third of the cache writes go to the 1-hour cache (derived, not drawn: the random stream stays as it was).
        usage = Usage(input_tokens, cached, write, output, reasoning,
                      cache_write_1h_tokens=write // 2 if input_tokens % 3 == 0 else 0)
    # As the service does: a call that used tokens is priced (estimated usage for broken ones), a refused one is not.
    priced = usage != Usage()
    latency = 250 + usage.output_tokens * rng.uniform(8, 25)
    bill = receipt(usage, model.prices) if priced else None
    return ledger.UsageEntry(
        user=user, model_name=model.name, provider=model.provider, model_id=model.model_id, usage=usage,
        cost_usd=bill.total if bill else None,
        cache_savings_usd=cache_savings_usd(usage, model.prices) if priced else None,
        cache_write_usd=bill.amount("cache_write_price", "cache_write_1h_price") if bill else None,
        cache_write_1h_usd=bill.amount("cache_write_1h_price") if bill else None,
        tier_threshold=bill.tier.threshold if bill and bill.tier else None,
        latency_ms=latency, ttft_ms=min(latency, 150 + rng.uniform(0, 600)), status=status,
        error_class=error_class, error_message=message, created_at=when)


def generate(rows: int, days: int = 30, *, seed: int | None = None, now: datetime | None = None,
             batch: int = 20_000, progress: Callable[[int, int], None] | None = None) -> int:
    """Write `rows` synthetic calls spread over the last `days` days through the ledger's bulk path (admins only:
    the ledger is everyone's spend).

    All or nothing: every batch goes into one transaction, committed after the last, so a run that is
    killed (or fails) midway leaves no demo rows and no rollup sums behind. `progress` counts rows
    written but not yet committed. Other writers wait for the commit (SQLite: up to its busy timeout).
    """
    from ..access.identity import require_admin
    from ..storage.engine import session

    require_admin("write demo calls into the shared ledger")
    with session() as s, s.begin():
        return _generate(s, rows, days, seed, now, batch, progress)


def _generate(s, rows: int, days: int, seed: int | None, now: datetime | None, batch: int,
              progress: Callable[[int, int], None] | None) -> int:
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    models = _models()
    model_weights = [m.weight for m in models]
    users, user_weights = list(USERS), list(USERS.values())
    done = 0
    # Batches walk forward through time and each is sorted, so rows land in time order as a real
    # ledger's do (the dashboard's raw reads depend on that locality).
    span = days * 86400 / max(1, -(-rows // batch))
    while done < rows:
        n = min(batch, rows - done)
        picked_models = rng.choices(models, model_weights, k=n)
        picked_users = rng.choices(users, user_weights, k=n)
        start = now - timedelta(days=days) + timedelta(seconds=span * (done // batch))
        times = sorted(_when(rng, start, span) for _ in range(n))
        entries = [_entry(rng, m, u, t) for m, u, t in zip(picked_models, picked_users, times, strict=True)]
        done += ledger.record_many(entries, session=s)
        if progress is not None:
            progress(done, rows)
    return done


