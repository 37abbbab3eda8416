"""Long-context tiers and 1-hour cache writes over the wire, per provider, streamed and not, priced as genai-prices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from genai_prices import Usage as RefUsage
from genai_prices import calc_price

from alonchat.calls.service import ai_service
from alonchat.catalog import models as catalog
from alonchat.cli import main
from alonchat.usage import receipts
from tests.support.catalog import add_endpoint
from tests.support.cli_process import KEYS as CHAT_KEYS
from tests.support.provider_checks import assert_usage, ledger
from tests.support.scripted import add_model

# (model, genai-prices provider, usage in the engine's convention): each past its provider's tier, or 1-hour writes.
CASES = [
    ("gpt-5.5", "openai", {"input": 300_000, "cached": 50_000, "output": 4_000, "reasoning": 1_000}),
    ("gemini-2.5-pro", "google", {"input": 250_000, "cached": 50_000, "output": 4_000, "reasoning": 900}),
    ("claude-opus-4-7", "anthropic", {"input": 40_000, "cached": 5_000, "cache_write": 30_000,
                                      "cache_write_1h": 20_000, "output": 2_000, "reasoning": 300}),
]


def reference(model_id: str, provider: str, u: dict) -> Decimal:
    ref = RefUsage(input_tokens=u["input"], cache_read_tokens=u.get("cached", 0),
                   cache_write_tokens=u.get("cache_write", 0), cache_write_1h_tokens=u.get("cache_write_1h", 0),
                   output_tokens=u["output"])
    return calc_price(ref, model_ref=model_id, provider_id=provider).total_price


@pytest.mark.parametrize("streamed", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("name,provider,usage", CASES, ids=[c[0] for c in CASES])
def test_long_prompts_and_1h_cache_writes_cost_what_the_provider_bills(fake_providers, name, provider, usage,
                                                                        streamed):
    fake_providers.script(name, chunks=["Long ", "answer."], usage=usage)
    if streamed:
        *_, result = list(ai_service.stream(name, "a very long document"))
    else:
        result = ai_service.chat(name, "a very long document")
    assert_usage(result.usage, usage)
    assert result.usage.cache_write_1h_tokens == usage.get("cache_write_1h", 0)
    assert result.cost_usd == reference(name, provider, usage)
    [row] = ledger()
    assert row.cost_usd == result.cost_usd and row.cache_write_1h_tokens == usage.get("cache_write_1h", 0)
    spec = catalog.resolve(name)
    tier = spec.prices.tier_for(usage["input"])
    assert row.tier_threshold == (tier.threshold if tier else None)
    assert row.price_id == spec.price_version.id
    r = receipts.for_usage(row.id)  # the ledger row's receipt prices it again to the same figure
    assert r.total == row.cost_usd and r.version.id == row.price_id and not r.estimated
    if name == "claude-opus-4-7":
        one_hour = next(ln for ln in r.lines if ln.kind == "cache_write_1h_price")
        assert one_hour.tokens == 20_000 and one_hour.rate == spec.prices.cache_write_1h_price
        assert row.cache_write_1h_usd == one_hour.amount
        assert row.cache_write_usd == one_hour.amount + next(ln.amount for ln in r.lines
                                                             if ln.kind == "cache_write_price")
    else:
        assert r.tier is not None and all(ln.tiered for ln in r.lines)


def test_a_prompt_at_the_threshold_is_billed_at_base_and_one_token_more_at_the_tier(fake_providers):
    t = catalog.resolve("gemini-2.5-pro").prices.tiers[0].threshold
    for n in (t, t + 1):
        fake_providers.script("gemini-2.5-pro", reply="ok", usage={"input": n, "output": 100})
        ai_service.chat("gemini-2.5-pro", "doc")
    at, over = ledger()
    assert at.tier_threshold is None and over.tier_threshold == t
    assert at.cost_usd == reference("gemini-2.5-pro", "google", {"input": t, "output": 100})
    assert over.cost_usd == reference("gemini-2.5-pro", "google", {"input": t + 1, "output": 100})


@pytest.mark.parametrize("ttl", ["5m", "1h"])
def test_cache_prompt_option_sends_cache_control_to_anthropic_only(fake_providers, ttl):
    ai_service.chat("claude-haiku-4-5", "q", cache_prompt=ttl)
    [req] = fake_providers.requests_to("/v1/messages")
    assert req.json["cache_control"] == {"type": "ephemeral", "ttl": ttl}
    ai_service.chat("claude-haiku-4-5", "q")
    assert "cache_control" not in fake_providers.requests_to("/v1/messages")[-1].json
    ai_service.chat("gpt-5-mini", "q", cache_prompt=ttl)  # OpenAI caches by itself: nothing to send
    assert "cache_control" not in fake_providers.requests_to("chat/completions")[-1].json


@pytest.mark.parametrize("streamed", [False, True], ids=["chat", "stream"])
def test_openrouter_reported_cost_is_kept_beside_ours_and_a_disagreement_flagged(fake_server, streamed):
    add_endpoint("openrouter", fake_server.url + "/api/v1")
    add_model("or-model", provider="openrouter", input_price=Decimal("2"), output_price=Decimal("8"))
    usage = {"input": 1_000, "output": 500}
    ours = (1_000 * Decimal(2) + 500 * Decimal(8)) / Decimal(1_000_000)
    for reported in (float(ours), 0.0075):
        fake_server.script("or-model", reply="ok", usage={**usage, "cost": reported})
        if streamed:
            list(ai_service.stream("or-model", "q"))
        else:
            ai_service.chat("or-model", "q")
    agree, disagree = ledger()
    assert agree.cost_usd == ours and agree.reported_cost_usd == ours and not agree.cost_mismatch
    assert disagree.reported_cost_usd == Decimal("0.0075") and disagree.cost_mismatch
    r = receipts.for_usage(disagree.id)
    assert r.cost_mismatch and r.to_json()["reported_cost_usd"] == 0.0075


def test_cli_usage_show_prints_the_receipt_and_json(fake_providers, capsys):
    usage = CASES[1][2]
    fake_providers.script("gemini-2.5-pro", reply="ok", usage=usage)
    result = ai_service.chat("gemini-2.5-pro", "doc")
    assert main(["usage", "show", str(result.usage_id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert Decimal(data["total_usd_exact"]) == result.cost_usd == Decimal(data["charged_usd_exact"])
    assert data["tier"]["threshold"] == 200_000 and data["counts"] == "reported"
    assert data["price_version"]["source"] in ("genai-prices", "seed")
    assert {ln["kind"] for ln in data["lines"]} == {"input_price", "cache_read_price", "output_price"}
    assert sum(Decimal(str(ln["amount_usd"])) for ln in data["lines"]) == pytest.approx(result.cost_usd)
    assert main(["usage", "show", str(result.usage_id)]) == 0
    text = capsys.readouterr().out
    assert "long-context tier" in text and "reported by the provider" in text
    assert main(["usage", "show", "999999"]) == 2
    assert "No usage row #999999" in capsys.readouterr().err


@pytest.mark.parametrize("name,provider,usage", CASES, ids=[c[0] for c in CASES])
def test_chat_json_keeps_its_keys_and_an_exact_cost(fake_providers, capsys, name, provider, usage):
    fake_providers.script(name, reply="ok", usage=usage)
    assert main(["chat", "-m", name, "--json", "a long document"]) == 0
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert set(line) == CHAT_KEYS  # the contract's keys, unchanged
    assert Decimal(str(line["cost_usd"])) == reference(name, provider, usage)


@pytest.mark.parametrize("streamed", [False, True], ids=["chat", "stream"])
def test_anthropic_long_context_with_1h_writes_from_genai_prices_data(fake_providers, streamed):
    """claude-sonnet-4-5 added from genai-prices (tiers on every kind, 1-hour writes included) bills as calc_price."""
    from alonchat.core.pricing import reference as ours_reference
    from alonchat.core.pricing import tiers_json

    ref = ours_reference("anthropic", "claude-sonnet-4-5").prices
    assert ref.tiers and ref.tiers[0].cache_write_1h_price is not None
    catalog.create_model({"name": "sonnet-45", "provider": "anthropic", "model_id": "claude-sonnet-4-5",
                          **ref.as_dict(), "tiers": tiers_json(ref.tiers)}, source="genai-prices")
    usage = {"input": 320_000, "cached": 100_000, "cache_write": 60_000, "cache_write_1h": 45_000,
             "output": 3_000, "reasoning": 800}
    fake_providers.script("claude-sonnet-4-5", chunks=["a", "b"], usage=usage)
    result = list(ai_service.stream("sonnet-45", "doc"))[-1] if streamed else ai_service.chat("sonnet-45", "doc")
    assert result.cost_usd == reference("claude-sonnet-4-5", "anthropic", usage)
    r = result.receipt
    assert r.tier.threshold == 200_000 and {ln.kind for ln in r.lines if ln.tiered} == {
        "input_price", "cache_read_price", "cache_write_price", "cache_write_1h_price", "output_price"}
