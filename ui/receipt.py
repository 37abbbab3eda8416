"""A call's receipt on any page: tokens × rate = amount per kind, the tier and why, the price version, the counts."""

from __future__ import annotations

import streamlit as st

from alonchat.core.errors import AlonChatError
from alonchat.core.pricing import Receipt
from alonchat.usage import receipts
from ui import format as fmt


def _rate(value) -> str:
    return f"${value.normalize():f}/1M"


def body(r: Receipt) -> None:
    """The breakdown itself (inside a popover or an expander)."""
    if r.total is None:
        st.markdown(f"**Unpriced**: {r.unpriced_reason or 'the catalog has no price for this model'}. "
                    "Set its input and output prices on the Catalog page.")
    else:
        rows = [f"| {ln.label}{' · *tier*' if ln.tiered else ''}{f' · *at {ln.fallback}*' if ln.fallback else ''} "
                f"| {ln.tokens:,} | {_rate(ln.rate)} | ${ln.amount:.6f} |" for ln in r.lines]
        st.markdown("| token kind | tokens | rate | amount |\n|---|---:|---:|---:|\n" + "\n".join(rows)
                    + f"\n| **total** | | | **${r.total:.6f}** |")
    st.caption(f":material/stacked_line_chart: {r.tier_reason}")
    if r.version is not None:
        when = r.version.effective.strftime("%Y-%m-%d %H:%M UTC") if r.version.effective else "unknown"
        st.caption(f":material/history: prices: version #{r.version.id}, in force since {when}, "
                   f"source *{r.version.source}*")
    st.caption(":material/calculate: counts " + ("**estimated** by AlonChat (the provider reported none)"
                                                 if r.estimated else "reported by the provider"))
    if r.reported_cost_usd is not None:
        flagged = r.extra.get("cost_mismatch", r.cost_mismatch)
        st.caption(f":material/receipt: the endpoint reported ${r.reported_cost_usd:.6f}"
                   + (" · :red-badge[disagrees with ours]" if flagged else " · agrees"))


def for_usage(usage_id: int | None, cost, key: str) -> None:
    """The cost as a button that opens the ledger row's receipt; a plain label when there is no row."""
    label = fmt.money(cost, badge=False) if cost is not None else "unpriced"
    if usage_id is None:
        st.caption(label)
        return
    with st.popover(f"{label} · receipt", icon=":material/receipt_long:", key=key):
        try:
            body(receipts.for_usage(usage_id))
        except AlonChatError as e:
            st.error(str(e), icon=":material/error:")
