"""The sidebar every page shares: who is spending, and which providers are ready (and what to set)."""

from __future__ import annotations

import os

import streamlit as st

from alonchat.providers.registry import registry
from ui import auth


def load_secrets() -> list[str]:
    """Copy top-level keys of .streamlit/secrets.toml into the environment (never over a set one).

    Returns the names copied; values are never displayed or logged.
    """
    from streamlit.errors import StreamlitSecretNotFoundError

    try:
        items = list(st.secrets.items())
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return []  # no secrets.toml: the environment is the only source, which is fine
    copied = []
    for name, value in items:
        # Only env-var-shaped scalars: sections such as [auth] stay where Streamlit reads them.
        if name.isupper() and isinstance(value, str | int | float) and not os.environ.get(name):
            os.environ[name] = str(value)
            copied.append(name)
    return copied


def render() -> None:
    """User and provider readiness; the page adds its own sections below."""
    with st.sidebar:
        auth.sidebar_identity()
        statuses = [s for s in registry.status() if s.kind != "endpoint" or s.configured or s.missing_env]
        ready = [s for s in statuses if s.configured]
        with st.expander(f"Providers · {len(ready)} of {len(statuses)} ready", icon=":material/hub:"):
            for s in statuses:
                if s.error:
                    st.markdown(f":red[:material/error:] **{s.name}** failed to load")
                elif s.configured:
                    st.markdown(f":green[:material/check_circle:] **{s.name}**")
                else:
                    need = " or ".join(f"`{v}`" for v in s.missing_env) or "configuration"
                    st.markdown(f":orange[:material/key:] **{s.name}** · set {need}")
            st.caption("Keys come from the environment or `.streamlit/secrets.toml`.")
