"""Dated snapshot names as providers bill them, matched onto catalog models."""

from __future__ import annotations

import pytest

from alonchat.catalog.snapshots import SnapshotMap, catalog_map, undated
from alonchat.usage.bills.openai import line_item

MODELS = [("openai", "gpt-4.1", "gpt-4.1"), ("openai", "gpt-4.1-fast", "gpt-4.1"),
          ("openai", "gpt-4.1-mini", "gpt-4.1-mini"),
          ("anthropic", "claude-haiku-4-5", "claude-haiku-4-5"),
          ("anthropic", "sonnet-pinned", "claude-sonnet-4-5-20250929")]


@pytest.mark.parametrize("provider,reported,model_id,names", [
    ("openai", "gpt-4.1-2025-04-14", "gpt-4.1", ("gpt-4.1", "gpt-4.1-fast")),  # two catalog entries share the id
    ("openai", "GPT-4.1", "gpt-4.1", ("gpt-4.1", "gpt-4.1-fast")),
    ("openai", "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini", ("gpt-4.1-mini",)),
    ("anthropic", "claude-haiku-4-5-20251001", "claude-haiku-4-5", ("claude-haiku-4-5",)),
    ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929", ("sonnet-pinned",)),
    ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", ("sonnet-pinned",)),  # the catalog pins a date
    ("openai", "gpt-9-preview-2026-11-01", "gpt-9-preview", ()),  # unmapped: named without its date
    ("anthropic", "gpt-4.1", "gpt-4.1", ()),  # another provider's model
])
def test_snapshots_land_on_catalog_models(provider, reported, model_id, names):
    m = SnapshotMap(MODELS).match(provider, reported)
    assert (m.model_id, m.names, m.mapped) == (model_id, names, bool(names))


def test_undated_and_the_seed_catalog():
    assert undated("gpt-4o-2024-08-06") == "gpt-4o" and undated("o4-mini") == "o4-mini"
    assert undated("claude-3-5-sonnet-20241022") == "claude-3-5-sonnet" and undated("gpt-5.5") == "gpt-5.5"
    assert catalog_map().match("openai", "gpt-5-2025-08-07").names == ("gpt-5",)


@pytest.mark.parametrize("item,expected", [
    ("gpt-4o-2024-08-06, input", ("gpt-4o-2024-08-06", "input")),
    ("gpt-4o-2024-08-06, Output", ("gpt-4o-2024-08-06", "output")),
    ("gpt-4.1-2025-04-14, cached input", ("gpt-4.1-2025-04-14", "cache_read")),
    ("web search tool calls", ("", "other")),
    ("gpt-image-1, image generation", ("gpt-image-1", "other")),
])
def test_openai_cost_line_items(item, expected):
    assert line_item(item) == expected
