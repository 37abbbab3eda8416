"""Cost dashboard page (placeholder while the engine's reports are built)."""

import streamlit as st

st.title("Costs")
st.info("The cost dashboard is being built.")
