"""Export battles in LMArena's columns (admins: all; members: their own votes), and import them (admins)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from alonchat.access import identity
from alonchat.arena import io as arena_io
from alonchat.arena.leaderboard import Filters
from alonchat.catalog.io import decode
from alonchat.core.errors import AlonChatError
from ui import auth


def export(f: Filters) -> None:
    """Download buttons that build the file when clicked; a member's export holds their own votes only."""
    who = identity.actor()
    if not who.is_admin:
        f = replace(f, users=(who.email,), teams=())
    st.caption("Columns: model_a, model_b, winner (LMArena's), then tstamp, user, team, category, shown_left, "
               "names_self_a/b, settings_a/b, origin, and any columns an import brought."
               + ("" if auth.can_edit() else " As a member you export your own votes."))
    left, right = st.columns(2)
    for col, fmt in ((left, "csv"), (right, "jsonl")):
        auth.download_button(col, f"Download {fmt.upper()}", lambda fmt=fmt: arena_io.export(f, fmt),
                             file_name=f"arena_battles.{fmt}", mime="text/csv" if fmt == "csv" else "application/jsonl",
                             key=f"arena_export_{fmt}")


def import_form() -> None:
    """Admins add battles from a file, all or nothing."""
    with st.form("arena_import", clear_on_submit=True):
        upload = st.file_uploader("Battles (CSV, JSON Lines or JSON)", type=["csv", "jsonl", "json"],
                                  key="arena_import_file")
        team = st.text_input("Put them in team (optional)", key="arena_import_team",
                             help="Empty: each battle's team column, else no team.")
        sent = st.form_submit_button("Import", icon=":material/upload:")
    if not sent:
        return
    if upload is None:
        st.warning("Choose a file first.", icon=":material/warning:")
        return
    try:
        count = arena_io.import_battles(decode(upload.getvalue()), arena_io.format_of(upload.name),
                                        team=team.strip() or None, source=upload.name)
    except AlonChatError as e:
        st.error(str(e), icon=":material/error:")
        return
    st.success(f"Imported {count:,} battles from {upload.name}.", icon=":material/check_circle:")
