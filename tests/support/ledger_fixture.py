"""A small hand-made ledger whose every aggregate is computed by hand in the tests that use it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from alonchat.core.types import Usage
from alonchat.usage import ledger


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def write(when, user, model, provider, status, usage, cost, savings=None):
    return ledger.record(ledger.UsageEntry(
        user=user, model_name=model, provider=provider, model_id=model, usage=usage, cost_usd=cost,
        cache_savings_usd=savings, latency_ms=10.0, ttft_ms=None, status=status, created_at=when,
        error_class=None if status == "ok" else "SomeError", error_message=None if status == "ok" else "failed"))


def small_ledger() -> None:
    """alpha: $2 in / $8 out / $0.5 cache read per 1M; beta: $3 / $15 / $0.3 read / $3.75 write."""
    # 1. 22:30 UTC Nov 2 (23:30 Paris Nov 2, 04:00 Kolkata Nov 3): 600 plain + 400 cached in, 200 out
    #    cost (600*2 + 400*0.5 + 200*8)/1e6 = 0.003; savings 400*(2-0.5)/1e6 = 0.0006
    write(at(2, 22, 30), "alice", "alpha", "openai", "ok", Usage(1000, 400, 0, 200, 50), D("0.003"), D("0.0006"))
    # 2. 23:15 UTC Nov 2 = 00:15 Paris Nov 3: (2000*2 + 100*8)/1e6 = 0.0048
    write(at(2, 23, 15), "alice", "alpha", "openai", "ok", Usage(2000, 0, 0, 100, 0), D("0.0048"), D(0))
    # 3. (200*3 + 200*0.3 + 100*3.75 + 300*15)/1e6 = 0.005535; savings 200*(3-0.3)/1e6 = 0.00054
    write(at(3, 10), "bob", "beta", "anthropic", "ok", Usage(500, 200, 100, 300, 0), D("0.005535"), D("0.00054"))
    # 4. a model with no price: counted as unpriced, never $0
    write(at(3, 11), "bob", "mystery", "custom", "ok", Usage(100, 0, 0, 10, 0), None)
    # 5. a failure that used nothing, and 6. a refusal by budget: errors, neither priced nor unpriced
    write(at(3, 12), "alice", "alpha", "openai", "error", Usage(), None)
    write(at(3, 12, 30), "alice", "beta", "anthropic", "refused", Usage(), None)
    # 7./8. the same UTC hour on two Kolkata days (23:50 Nov 3 and 00:10 Nov 4 in UTC+5:30)
    write(at(3, 18, 20), "carol", "echo", "echo", "ok", Usage(10, 0, 0, 10), D(0), D(0))
    write(at(3, 18, 40), "carol", "echo", "echo", "ok", Usage(20, 0, 0, 20), D(0), D(0))
