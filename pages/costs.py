"""Cost dashboard: what was spent, on what, by whom, and what it will cost by month-end."""

import streamlit as st

from alonchat.usage import reports
from ui import shell
from ui.costs import sections

shell.ensure()  # a page opened by its own URL still gets the app's frame

st.title("Costs")
f = sections.filters()
if f is not None:
    sections.headline(reports.summary(f))
    with st.container(border=True):
        sections.chart_section(f)
    st.subheader("Breakdown")
    sections.breakdown_section(f)
    st.subheader("What if")
    sections.what_if_section(f)
st.subheader("Budgets")
sections.budgets_section()
