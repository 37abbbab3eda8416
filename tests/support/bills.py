"""A month of ledger rows and the fake provider's bill of it, with known differences the reconciliation must find.

November 2026 (UTC days), AlonChat's keys booked as key_alonchat / apikey_alonchat:

- Nov 3  openai gpt-4.1: the same on both sides (match); and gpt-9-preview, billed but in no catalog (unmapped)
- Nov 5  anthropic claude-sonnet-4-6: the provider billed 20,000 cache-write tokens the ledger never saw (over)
- Nov 10 openai gpt-4.1: another API key (key_other) used the model too (over, unless our key ids are set)
- Nov 14 anthropic claude-sonnet-4-6: a call cancelled mid-stream; the ledger estimated 100 output tokens,
         the provider billed the 2,100 it generated (over)
- Nov 16, Nov 20 openai gpt-4.1: the provider's input price went from $2 to $2.50 on Nov 15 (over)
- Nov 20 anthropic claude-sonnet-4-6: calls in the ledger, none on the bill (ours_only)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from alonchat.catalog.models import resolve
from alonchat.core.pricing import cost_usd
from alonchat.core.types import Usage
from alonchat.usage import ledger

NOV = [date(2026, 11, d) for d in (3, 5, 10, 14, 16, 20)]
GPT, GPT_BILLED = "gpt-4.1", "gpt-4.1-2025-04-14"
CLAUDE, CLAUDE_BILLED = "claude-sonnet-4-6", "claude-sonnet-4-6-20260217"
OURS_OPENAI, OURS_ANTHROPIC = "key_alonchat", "apikey_alonchat"


def point_at(srv, monkeypatch) -> None:
    """The built-in providers' base URLs and the admin keys at the fake server (as a deployment would set them)."""
    monkeypatch.setenv("OPENAI_BASE_URL", srv.url + "/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", srv.url)
    monkeypatch.setenv("OPENAI_ADMIN_KEY", srv.admin.keys["openai"])
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", srv.admin.keys["anthropic"])


def write(day: date, model: str, provider: str, usage: Usage, n: int, status: str = "ok") -> None:
    spec = resolve(model)
    ledger.record_many([ledger.UsageEntry(
        user="ana@corp.example", model_name=model, provider=provider, model_id=spec.model_id, usage=usage,
        cost_usd=cost_usd(usage, spec.prices), latency_ms=100.0, ttft_ms=None, status=status,
        created_at=datetime(day.year, day.month, day.day, 9, i, tzinfo=UTC)) for i in range(n)])


def seed_month(admin) -> None:
    """The ledger rows and the fake's books described above; prices as the catalog has them (until Nov 15)."""
    admin.set_price("openai", GPT_BILLED, input=2, cache_read=0.5, output=8)
    admin.set_price("openai", GPT_BILLED, since=date(2026, 11, 15), input="2.5", cache_read=0.5, output=8)
    admin.set_price("openai", "gpt-9-preview-2026-11-01", input=5, output=20)
    admin.set_price("anthropic", CLAUDE_BILLED, input=3, cache_read="0.3", cache_write_5m="3.75",
                    cache_write_1h=6, output=15)
    # openai gpt-4.1: 10 calls a day of 5,000 input (1,000 cached) and 500 output
    for day in (NOV[0], NOV[2], NOV[4], NOV[5]):
        write(day, GPT, "openai", Usage(5_000, 1_000, 0, 500), 10)
        admin.add("openai", day, GPT_BILLED, api_key_id=OURS_OPENAI, scope="proj_alonchat", requests=10,
                  input=40_000, cache_read=10_000, output=5_000)
    admin.add("openai", NOV[0], "gpt-9-preview-2026-11-01", api_key_id=OURS_OPENAI, scope="proj_alonchat",
              input=1_000, output=100)
    admin.add("openai", NOV[2], GPT_BILLED, api_key_id="key_other", scope="proj_alonchat", requests=4,
              input=30_000, output=3_000)
    # anthropic claude-sonnet-4-6: 5 calls a day of 8,000 input (4,000 read from the cache) and 800 output
    for day in (NOV[1], NOV[3], NOV[5]):
        write(day, CLAUDE, "anthropic", Usage(8_000, 4_000, 0, 800), 5)
    admin.add("anthropic", NOV[1], CLAUDE_BILLED, api_key_id=OURS_ANTHROPIC, requests=5,
              input=20_000, cache_read=20_000, cache_write_5m=20_000, output=4_000)
    write(NOV[3], CLAUDE, "anthropic", Usage(1_000, 0, 0, 100, estimated=True), 1, status="cancelled")
    admin.add("anthropic", NOV[3], CLAUDE_BILLED, api_key_id=OURS_ANTHROPIC, requests=6,
              input=21_000, cache_read=20_000, output=6_100)


def expected_gpt_cost(days: int = 1) -> Decimal:
    """The ledger's dollars for one seeded gpt-4.1 day: 10 × (4,000 × $2 + 1,000 × $0.5 + 500 × $8) / 1M."""
    return Decimal(10 * (4_000 * 2 + 1_000 * Decimal("0.5") + 500 * 8)) / 1_000_000 * days
