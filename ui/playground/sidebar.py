"""The playground's part of the sidebar: saved conversations, and rename/export/delete for the open one."""

from __future__ import annotations

import re
from functools import partial

import streamlit as st

from alonchat import conversations
from alonchat.access import identity
from alonchat.core import errors
from ui import auth
from ui import safe_markdown as md
from ui.playground import state


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50] or "conversation"


def _rename(conversation_id: int) -> None:
    try:
        title = st.session_state.get(f"pg_rename_{conversation_id}", "")
        conversations.rename(conversation_id, title, identity.current_user())
        st.session_state[state.NOTICE] = ("success", "Renamed.")
    except errors.ValidationError as e:
        st.session_state[state.NOTICE] = ("error", str(e))


def _delete(conversation_id: int) -> None:
    try:
        conversations.remove(conversation_id, identity.current_user())
    except errors.ValidationError as e:
        st.session_state[state.NOTICE] = ("error", str(e))
        return
    st.session_state[state.CONV] = None
    st.session_state[state.NOTICE] = ("success", "Conversation deleted (its usage stays in the cost ledger).")


def render(view) -> None:
    """Conversation list (newest first) with the open one highlighted and its actions below."""
    user = identity.current_user()
    with st.sidebar:
        st.button("New chat", icon=":material/add_comment:", on_click=state.new_chat,
                  key="pg_new_chat", width="stretch", type="primary" if view is None else "secondary")
        if view is not None:
            with st.expander("This conversation", icon=":material/edit_note:"):
                st.text_input("Name", value=view.title, key=f"pg_rename_{view.id}",
                              max_chars=conversations.TITLE_MAX)
                st.button("Rename", key="pg_rename_btn", on_click=_rename, args=(view.id,),
                          icon=":material/edit:")
                slug = _slug(view.title)
                c1, c2 = st.columns(2)
                # Each built when its button is clicked, not on every rerun.
                auth.download_button(c1, "Markdown", partial(conversations.export_markdown, view.id, user),
                                     file_name=f"{slug}.md", mime="text/markdown", key="pg_export_md",
                                     width="stretch")
                auth.download_button(c2, "JSON", partial(conversations.export_json, view.id, user),
                                     file_name=f"{slug}.json", mime="application/json", key="pg_export_json",
                                     icon=":material/data_object:", width="stretch")
                confirm = st.checkbox("I want to delete it", key="pg_delete_confirm")
                st.button("Delete conversation", key="pg_delete", on_click=_delete, args=(view.id,),
                          disabled=not confirm, icon=":material/delete:")
        items = conversations.list_for(user)
        st.caption(f"Conversations · {len(items)}" if items else "No saved conversations yet.")
        for c in items:
            current = view is not None and c.id == view.id
            st.button(md.plain(c.title), key=f"pg_open_{c.id}", on_click=state.open_conversation, args=(c.id,),
                      help=f"{md.plain(', '.join(c.models)) or 'no models yet'} · {c.updated_at:%Y-%m-%d %H:%M} UTC",
                      type="secondary" if current else "tertiary", width="stretch",
                      icon=":material/chat:" if current else None)
