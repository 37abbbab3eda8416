"""CLI: tiers and the 1-hour price through `models update`, refused when half-written, compared by check-prices."""

from __future__ import annotations

import json
from decimal import Decimal

from alonchat.catalog import models as catalog
from alonchat.cli import main


def test_update_tiers_and_1h_price_then_check_prices_offers_genai_prices_back(capsys):
    assert main(["models", "update", "gemini-2.5-pro", "--tiers",
                 '[{"threshold": 100000, "input_price": 3}]', "--cache-write-1h-price", ""]) == 0
    prices = catalog.resolve("gemini-2.5-pro").prices
    assert [(t.threshold, t.input_price) for t in prices.tiers] == [(100000, Decimal(3))]
    capsys.readouterr()
    assert main(["models", "check-prices"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("gemini-2.5-pro"))
    assert "tiers above 100,000 tokens: input $3 -> above 200,000 tokens:" in line
    assert main(["models", "check-prices", "--json"]) == 0
    [diff] = [d for d in json.loads(capsys.readouterr().out) if d["name"] == "gemini-2.5-pro"]
    assert diff["changes"]["tiers"]["catalog"] == [{"threshold": 100000, "input_price": 3.0}]
    assert main(["models", "update", "gemini-2.5-pro", "--tiers", '[{"threshold": 100000}]']) == 2
    assert "Tier 1 has a threshold but no price" in capsys.readouterr().err
    assert main(["models", "update", "gemini-2.5-pro", "--tiers", ""]) == 0  # blank = no tiers
    assert catalog.resolve("gemini-2.5-pro").prices.tiers == ()


def test_history_and_audit_show_a_tier_change_in_words_on_lines_of_their_own(capsys):
    assert main(["models", "update", "gpt-4.1-mini", "--tiers", '[{"threshold": 200000, "input_price": 0.8}]']) == 0
    assert main(["models", "update", "gpt-4.1-mini", "--tiers", '[{"threshold": 100000, "input_price": 0.8}]']) == 0
    assert main(["models", "update", "gpt-4.1-mini", "--supports-vision", "false"]) == 0
    capsys.readouterr()
    assert main(["models", "history", "gpt-4.1-mini"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    rows = [line.split(None, 2)[2] for line in lines]  # without the time: what each version holds
    assert len(rows) == 3 and len(set(rows)) == 3  # the seed's prices, then two tier changes: none looks alike
    assert [r.rsplit("  ", 1)[1] for r in rows] == [
        "none", "above 200,000 tokens: input $0.8", "above 100,000 tokens: input $0.8"]
    assert main(["audit", "--entity", "price"]) == 0
    out = capsys.readouterr().out
    assert ("price update gpt-4.1-mini: tiers: above 200,000 tokens: input $0.8 → above 100,000 tokens: input $0.8"
            in out)
    assert main(["audit", "--entity", "model"]) == 0
    out = capsys.readouterr().out
    assert "model update gpt-4.1-mini: supports vision: yes → no" in out
    assert not any(c in out for c in "[]{}'") and "True" not in out and "tiers" not in out  # no Python reprs
