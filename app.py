"""AlonChat's Streamlit entry point: page config, keys from secrets, the shared sidebar, navigation."""

import streamlit as st

from ui import sidebar

st.set_page_config(page_title="AlonChat", page_icon=":material/forum:", layout="wide",
                   initial_sidebar_state="auto")
sidebar.load_secrets()

nav = st.navigation([
    st.Page("pages/playground.py", title="Playground", icon=":material/forum:", default=True),
    st.Page("pages/catalog.py", title="Model catalog", icon=":material/menu_book:"),
    st.Page("pages/costs.py", title="Costs", icon=":material/payments:"),
])
sidebar.render()
nav.run()
