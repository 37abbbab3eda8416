"""A run's page: live progress with Stop/Resume/Rerun failed and the verdict per pane, then the cases, a comparison
with another run, and exports.

Everything is read from the database, so another browser or app server shows the same run; the page reads
aggregates in SQL and one page of the matrix, however many cells the run has. The parts: run_verdict.py (the verdict
tables and chart), run_cases.py (the matrix and one case), run_compare.py, run_list.py (the runs, none open).
"""

from __future__ import annotations

import streamlit as st

from alonchat.access import identity
from alonchat.core.errors import AlonChatError
from alonchat.evals import executor, exports, runs
from ui import auth
from ui import format as fmt
from ui import safe_markdown as md
from ui.evaluate import state
from ui.evaluate.run_cases import cases
from ui.evaluate.run_compare import compare
from ui.evaluate.run_list import runs_list
from ui.evaluate.run_verdict import cost_chart, verdict

__all__ = ["cost_chart", "render", "runs_list"]

STATUS = {"running": ":blue-badge[:material/progress_activity: running]", "done": ":green-badge[done]",
          "stopped": ":orange-badge[stopped]", "pending": ":gray-badge[not started]",
          "imported": ":violet-badge[imported]"}


def render(run_id: int) -> None:
    try:
        run = runs.get(run_id)
    except AlonChatError as e:
        st.error(str(e), icon=":material/error:")
        st.button("Back to Evaluate", on_click=state.open_run, args=(None,), icon=":material/arrow_back:")
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.title(run.title, anchor=False, width="stretch")
        st.button("All runs", on_click=state.open_run, args=(None,), icon=":material/arrow_back:", key="ev_back")
    st.caption(f"Set **{md.plain(run.set_name)}@{run.set_version}** · {len(run.panes)} pane(s) · {run.repeats} "
               "repeat(s)" + (f" · judge **{md.plain(run.judge)}**" if run.judge else "")
               + f" · started by {run.user} · {run.created_at:%Y-%m-%d %H:%M} UTC")
    state.show_notice()
    live = runs.progress(run_id).status == "running"
    st.fragment(_live, run_every=1.0 if live else None)(run_id, live)
    cases(run)
    compare(run)
    _exports(run)


def _live(run_id: int, was_running: bool) -> None:
    """Progress, controls and the per-pane verdict; redrawn every second while the run runs."""
    run = runs.get(run_id)
    p = runs.progress(run_id)
    if was_running and p.status != "running":
        st.rerun()  # finished (or stopped) elsewhere: redraw the whole page, the matrix included
    with st.container(border=True, key="ev_progress"):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(STATUS.get(p.status, p.status) + f" **{p.done:,} of {p.total:,} cells**"
                        + (f" · {p.running:,} in flight" if p.running else ""), width="stretch")
            who = identity.actor()
            may = who.is_admin or who.email == run.user
            if p.status == "running":
                st.button("Stop", icon=":material/stop_circle:", key="ev_stop", on_click=_stop, args=(run_id,),
                          disabled=not may)
            elif p.pending and p.status != "imported":
                st.button("Resume", icon=":material/play_arrow:", key="ev_resume", on_click=_resume,
                          args=(run_id,), disabled=not may, type="primary")
            if p.failed and p.status != "running":
                st.button(f"Rerun {p.failed:,} failed", icon=":material/refresh:", key="ev_rerun",
                          on_click=_rerun_failed, args=(run_id,), disabled=not may)
        st.progress(p.fraction)
        m = st.columns(5)
        m[0].metric("Elapsed", _clock(p.elapsed_s))
        m[1].metric("ETA", "—" if p.status != "running" or p.eta_s is None else _clock(p.eta_s))
        m[2].metric("Passed", f"{p.passed:,} of {p.graded:,}", help="Cells whose every check passed, of those with "
                    "checks (a failed call counts as not passed)")
        m[3].metric("Failed calls", f"{p.failed:,}", help="Errors, truncated answers and budget refusals; "
                    "'Rerun failed' sends them again")
        m[4].metric("Spent", fmt.money(p.cost, badge=False) if p.calls or p.judge_calls else "$0.00",
                    help="From the ledger: every call of this run, failed and stopped ones included")
        judge = (f" + **{fmt.money(p.judge_cost, badge=False)}** on {p.judge_calls:,} judge calls (source 'judge')"
                 if p.judge_calls else "")
        st.caption(f"Spent **{fmt.money(p.eval_cost, badge=False) if p.calls else '$0.00'}** on the models' "
                   f"{p.calls:,} calls{judge}, at the prices charged."
                   + (f" :orange-badge[unpriced] {p.unpriced_calls:,} calls have no price and are not in the "
                      "spend." if p.unpriced_calls else ""))
        if p.problem:
            st.error(p.problem, icon=":material/error:")
        if p.stop_requested and p.status == "running":
            st.caption("Stopping: the calls in flight are being cancelled; finished cells are kept.")
    verdict(run)


def _stop(run_id: int) -> None:
    runs.request_stop(run_id)
    state.notice("warning", "Stopping: finished cells are kept; Resume runs the rest.")


def _resume(run_id: int) -> None:
    try:
        runs.prepare_resume(run_id)
        executor.start_in_background(run_id, user=identity.current_user())
    except AlonChatError as e:
        state.notice("error", str(e))


def _rerun_failed(run_id: int) -> None:
    try:
        n = runs.rerun_failed(run_id)
        runs.prepare_resume(run_id)
        executor.start_in_background(run_id, user=identity.current_user())
        state.notice("info", f"Running {n:,} failed cell(s) again.")
    except AlonChatError as e:
        state.notice("error", str(e))


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _exports(run: runs.RunInfo) -> None:
    st.subheader("Export", anchor=False)
    a, b = st.columns(2)
    auth.download_button(a, "Whole run as JSON (re-importable)", lambda: "".join(exports.json_chunks(run.id)),
                         file_name=f"alonchat-run-{run.id}.json", mime="application/json", key="ev_export_json",
                         icon=":material/data_object:", width="stretch")
    auth.download_button(b, "Every cell as CSV", lambda: "".join(exports.csv_chunks(run.id)),
                         file_name=f"alonchat-run-{run.id}.csv", mime="text/csv", key="ev_export_cells",
                         icon=":material/table:", width="stretch")
