"""AppTest: the dashboard splits cache-write spend by duration, counts long-context calls, and shows any receipt."""

from __future__ import annotations

from decimal import Decimal

from streamlit.testing.v1 import AppTest

from alonchat.calls.service import ai_service
from tests.support.provider_checks import ledger

LONG = {"input": 250_000, "cached": 50_000, "output": 4_000}
ONE_HOUR = {"input": 40_000, "cached": 5_000, "cache_write": 30_000, "cache_write_1h": 20_000, "output": 2_000}


def test_cache_write_split_long_context_calls_and_receipts(fake_providers):
    fake_providers.script("gemini-2.5-pro", reply="ok", usage=LONG)
    fake_providers.script("claude-opus-4-7", reply="ok", usage=ONE_HOUR)
    ai_service.chat("gemini-2.5-pro", "a long document")
    ai_service.chat("claude-opus-4-7", "a cached prompt")
    ai_service.chat("gpt-5.4-mini", "short")
    long_row, opus_row, _ = ledger()
    at = AppTest.from_file("../../app.py", default_timeout=60)
    at.run()
    at.switch_page("pages/costs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    note = next(c.value for c in at.caption if "Cache-write spend" in c.value)
    assert f"{opus_row.cache_write_1h_tokens:,} of {opus_row.cache_write_tokens:,}" in note
    assert "1 call billed at a long-context tier" in next(c.value for c in at.caption if "long-context" in c.value)
    table = next(d.value for d in at.dataframe if "Long-context calls" in d.value.columns)
    by_model = table.set_index("Model")
    assert by_model.loc["gemini-2.5-pro", "Long-context calls"] == 1
    assert by_model.loc["gemini-2.5-pro", "Long-context spend (USD)"] == float(long_row.cost_usd)
    assert by_model.loc["claude-opus-4-7", "Cache writes 1h (USD)"] == float(opus_row.cache_write_1h_usd)
    assert by_model.loc["claude-opus-4-7", "Long-context calls"] == 0
    at.toggle(key="costs_calls").set_value(True).run()
    calls = next(d.value for d in at.dataframe if "Tier" in d.value.columns)
    assert len(calls) == 3
    at.checkbox(key="costs_calls_tiered").check().run()
    calls = next(d.value for d in at.dataframe if "Tier" in d.value.columns)
    assert list(calls["Model"]) == ["gemini-2.5-pro"] and list(calls["Tier"]) == ["> 200,000"]
    assert list(calls["Reported (USD)"]) == ["–"]  # no report from the endpoint: a dash, never "None"
    picker = at.selectbox(key="costs_receipt_id")
    assert picker.placeholder == "pick a call: time, model, user, cost"
    assert picker.options == [f"{long_row.created_at:%Y-%m-%d %H:%M:%S} · gemini-2.5-pro · tester · "
                              f"${Decimal(long_row.cost_usd):.6f} · #{long_row.id}"]  # a call by name, not a bare id
    at.selectbox(key="costs_receipt_id").set_value(long_row.id).run()
    assert not at.exception
    receipt = next(m.value for m in at.markdown if "| token kind |" in m.value)
    assert f"**${Decimal(long_row.cost_usd):.6f}**" in receipt and "*tier*" in receipt
    assert any("long-context tier" in c.value and "200,000" in c.value for c in at.caption)
