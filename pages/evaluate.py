"""Evaluate: a test set sent to several panes many times, checked, judged, and summed up per model with exact cost."""

import streamlit as st

from ui import shell
from ui.evaluate import run_form, run_view, set_editor, state

shell.ensure()  # a page opened by its own URL still gets the app's frame

run_id = state.opened_run()
if run_id is not None:
    run_view.render(run_id)
else:
    st.title("Evaluate", anchor=False)
    st.caption("The same prompts to every model many times, checked, with honest error bars and exact cost: a set of "
               "cases × prompt variants × panes (a model plus its settings) × repeats.")
    state.show_notice()
    rows = set_editor.render()
    set_editor.save_button(rows)
    st.divider()
    run_form.render(rows)
    st.divider()
    run_view.runs_list()
