"""The playground's part of the sidebar: saved conversations, and rename/export/delete for the open one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from alonchat import conversations
from alonchat.access import identity
from alonchat.core import errors
from ui import auth
from ui import safe_markdown as md
from ui.playground import state


def when(at: datetime) -> str:
    """A conversation's last use in the browser's time zone (UTC when it is unknown): "Dec 3, 14:05"."""
    try:
        zone = ZoneInfo(st.context.timezone) if st.context.timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone)
    return f"{local:%b} {local.day}, {local:%H:%M}" + (" UTC" if zone is UTC else "")


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
                # Enter renames (on_change), as the button does.
                st.text_input("Name (Enter renames)", value=view.title, key=f"pg_rename_{view.id}",
                              max_chars=conversations.TITLE_MAX, on_change=_rename, args=(view.id,))
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
            # Every one a button (the open one filled), its whole title wrapped, never cut; its date and models below.
            st.button(md.plain(c.title), key=f"pg_open_{c.id}", on_click=state.open_conversation, args=(c.id,),
                      type="primary" if current else "secondary", width="stretch",
                      icon=":material/chat:" if current else ":material/chat_bubble_outline:")
            st.caption(f"{when(c.updated_at)} · {md.plain(', '.join(c.models)) or 'no models yet'}")
