"""The catalog's Models and Edit tabs: a searchable table, an in-place editor, and a model's lifecycle."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.access import identity
from alonchat.catalog import io as catalog_io
from alonchat.catalog import models as catalog
from alonchat.core.errors import ValidationError
from alonchat.core.pricing import PRICE_FIELDS as PRICES
from ui import safe_markdown as md
from ui.catalog import tiers
from ui.catalog.common import ask, confirm, error_list, errors_to, flash, help_of, label, price_text

ss = st.session_state
EDITOR = "cat_editor"
SAVED = "cat_saved"  # the last save's changes, [(model, field, old, new)], shown until the next edit
LIFE_MODEL = "cat_life_model"
IN_USE = "cat_in_use"  # (model, calls) when Delete… found recorded usage: offer Deactivate instead
EDITABLE = ("display_name", "context_window", "max_tokens", *PRICES, "description", "active",
            *catalog.CAPABILITIES)
SHOW = ("All models", "Active", "Inactive", "Unpriced", "Provider not configured", "With long-context tiers")


def filter_rows(rows: list[dict], query: str, providers: list[str], show: str) -> list[dict]:
    """The rows matching the search box (any text column) and the filters."""
    q = (query or "").strip().casefold()
    keep = {
        "Active": lambda r: r["active"], "Inactive": lambda r: not r["active"],
        "Unpriced": lambda r: not r["price_known"], "Provider not configured": lambda r: not r["configured"],
        "With long-context tiers": lambda r: bool(r.get("tiers")),
    }.get(show, lambda r: True)
    return [r for r in rows
            if (not providers or r["provider"] in providers) and keep(r)
            and (not q or any(q in str(r[k]).casefold() for k in ("name", "display_name", "provider", "model_id",
                                                                     "description")))]


def browse(rows: list[dict]) -> None:
    search, provider, show = st.columns([3, 2, 2])
    query = search.text_input("Search", key="cat_search", placeholder="name, model id, provider, description…",
                              help="Matches any part of the name, display name, provider, model id or description.")
    providers = provider.multiselect("Provider", sorted({r["provider"] for r in rows}), key="cat_providers",
                                     placeholder="All providers")
    state = show.selectbox("Show", SHOW, key="cat_show")
    shown = filter_rows(rows, query, providers, state)
    st.caption(f"{len(shown)} of {len(rows)} models · prices in USD per 1M tokens · "
               "*unpriced* means the price is unknown, so calls are not costed (never counted as $0)")
    if not shown:
        st.info("No model matches. Clear the search or the filters.", icon=":material/search_off:")
        return
    table = pd.DataFrame([{
        "Name": r["name"], "Display name": r["display_name"], "Provider": r["provider"], "Model id": r["model_id"],
        "Context window": r["context_window"], "Max output": r["max_tokens"],
        **{label(f).removesuffix(" price"): price_text(r[f]) for f in PRICES},
        "Tiers": tiers.summary(r.get("tiers")),
        "Active": r["active"], "Configured": r["configured"], "Price known": r["price_known"],
        **{label(f): r[f] for f in catalog.CAPABILITIES},
    } for r in shown])
    st.dataframe(table, hide_index=True, width="stretch", key="cat_table", column_config={
        "Name": st.column_config.TextColumn(pinned=True),  # stays in view while scrolling to the prices
        "Context window": st.column_config.NumberColumn(format="localized", help=help_of("context_window")),
        "Max output": st.column_config.NumberColumn(format="localized", help=help_of("max_tokens")),
        "Input": st.column_config.TextColumn(help="USD per 1M prompt tokens"),
        "Output": st.column_config.TextColumn(help="USD per 1M generated tokens"),
        "Cache read": st.column_config.TextColumn(help=help_of("cache_read_price")),
        "Cache write": st.column_config.TextColumn(help=help_of("cache_write_price")),
        "Tiers": st.column_config.TextColumn(help="Long-context tiers: above this many prompt tokens the whole call "
                                                  "is billed at higher prices (edit them on the Edit tab)"),
        "Active": st.column_config.CheckboxColumn(help=help_of("active")),
        "Configured": st.column_config.CheckboxColumn(help="Whether the provider's key (or endpoint) is set up"),
        "Price known": st.column_config.CheckboxColumn(help="Input and output prices are both known"),
        **{label(f): st.column_config.CheckboxColumn(help=help_of(f)) for f in catalog.CAPABILITIES},
    })


def _editor_frame(rows: list[dict]) -> pd.DataFrame:
    """The Models tab's rows in its order, indexed by name: the index column stays pinned while scrolling to
    the prices, and the editor's identity includes the names, so pending edits (kept by row position) are
    dropped rather than moved onto another model when the catalog's rows change."""
    return pd.DataFrame([{"provider": r["provider"], "model_id": r["model_id"],
                          **{f: (float(r[f]) if f in PRICES and r[f] is not None else r[f]) for f in EDITABLE}}
                         for r in rows], index=pd.Index([r["name"] for r in rows], name="name"))


def _changes(rows: list[dict]) -> dict[str, dict]:
    """The editor's edited cells as catalog changes, keyed by model name; a cleared price is unknown."""
    edited = (ss.get(EDITOR) or {}).get("edited_rows", {})
    out = {}
    for pos, cells in edited.items():
        pos = int(pos)
        if 0 <= pos < len(rows) and cells:
            out[rows[pos]["name"]] = {k: (None if v is None or v != v else v) for k, v in cells.items()
                                      if k in EDITABLE}
    return {k: v for k, v in out.items() if v}


def _save(rows: list[dict]) -> None:
    changes = _changes(rows)
    if not changes:
        flash("edit", "info", "Nothing to save: edit a cell first.")
        return
    try:
        catalog_io.update_many(changes, user=identity.current_user())
    except ValidationError as e:
        flash("edit", "error", "Nothing was saved. Fix these and save again:\n" + error_list(e.errors, keyed=True))
        return
    ss.pop(EDITOR, None)  # start the editor afresh from the saved catalog
    # Kept in state, not flashed: the fresh editor reruns the page at once and a one-shot message would go.
    before = {r["name"]: r for r in rows}
    ss[SAVED] = [(name, f, before[name][f], new) for name, change in changes.items() for f, new in change.items()]


def _cell(field: str, value) -> str:
    """A saved value as the Models table shows it; blank is unset (unpriced for a price)."""
    if field in PRICES:
        return price_text(value)
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,}" if isinstance(value, int) else str(value)


def saved_note() -> None:
    """What the last save changed (model, field, old → new), until the user edits again or closes it."""
    saved = ss.get(SAVED)
    if not saved:
        return
    models = sorted({m for m, *_ in saved})
    lines = "\n".join(f"- **{md.plain(m)}** · {label(f)}: {_cell(f, old)} → **{_cell(f, new)}**"
                      for m, f, old, new in saved)
    with st.container(border=True):
        st.success(f"Saved {len(models)} model{'s' if len(models) != 1 else ''}: {md.plain(', '.join(models))}. "
                   f"Price changes are in the price history.\n{lines}", icon=":material/check_circle:")
        st.button("Close", key="cat_saved_close", icon=":material/close:", on_click=lambda: ss.pop(SAVED, None))


def edit(rows: list[dict]) -> None:
    st.markdown("Double-click a cell to change it, then **Save changes**. Clear a price to mark it unknown "
                "(*unpriced*). "
                "Every row is checked before anything is written.")
    st.data_editor(_editor_frame(rows), key=EDITOR, hide_index=False, width="stretch", placeholder="unknown",
                   disabled=["provider", "model_id"], column_config={
        "_index": st.column_config.TextColumn("Name", help=help_of("name"), pinned=True, disabled=True),
        "provider": st.column_config.TextColumn("Provider"),
        "model_id": st.column_config.TextColumn("Model id"),
        "display_name": st.column_config.TextColumn("Display name", help=help_of("display_name"), max_chars=200),
        "context_window": st.column_config.NumberColumn("Context window", help=help_of("context_window"), step=1,
                                                        format="localized"),
        "max_tokens": st.column_config.NumberColumn("Max output", help=help_of("max_tokens"), step=1,
                                                    format="localized"),
        **{f: st.column_config.NumberColumn(label(f) + " $/1M", help=help_of(f), format="%.6g") for f in PRICES},
        "description": st.column_config.TextColumn("Description", help=help_of("description"), max_chars=2000),
        "active": st.column_config.CheckboxColumn("Active", help=help_of("active")),
        **{f: st.column_config.CheckboxColumn(label(f), help=help_of(f)) for f in catalog.CAPABILITIES},
    })
    pending = _changes(rows)
    if pending:
        ss.pop(SAVED, None)  # a new edit: the last save's note is history
    saved_note()
    st.button(f"Save changes ({len(pending)})" if pending else "Save changes", key="cat_save", type="primary",
              icon=":material/save:", on_click=_save, args=(rows,), disabled=not pending)
    st.divider()
    tiers.edit_section(rows)
    st.divider()
    lifecycle(rows)


def _set_active(name: str, active: bool) -> None:
    ss.pop(IN_USE, None)
    with errors_to("edit"):
        catalog.set_active(name, active)
        state = ("active again" if active else
                 "deactivated: it stays in the catalog and in past usage, but can't be called")
        flash("edit", "success", f"{name} is {state}.")


def _delete(name: str) -> None:
    with errors_to("edit"):
        catalog.delete_model(name)
        ss.pop(LIFE_MODEL, None)
        flash("edit", "success", f"Deleted {name} and its price history.")


def _ask_delete(name: str) -> None:
    """Check for usage before asking: a used model can't be deleted, so offer what can be done."""
    ss.pop(IN_USE, None)
    with errors_to("edit"):
        used = catalog.usage_count(name)
        if used:
            ss[IN_USE] = (name, used)
        else:
            ask("cat_delete", name)


def _in_use(name: str, active: bool) -> None:
    calls = ss[IN_USE][1]
    with st.container(border=True):
        st.info(f"**{md.plain(name)}** can't be deleted: it has {calls:,} recorded call{'s' if calls != 1 else ''}, "
                "and usage reports refer to it by name. "
                + ("Deactivate it instead: it leaves the pickers and refuses calls, its usage history stays."
                   if active else "It is already inactive, so it can't be called; its usage history stays."),
                icon=":material/info:")
        if active:
            st.button("Deactivate it", key="cat_in_use_deactivate", type="primary", icon=":material/pause_circle:",
                      on_click=_set_active, args=(name, False))


def lifecycle(rows: list[dict]) -> None:
    st.subheader("Deactivate, reactivate or delete", anchor=False)
    names = [r["name"] for r in rows]
    name = st.selectbox("Model", names, index=None, key=LIFE_MODEL, placeholder="Choose a model…")
    if name is None:
        return
    row = next(r for r in rows if r["name"] == name)
    a, b, _ = st.columns([1, 1, 3])
    if row["active"]:
        a.button("Deactivate", key="cat_deactivate", icon=":material/pause_circle:", on_click=_set_active,
                 args=(name, False), help="Hide it from the pickers and refuse calls; usage history stays.")
    else:
        a.button("Reactivate", key="cat_activate", icon=":material/play_circle:", on_click=_set_active,
                 args=(name, True))
    b.button("Delete…", key="cat_delete", icon=":material/delete:", on_click=_ask_delete, args=(name,),
             help="Only a model that was never used can be deleted; otherwise deactivate it.")
    if (ss.get(IN_USE) or (None,))[0] == name:
        _in_use(name, row["active"])
    confirm("cat_delete", name, f"Delete **{name}** for good? Its price history goes with it. This can't be undone.",
            "Yes, delete", _delete)
