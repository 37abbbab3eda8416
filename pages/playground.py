"""Playground: chat with one model, or compare up to six panes (a model plus its settings) side by side."""

import streamlit as st

from ui import shell
from ui.playground import page as playground
from ui.playground import sidebar as playground_sidebar

shell.ensure()  # a page opened by its own URL still gets the app's frame

page = playground.load()
if page is None:  # blind mode (the arena) drew the page instead
    st.stop()
playground_sidebar.render(page.conversation)
playground.header(page)  # in full on an empty page; one compact bar once panes exist
playground.notices(page)
slots = playground.panes_grid(page)
playground.composer(page)
playground.stream(page, slots)
