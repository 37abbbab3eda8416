"""AppTest: each answer's cost opens its receipt; the per-pane "cache this prompt" reaches Anthropic's wire."""

from __future__ import annotations

from decimal import Decimal

from alonchat.catalog import models as catalog
from alonchat.core.pricing import receipt
from tests.support.playground import open_playground, pane_ids, pick, send, usage_rows

USAGE = {"input": 40_000, "cached": 5_000, "cache_write": 30_000, "cache_write_1h": 20_000, "output": 2_000}


def test_cache_option_goes_on_the_wire_and_the_answers_receipt_shows_the_1h_split(fake_providers):
    fake_providers.script("claude-opus-4-7", reply="A cached answer.", usage=USAGE)
    at = pick(open_playground(), "claude-opus-4-7", "gpt-5.4-mini")
    at.selectbox(key="pg_opt_cache_prompt").set_value("1h").run()  # the shared setting: every pane
    send(at, "a long shared document")
    [req] = fake_providers.requests_to("/v1/messages")
    assert req.json["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert "cache_control" not in fake_providers.requests_to("chat/completions")[0].json
    assert any("Not sent to gpt-5.4-mini: cache this prompt (Chat Completions takes no cache_control" in c.value
               for c in at.caption)
    row = next(r for r in usage_rows() if r.model_name == "claude-opus-4-7")
    tables = [m.value for m in at.markdown if "| token kind |" in m.value]
    assert len(tables) == 2  # one receipt per answer
    mine = next(t for t in tables if "cache write (1 hour)" in t)
    prices = catalog.resolve("claude-opus-4-7").prices
    expected = receipt(fake_usage(), prices)
    assert f"**${expected.total:.6f}**" in mine and row.cost_usd == expected.total
    one_hour = next(ln for ln in expected.lines if ln.kind == "cache_write_1h_price")
    assert f"| {one_hour.tokens:,} | ${prices.cache_write_1h_price.normalize():f}/1M | ${one_hour.amount:.6f} |" in mine
    assert any("reported by the provider" in c.value for c in at.caption)


def test_a_pane_of_another_provider_offers_no_cache_option(fake_providers):
    at = pick(open_playground(), "claude-haiku-4-5", "gpt-5.4-mini")
    claude, gpt = pane_ids(at)
    keys = {s.key for s in at.selectbox}
    assert f"pg_opt_cache_prompt__p{claude}" in keys and f"pg_opt_cache_prompt__p{gpt}" not in keys
    at.selectbox(key=f"pg_opt_cache_prompt__p{claude}").set_value("5m").run()
    send(at, "q")
    [req] = fake_providers.requests_to("/v1/messages")
    assert req.json["cache_control"] == {"type": "ephemeral", "ttl": "5m"}


def fake_usage():
    from alonchat.core.types import Usage

    return Usage(USAGE["input"], USAGE["cached"], USAGE["cache_write"], USAGE["output"],
                 cache_write_1h_tokens=USAGE["cache_write_1h"])


def test_the_preview_applies_the_tier_the_prompt_would_fall_into():
    from alonchat.calls.service import ai_service

    spec = catalog.resolve("gemini-2.5-pro")
    threshold = spec.prices.tiers[0].threshold
    long = " ".join(["word"] * (threshold + 10))  # the estimator counts one token per short word
    short = " ".join(["word"] * 1000)
    per_token_long = ai_service.estimate("gemini-2.5-pro", long) / (threshold + 10)
    per_token_short = ai_service.estimate("gemini-2.5-pro", short) / 1000
    assert per_token_short == spec.prices.input_price / Decimal(1_000_000)
    assert per_token_long == spec.prices.tiers[0].input_price / Decimal(1_000_000)
