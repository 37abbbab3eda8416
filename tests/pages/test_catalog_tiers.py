"""AppTest: a non-engineer adds, edits and removes long-context tiers; bad tiers are refused with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from alonchat.catalog import models as catalog
from alonchat.catalog import prices as catalog_prices
from alonchat.core.pricing import Tier
from tests.support.catalog_page import fill, frame, open_catalog, snapshot, texts


@pytest.fixture
def at() -> AppTest:
    return open_catalog()


def test_add_a_model_with_a_tier_and_see_it_in_the_table(at):
    fill(at, provider="openai", model_id="long-1", name="long-1", input_price=1.0, output_price=4.0)
    at.session_state["add_tiers"] = {"edited_rows": {}, "deleted_rows": [],
                                     "added_rows": [{"threshold": 128000, "input_price": 2.0, "output_price": 6.0}]}
    at.button(key="add_submit").click().run()
    assert not at.exception and "Added" in texts(at.success)
    prices = catalog.resolve("long-1").prices
    assert prices.tiers == (Tier(128000, Decimal(2), Decimal(6)),)
    assert len(catalog_prices.history("long-1")[-1].prices.tiers) == 1  # stored with the price version
    at.selectbox(key="cat_show").set_value("With long-context tiers").run()
    table = frame(at, "Tiers")
    assert "long-1" in set(table["Name"]) and "gpt-4o-mini" not in set(table["Name"])
    assert table[table["Name"] == "long-1"].iloc[0]["Tiers"] == "> 128,000"


def test_half_written_or_descending_tiers_are_refused_and_nothing_is_written(at):
    before = snapshot()
    fill(at, provider="openai", model_id="long-2", name="long-2", input_price=1.0, output_price=4.0)
    for rows, message in (([{"threshold": 1000.0}], "no price"),
                          ([{"input_price": 3.0}], "no threshold"),
                          ([{"threshold": 5000, "input_price": 2.0}, {"threshold": 4000, "input_price": 3.0}],
                           "must go up"),
                          ([{"threshold": 5000, "input_price": -2.0}], "can't be negative")):
        at.session_state["add_tiers"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": rows}
        at.button(key="add_submit").click().run()
        assert message in texts(at.error), (rows, texts(at.error))
    assert snapshot() == before


def test_edit_and_remove_a_models_tiers_from_the_edit_tab(at):
    old = catalog.resolve("gemini-2.5-pro").prices.tiers
    assert old, "the seed gives gemini-2.5-pro genai-prices' tiers"
    at.selectbox(key="tiers_model").set_value("gemini-2.5-pro").run()
    key = "tiers_editor_gemini-2.5-pro"
    at.session_state[key] = {"edited_rows": {0: {"output_price": 16.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="tiers_save").click().run()
    assert not at.exception and "Saved the long-context tiers" in texts(at.success)
    assert catalog.resolve("gemini-2.5-pro").prices.tiers[0].output_price == Decimal(16)
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0]}
    at.run()
    at.button(key="tiers_save").click().run()
    assert catalog.resolve("gemini-2.5-pro").prices.tiers == ()
    history = catalog_prices.history("gemini-2.5-pro")
    assert [len(h.prices.tiers) for h in history[-3:]] == [1, 1, 0]  # every version kept
    assert any("tiers" in d.changes for d in catalog_prices.check_prices() if d.name == "gemini-2.5-pro")
