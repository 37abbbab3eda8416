"""Long-context tiers as a small table people edit (add, change, remove rows), shared by the Add and Edit tabs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.access import identity
from alonchat.catalog import models as catalog
from alonchat.core.errors import ValidationError
from alonchat.core.pricing import PRICE_FIELDS, parse_tiers
from ui.catalog.common import error_list, flash

ss = st.session_state
COLUMNS = ("threshold", *PRICE_FIELDS)
_TITLES = {"threshold": "Above (tokens)", "input_price": "Input $/1M", "output_price": "Output $/1M",
           "cache_read_price": "Cache read $/1M", "cache_write_price": "Cache write $/1M",
           "cache_write_1h_price": "Cache write 1h $/1M"}
HELP = ("Once a prompt (cache included) is longer than **Above**, the whole call is billed at that row's prices; "
        "an empty price keeps the base price. Add a row with **+**, remove one by selecting it and pressing the bin. "
        "Thresholds must go up; prices can't be negative; a row needs a threshold and at least one price.")


def as_rows(tiers) -> list[dict]:
    """A model's tiers (JSON, dicts or Tier) as editor rows of plain numbers, None where blank."""
    return [{c: (None if getattr(t, c) is None else (int(t.threshold) if c == "threshold" else float(getattr(t, c))))
             for c in COLUMNS} for t in parse_tiers(tiers)]


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def current(initial: list[dict], key: str) -> list[dict]:
    """The editor's rows now: `initial` with its edited, added and deleted rows applied (callbacks read this)."""
    state = ss.get(key) or {}
    deleted = {int(i) for i in state.get("deleted_rows", [])}
    rows = [dict(r) for i, r in enumerate(initial) if i not in deleted]
    kept = [i for i in range(len(initial)) if i not in deleted]
    for pos, cells in (state.get("edited_rows") or {}).items():
        pos = int(pos)
        if pos in kept:
            rows[kept.index(pos)].update({k: v for k, v in cells.items() if k in COLUMNS})
    rows += [{c: r.get(c) for c in COLUMNS} for r in state.get("added_rows", [])]
    return [{c: (None if _blank(r.get(c)) else r.get(c)) for c in COLUMNS} for r in rows]


def editor(initial: list[dict], key: str) -> None:
    """The tier table: dynamic rows, one column per price; validation happens on save, in the engine."""
    frame = pd.DataFrame(initial, columns=list(COLUMNS)).astype("float64")
    st.data_editor(frame, key=key, num_rows="dynamic", hide_index=True, width="stretch", placeholder="base",
                   column_config={
                       "threshold": st.column_config.NumberColumn(_TITLES["threshold"], step=1, min_value=1,
                                                                  format="localized", help=HELP),
                       **{f: st.column_config.NumberColumn(_TITLES[f], min_value=0.0, format="%.6g",
                                                           help="Empty = the base price") for f in PRICE_FIELDS}})


# --- the Edit tab's section: one model's tiers --------------------------------------------------

EDIT_MODEL, EDIT_KEY = "tiers_model", "tiers_editor_{}".format


def _save(name: str, initial: list[dict]) -> None:
    rows = current(initial, EDIT_KEY(name))
    try:
        catalog.update_model(name, {"tiers": rows or None}, user=identity.current_user())
    except ValidationError as e:
        flash("edit", "error", f"The tiers of {name} were not saved. Fix this and save again:\n"
                               + error_list(e.errors))
        return
    ss.pop(EDIT_KEY(name), None)
    flash("edit", "success", f"Saved the long-context tiers of {name} ({len(rows)} tier"
                             f"{'s' if len(rows) != 1 else ''}); the change is in its price history.")


def edit_section(rows: list[dict]) -> None:
    st.subheader("Long-context tiers", anchor=False)
    st.caption(HELP)
    names = [r["name"] for r in rows]
    name = st.selectbox("Model", names, index=None, key=EDIT_MODEL, placeholder="Choose a model…",
                        help="Models with tiers are marked in the Models tab's Tiers column.")
    if name is None:
        return
    row = next(r for r in rows if r["name"] == name)
    initial = as_rows(row.get("tiers"))
    editor(initial, EDIT_KEY(name))
    pending = current(initial, EDIT_KEY(name)) != initial
    st.button("Save tiers", key="tiers_save", type="primary", icon=":material/save:", on_click=_save,
              args=(name, initial), disabled=not pending)


def summary(tiers) -> str:
    """The tiers in a table cell: 'above 200,000' per tier, '' when none."""
    return ", ".join(f"> {t.threshold:,}" for t in parse_tiers(tiers))
