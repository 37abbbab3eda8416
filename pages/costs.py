"""Cost dashboard: what was spent, on what, by whom, and what it will cost by month-end."""

import streamlit as st

from alonchat.usage import reports
from ui import audit_view, auth, shell
from ui.costs import calls, sections
from ui.costs import reconcile as cost_reconcile
from ui.costs import teams as cost_teams

shell.ensure()  # a page opened by its own URL still gets the app's frame

st.title("Costs")
f = sections.filters()
if f is not None:
    summary = reports.summary(f)
    sections.headline(summary)
    calls.spend_notes(summary)
    with st.container(border=True):
        sections.chart_section(f)
    st.subheader("Breakdown")
    sections.breakdown_section(f)
    calls.section(f, may_see_rows=auth.can_edit() or bool(f.users))
    st.subheader("What if")
    sections.what_if_section(f)
st.subheader("Budgets")
sections.budgets_section()
if auth.can_edit():
    st.subheader("Provider bills")
    cost_reconcile.render()
    st.subheader("Teams")
    cost_teams.render()
    st.subheader("Audit log")
    audit_view.render(("budget", "team", "role", "bill"), key="costs_audit")
