"""The cost dashboard's individual calls: the newest of the slice, long-context or disputed ones, and any receipt."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.usage import receipts, reports
from ui import receipt
from ui.format import money, money_line

LIMIT = 100


def spend_notes(s: reports.Summary) -> None:
    """Cache writes by duration and the calls billed at a long-context tier (from the rollups: fast at any size)."""
    notes = []
    if s.cache_write_usd:
        total, five, hour = money_line(s.cache_write_usd, s.cache_write_5m_usd, s.cache_write_1h_usd)
        notes.append(f":material/cached: Cache-write spend {total}: 5-minute {five} · 1-hour {hour}"
                     f" ({s.cache_write_1h_tokens:,} of {s.cache_write_tokens:,} written tokens for an hour).")
    if s.tiered_requests:
        notes.append(f":material/stacked_line_chart: {s.tiered_requests:,} call{'s' if s.tiered_requests != 1 else ''}"
                     f" billed at a long-context tier, {money(s.tiered_cost_usd, badge=False)} of the spend.")
    for note in notes:  # each its own line: two figures about different things never share one
        st.caption(note)


def call_name(r: dict) -> str:
    """A call as the receipt picker names it: when (UTC), model, user, cost; its id last, for the CLI."""
    cost = "unpriced" if r["cost_usd"] is None else f"${r['cost_usd']:.6f}"
    status = "" if r["status"] == "ok" else f" · {r['status']}"
    return f"{r['created_at']:%Y-%m-%d %H:%M:%S} · {r['model_name']} · {r['user']} · {cost}{status} · #{r['id']}"


def section(f: reports.Filters, *, may_see_rows: bool) -> None:
    """Opt-in (a page view never pays for it): a table of calls, then the receipt of the one picked."""
    if not may_see_rows:
        return
    if not st.toggle("Show individual calls and their receipts", key="costs_calls"):
        return
    a, b = st.columns(2)
    tiered = a.checkbox("Long-context calls only", key="costs_calls_tiered",
                        help="Calls whose prompt passed a price tier's threshold, so the whole call was billed higher.")
    disputed = b.checkbox("Cost disagreements only", key="costs_calls_disputed",
                          help="Calls whose endpoint reported a cost (OpenRouter) that differs from ours.")
    rows = receipts.recent_calls(f, limit=LIMIT, tiered_only=tiered, mismatched_only=disputed)
    if not rows:
        st.info("No calls match.")
        return
    # The only missing numbers are unpriced costs: the table's placeholder says so. The endpoint's own figure,
    # absent for most calls, is text ("–" when none) so that it never reads as unpriced.
    st.dataframe(pd.DataFrame([{
        "ID": r["id"], "When (UTC)": r["created_at"].strftime("%Y-%m-%d %H:%M:%S"), "User": r["user"],
        "Model": r["model_name"], "Status": r["status"], "Input": r["input_tokens"],
        "Cache writes (1h)": f"{r['cache_write_tokens']:,} ({r['cache_write_1h_tokens']:,})",
        "Output": r["output_tokens"], "Cost (USD)": None if r["cost_usd"] is None else float(r["cost_usd"]),
        "Tier": f"> {r['tier_threshold']:,}" if r["tier_threshold"] is not None else "–",
        "Reported (USD)": "–" if r["reported_cost_usd"] is None else f"${r['reported_cost_usd']:.6f}",
        "Disagrees": bool(r["cost_mismatch"]), "Estimated": bool(r["usage_estimated"]),
    } for r in rows]), hide_index=True, width="stretch", key="costs_calls_table", placeholder="unpriced",
        column_config={
        "Cost (USD)": st.column_config.NumberColumn(format="$%.6f", help="unpriced: no known price, never $0"),
        "Reported (USD)": st.column_config.TextColumn(help="The endpoint's own figure, if it reports one"),
        "Tier": st.column_config.TextColumn(help="The long-context tier the call was billed at; – = base prices"),
    })
    st.caption(f"The newest {len(rows)} call{'s' if len(rows) != 1 else ''} of this range (at most {LIMIT}).")
    names = {r["id"]: call_name(r) for r in rows}
    pick = st.selectbox("Receipt of call", list(names), index=None, key="costs_receipt_id", format_func=names.get,
                        placeholder="pick a call: time, model, user, cost",
                        help="Tokens × rates, the tier and why, the price version.")
    if pick is not None:
        with st.container(border=True):
            receipt.body(receipts.for_usage(pick))
