"""A run compared with another of its set: pass rate, cost and latency per pane, and the cases that flipped."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.evals import results, runs, sets
from ui import format as fmt
from ui.evaluate.run_cases import case_label
from ui.evaluate.run_verdict import pct

COMPARE = "ev_compare"


def compare(run: runs.RunInfo) -> None:
    others = [r for r in runs.list_runs(limit=200, set_name=run.set_name) if r.id != run.id]
    if not others:
        return
    st.subheader("Compare", anchor=False)
    other = st.selectbox("With an earlier or later run of this set", [r.id for r in others], index=None, key=COMPARE,
                         format_func=lambda i: next(f"Run {r.id} · {r.title} · {r.created_at:%Y-%m-%d %H:%M}"
                                                    for r in others if r.id == i), placeholder="Pick a run")
    if other is None:
        return
    a, b = (other, run.id) if other < run.id else (run.id, other)
    c = results.compare(a, b)
    st.caption(f"Run {a} → run {b} · {c.matched_cases:,} cases matched by their variables"
               + (f" · {c.only_a:,} only in run {a}" if c.only_a else "")
               + (f" · {c.only_b:,} only in run {b}" if c.only_b else ""))
    st.dataframe(pd.DataFrame([{
        "pane": d.pane.label, f"pass rate (run {a})": pct(d.a.pass_rate) if d.a else "—",
        f"pass rate (run {b})": pct(d.b.pass_rate) if d.b else "—",
        "change": "—" if d.pass_rate is None else f"{d.pass_rate * 100:+.1f} pts",
        "per 1k cases change": "—" if d.cost_per_1k is None else (
            ("+" if d.cost_per_1k >= 0 else "−") + fmt.money(abs(d.cost_per_1k), badge=False)),
        "p50 latency change": "—" if d.p50_latency_ms is None else f"{d.p50_latency_ms:+,.0f} ms"}
        for d in c.deltas]), hide_index=True, width="stretch", key="ev_compare_table")
    test_set = sets.get(c.b.set_id)
    if c.flips:
        st.markdown(f"**{len(c.flips)} flipped case(s)**")
        st.dataframe(pd.DataFrame([{
            "case": case_label(test_set, f.case_idx), "pane": f.pane.label,
            "": "✅ fixed" if f.direction == "fixed" else "❌ broke",
            f"run {a}": f"{f.before[0]}/{f.before[1]}", f"run {b}": f"{f.after[0]}/{f.after[1]}"}
            for f in c.flips]), hide_index=True, width="stretch", key="ev_flips")
    else:
        st.caption("No case flipped.")
