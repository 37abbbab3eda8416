"""The Evaluate page's session state: the set being edited, the panes to run, the opened run; one key each."""

from __future__ import annotations

import streamlit as st

from ui import query

DRAFT = "ev_draft"  # dict: the set being edited (see set_editor.new_draft)
PANES = "ev_panes"  # list[dict]: {"id": int, "model": str, "options": dict}; settings live in their widget keys
NEXT_PANE = "ev_next_pane"
CARRIED = "ev_carried_panes"  # panes the playground handed over ("Evaluate these panes"), taken once
NOTICE = "ev_notice"  # (kind, text) shown once at the top
RUN = "run"  # the query parameter that opens a run's results: ?run=12
PLAN_CACHE = "ev_plan_cache"  # (signature, plan or error): the estimate for the form as it stands


def notice(kind: str, text: str) -> None:
    st.session_state[NOTICE] = (kind, text)


def show_notice() -> None:
    found = st.session_state.pop(NOTICE, None)
    if found:
        getattr(st, found[0])(found[1])


def opened_run() -> int | None:
    """The run ?run= opens; a value that is not a run number is dropped from the URL with a notice."""
    value = st.query_params.get(RUN)
    run_id = query.row_id(value)
    if value and run_id is None:
        st.query_params.pop(RUN, None)
        notice("warning", f"Part of this link was ignored: {query.quoted(value)} is not a run number.")
    return run_id


def open_run(run_id: int | None) -> None:
    if run_id is None:
        st.query_params.pop(RUN, None)
    else:
        st.query_params[RUN] = str(run_id)


def carry(panes: list[dict]) -> None:
    """The playground's "Evaluate these panes": keep its panes (model plus options) for this page."""
    st.session_state[CARRIED] = [{"model": p["model"], "options": dict(p.get("options") or {})} for p in panes]
