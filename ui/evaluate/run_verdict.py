"""A run's verdict per pane: two compact tables (pass rate with its interval; speed and spend) and cost against
pass rate."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from alonchat.evals import results, runs
from ui import format as fmt


def ms(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def verdict(run: runs.RunInfo) -> None:
    """Two compact tables (the verdict; speed and spend), each fitting the page without scrolling sideways."""
    found = results.summary(run.id, run)
    judged = any(s.scored or s.judge_cost_usd is not None for s in found)
    verdict, speed = [], []
    for s in found:
        ci = s.interval
        name = ("★ " if s.on_front else "") + f"{s.index + 1}. {s.pane.label}"
        row = {"pane": name,
               "pass rate (95% CI)": "—" if ci is None else f"{pct(s.pass_rate)} ({pct(ci[0])}–{pct(ci[1])})",
               "passed": f"{s.passed}/{s.graded}", "call errors": s.errors}
        if judged:
            row["judge score"] = "—" if s.mean_score is None else f"{s.mean_score:.2f}"
        row.update({"per 1k cases": fmt.money(s.cost_per_1k, badge=False),
                    "passes per $": "—" if s.passes_per_usd is None else f"{s.passes_per_usd:,.0f}"})
        verdict.append(row)
        line = {"pane": name,
                "latency p50 / p95": f"{ms(s.p50_latency_ms)} / {ms(s.p95_latency_ms)} ms",
                "first token p50 / p95": f"{ms(s.p50_ttft_ms)} / {ms(s.p95_ttft_ms)} ms",
                "tokens in / out": f"{s.input_tokens:,} / {s.output_tokens:,}",
                "cost": fmt.money(s.cost_usd, badge=False) + (f" +{s.unpriced} unpriced" if s.unpriced else "")}
        if judged:
            line["judge cost"] = "—" if s.judge_cost_usd is None else fmt.money(s.judge_cost_usd, badge=False)
        speed.append(line)
    wide = {"pane": st.column_config.TextColumn(width="medium")}
    st.dataframe(pd.DataFrame(verdict), hide_index=True, width="stretch", column_config=wide)
    st.dataframe(pd.DataFrame(speed), hide_index=True, width="stretch", column_config=wide)
    notes = []
    if any(s.on_front for s in found):
        notes.append("★ no other pane is both cheaper (per 1k cases) and better (pass rate).")
    notes += [f"Pane {s.index + 1}: {s.self_judged} cell(s) graded by the judge model that wrote them."
              for s in found if s.self_judged]
    if any(0 < s.graded < 30 for s in found):
        notes.append("Under 30 graded cells per pane the interval is wide: more cases or repeats narrow it.")
    if notes:
        st.caption(" ".join(notes))
    chart = cost_chart(found)
    if chart is not None:
        st.altair_chart(chart, width="stretch")


def cost_chart(found: list[results.PaneSummary]) -> alt.Chart | None:
    """Pass rate (with its 95% interval) against cost per 1,000 cases; the panes no other beats are marked."""
    data = pd.DataFrame([{"pane": f"{s.index + 1}. {s.pane.label}", "cost": float(s.cost_per_1k),
                          "rate": s.pass_rate, "low": s.interval[0], "high": s.interval[1],
                          "front": "not beaten on both" if s.on_front else "beaten by another"}
                         for s in found if s.cost_per_1k is not None and s.pass_rate is not None])
    if data.empty:
        return None
    most = float(data["cost"].max())
    # Every pane free: one $0 tick, and room for the labels (never a made-up scale running to $1.35).
    axis = alt.Axis(format="$,.4~f") if most else alt.Axis(format="$,.0f", values=[0])
    base = alt.Chart(data, title="Pass rate (95% interval) against cost per 1,000 cases").encode(
        x=alt.X("cost:Q", title="USD per 1,000 cases" if most else "USD per 1,000 cases (every pane cost $0)",
                axis=axis, scale=alt.Scale(domain=[0, (most or 1.0) * 1.35])))  # room for the labels right
    bars = base.mark_rule().encode(y=alt.Y("low:Q", title="pass rate", axis=alt.Axis(format="%"),
                                           scale=alt.Scale(domain=[0, 1])), y2="high:Q")
    points = base.mark_point(size=120, filled=True).encode(
        y="rate:Q", color=alt.Color("front:N", title=None, legend=alt.Legend(orient="bottom"), scale=alt.Scale(
            domain=["not beaten on both", "beaten by another"], range=["#2e7d32", "#9e9e9e"])),
        shape=alt.Shape("front:N", legend=None),
        tooltip=["pane:N", alt.Tooltip("rate:Q", format=".1%", title="pass rate"),
                 alt.Tooltip("low:Q", format=".1%", title="95% low"), alt.Tooltip("high:Q", format=".1%",
                                                                               title="95% high"),
                 alt.Tooltip("cost:Q", format="$,.6f", title="per 1k cases")])
    labels = base.mark_text(align="left", dx=8, dy=-8).encode(y="rate:Q", text="pane:N")
    return (bars + points + labels).properties(height=280)
