"""The run form: panes (a model plus its settings, the playground's own settings), repeats, prompt variants, the
judge and concurrency; the call count and cost range checked against budgets before Start."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from alonchat.access import identity
from alonchat.core.errors import AlonChatError, BudgetExceededError, ValidationError
from alonchat.evals import executor, plan, runs, sets
from alonchat.evals.checks import JUDGE as JUDGE_TYPE
from alonchat.evals.panes import Pane
from alonchat.evals.panes import make as make_pane
from ui import format as fmt
from ui import safe_markdown as md
from ui.evaluate import set_editor, state
from ui.playground import settings
from ui.playground.state import ModelChoice, choices

MAX_PANES = plan.MAX_PANES
ADD = "ev_add_pane"
REPEATS, PROMPTS, JUDGE, RUN_NAME = "ev_repeats", "ev_prompt_pick", "ev_judge", "ev_run_name"


def model_key(pane_id: int) -> str:
    return f"ev_pane_model_{pane_id}"


def opt_key(name: str, pane_id: int) -> str:
    return f"ev_opt_{name}__p{pane_id}"


def conc_key(provider: str) -> str:
    return f"ev_conc_{provider}"


def _widget_value(name: str, value):
    """An option as its widget holds it (stop sequences as lines, a schema as JSON text)."""
    s = settings.BY_NAME.get(name)
    if s is None:
        return value
    if s.kind == "lines" and isinstance(value, list):
        return "\n".join(value)
    if s.kind == "json" and not isinstance(value, str):
        return json.dumps(value, indent=2)
    return value


def new_pane(model: str, options: dict | None = None) -> None:
    ss = st.session_state
    if len(ss[state.PANES]) >= MAX_PANES:
        state.notice("warning", f"At most {MAX_PANES} panes per run.")
        return
    pane_id = ss.get(state.NEXT_PANE, 0)
    ss[state.NEXT_PANE] = pane_id + 1
    ss[model_key(pane_id)] = model
    for name, value in (options or {}).items():
        if name in settings.BY_NAME:
            ss[opt_key(name, pane_id)] = _widget_value(name, value)
    ss[state.PANES] = [*ss[state.PANES], {"id": pane_id}]


def init(models: dict[str, ModelChoice]) -> None:
    """The panes: those the playground (or a promptfoo import) handed over, else one pane on the keyless echo."""
    ss = st.session_state
    carried = ss.pop(state.CARRIED, None)
    if carried is not None:
        ss[state.PANES] = []
        for p in carried:
            if p["model"] in models:
                new_pane(p["model"], p.get("options"))
        st.info(f"{len(ss[state.PANES])} pane(s) carried over, with their settings.", icon=":material/input:")
    if state.PANES not in ss:
        ss[state.PANES] = []
        first = "echo" if "echo" in models else next(iter(models), None)
        if first is not None:
            new_pane(first)
    ss[state.PANES] = [p for p in ss[state.PANES] if ss.get(model_key(p["id"])) in models]


def _add() -> None:
    model = st.session_state.get(ADD)
    if model:
        new_pane(model)
    st.session_state[ADD] = None


def _remove(pane_id: int) -> None:
    st.session_state[state.PANES] = [p for p in st.session_state[state.PANES] if p["id"] != pane_id]


def _values(pane_id: int) -> dict:
    ss = st.session_state
    return {s.name: ss[opt_key(s.name, pane_id)] for s in settings.SETTINGS
            if s.name != "system" and ss.get(opt_key(s.name, pane_id)) not in (None, "")}


def panes(models: dict[str, ModelChoice]) -> tuple[list[Pane], list[str]]:
    """The panes as set, and what is wrong with them (a setting that is not valid, a provider without its key)."""
    out, problems = [], []
    for i, p in enumerate(st.session_state[state.PANES], 1):
        choice = models[st.session_state[model_key(p["id"])]]
        options, bad = settings.to_options(_values(p["id"]), reasons=choice.reasons)
        problems += [f"Pane {i}: {v}" for v in bad.values()]
        try:
            out.append(make_pane(choice.spec.name, options, where=f"pane {i}"))
        except ValidationError as e:
            problems += [f"Pane {i}: {v}" for v in e.errors.values()]
    return out, problems


def _pane_widgets(p: dict, i: int, models: dict[str, ModelChoice], busy: bool) -> None:
    ss = st.session_state
    choice = models[ss[model_key(p["id"])]]
    with st.container(border=True, key=f"ev_pane_{p['id']}"):
        with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
            st.selectbox(f"Pane {i}", list(models), key=model_key(p["id"]), format_func=lambda n: models[n].label,
                         disabled=busy)
            # Why each setting would not reach this model, as the engine states it (as the playground shows).
            not_sent = choice.accepts.not_sent_reasons(s.name for s in settings.SETTINGS)
            with st.popover("", icon=":material/tune:", help="This pane's settings"):
                for s in settings.SETTINGS:
                    if s.name == "system" or (s.name in settings.REASONING and not choice.reasons):
                        continue
                    k = opt_key(s.name, p["id"])
                    help_ = s.help + (f" Not sent to {md.plain(choice.spec.name)}: {not_sent[s.name]}."
                                      if s.name in not_sent else "")
                    if s.kind == "choice":
                        st.selectbox(s.label, settings.efforts(), index=None, key=k, placeholder="default",
                                     help=help_)
                    elif s.kind in ("float", "int"):
                        lo, hi = settings.bounds(s.name)
                        if s.kind == "int":
                            lo = None if lo is None else max(int(lo), -settings.JS_SAFE_INT)
                            hi = None if hi is None else min(int(hi), settings.JS_SAFE_INT)
                        st.number_input(s.label, min_value=lo, max_value=hi, value=None, step=s.step, key=k,
                                        placeholder="default", help=help_)
                    elif s.kind == "cache":
                        continue  # caching a prompt across cases is a per-call choice the set does not make
                    else:
                        st.text_area(s.label, key=k, height=68, placeholder="default", help=help_)
            st.button("", icon=":material/close:", key=f"ev_pane_rm_{p['id']}", on_click=_remove, args=(p["id"],),
                      help="Remove this pane", type="tertiary", disabled=busy)
        st.caption(f":material/tune: {md.plain(settings.label(_values(p['id']), reasons=choice.reasons))}"
                   + (f" · :orange-badge[set {' or '.join(choice.missing_env)}]" if choice.missing_env else ""))
        for name in _values(p["id"]):  # a setting made here that this model never gets, with its own cause
            if name in not_sent:
                st.caption(f":material/info: Not sent to {md.plain(choice.spec.name)}: "
                           f"{settings.BY_NAME[name].label} ({not_sent[name]}).")


def _has_judge_checks(draft) -> bool:
    return any(c.type == JUDGE_TYPE for c in [*draft.checks, *(k for case in draft.cases for k in case.checks)])


def render(rows: pd.DataFrame) -> None:
    """Draw the form; Start saves the set (if it changed), checks the budget, starts the run and opens it."""
    ss = st.session_state
    models = choices()
    st.subheader("Run", anchor=False)
    st.caption("Every case × prompt variant × pane × repeat is one call through the engine (retries, budgets and "
               "the ledger as usual), checked as it lands.")
    init(models)
    items = ss[state.PANES]
    cols = st.columns(3)
    for i, p in enumerate(items):
        with cols[i % 3]:
            _pane_widgets(p, i + 1, models, busy=False)
    st.selectbox(f"Add a pane ({len(items)} of {MAX_PANES})", list(models), index=None, key=ADD, on_change=_add,
                 format_func=lambda n: models[n].label, placeholder="Pick a model (the same model with other "
                 "settings is another pane)", disabled=len(items) >= MAX_PANES)
    try:
        draft = set_editor.current(rows)
    except ValidationError as e:
        st.error("Fix the set first: " + "; ".join(e.errors.values()), icon=":material/rule:")
        return
    a, b, c, d = st.columns([1, 2, 2, 2])
    a.number_input("Repeats", min_value=1, max_value=plan.MAX_REPEATS, value=1, step=1, key=REPEATS,
                   help="Send every case this many times: pass rates get honest error bars.")
    titles = [p.title(i) for i, p in enumerate(draft.prompts)]
    if len(titles) > 1:
        b.multiselect("Prompt variants", list(range(len(titles))), default=list(range(len(titles))), key=PROMPTS,
                      format_func=lambda i: titles[i] if i < len(titles) else f"prompt {i + 1}")
    needs_judge = _has_judge_checks(draft)
    c.selectbox("Judge model" + (" (needed)" if needs_judge else ""), list(models), index=None, key=JUDGE,
                format_func=lambda n: models[n].label, placeholder="none" if not needs_judge else "pick one",
                help="Grades llm-rubric (judge) checks at temperature 0; its calls are recorded as 'judge'. A "
                     "judge grading its own model's answers says so.")
    d.text_input("Run name (optional)", key=RUN_NAME, max_chars=200)
    chosen, problems = panes(models)
    providers = sorted({models[ss[model_key(p["id"])]].spec.provider for p in items})
    with st.expander("Concurrency", icon=":material/speed:"):
        st.caption("Calls at once per provider (an endpoint is its own provider); a slow one never holds the "
                   "others back.")
        for pc, provider in zip(st.columns(max(1, len(providers))), providers, strict=False):
            pc.number_input(provider, min_value=1, max_value=64, value=runs.DEFAULT_CONCURRENCY, step=1,
                            key=conc_key(provider))
    if problems:
        st.error("; ".join(problems), icon=":material/rule:")
        return
    prompts = [i for i in (ss.get(PROMPTS) or range(len(titles))) if i < len(titles)] if len(titles) > 1 else None
    judge = ss.get(JUDGE)
    estimate, budget_note = _estimate(draft, chosen, int(ss.get(REPEATS) or 1), prompts, judge)
    if isinstance(estimate, AlonChatError):
        st.error(_message(estimate), icon=":material/rule:")
        return
    refused = isinstance(budget_note, BudgetExceededError)
    with st.container(border=True, key="ev_estimate"):
        st.markdown(f":material/calculate: **{estimate.cells:,} call{'s' * (estimate.cells != 1)}**"
                    + (f" + **{estimate.judge_calls:,} judge calls**" if estimate.judge_calls else "")
                    + f" · {_range(estimate)}")
        st.caption(estimate.describe().split(";")[0] + ". Low: prompts alone; high: every answer at its maximum "
                   "length (set Max tokens on the panes to narrow it). Prices from the catalog.")
        if budget_note is not None:
            (st.error if refused else st.warning)(str(budget_note), icon=":material/savings:")
    if set_editor.dirty():
        st.caption(":material/info: Start saves the set's changes as a new version first.")
    if st.button("Start run", type="primary", icon=":material/play_arrow:", key="ev_start", disabled=refused):
        _start(rows, chosen, int(ss.get(REPEATS) or 1), prompts, judge,
               {p: int(ss.get(conc_key(p)) or runs.DEFAULT_CONCURRENCY) for p in providers})


def _message(e: AlonChatError) -> str:
    return "; ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e)


def _range(p: plan.RunPlan) -> str:
    if p.low is None:
        return "cost " + fmt.UNPRICED
    text = f"estimated **{fmt.money(p.low)} to {fmt.money(p.high)}**"
    if p.unpriced:
        text += f" (plus {', '.join(p.unpriced)}: {fmt.UNPRICED})"
    return text


def _estimate(draft, chosen, repeats, prompts, judge):
    """The plan for the form as it stands (cached until something changes), and the budget's word on it."""
    key = json.dumps([sets.digest(draft), [p.key for p in chosen], repeats, prompts, judge])
    cached = st.session_state.get(state.PLAN_CACHE)
    if cached is None or cached[0] != key:
        try:
            found = plan.make(sets.preview(draft), chosen, repeats=repeats, prompts=prompts, judge=judge)
        except AlonChatError as e:
            found = e
        cached = (key, found)
        st.session_state[state.PLAN_CACHE] = cached
    found = cached[1]
    if isinstance(found, AlonChatError):
        return found, None
    try:
        return found, plan.budget_gate(found)
    except BudgetExceededError as e:
        return found, e


def _start(rows, chosen, repeats, prompts, judge, limits) -> None:
    try:
        saved = set_editor.save(rows)
        p = plan.make(saved, chosen, repeats=repeats, prompts=prompts, judge=judge)
        plan.budget_gate(p)
        run = runs.create(p, name=st.session_state.get(RUN_NAME) or "", concurrency=limits)
        executor.start_in_background(run.id, user=identity.current_user())
    except AlonChatError as e:
        st.error("Not started: " + _message(e), icon=":material/error:")
        return
    state.open_run(run.id)
    st.rerun()
