"""AlonChat's cost equals genai-prices' calc_price for every seeded model over a grid of usage vectors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from genai_prices import Usage as RefUsage
from genai_prices import calc_price

from alonchat.catalog import models as catalog
from alonchat.catalog.seed import SEED_FILE
from alonchat.core.pricing import GENAI_PROVIDER, cost_usd, receipt, reference
from alonchat.core.types import Usage

MICRO = Decimal("0.000001")
SEEDED = [m for m in json.loads(SEED_FILE.read_text())["models"] if reference(m["provider"], m["model_id"])]


def grid(thresholds: list[int]) -> list[Usage]:
    """Short calls, and for each threshold just under, at, and just over it; with cache reads, writes and reasoning."""
    vectors = [
        Usage(1_000, output_tokens=500),
        Usage(12_000, cached_input_tokens=4_000, output_tokens=900, reasoning_tokens=300),
        Usage(40_000, cached_input_tokens=5_000, cache_write_tokens=12_000, cache_write_1h_tokens=7_000,
              output_tokens=2_000, reasoning_tokens=600),
        Usage(30_000, cache_write_tokens=30_000, cache_write_1h_tokens=30_000, output_tokens=10),
        Usage(250_000, cached_input_tokens=50_000, output_tokens=4_000),  # the issue's gemini / gpt figures
    ]
    for t in thresholds:
        for n in (t - 1, t, t + 1, 2 * t + 7):
            vectors += [
                Usage(n, output_tokens=3_000),
                Usage(n, cached_input_tokens=n // 4, cache_write_tokens=n // 5, cache_write_1h_tokens=n // 10,
                      output_tokens=4_000, reasoning_tokens=1_500),
            ]
    return vectors


def reference_cost(model: dict, u: Usage) -> Decimal:
    ref = RefUsage(input_tokens=u.input_tokens, cache_read_tokens=u.cached_input_tokens,
                   cache_write_tokens=u.cache_write_tokens, cache_write_1h_tokens=u.cache_write_1h_tokens,
                   output_tokens=u.output_tokens)
    return calc_price(ref, model_ref=model["model_id"], provider_id=GENAI_PROVIDER[model["provider"]]).total_price


@pytest.mark.parametrize("model", SEEDED, ids=[m["name"] for m in SEEDED])
def test_every_seeded_model_costs_what_genai_prices_bills(model):
    spec = catalog.resolve(model["name"])  # prices as stored in the catalog, after the migrations
    thresholds = [t.threshold for t in spec.prices.tiers]
    vectors = grid(thresholds)
    for u in vectors:
        ours, theirs = cost_usd(u, spec.prices), reference_cost(model, u)
        assert ours is not None
        assert ours.quantize(MICRO) == theirs.quantize(MICRO), (model["name"], u, ours, theirs)
        assert ours == theirs, (model["name"], u)  # exact, in fact: the same Decimal arithmetic


def test_the_grid_crosses_tiers_and_covers_every_seeded_model():
    """The parity grid is not vacuous: tiers exist, vectors fall on both sides, 1-hour writes are priced apart."""
    names = {m["name"] for m in SEEDED}
    assert {"gpt-5.5", "gemini-2.5-pro", "gemini-3.1-pro-preview", "claude-opus-4-7"} <= names
    tiered = [m for m in SEEDED if catalog.resolve(m["name"]).prices.tiers]
    assert len(tiered) >= 3
    for m in tiered:
        prices = catalog.resolve(m["name"]).prices
        t = prices.tiers[0].threshold
        at, over = receipt(Usage(t, output_tokens=10), prices), receipt(Usage(t + 1, output_tokens=10), prices)
        assert at.tier is None and over.tier is not None  # billed once the prompt EXCEEDS the threshold
        assert over.total > at.total
    opus = catalog.resolve("claude-opus-4-7").prices
    assert opus.cache_write_1h_price is not None and opus.cache_write_1h_price > opus.cache_write_price


@pytest.mark.parametrize("name,usage,expected", [
    ("gemini-2.5-pro", Usage(250_000, cached_input_tokens=50_000, output_tokens=4_000), "0.5725"),
    ("gpt-5.5", Usage(300_000, cached_input_tokens=50_000, output_tokens=4_000), "2.73"),
    ("claude-opus-4-7", Usage(40_000, cached_input_tokens=5_000, cache_write_tokens=30_000,
                              cache_write_1h_tokens=20_000, output_tokens=2_000), None),
])
def test_the_issues_examples_now_bill_what_the_provider_bills(name, usage, expected):
    model = next(m for m in SEEDED if m["name"] == name)
    ours = cost_usd(usage, catalog.resolve(name).prices)
    assert ours == reference_cost(model, usage)
    if expected is not None:
        assert ours == Decimal(expected)
