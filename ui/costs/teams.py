"""Admins map users (names or emails) and @domains to teams: spend, filters and budgets then have a team dimension."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.access import teams
from alonchat.core.errors import ValidationError


def render() -> None:
    rows = teams.mapping()
    if rows:
        st.dataframe(pd.DataFrame([{"Member": p, "Team": t} for p, t in sorted(rows.items())]),
                     hide_index=True, width="stretch", key="costs_teams_table")
    else:
        st.caption("No teams yet: every call counts as no team.")
    with st.form("costs_team_form", clear_on_submit=True):
        c = st.columns([3, 2])
        pattern = c[0].text_input("User, email or @domain", key="costs_team_pattern",
                                  placeholder="alice, ana@example.com or @example.com",
                                  help="A user name as spend records it (single-user mode: ALONCHAT_USER or the "
                                       "OS user), a signed-in user's email, or @domain for everyone at it.")
        team = c[1].text_input("Team", key="costs_team_name", placeholder="research")
        if st.form_submit_button("Save", icon=":material/group_add:"):
            try:
                teams.assign(pattern, team)
                st.rerun()
            except ValidationError as e:
                st.error(str(e))
    if rows:
        c = st.columns([3, 1], vertical_alignment="bottom")
        gone = c[0].selectbox("Remove from its team", sorted(rows), key="costs_team_remove")
        if c[1].button("Remove", key="costs_team_remove_btn", icon=":material/group_remove:"):
            teams.unassign(gone)
            st.rerun()
    st.caption("An exact user name or email wins over its @domain. A call keeps the team its user had when it was "
               "made.")
