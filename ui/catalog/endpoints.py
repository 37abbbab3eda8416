"""The catalog's Endpoints tab: each OpenAI-compatible server with Enable, Edit and its models; add one without code."""

from __future__ import annotations

import streamlit as st

from alonchat.access import identity
from alonchat.catalog import endpoints
from alonchat.core.errors import AlonChatError, ValidationError
from ui import safe_markdown as md
from ui.catalog.common import ask, confirm, error_list, errors_to, flash

ss = st.session_state
FIELDS = endpoints.EndpointInput.model_fields
SERVED = "ep_served"  # endpoint name -> model ids it reported
ERRORS, EXISTS, ADD_IDS = "ep_errors", "ep_exists", "ep_add_ids"
EDIT, EDIT_ERRORS = "ep_edit", "ep_edit_errors"  # the endpoint whose settings are open, and why its save failed
NEW = {"name": "ep_new_name", "base_url": "ep_new_url", "api_key_env": "ep_new_key_env",
       "description": "ep_new_description"}  # the add form's text fields; enabled is a checkbox
ENABLED = "ep_new_enabled"
HINTS = {
    "Ollama": "http://localhost:11434/v1", "LM Studio": "http://localhost:1234/v1", "vLLM": "http://localhost:8000/v1",
    "Groq": "https://api.groq.com/openai/v1", "Together": "https://api.together.xyz/v1",
    "OpenRouter": "https://openrouter.ai/api/v1",
}


def _edit_keys(name: str) -> dict[str, str]:
    return {"base_url": f"ep_{name}_url", "api_key_env": f"ep_{name}_key_env", "description": f"ep_{name}_description",
            "enabled": f"ep_{name}_enabled"}


def _open_editor(ep: endpoints.EndpointInfo, typed: dict | None = None) -> None:
    """Show `ep`'s settings form, filled with its values (or with what was typed for it in the add form)."""
    values = {"base_url": ep.base_url, "api_key_env": ep.api_key_env or "", "description": ep.description,
              "enabled": ep.enabled} | {k: v for k, v in (typed or {}).items() if v not in ("", None)}
    for field, key in _edit_keys(ep.name).items():
        ss[key] = values[field]
    ss[EDIT] = ep.name
    ss.pop(EDIT_ERRORS, None)


def _save_edit(name: str) -> None:
    changes = {field: ss.get(key) for field, key in _edit_keys(name).items()}
    try:
        info = endpoints.update_endpoint(name, changes)
    except ValidationError as e:
        ss[EDIT_ERRORS] = e.errors
        return
    ss.pop(EDIT, None)
    ss.pop(EDIT_ERRORS, None)
    flash("endpoints", "success", f"Saved **{info.name}**: {info.base_url}, "
                                  + (f"key from `{info.api_key_env}`" if info.api_key_env else "no key")
                                  + f", {'enabled' if info.enabled else 'disabled'}. The change is in the audit log.")


def _close_editor() -> None:
    ss.pop(EDIT, None)
    ss.pop(EDIT_ERRORS, None)


def _create() -> None:
    data = {field: ss.get(key, "") for field, key in NEW.items()} | {"enabled": ss.get(ENABLED, True)}
    ss.pop(EXISTS, None)
    try:
        info = endpoints.create_endpoint(data)
    except endpoints.EndpointExistsError as e:  # said in this page's terms: the button below opens it
        state = "enabled" if e.enabled else "disabled"
        ss[ERRORS] = {"name": f"An endpoint named '{e.existing}' already exists ({state}, {e.base_url}). Use that one: "
                              f"**Edit {e.existing} instead** opens its settings with what you typed here. "
                              "Or pick another name."}
        ss[EXISTS] = (e.existing, {"base_url": data["base_url"], "api_key_env": data["api_key_env"]})
        return
    except ValidationError as e:
        ss[ERRORS] = e.errors
        return
    ss.pop(ERRORS, None)
    for key in NEW.values():
        ss[key] = ""
    flash("endpoints", "success", f"Added endpoint **{info.name}**. Use *List models* on it below to see what it "
                                  "serves.")


def _edit_existing(rows: list[endpoints.EndpointInfo]) -> None:
    """The add form met a taken name: open that endpoint's settings with what was typed, and clear the form."""
    name, typed = ss.pop(EXISTS)
    ss.pop(ERRORS, None)
    for key in NEW.values():
        ss[key] = ""
    _open_editor(next(r for r in rows if r.name == name), typed)


def _set_enabled(name: str, enabled: bool) -> None:
    with errors_to("endpoints"):
        endpoints.set_enabled(name, enabled)
        flash("endpoints", "success", f"**{name}** is {'enabled' if enabled else 'disabled'}.")


def _list_models(name: str) -> None:
    try:
        ss.setdefault(SERVED, {})[name] = endpoints.served_models(name)
    except AlonChatError as e:
        ss.setdefault(SERVED, {}).pop(name, None)
        flash("endpoints", "error", f"Could not list the models of {name}: {e}")


def _add_served(name: str) -> None:
    ids = ss.get(f"{ADD_IDS}_{name}") or []
    try:
        added = endpoints.add_served_models(name, ids, user=identity.current_user())
    except ValidationError as e:
        flash("endpoints", "error", "Nothing was added:\n" + error_list(e.errors, keyed=True))
        return
    ss[f"{ADD_IDS}_{name}"] = []
    flash("endpoints", "success", f"Added {', '.join(m.name for m in added)} to the catalog (provider **{name}**). "
                                  "Unknown prices stay *unpriced*: set them on the Edit tab.")


def _remove(name: str) -> None:
    with errors_to("endpoints"):
        endpoints.remove_endpoint(name)
        flash("endpoints", "success", f"Removed endpoint {name}.")


def add_form(rows: list[endpoints.EndpointInfo]) -> None:
    errors = ss.get(ERRORS)
    with st.expander("Add an endpoint", icon=":material/add_link:", expanded=not rows or bool(errors)):
        if errors:
            st.error("The endpoint was not added:\n" + error_list(errors), icon=":material/error:")
        if ss.get(EXISTS):
            name = ss[EXISTS][0]
            st.button(f"Edit {name} instead", key="ep_edit_existing", type="primary", icon=":material/edit:",
                      on_click=_edit_existing, args=(rows,),
                      help=f"Opens {name}'s settings below with the base URL and key variable you typed.")
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


def _state(ep: endpoints.EndpointInfo) -> str:
    """Badges: whether it is on, and what it still needs before a call can go out."""
    badges = [":green-badge[:material/check_circle: enabled]" if ep.enabled else ":gray-badge[disabled]"]
    if ep.key_missing:
        badges.append(f":orange-badge[:material/key: set {ep.api_key_env}]")
    elif ep.configured:
        badges.append(":green-badge[ready]")
    return " ".join(badges)


def _editor(ep: endpoints.EndpointInfo) -> None:
    keys = _edit_keys(ep.name)
    errors = ss.get(EDIT_ERRORS)
    if errors:
        st.error(f"{ep.name} was not changed:\n" + error_list(errors), icon=":material/error:")
    with st.form(f"ep_edit_form_{ep.name}", border=False):
        left, right = st.columns(2)
        left.text_input("Base URL *", key=keys["base_url"], help=FIELDS["base_url"].description, max_chars=500)
        right.text_input("API key env var", key=keys["api_key_env"], help=FIELDS["api_key_env"].description,
                         max_chars=100, placeholder="empty for local servers")
        st.text_input("Description", key=keys["description"], help=FIELDS["description"].description)
        st.checkbox("Enabled", key=keys["enabled"], help=FIELDS["enabled"].description)
        st.caption("The name can't change: its models use it as their provider. Every change is in the audit log.")
        with st.container(horizontal=True):
            st.form_submit_button("Save", type="primary", icon=":material/save:", on_click=_save_edit,
                                  args=(ep.name,))
            st.form_submit_button("Cancel", on_click=_close_editor)


def _served(ep: endpoints.EndpointInfo, catalog_names: set[str]) -> None:
    served = ss.get(SERVED, {}).get(ep.name)
    if served is None:
        return
    if not served:
        st.info(f"{ep.name} reports no models.", icon=":material/info:")
        return
    new = [m for m in served if endpoints.default_name(ep.name, m) not in catalog_names]
    st.markdown(f"**{ep.name} serves {len(served)} model{'s' if len(served) != 1 else ''}** "
                f"({len(served) - len(new)} already in the catalog).")
    if not new:
        return
    key = f"{ADD_IDS}_{ep.name}"
    st.multiselect("Models to add", new, key=key, placeholder="Choose models to add…",
                   help=f"Each is added as '{ep.name}/<model id>' with provider {ep.name}; prices come from "
                        "genai-prices when it knows the model, otherwise they stay unpriced.")
    count = len(ss.get(key) or [])
    st.button(f"Add {count} to the catalog" if count else "Add to the catalog", key=f"ep_add_models_{ep.name}",
              type="primary", icon=":material/playlist_add:", on_click=_add_served, args=(ep.name,),
              disabled=not count)


def endpoint(ep: endpoints.EndpointInfo, catalog_names: set[str]) -> None:
    """One endpoint: name, state, URL and key variable, and what can be done with it."""
    with st.container(border=True, key=f"ep_card_{ep.name}"):
        st.markdown(f"**{ep.name}** {_state(ep)}")
        key = f"key from `{ep.api_key_env}`" if ep.api_key_env else "no key (local server)"
        count = f"{ep.models} catalog model{'s' if ep.models != 1 else ''}"
        st.caption(f"`{ep.base_url}` · {key} · {count}" + (f" · {md.plain(ep.description)}" if ep.description else ""))
        editing = ss.get(EDIT) == ep.name
        with st.container(horizontal=True):
            if ep.enabled:
                st.button("Disable", key=f"ep_disable_{ep.name}", icon=":material/pause_circle:",
                          on_click=_set_enabled, args=(ep.name, False),
                          help="Its models stay in the catalog but refuse calls until it is enabled again.")
            else:
                st.button("Enable", key=f"ep_enable_{ep.name}", icon=":material/play_circle:", type="primary",
                          on_click=_set_enabled, args=(ep.name, True))
            st.button("Edit", key=f"ep_edit_{ep.name}", icon=":material/edit:", disabled=editing,
                      on_click=_open_editor, args=(ep,), help="Change its base URL, key variable or description.")
            st.button("List models", key=f"ep_list_{ep.name}", icon=":material/list:", on_click=_list_models,
                      args=(ep.name,), help="Asks the endpoint which models it serves (GET /v1/models).")
            st.button("Remove…", key=f"ep_remove_{ep.name}", icon=":material/delete:", on_click=ask,
                      args=("ep_remove", ep.name))
        confirm("ep_remove", ep.name, f"Remove endpoint **{ep.name}**? Only an endpoint with no catalog models can "
                "be removed.", "Yes, remove", _remove)
        if editing:
            _editor(ep)
        _served(ep, catalog_names)


def render(catalog_names: set[str]) -> None:
    rows = endpoints.list_endpoints()
    st.markdown("OpenAI-compatible servers (Together, Groq, OpenRouter, Ollama, vLLM, LM Studio…) added "
                "without code. Their models use the endpoint's name as provider.")
    add_form(rows)
    for ep in rows:
        endpoint(ep, catalog_names)
