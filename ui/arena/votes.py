"""Your own votes, revealed: both panes with their settings, what each answer cost and took, and your vote."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.arena import battles
from ui.format import duration, money


def _pane(answer: battles.Answer) -> str:
    settings = ", ".join(f"{k}={v}" for k, v in sorted(answer.settings.items()))
    return answer.model + (f" ({settings})" if settings else "")


def _winner(b: battles.Battle) -> str:
    return {"model_a": b.a.model, "model_b": b.b.model}.get(b.winner, battles.VOTE_LABELS.get(b.winner, ""))


def render() -> None:
    mine = battles.mine(limit=200)
    if not mine:
        st.caption("You have not voted yet: turn on blind mode in the playground.")
        return
    st.dataframe(pd.DataFrame([{
        "When (UTC)": b.voted_at.strftime("%Y-%m-%d %H:%M") if b.voted_at else "", "Category": b.category or "",
        "A (left)": _pane(b.a), "B (right)": _pane(b.b), "Your vote": battles.VOTE_LABELS[b.winner],
        "Winner": _winner(b), "Cost A": money(b.a.cost_usd, badge=False) if b.a.usage_id else "",
        "Cost B": money(b.b.cost_usd, badge=False) if b.b.usage_id else "",
        "Time A": duration(b.a.latency_ms), "Time B": duration(b.b.latency_ms),
        "Named itself": ", ".join(s for s, a in (("A", b.a), ("B", b.b)) if a.names_self)} for b in mine]),
        hide_index=True, width="stretch", key="arena_my_votes")
    st.caption(f"Your {len(mine):,} most recent votes. Only you (and admins) see single votes; the board shows "
               "your team's totals.")
