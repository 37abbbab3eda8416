"""Model catalog page: browse, add, edit and price models and endpoints without code."""

import streamlit as st

st.title("Model catalog")
st.info("The catalog editor is being built.")
