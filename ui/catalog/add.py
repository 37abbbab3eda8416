"""The catalog's Add model tab: a form with help on every field, filled from genai-prices on request."""

from __future__ import annotations

import streamlit as st

from alonchat import identity, pricing
from alonchat.catalog import models as catalog
from alonchat.errors import ValidationError
from alonchat.registry import registry
from ui.catalog.common import error_list, flash, help_of, label, price_text

ss = st.session_state
PRICES = ("input_price", "output_price", "cache_read_price", "cache_write_price")
TEXT = ("name", "display_name", "model_id", "description")
NUMBERS = ("context_window", "max_tokens", *PRICES)
KEY = "add_{}".format
ERRORS, FILLED = "add_errors", "add_filled"


def _reset() -> None:
    for f in TEXT:
        ss[KEY(f)] = ""
    for f in NUMBERS:
        ss[KEY(f)] = None
    ss[KEY("active")] = True
    ss.pop(FILLED, None)


def _reference():
    provider, model_id = ss.get(KEY("provider")), (ss.get(KEY("model_id")) or "").strip()
    return pricing.reference(provider, model_id) if provider and model_id else None


def _fill() -> None:
    """Copy genai-prices' context window and prices into the fields; the user can still change them."""
    ref = _reference()
    if ref is None:
        return
    if ref.context_window:
        ss[KEY("context_window")] = ref.context_window
    for f in PRICES:
        value = getattr(ref.prices, f)
        ss[KEY(f)] = None if value is None else float(value)
    if not (ss.get(KEY("name")) or "").strip():
        ss[KEY("name")] = ss[KEY("model_id")].strip()
    if not (ss.get(KEY("display_name")) or "").strip() and ref.name:
        ss[KEY("display_name")] = ref.name
    ss[FILLED] = {f: ss[KEY(f)] for f in PRICES}


def _add() -> None:
    data = {f: ss.get(KEY(f)) for f in (*TEXT, *NUMBERS)}
    data["provider"] = ss.get(KEY("provider")) or ""
    data["active"] = ss.get(KEY("active"), True)
    filled = ss.get(FILLED)
    source = "genai-prices" if filled and all(filled[f] == data[f] for f in PRICES) else "manual"
    try:
        spec = catalog.create_model(data, source=source, user=identity.current_user())
    except ValidationError as e:
        ss[ERRORS] = e.errors
        return
    ss.pop(ERRORS, None)
    _reset()
    where = "It is in the playground's model picker now." if spec.is_active else "It is inactive for now."
    flash("add", "success", f"Added **{spec.name}** ({spec.provider} · {spec.model_id}). {where}")


def _hint() -> None:
    """Offer genai-prices' data for the typed model id (prices, context window), or say there is none."""
    model_id = (ss.get(KEY("model_id")) or "").strip()
    if not model_id or not ss.get(KEY("provider")):
        st.caption("Pick a provider and type the model id: known models can be filled from the genai-prices data.")
        return
    ref = _reference()
    if ref is None:
        st.caption(f":material/help: genai-prices has no data for `{model_id}` on this provider. Enter prices "
                   "yourself, or leave them empty: the model will be *unpriced*.")
        return
    p = ref.prices
    ctx = f"{ref.context_window:,} tokens" if ref.context_window else "unknown"
    with st.container(border=True):
        st.markdown(f":material/lightbulb: **genai-prices knows `{ref.ref_id}`**"
                    + (f" ({ref.name})" if ref.name else "") + (" · *deprecated*" if ref.deprecated else ""))
        st.caption(f"Context window {ctx} · input {price_text(p.input_price)} · output {price_text(p.output_price)}"
                   f" · cache read {price_text(p.cache_read_price)} · cache write {price_text(p.cache_write_price)}"
                   " (USD per 1M tokens). It has no max output tokens: take that from the provider's docs.")
        st.button("Fill from genai-prices", key="add_fill", icon=":material/auto_fix_high:", on_click=_fill,
                  help="Copies the context window and prices into the fields below; you can still change them.")


def render() -> None:
    if KEY("name") not in ss:
        _reset()
    st.markdown("Add a model from any registered provider. Every field has help (the **?** icon). "
                "Nothing is saved unless every field is valid.")
    errors = ss.get(ERRORS)
    if errors:
        st.error("The model was not added. Fix these and try again:\n" + error_list(errors), icon=":material/error:")
    left, right = st.columns(2)
    providers = registry.names()
    left.selectbox(label("provider"), providers, index=None, key=KEY("provider"), help=help_of("provider"),
                   placeholder="Choose a provider…")
    right.text_input(label("model_id"), key=KEY("model_id"), help=help_of("model_id"), max_chars=200,
                     placeholder="e.g. gpt-4o-mini")
    _hint()
    left, right = st.columns(2)
    left.text_input(label("name") + " *", key=KEY("name"), help=help_of("name"), max_chars=100,
                    placeholder="e.g. gpt-4o-mini")
    right.text_input(label("display_name"), key=KEY("display_name"), help=help_of("display_name"), max_chars=200)
    left, right = st.columns(2)
    left.number_input(label("context_window"), key=KEY("context_window"), step=1, help=help_of("context_window"),
                      placeholder="unknown")
    right.number_input(label("max_tokens"), key=KEY("max_tokens"), step=1, help=help_of("max_tokens"),
                       placeholder="unknown")
    st.markdown("**Prices** · USD per 1M tokens · leave empty when unknown")
    for col, f in zip(st.columns(4), PRICES, strict=True):
        col.number_input(label(f), key=KEY(f), step=0.01, format="%.6g", help=help_of(f), placeholder="unpriced")
    st.text_area(label("description"), key=KEY("description"), help=help_of("description"), max_chars=2000,
                 height=80)
    st.checkbox(label("active"), key=KEY("active"), help=help_of("active"))
    st.button("Add model", key="add_submit", type="primary", icon=":material/add:", on_click=_add)
