"""Playground: chat with one model, or compare up to six panes (a model plus its settings) side by side."""

import streamlit as st

from alonchat.access import identity
from ui import shell
from ui.arena import blind
from ui.evaluate.state import carry
from ui.playground import live, panes, send, settings, state
from ui.playground import sidebar as playground_sidebar

shell.ensure()  # a page opened by its own URL still gets the app's frame

ss = st.session_state
user = identity.current_user()
models = state.choices()
state.init(models)
state.read_url(models)
if blind.page(models, user):  # blind mode (the arena) draws the page instead: nothing may name a pane before the vote
    st.stop()
view = state.current_view(user)
plans = [send.plan(p, models[p["model"]]) for p in state.panes()]
send.check(plans, view)
send.warm(plans)

# Enter in the composer (or Retry / Continue) queued a send: store the prompt and start streaming.
problem = None
pending = ss.pop(state.PENDING, None)
if pending and ss.get(state.ACTIVE_RUN) is None:
    problem = send.start(pending, plans, view, user)
    view = state.current_view(user)

# A run outlives reruns (a click, a reconnect): this script run re-attaches to it, or, once it is over,
# shows its stored answers.
run = ss.get(state.ACTIVE_RUN)
if run is not None:
    run.poll(0)
    if run.finished:
        ss.pop(state.ACTIVE_RUN, None)
        ss.pop(state.RUN_PANES, None)
        run, view = None, state.current_view(user)
running = ss.get(state.RUN_PANES, {}) if run is not None else {}

state.write_url(view)
playground_sidebar.render(view)

st.title("Playground", anchor=False)
st.caption("Type once; every pane (a model plus its settings) answers, all streaming at the same time. "
           "The same model can sit in several panes with different settings.")
notice = ss.pop(state.NOTICE, None)
if notice:
    getattr(st, notice[0])(notice[1])
if problem:
    st.error(problem, icon=":material/error:")
budget = state.budget_check(user)
# A send refused by the budget already said so above: announce it once.
if budget is not None and budget.level in ("soft", "hard") and budget.message != problem:
    (st.warning if budget.level == "soft" else st.error)(budget.message, icon=":material/savings:")

pick, opts, evaluate = st.columns([3, 1, 1], vertical_alignment="bottom")
pick.selectbox(f"Add a pane ({len(plans)} of {state.MAX_PANES})", list(models), index=None, key=state.ADD,
               format_func=lambda name: models[name].label, on_change=state.add_from_picker,
               placeholder="Pick a model to add a pane (the same model again is fine)",
               disabled=len(plans) >= state.MAX_PANES)
with opts.popover("Shared settings", icon=":material/tune:", width="stretch"):
    st.caption("Every pane uses these unless it sets its own (the :material/tune: button on the pane).")
    settings.widgets(reasons=any(p.choice.reasons for p in plans))
if evaluate.button("Evaluate these panes", icon=":material/fact_check:", key="pg_evaluate", width="stretch",
                   disabled=not plans, help="Run a test set over these panes (models with their settings)"):
    carry([{"model": p.model, "options": p.options} for p in plans])
    st.switch_page("pages/evaluate.py")

if not plans:
    st.info("Add a pane above. The keyless **echo** model works with no API key.", icon=":material/info:")
estimates = {p.id: send.estimate(p, view) for p in plans} if run is None else {}

slots = {}
for i, (p, cell) in enumerate(zip(plans, panes.grid(len(plans)), strict=True)):
    with cell:
        panes.header(p, estimates.get(p.id), busy=run is not None)
        where = running.get(p.id)
        stop = st.empty()  # cleared when the pane's answer ends
        if where is not None and not run.panes[where[0]].finished:
            stop.button("Stop", icon=":material/stop_circle:", key=f"pg_stop_{p.id}", on_click=state.stop_pane,
                        args=(p.id,), type="tertiary")
        turns = view.pane(p.model, p.id) if view is not None else []
        if where is not None:  # the run's answer is drawn live, not from the database
            turns = [m for m in turns if m.id <= where[1]]
        with st.container(height=panes.PANE_HEIGHT, key=f"pg_scroll_{i}"):
            first = turns[0].id if turns else None
            # A send writes its prompts before any answer: an answer older than the pane's first prompt
            # means the pane joined later.
            if view is not None and any(m.role == "assistant" and (first is None or m.id < first)
                                        for m in view.messages):
                st.caption(":material/fiber_new: Joined this conversation later: this pane starts fresh "
                           "(earlier turns are not sent to it).")
            for m in turns:
                panes.message(m)
            if not turns and where is None:
                st.caption("No messages in this pane yet. Write a prompt below and press Enter.")
            if where is not None:
                slots[where[0]] = live.LiveAnswer(settings.label(p.values, reasons=p.choice.reasons),
                                                  prefix=where[2], stop=stop, cuts=state.live_cuts(p.id))
            elif p.id in ss[state.SKIPPED]:
                st.info(ss[state.SKIPPED][p.id], icon=":material/block:")
        last = turns[-1] if turns else None
        if run is None and last is not None and last.role == "assistant":
            if last.status != "ok":
                b1, b2 = st.columns(2)
                b1.button("Retry", icon=":material/refresh:", key=f"pg_retry_{p.id}", on_click=state.retry,
                          args=(p.id,), width="stretch")
                if last.status == "cancelled" and last.content:
                    b2.button("Continue", icon=":material/play_arrow:", key=f"pg_more_{p.id}",
                              on_click=state.continue_answer, args=(p.id,), width="stretch")
            elif len(plans) > 1:
                st.button("Continue with this pane only", key=f"pg_continue_{p.id}", type="tertiary",
                          icon=":material/arrow_forward:", on_click=state.continue_with, args=(p.id,))

if run is None:
    panes.summary(panes.latest_answers(view, plans))

with st.bottom:
    if run is None and estimates:
        st.caption(panes.estimate_total(estimates, sum(1 for p in plans if p.problem)), width="stretch")
    elif run is not None:
        st.button("Stop all", icon=":material/stop_circle:", key="pg_stop_all", on_click=state.stop_all)
    st.chat_input("Ask every pane… (Enter sends, Shift+Enter adds a line; attach images or PDFs)",
                  key=state.COMPOSER, on_submit=state.submit, accept_file="multiple",
                  file_type=["png", "jpg", "jpeg", "gif", "webp", "pdf"], disabled=run is not None or not plans)

if run is not None:
    live.drain(run, slots)  # a rerun (a click, a reconnect) interrupts this, never the run
    ss.pop(state.ACTIVE_RUN, None)
    ss.pop(state.RUN_PANES, None)
    st.rerun()  # show the stored answers, their metrics and the ranking from the database
