"""Altair charts for the cost dashboard: stacked spend, tokens by kind, top spenders; tooltips carry exact values."""

from __future__ import annotations

import altair as alt
import pandas as pd

from alonchat.core.types import SOURCE_LABELS
from alonchat.usage.reports import TOKEN_KINDS, tokens_by_kind
from ui.format import places

COST_FMT = "$,.6f"
# Days as ordinal bands (one full-width bar per day), labelled like "Nov 03".
DAY_AXIS = alt.Axis(labelExpr="timeFormat(toDate(datum.value + 'T00:00:00'), '%b %d')", labelAngle=-45)


def group_label(by: str, value) -> str:
    """A breakdown group as people read it: a source's label, "no team" for calls without one, "–" for blank."""
    if by == "source":
        return SOURCE_LABELS.get(value, value or "–")
    if by == "team" and not value:
        return "no team"
    return "–" if value is None or value == "" else str(value)


def usd_axis(largest: float) -> alt.Axis:
    """Dollar ticks with enough decimals for the chart's amounts ($0.0005 a day is not "$0.00"), commas above $1,000."""
    return alt.Axis(format=f"$,.{places([largest / 5], significant=1)}f")  # ~5 ticks: each step must read


def spend_over_time(rows: list[dict], by: str, tz: str) -> alt.Chart | None:
    """Daily spend stacked by model, provider or user; unpriced groups have no spend to stack."""
    data = pd.DataFrame([{"day": r["day"].isoformat(), by: group_label(by, r[by]), "cost_usd": float(r["cost_usd"]),
                          "requests": r["requests"], "unpriced": r["unpriced_requests"]}
                         for r in rows if r["cost_usd"] is not None])
    if data.empty:
        return None
    return alt.Chart(data, title=f"Spend per day ({tz}) by {by}").mark_bar().encode(
        x=alt.X("day:O", title=None, axis=DAY_AXIS),
        y=alt.Y("sum(cost_usd):Q", title="USD", axis=usd_axis(data.groupby("day")["cost_usd"].sum().max())),
        color=alt.Color(f"{by}:N", title=by, sort="-y", scale=alt.Scale(scheme="tableau20")),
        tooltip=[alt.Tooltip("day:O", title="day"), alt.Tooltip(f"{by}:N"),
                 alt.Tooltip("cost_usd:Q", title="spend", format=COST_FMT),
                 alt.Tooltip("requests:Q", format=","), alt.Tooltip("unpriced:Q", title="unpriced calls", format=",")],
    )


def tokens_over_time(rows: list[dict], tz: str) -> alt.Chart | None:
    """Tokens per day split into kinds that add up: uncached input, cached, cache write, visible output, reasoning."""
    per_day: dict = {}
    for r in rows:
        acc = per_day.setdefault(r["day"], dict.fromkeys(TOKEN_KINDS, 0))
        for kind, n in tokens_by_kind(r).items():
            acc[kind] += n
    data = pd.DataFrame([{"day": d.isoformat(), "kind": k, "tokens": n}
                         for d, kinds in per_day.items() for k, n in kinds.items()])
    if data.empty:
        return None
    return alt.Chart(data, title=f"Tokens per day by kind ({tz})").mark_bar().encode(
        x=alt.X("day:O", title=None, axis=DAY_AXIS),
        y=alt.Y("sum(tokens):Q", title="tokens", axis=alt.Axis(format="~s")),
        color=alt.Color("kind:N", title="kind", sort=list(TOKEN_KINDS), scale=alt.Scale(domain=list(TOKEN_KINDS))),
        order=alt.Order("kind_order:Q"),
        tooltip=[alt.Tooltip("day:O", title="day"), "kind:N", alt.Tooltip("tokens:Q", format=",")],
    ).transform_calculate(kind_order=f"indexof({list(TOKEN_KINDS)!r}, datum.kind)")


def top_spenders(rows: list[dict], by: str) -> alt.Chart | None:
    """Horizontal bars of the biggest spenders; an all-unpriced group shows its count, not $0."""
    data = pd.DataFrame([{by: group_label(by, r[by]), "cost_usd": float(r["cost_usd"] or 0),
                          "priced": r["cost_usd"] is not None,
                          "requests": r["requests"], "unpriced": r["unpriced_requests"]} for r in rows])
    if data.empty:
        return None
    return alt.Chart(data, title=f"Top {by}s by spend").mark_bar().encode(
        x=alt.X("cost_usd:Q", title="USD", axis=usd_axis(data["cost_usd"].max())),
        y=alt.Y(f"{by}:N", sort="-x", title=None),
        color=alt.condition("datum.priced", alt.value("#4c78a8"), alt.value("#f58518")),
        tooltip=[alt.Tooltip(f"{by}:N"), alt.Tooltip("cost_usd:Q", title="spend", format=COST_FMT),
                 alt.Tooltip("requests:Q", format=","), alt.Tooltip("unpriced:Q", title="unpriced calls", format=",")],
    )
