"""The leaderboard drawn: the ranked table, ratings with intervals, quality per dollar, win rates, position bias."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from alonchat.arena.leaderboard import Board
from ui.format import money


def _bound(value: float | None) -> str:
    return "open" if value is None else f"{value:.0f}"


def table(b: Board) -> None:
    data = pd.DataFrame([{
        "Rank": r.rank, "Model": r.model, "Rating": round(r.rating), "95% interval":
            f"{_bound(r.rating_lower)} – {_bound(r.rating_upper)}",
        "Battles": r.battles, "Win rate": 100 * r.win_rate, "Wins": r.wins, "Ties": r.ties, "Losses": r.losses,
        "Median cost / answer": "unknown" if r.median_cost_usd is None else money(r.median_cost_usd, badge=False),
        "Best value": "✓" if r.frontier else ""} for r in b.rows])
    st.dataframe(data, hide_index=True, width="stretch", key="arena_table", column_config={
        "Rank": st.column_config.NumberColumn(help="1 + the models whose whole interval is above this one's: "
                                                   "models share a rank until their intervals separate."),
        "Rating": st.column_config.NumberColumn(help="Bradley–Terry, LMArena's scale: 1000 + 400·log10(strength); "
                                                     "the mean is 1000."),
        "95% interval": st.column_config.TextColumn(help="Sandwich (robust) 95% interval; “open” when the model "
                                                         "won (or lost) every battle."),
        "Win rate": st.column_config.ProgressColumn(format="%.1f%%", min_value=0.0, max_value=100.0,
                                                    help="Share of its battles won; a tie counts half."),
        "Median cost / answer": st.column_config.TextColumn(
            help="From the arena's own ledger rows (exact); unknown for unpriced models and imported battles."),
        "Best value": st.column_config.TextColumn(help="No other model is both better rated and cheaper."),
    })


def notes(b: Board) -> None:
    said = [f"{b.votes:,} vote{'s' if b.votes != 1 else ''}"]
    if b.flagged:
        said.append(f"{b.flagged:,} where an answer named its own model (counted)")
    if b.flagged_left_out:
        said.append(f"{b.flagged_left_out:,} such votes left out")
    if b.self_battles:
        said.append(f"{b.self_battles:,} between two settings of one model (not rated)")
    st.caption(" · ".join(said))
    if b.groups > 1:
        st.warning(f"These models form {b.groups} groups that never met, even through other models: ratings "
                   "compare only within a group. Vote on pairs across them to join the board.",
                   icon=":material/link_off:")


def ratings_chart(b: Board) -> alt.Chart:
    """Each model's rating with its interval (an open side drawn to the edge of the others)."""
    known = [v for r in b.rows for v in (r.rating_lower, r.rating_upper) if v is not None] or [r.rating for r in b.rows]
    low, high = min(known + [r.rating for r in b.rows]), max(known + [r.rating for r in b.rows])
    data = pd.DataFrame([{"model": r.model, "rating": r.rating, "rank": r.rank,
                          "lower": low if r.rating_lower is None else r.rating_lower,
                          "upper": high if r.rating_upper is None else r.rating_upper,
                          "interval": f"{_bound(r.rating_lower)} – {_bound(r.rating_upper)}"} for r in b.rows])
    order = list(data["model"])
    base = alt.Chart(data, title="Ratings with 95% intervals").encode(
        y=alt.Y("model:N", sort=order, title=None),
        tooltip=["model:N", alt.Tooltip("rating:Q", format=".0f"), "interval:N", "rank:Q"])
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title="rating", scale=alt.Scale(zero=False)),
                                                x2="upper:Q")
    return bars + base.mark_point(filled=True, size=60).encode(x="rating:Q")


def value_chart(b: Board) -> alt.Chart | None:
    """Rating against median cost per answer; the frontier joins the models nothing beats on both."""
    priced = [r for r in b.rows if r.median_cost_usd is not None and r.median_cost_usd > 0]
    if not priced:
        return None
    data = pd.DataFrame([{"model": r.model, "cost": float(r.median_cost_usd), "rating": r.rating,
                          "cost_text": money(r.median_cost_usd, badge=False),
                          "frontier": "best value" if r.frontier else "beaten on both"} for r in priced])
    points = alt.Chart(data, title="Quality per dollar").mark_circle(size=90).encode(
        x=alt.X("cost:Q", title="median cost per answer (USD, log)", scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$.2~g")),
        y=alt.Y("rating:Q", scale=alt.Scale(zero=False)),
        color=alt.Color("frontier:N", title=None, scale=alt.Scale(domain=["best value", "beaten on both"],
                                                                  range=["#2e7d32", "#9e9e9e"])),
        tooltip=["model:N", alt.Tooltip("rating:Q", format=".0f"), alt.Tooltip("cost_text:N", title="median cost")])
    labels = points.mark_text(align="left", dx=7, fontSize=11).encode(text="model:N", color=alt.value("#555"))
    line = alt.Chart(data[data["frontier"] == "best value"].sort_values("cost")).mark_line(
        strokeDash=[4, 3], color="#2e7d32").encode(x="cost:Q", y="rating:Q", order="cost:Q")
    return line + points + labels


def matrix_chart(b: Board) -> alt.Chart:
    """Row model's win rate against column model (ties half), with the number of battles."""
    models = b.models
    data = pd.DataFrame([{"model": a, "opponent": o, "win_rate": b.win_rate[i][j], "battles": b.games[i][j]}
                         for i, a in enumerate(models) for j, o in enumerate(models) if b.games[i][j]])
    base = alt.Chart(data, title="Win rate of the row model against the column model").encode(
        x=alt.X("opponent:N", sort=models, title=None, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("model:N", sort=models, title=None))
    cells = base.mark_rect().encode(
        color=alt.Color("win_rate:Q", title="win rate", scale=alt.Scale(scheme="redblue", domain=[0, 1])),
        tooltip=["model:N", "opponent:N", alt.Tooltip("win_rate:Q", format=".0%"), "battles:Q"])
    text = base.mark_text(fontSize=11).encode(text=alt.Text("win_rate:Q", format=".0%"))
    return cells + text


def position(b: Board) -> None:
    p = b.position
    if p is None:
        st.caption("Position check: no decisive votes whose left side is known yet.")
        return
    lo, hi = p.interval
    fair = lo <= 0.5 <= hi
    st.metric("Votes for the left answer", f"{p.share:.1%}", help="Share of decisive votes won by the answer shown "
              "on the left, over battles whose left side is known. 50% is no position bias.", border=True)
    st.caption(f"95% interval {lo:.1%} – {hi:.1%} over {p.decisive:,} decisive votes: "
               + ("consistent with no position bias." if fair else "voters favour one side; the random left/right "
                  "order keeps the ratings fair, but look at how answers are read."))


def render(b: Board) -> None:
    if not b.rows:
        st.info("No votes match these filters yet. Vote in the playground's blind mode, or (admins) import "
                "battles below.", icon=":material/info:")
        position(b)
        return
    table(b)
    notes(b)
    left, right = st.columns(2)
    left.altair_chart(ratings_chart(b), width="stretch", key="arena_ratings_chart")
    chart = value_chart(b)
    if chart is None:
        right.info("No model on the board has a known cost per answer yet (imported battles and unpriced models "
                   "have none).", icon=":material/payments:")
    else:
        right.altair_chart(chart, width="stretch", key="arena_value_chart")
    left, right = st.columns([3, 1])
    left.altair_chart(matrix_chart(b), width="stretch", key="arena_matrix_chart")
    with right:
        position(b)
