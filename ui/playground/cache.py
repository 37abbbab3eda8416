"""The playground's "cache this prompt" setting: Anthropic's cache_control, 5 minutes or 1 hour, so its cost shows."""

from __future__ import annotations

import streamlit as st

CHOICES = ("5m", "1h")
LABELS = {"5m": "5 minutes", "1h": "1 hour"}
HELP = ("Anthropic only: mark the prompt for caching (cache_control). The first call writes the cache at the "
        "cache-write price (1 hour costs more than 5 minutes); repeats within that time read it at the cache-read "
        "price. Each answer's receipt shows the split. Other providers cache on their own: not sent to them.")


def widget(label: str, blank_means: str, common: dict) -> None:
    """Off (blank), 5 minutes or 1 hour."""
    st.selectbox(label, CHOICES, index=None, placeholder=f"off ({blank_means})" if blank_means != "default" else "off",
                 format_func=LABELS.get, **common)
