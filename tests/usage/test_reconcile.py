"""The reconciliation over real HTTP: a seeded month's known differences, and real calls that reconcile to zero."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from alonchat.access import identity
from alonchat.calls.service import ai_service
from alonchat.core.errors import PermissionDeniedError
from alonchat.usage import reconcile
from alonchat.usage.bills import store
from tests.support.bills import (
    CLAUDE,
    CLAUDE_BILLED,
    GPT,
    GPT_BILLED,
    NOV,
    OURS_OPENAI,
    expected_gpt_cost,
    point_at,
    seed_month,
)
from tests.support.catalog import add_endpoint
from tests.support.scripted import add_model

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture
def month(fake_server, monkeypatch):
    """The seeded November, fetched from the fake admin APIs over HTTP."""
    point_at(fake_server, monkeypatch)
    seed_month(fake_server.admin)
    for provider in ("openai", "anthropic"):
        store.fetch(provider, FIRST, LAST)
    return fake_server


def rows_by(rec: reconcile.Reconciliation) -> dict[tuple, reconcile.Row]:
    return {(r.day, r.provider, r.model): r for r in rec.rows}


def test_a_matching_day_matches_to_the_cent_with_the_snapshot_mapped(month):
    row = rows_by(reconcile.reconcile(FIRST, LAST))[(NOV[0], "openai", GPT)]
    assert row.status == "match" and row.mapped and row.provider_models == (GPT_BILLED,)
    assert row.ours.usd == row.theirs.usd == expected_gpt_cost() and row.gap_usd == 0
    assert row.ours.tokens == {"input": 40_000, "cache_read": 10_000, "cache_write_5m": 0, "cache_write_1h": 0,
                               "output": 5_000}
    assert row.theirs.tokens["cache_write_5m"] is None  # OpenAI reports no cache-write split
    assert row.ours.calls == row.theirs.calls == 10 and not row.over_tolerance and not row.explanation


def test_a_missing_cache_write_is_over_and_says_which_tokens(month):
    row = rows_by(reconcile.reconcile(FIRST, LAST))[(NOV[1], "anthropic", CLAUDE)]
    assert row.status == "over" and row.over_tolerance
    assert row.gap_tokens == {"input": 0, "cache_read": 0, "cache_write_5m": 20_000, "cache_write_1h": 0, "output": 0}
    assert row.gap_usd == Decimal(20_000) * Decimal("3.75") / 1_000_000
    assert "Cache writes (5 min): the provider billed 20,000 tokens the ledger did not see." in row.explanation
    assert row.provider_models == (CLAUDE_BILLED,)


def test_another_keys_usage_is_over_until_our_key_ids_are_set(month, monkeypatch):
    row = rows_by(reconcile.reconcile(FIRST, LAST))[(NOV[2], "openai", GPT)]
    assert row.status == "over" and row.theirs.tokens["input"] == 70_000
    assert any("usage from 2 API keys (key_alonchat, key_other)" in e and "ALONCHAT_OPENAI_API_KEY_IDS" in e
               for e in row.explanation), row.explanation
    monkeypatch.setenv("ALONCHAT_OPENAI_API_KEY_IDS", OURS_OPENAI)
    row = rows_by(reconcile.reconcile(FIRST, LAST))[(NOV[2], "openai", GPT)]
    assert row.status == "match" and row.theirs.tokens["input"] == 40_000
    assert row.theirs.usd == expected_gpt_cost()  # its share of the day's cost, kind by kind
    assert "Left out 33,000 tokens from API keys AlonChat does not use (key_other)." in row.explanation


def test_a_price_change_mid_month_shows_from_its_day_on(month):
    rows = rows_by(reconcile.reconcile(FIRST, LAST))
    before = rows[(NOV[0], "openai", GPT)]
    assert before.status == "match"
    for day in (NOV[4], NOV[5]):
        row = rows[(day, "openai", GPT)]
        assert row.status == "over" and row.gap_usd == Decimal(40_000) * Decimal("0.5") / 1_000_000
        assert all(g == 0 for g in row.gap_tokens.values() if g is not None)  # same tokens, dearer input
        assert "Uncached input: the provider billed $2.50/1M, the catalog has $2.00/1M" in " ".join(row.explanation)
        # the bill has no gpt-4.1 usage between Nov 10 and Nov 16, so that is as close as it can say
        assert any("uncached input price changed between 2026-11-10 and 2026-11-16 ($2.00/1M → $2.50/1M)" in e
                   for e in row.explanation), row.explanation


def test_a_cancelled_call_and_days_only_one_side_has(month):
    rows = rows_by(reconcile.reconcile(FIRST, LAST))
    cancelled = rows[(NOV[3], "anthropic", CLAUDE)]
    assert cancelled.status == "over" and cancelled.gap_tokens["output"] == 2_000
    assert any("1 call(s) recorded as cancelled: their usage is estimated" in e for e in cancelled.explanation)
    ours_only = rows[(NOV[5], "anthropic", CLAUDE)]
    assert ours_only.status == "ours_only" and ours_only.theirs is None and ours_only.over_tolerance
    assert "The provider reports no usage of this model on this UTC day." in ours_only.explanation
    unmapped = rows[(NOV[0], "openai", "gpt-9-preview")]
    assert unmapped.status == "provider_only" and not unmapped.mapped
    assert any(e.startswith("No catalog model matches gpt-9-preview-2026-11-01") for e in unmapped.explanation)


def test_month_totals_and_the_daily_lines(month):
    rec = reconcile.reconcile(FIRST, LAST)
    everything = next(t for t in rec.months() if t.provider is None)
    ours = sum(r.ours.usd for r in rec.rows if r.ours and r.ours.usd)
    theirs = sum(r.theirs.usd for r in rec.rows if r.theirs and r.theirs.usd)
    assert (everything.ours_usd, everything.provider_usd, everything.gap_usd) == (ours, theirs, theirs - ours)
    assert everything.gap_percent == (theirs - ours) / theirs * 100 > 0
    assert {t.provider for t in rec.months()} == {None, "openai", "anthropic"}
    daily = rec.daily()
    assert [d for d, _, _ in daily] == sorted({r.day for r in rec.rows})
    assert sum(a for _, a, _ in daily) == ours and sum(b for _, _, b in daily) == theirs
    assert rec.unmapped == [("openai", "gpt-9-preview-2026-11-01")] and rec.over_tolerance


def test_it_reads_only_what_was_stored(month):
    """Offline: with the fake server gone, the stored bill still reconciles, to the same rows."""
    before = reconcile.reconcile(FIRST, LAST).to_json()
    month.stop()
    assert reconcile.reconcile(FIRST, LAST).to_json() == before


def test_a_provider_filter_and_a_provider_without_a_bill(month, monkeypatch):
    rec = reconcile.reconcile(FIRST, LAST, providers=["anthropic"])
    assert {r.provider for r in rec.rows} == {"anthropic"}
    rec = reconcile.reconcile(date(2026, 12, 1), date(2026, 12, 2), providers=["openai", "gemini"])
    assert not rec.rows and "fetch it" in rec.unchecked["openai"]
    assert "Google has no usage or cost API" in rec.unchecked["gemini"]


def test_members_cannot_reconcile(month):
    with identity.acting_as(identity.Actor("ana@corp.example", False)), pytest.raises(PermissionDeniedError):
        reconcile.reconcile(FIRST, LAST)


def test_calls_made_through_alonchat_reconcile_to_a_zero_gap(fake_server, monkeypatch):
    """Real calls (chat and stream, three vendors' wires) against the fake, fetched back from its admin APIs."""
    point_at(fake_server, monkeypatch)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-openai-key-0123456789")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-anthropic-key-0123456789")
    admin = fake_server.admin
    admin.snapshots.update({"gpt-5": "gpt-5-2025-08-07", CLAUDE: CLAUDE_BILLED})
    admin.set_price("openai", "gpt-5-2025-08-07", input="1.25", cache_read="0.125", output=10)
    admin.set_price("anthropic", CLAUDE_BILLED, input=3, cache_read="0.3", cache_write_5m="3.75", cache_write_1h=6,
                    output=15)
    add_endpoint("openrouter", fake_server.url + "/api/v1")
    add_model("or-model", provider="openrouter", input_price=Decimal("2"), output_price=Decimal("8"))
    admin.set_price("openrouter", "or-model", input=2, output=8)
    fake_server.script("gpt-5", reply="ok", usage={"input": 3_000, "cached": 1_000, "output": 400, "reasoning": 100})
    fake_server.script(CLAUDE, reply="ok", usage={"input": 6_000, "cached": 2_000, "cache_write": 1_500,
                                                  "cache_write_1h": 500, "output": 300})
    for streamed in (False, True):
        for model in ("gpt-5", CLAUDE):
            (lambda m: list(ai_service.stream(m, "q")) if streamed else ai_service.chat(m, "q"))(model)
    fake_server.script("or-model", reply="ok", usage={"input": 1_000, "output": 500, "cost": 0.006})
    ai_service.chat("or-model", "q")  # OpenRouter reported its cost on the response
    fake_server.script("or-model", reply="ok", usage={"input": 2_000, "output": 100})
    ai_service.chat("or-model", "q")  # ... and did not: looked up by generation id
    today = datetime.now(UTC).date()
    for provider in ("openai", "anthropic"):
        store.fetch(provider, today, today)
    [report] = store.fetch_generations(today, today)
    assert report.rows == 1 and report.requests == 1
    rec = reconcile.reconcile(today, today)
    assert {(r.provider, r.model, r.status) for r in rec.rows} == {
        ("openai", "gpt-5", "match"), ("anthropic", CLAUDE, "match"), ("openrouter", "or-model", "match")}
    for row in rec.rows:
        assert row.gap_usd == 0 and all(g in (0, None) for g in row.gap_tokens.values()), row.to_json()
        assert row.ours.usd > 0 and row.ours.calls == (2 if row.provider != "openrouter" else 2)
    assert not rec.over_tolerance
