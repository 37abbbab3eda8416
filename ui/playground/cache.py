"""The playground's "cache this prompt" option: Anthropic's cache_control, 5 minutes or 1 hour, so its cost shows."""

from __future__ import annotations

import streamlit as st

CHOICES = (None, "5m", "1h")
LABELS = {None: "Off", "5m": "5 minutes", "1h": "1 hour"}
HELP = ("Anthropic only: mark the prompt for caching (cache_control). The first call writes the cache "
        "(at the cache-write price: 1 hour costs more than 5 minutes); repeats within that time read it at "
        "the cache-read price. Each answer's receipt shows the split. Other providers cache on their own.")


def widget(spec, key: str) -> None:
    """Shown in the shared settings and in an Anthropic pane's own settings; other panes do not send it."""
    if spec is not None and spec.provider != "anthropic":
        return
    st.selectbox("Cache this prompt", CHOICES, format_func=LABELS.get, key=key, help=HELP,
                 persist_state="session")
