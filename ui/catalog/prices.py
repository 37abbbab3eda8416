"""The catalog's Prices tab: every model's price history, and where genai-prices now says otherwise."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.access import identity
from alonchat.catalog import prices as catalog_prices
from alonchat.core.pricing import PRICE_FIELDS as PRICES
from alonchat.core.pricing import describe_tiers
from ui import safe_markdown as md
from ui.catalog.common import errors_to, flash, label, price_text


def _accept(name: str) -> None:
    with errors_to("prices"):
        catalog_prices.accept(name, user=identity.current_user())
        flash("prices", "success", f"{name} now has genai-prices' prices; the change is in its history.")


def _accept_all() -> None:
    with errors_to("prices"):
        names = catalog_prices.accept_all(user=identity.current_user())
        flash("prices", "success", f"Updated {len(names)} model{'s' if len(names) != 1 else ''} from genai-prices: "
                         f"{', '.join(names)}.")


def _text(field: str, value) -> str:
    return describe_tiers(value) if field == "tiers" else price_text(value)


def check() -> None:
    st.subheader("Check prices against genai-prices", anchor=False)
    st.caption("genai-prices ships price data with AlonChat. Models it lists are compared field by field; "
               "a price it does not know is left as it is. Past usage keeps the cost it was charged.")
    diffs = catalog_prices.check_prices()
    if not diffs:
        st.success("Every catalog price matches genai-prices.", icon=":material/verified:")
        return
    st.button(f"Accept all {len(diffs)} change{'s' if len(diffs) != 1 else ''}", key="prices_accept_all",
              type="primary", icon=":material/done_all:", on_click=_accept_all)
    for d in diffs:
        with st.container(border=True):
            text, action = st.columns([5, 1], vertical_alignment="center")
            changes = " · ".join(f"{label(f)}: {_text(f, old)} → **{_text(f, new)}**"
                                 for f, (old, new) in d.changes.items())
            text.markdown(f"**{md.plain(d.name)}** ({md.plain(d.provider)} · {md.plain(d.model_id)})  \n{changes}")
            action.button("Accept", key=f"prices_accept_{d.name}", icon=":material/check:", on_click=_accept,
                          args=(d.name,))


def history(names: list[str]) -> None:
    st.subheader("Price history", anchor=False)
    name = st.selectbox("Model", names, index=None, key="prices_history_model", placeholder="Choose a model…",
                        help="Every price change: when, where it came from (manual, genai-prices, import, seed) "
                             "and who made it.")
    if name is None:
        return
    changes = catalog_prices.history(name)
    st.dataframe(pd.DataFrame([{
        "When (UTC)": c.changed_at.strftime("%Y-%m-%d %H:%M:%S"), "Source": c.source, "Changed by": c.changed_by,
        **{label(f).removesuffix(" price"): price_text(getattr(c.prices, f)) for f in PRICES},
        "Long-context tiers": describe_tiers(c.prices.tiers),
    } for c in reversed(changes)]), hide_index=True, width="stretch", key="prices_history_table")
    st.caption(f"{len(changes)} price change{'s' if len(changes) != 1 else ''}, newest first · USD per 1M tokens.")


def render(names: list[str]) -> None:
    check()
    st.divider()
    history(names)
