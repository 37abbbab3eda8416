"""What-if: the filtered calls' tokens priced at another catalogued model."""

from __future__ import annotations

from decimal import Decimal as D

from alonchat.usage import reports
from alonchat.usage.whatif import what_if
from tests.support.ledger_fixture import small_ledger
from tests.support.scripted import add_model


def test_same_tokens_at_another_models_prices():
    small_ledger()
    add_model("gamma", input_price=D("1"), output_price=D("4"), cache_read_price=D("0.1"))
    result = what_if(reports.Filters(), "gamma")
    rows = {r["model"]: r for r in result.rows}
    # alpha: 3000 in (400 cached), 300 out -> (2600*1 + 400*0.1 + 300*4)/1e6
    assert rows["alpha"]["what_if_usd"] == D("3840") / 10**6
    # beta: 500 in (200 cached, 100 written: no write price -> input price), 300 out
    assert rows["beta"]["what_if_usd"] == D(200 * 1 + 200 * D("0.1") + 100 * 1 + 300 * 4) / 10**6
    # mystery was unpriced; on gamma it has a price: (100*1 + 10*4)/1e6
    assert rows["mystery"]["what_if_usd"] == D("140") / 10**6 and rows["mystery"]["cost_usd"] is None
    assert result.what_if_usd == sum(r["what_if_usd"] for r in result.rows)
    assert result.actual_usd == D("0.013335")
    # the like-for-like comparison leaves out source models with unpriced calls
    assert result.comparable_actual_usd == D("0.013335")
    assert result.comparable_what_if_usd == result.what_if_usd - rows["mystery"]["what_if_usd"]


def test_filtered_what_if_and_unpriced_target():
    small_ledger()
    add_model("gamma", input_price=D("1"), output_price=D("4"))
    add_model("nopriced")
    only_bob = what_if(reports.Filters(users=("bob",)), "gamma")
    assert {r["model"] for r in only_bob.rows} == {"beta", "mystery"}
    unknown = what_if(reports.Filters(), "nopriced")
    assert unknown.priced is False and unknown.what_if_usd is None
    assert all(r["what_if_usd"] is None for r in unknown.rows)
