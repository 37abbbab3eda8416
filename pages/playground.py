"""Playground: chat with one model, or compare up to six side by side, every pane streaming at once."""

import streamlit as st

from alonchat import identity
from ui import shell
from ui.playground import panes, state
from ui.playground import sidebar as playground_sidebar

shell.ensure()  # a page opened by its own URL still gets the app's frame

ss = st.session_state
user = identity.current_user()
models = state.choices()
state.init(models)
state.stop_previous_run()
state.read_url()
view = state.current_view(user)

# A prompt submitted by the Send button's callback: validate, store, and start streaming below.
run, problems = None, {}
pending = ss.pop(state.PENDING, None)
if pending:
    run, problems = state.prepare_send(pending, ss[state.MODELS], view, user)
    if run is None:
        ss[state.PROMPT] = pending  # keep the prompt so the user can fix the settings and resend
    else:
        view = state.current_view(user)

state.write_url(view)
playground_sidebar.render(view)

st.title("Playground", anchor=False)
st.caption("Type once; every selected model answers in its own pane, all streaming at the same time.")
notice = ss.pop(state.NOTICE, None)
if notice:
    getattr(st, notice[0])(notice[1])
if problems.get(""):
    st.error(problems[""], icon=":material/error:")
budget = state.budget_check(user)
# A send refused by the budget already said so above: announce it once.
if budget is not None and budget.level in ("soft", "hard") and budget.message != problems.get(""):
    (st.warning if budget.level == "soft" else st.error)(budget.message, icon=":material/savings:")

pick, opts = st.columns([3, 1], vertical_alignment="bottom")
pick.multiselect(f"Models (up to {state.MAX_PANES} side by side)", list(models), key=state.MODELS,
                 format_func=lambda name: models[name].label, max_selections=state.MAX_PANES,
                 placeholder="Pick one model to chat, or several to compare", persist_state="session")
with opts.popover("Settings", icon=":material/tune:", width="stretch"):
    panes.option_widgets()
    st.toggle("Different settings per pane", key=state.PER_PANE, persist_state="session",
              help="Each pane gets its own Settings button, starting from these values.")

selected = ss[state.MODELS]
if not selected:
    st.info("Pick a model above. The keyless **echo** model works with no API key.", icon=":material/info:")
draft = ss.get(state.PROMPT) or ""
errors_by_pane = problems or state.validate(selected, draft.strip() or "·")
estimates = state.estimates(selected, view, draft) if draft.strip() else {}

slots = {}
for i, (model, cell) in enumerate(zip(selected, panes.grid(len(selected)), strict=True)):
    with cell:
        panes.header(models[model], errors_by_pane.get(model), estimates.get(model, ""))
        turns = view.pane(model) if view is not None else []
        for m in turns:
            panes.message(m)
        if not turns and run is None:
            st.caption("No messages with this model yet. Write a prompt below and press Send.")
        if run is not None:
            slots[i] = panes.LiveAnswer()
        elif len(selected) > 1 and turns and turns[-1].role == "assistant" and turns[-1].status == "ok":
            st.button("Continue with this model", key=f"pg_continue_{model}", icon=":material/arrow_forward:",
                      on_click=state.continue_with, args=(model,), type="tertiary")

if run is None:
    panes.summary(panes.latest_answers(view, selected))

with st.container(border=True, key="pg_composer"):
    st.text_area("Prompt", key=state.PROMPT, height=100, label_visibility="collapsed",
                 placeholder="Ask something… (Ctrl+Enter shows the estimated cost, Send asks every pane)",
                 disabled=run is not None)
    left, right = st.columns([4, 1], vertical_alignment="center")
    if estimates:
        left.caption(panes.estimate_total(estimates))
    action = right.empty()  # one slot: Send becomes Stop while answers stream
    if run is None:
        action.button("Send", type="primary", icon=":material/send:", on_click=state.submit, key="pg_action",
                      disabled=not selected, width="stretch")
    else:
        action.button("Stop", icon=":material/stop_circle:", on_click=state.stopped, key="pg_action",
                      width="stretch")

if run is not None:
    with run:  # leaving early (Stop, rerun, closed tab) cancels the panes still running
        panes.drain(run, slots)
    ss.pop(state.ACTIVE_RUN, None)
    st.rerun()  # show the stored answers, their metrics and the ranking from the database
