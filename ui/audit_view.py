"""The audit log as a read-only table for admins (catalog and costs pages); there is no way to edit it here."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.access import audit


def render(entities: tuple[str, ...], key: str) -> None:
    """The newest changes to `entities`: when (UTC), who, what, and old → new."""
    rows = audit.merged([e for e in audit.entries(limit=500) if e.entity in entities])
    if not rows:
        st.caption("No changes recorded yet.")
        return
    st.dataframe(pd.DataFrame([{"When (UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"), "Who": e.actor,
                                "What": f"{e.entity} {e.action}", "Subject": e.subject, "Change": e.describe()}
                               for e in rows]), hide_index=True, width="stretch", key=key)
    st.caption("Every change to a model, price, endpoint, budget or team is recorded by the engine; "
               "the log cannot be edited from the app.")
