"""The catalog's Add model tab: a form with help on every field, filled from genai-prices on request."""

from __future__ import annotations

import streamlit as st

from alonchat.access import identity
from alonchat.catalog import endpoints
from alonchat.catalog import models as catalog
from alonchat.core import pricing
from alonchat.core.errors import AlonChatError, ValidationError
from alonchat.core.pricing import PRICE_FIELDS as PRICES
from alonchat.providers.registry import registry
from ui.catalog import tiers
from ui.catalog.common import error_list, errors_to, flash, help_of, label, price_text

ss = st.session_state
TEXT = ("name", "display_name", "model_id", "description")
NUMBERS = ("context_window", "max_tokens", *PRICES)
KEY = "add_{}".format
ERRORS, FILLED = "add_errors", "add_filled"
ENABLE = "add_enable"  # the disabled endpoint the last added model is on: offer to enable it
TIERS, TIERS_FROM = "add_tiers", "add_tiers_initial"  # the tier editor's state, and the rows it started from


def _reset() -> None:
    for f in TEXT:
        ss[KEY(f)] = ""
    for f in NUMBERS:
        ss[KEY(f)] = None
    ss[KEY("active")] = True
    for f in catalog.CAPABILITIES:
        ss[KEY(f)] = False
    ss.pop(FILLED, None)
    ss.pop(TIERS, None)
    ss[TIERS_FROM] = []


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
    ss.pop(TIERS, None)
    ss[TIERS_FROM] = tiers.as_rows(ref.prices.tiers)
    ss[FILLED] = {f: ss[KEY(f)] for f in PRICES}


def _add() -> None:
    data = {f: ss.get(KEY(f)) for f in (*TEXT, *NUMBERS)}
    data["provider"] = ss.get(KEY("provider")) or ""
    data["active"] = ss.get(KEY("active"), True)
    data["tiers"] = tiers.current(ss.get(TIERS_FROM) or [], TIERS) or None
    data.update({f: bool(ss.get(KEY(f))) for f in catalog.CAPABILITIES})
    filled = ss.get(FILLED)
    source = "genai-prices" if filled and all(filled[f] == data[f] for f in PRICES) else "manual"
    try:
        spec = catalog.create_model(data, source=source, user=identity.current_user())
    except ValidationError as e:
        ss[ERRORS] = e.errors
        return
    ss.pop(ERRORS, None)
    _reset()
    flash("add", "success", f"Added **{spec.name}** ({spec.provider} · {spec.model_id}). {_where(spec)}")


def _where(spec) -> str:
    """Where the new model can be used now; the picker only if its provider can really be called."""
    ss.pop(ENABLE, None)
    if not spec.is_active:
        return "It is inactive for now."
    endpoint = next((e for e in endpoints.list_endpoints() if e.name == spec.provider), None)
    if endpoint is not None and not endpoint.enabled:
        ss[ENABLE] = endpoint.name
        return (f"Its endpoint **{endpoint.name}** is disabled, so it can't be called until you enable it "
                "(below, or on the Endpoints tab).")
    try:
        missing = registry.get(spec.provider).missing_env_vars()
    except AlonChatError:
        missing = []
    if missing:
        return (f"It is in the playground's model picker, but {spec.provider} is not configured: set "
                f"{' or '.join(missing)} to call it.")
    return "It is in the playground's model picker now."


def _enable(name: str) -> None:
    ss.pop(ENABLE, None)
    with errors_to("add"):
        endpoints.set_enabled(name, True)
        flash("add", "success", f"Endpoint **{name}** is enabled: its models are in the playground's model picker.")


def enable_offer() -> None:
    """After adding a model on a disabled endpoint: enable it here rather than hunting for the tab."""
    name = ss.get(ENABLE)
    if name:
        st.button(f"Enable {name}", key="add_enable_endpoint", type="primary", icon=":material/play_circle:",
                  on_click=_enable, args=(name,))


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
                   + (f" · cache write 1h {price_text(p.cache_write_1h_price)}" if p.cache_write_1h_price else "")
                   + (f" · long-context tiers: {pricing.describe_tiers(p.tiers)}" if p.tiers else "")
                   + " (USD per 1M tokens). It has no max output tokens: take that from the provider's docs.")
        st.button("Fill from genai-prices", key="add_fill", icon=":material/auto_fix_high:", on_click=_fill,
                  help="Copies the context window and prices into the fields below; you can still change them.")


def render() -> None:
    if KEY("name") not in ss:
        _reset()
    enable_offer()
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
    # value=None: a cleared number stays blank (unset) instead of snapping back to 0.
    left.number_input(label("context_window"), value=None, key=KEY("context_window"), step=1,
                      help=help_of("context_window"), placeholder="unknown")
    right.number_input(label("max_tokens"), value=None, key=KEY("max_tokens"), step=1, help=help_of("max_tokens"),
                       placeholder="unknown")
    st.markdown("**Prices** · USD per 1M tokens · leave empty when unknown")
    for col, f in zip(st.columns(len(PRICES)), PRICES, strict=True):
        col.number_input(label(f), value=None, key=KEY(f), step=0.01, format="%.6g", help=help_of(f),
                         placeholder="unpriced")
    with st.expander("Long-context tiers (optional)", expanded=bool(ss.get(TIERS_FROM))):
        st.caption(tiers.HELP)
        tiers.editor(ss.get(TIERS_FROM) or [], TIERS)
    st.text_area(label("description"), key=KEY("description"), help=help_of("description"), max_chars=2000,
                 height=80)
    st.markdown("**Accepts** · decides which settings and attachments the playground offers")
    for col, f in zip(st.columns(4), (*catalog.CAPABILITIES, "active"), strict=True):
        col.checkbox(label(f), key=KEY(f), help=help_of(f))
    st.button("Add model", key="add_submit", type="primary", icon=":material/add:", on_click=_add)
