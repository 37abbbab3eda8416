"""The catalog's Endpoints tab: add an OpenAI-compatible server without code, list what it serves, add it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.access import identity
from alonchat.catalog import endpoints
from alonchat.core.errors import AlonChatError, ValidationError
from ui.catalog.common import ask, confirm, error_list, errors_to, flash

ss = st.session_state
FIELDS = endpoints.EndpointInput.model_fields
SERVED = "ep_served"  # endpoint name -> model ids it reported
ERRORS, PICK, ADD_IDS = "ep_errors", "ep_pick", "ep_add_ids"
NEW = {"name": "ep_new_name", "base_url": "ep_new_url", "api_key_env": "ep_new_key_env",
       "description": "ep_new_description"}  # the add form's text fields; enabled is a checkbox
ENABLED = "ep_new_enabled"
HINTS = {
    "Ollama": "http://localhost:11434/v1", "LM Studio": "http://localhost:1234/v1", "vLLM": "http://localhost:8000/v1",
    "Groq": "https://api.groq.com/openai/v1", "Together": "https://api.together.xyz/v1",
    "OpenRouter": "https://openrouter.ai/api/v1",
}


def _create() -> None:
    data = {field: ss.get(key, "") for field, key in NEW.items()} | {"enabled": ss.get(ENABLED, True)}
    try:
        info = endpoints.create_endpoint(data)
    except ValidationError as e:
        ss[ERRORS] = e.errors
        return
    ss.pop(ERRORS, None)
    for key in NEW.values():
        ss[key] = ""
    ss[PICK] = info.name
    flash("endpoints", "success", f"Added endpoint **{info.name}**. Use *List models* below to see what it serves.")


def _call(fn, *args, ok: str) -> None:
    with errors_to("endpoints"):
        fn(*args)
        flash("endpoints", "success", ok)


def _list_models(name: str) -> None:
    try:
        ss.setdefault(SERVED, {})[name] = endpoints.served_models(name)
    except AlonChatError as e:
        ss.setdefault(SERVED, {}).pop(name, None)
        flash("endpoints", "error", f"Could not list the models of {name}: {e}")


def _add_served(name: str) -> None:
    ids = ss.get(ADD_IDS) or []
    try:
        added = endpoints.add_served_models(name, ids, user=identity.current_user())
    except ValidationError as e:
        flash("endpoints", "error", "Nothing was added:\n" + error_list(e.errors, keyed=True))
        return
    ss[ADD_IDS] = []
    flash("endpoints", "success", f"Added {', '.join(m.name for m in added)} to the catalog (provider **{name}**). "
                     "Unknown prices stay *unpriced*: set them on the Edit tab.")


def _remove(name: str) -> None:
    with errors_to("endpoints"):
        endpoints.remove_endpoint(name)
        ss.pop(PICK, None)
        flash("endpoints", "success", f"Removed endpoint {name}.")


def add_form() -> None:
    with st.expander("Add an endpoint", icon=":material/add_link:", expanded=not ss.get(PICK)):
        errors = ss.get(ERRORS)
        if errors:
            st.error("The endpoint was not added:\n" + error_list(errors), icon=":material/error:")
        with st.form("ep_add_form", border=False):
            left, right = st.columns(2)
            left.text_input("Name *", key=NEW["name"], help=FIELDS["name"].description, max_chars=100,
                            placeholder="e.g. groq, ollama")
            right.text_input("Base URL *", key=NEW["base_url"], help=FIELDS["base_url"].description, max_chars=500,
                             placeholder="e.g. http://localhost:11434/v1")
            left.text_input("API key env var", key=NEW["api_key_env"], help=FIELDS["api_key_env"].description,
                            max_chars=100, placeholder="e.g. GROQ_API_KEY (empty for local servers)")
            right.text_input("Description", key=NEW["description"], help=FIELDS["description"].description)
            st.checkbox("Enabled", key=ENABLED, value=True, help=FIELDS["enabled"].description)
            st.caption("Usual base URLs: " + " · ".join(f"{k} `{v}`" for k, v in HINTS.items())
                       + ". The key itself is never stored or shown: only the name of the variable that holds it.")
            st.form_submit_button("Add endpoint", type="primary", icon=":material/add:", on_click=_create)


def manage(rows: list[endpoints.EndpointInfo], catalog_names: set[str]) -> None:
    name = st.selectbox("Endpoint", [r.name for r in rows], index=None, key=PICK,
                        placeholder="Choose an endpoint…")
    if name is None:
        return
    ep = next(r for r in rows if r.name == name)
    a, b, c, _ = st.columns([1, 1, 1, 2])
    a.button("List models", key="ep_list_models", icon=":material/list:", on_click=_list_models, args=(name,),
             help="Asks the endpoint which models it serves (GET /v1/models).")
    if ep.enabled:
        b.button("Disable", key="ep_disable", icon=":material/pause_circle:", on_click=_call,
                 args=(endpoints.set_enabled, name, False), kwargs={"ok": f"{name} is disabled."})
    else:
        b.button("Enable", key="ep_enable", icon=":material/play_circle:", on_click=_call,
                 args=(endpoints.set_enabled, name, True), kwargs={"ok": f"{name} is enabled."})
    c.button("Remove…", key="ep_remove", icon=":material/delete:", on_click=ask, args=("ep_remove", name))
    confirm("ep_remove", name, f"Remove endpoint **{name}**? Only an endpoint with no catalog models can be removed.",
            "Yes, remove", _remove)
    served = ss.get(SERVED, {}).get(name)
    if served is None:
        return
    if not served:
        st.info(f"{name} reports no models.", icon=":material/info:")
        return
    new = [m for m in served if endpoints.default_name(name, m) not in catalog_names]
    st.markdown(f"**{name} serves {len(served)} model{'s' if len(served) != 1 else ''}** "
                f"({len(served) - len(new)} already in the catalog).")
    if not new:
        return
    st.multiselect("Models to add", new, key=ADD_IDS, placeholder="Choose models to add…",
                   help=f"Each is added as '{name}/<model id>' with provider {name}; prices come from "
                        "genai-prices when it knows the model, otherwise they stay unpriced.")
    count = len(ss.get(ADD_IDS) or [])
    st.button(f"Add {count} to the catalog" if count else "Add to the catalog", key="ep_add_models",
              type="primary", icon=":material/playlist_add:", on_click=_add_served, args=(name,),
              disabled=not count)


def render(catalog_names: set[str]) -> None:
    rows = endpoints.list_endpoints()
    st.markdown("OpenAI-compatible servers (Together, Groq, OpenRouter, Ollama, vLLM, LM Studio…) added "
                "without code. Their models use the endpoint's name as provider.")
    if rows:
        st.dataframe(pd.DataFrame([{
            "Name": r.name, "Base URL": r.base_url, "Key env var": r.api_key_env or "none (keyless)",
            "Enabled": r.enabled, "Ready": r.configured, "Catalog models": r.models,
        } for r in rows]), hide_index=True, width="stretch", key="ep_table", column_config={
            "Ready": st.column_config.CheckboxColumn(help="Enabled, and its key variable is set (if it needs one)"),
        })
    add_form()
    manage(rows, catalog_names)
