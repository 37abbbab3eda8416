"""The runs the acting user may see, when none is open: status, progress, who started them; import one; open one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.core.errors import AlonChatError
from alonchat.evals import exports, runs
from ui.evaluate import state


def _status(r: runs.RunInfo, counts: dict[str, int]) -> str:
    """A run's state from its cells (and, only for one marked running, whether a worker still beats)."""
    if r.status == "imported":
        return "imported"
    if not counts.get("pending") and not counts.get("running"):
        return "done"
    if r.status == "running" and runs.live_workers(r.id):
        return "running"
    return "stopped" if r.started_at else "not started"


def runs_list() -> None:
    """Recent runs the acting user may see: status, progress and who started them; a click opens one."""
    found = runs.list_runs(limit=30)
    st.subheader("Runs", anchor=False)
    with st.popover("Import a run", icon=":material/upload:"):
        up = st.file_uploader("An exported run (.json)", type=["json"], key="ev_import_run")
        if up is not None and st.button("Import", key="ev_import_run_go"):
            try:
                imported = exports.import_json(up.getvalue())
                state.open_run(imported.id)
                st.rerun()
            except AlonChatError as e:
                st.error(str(e))
    if not found:
        st.caption("No runs yet. Build a set above, pick panes and press Start run.")
        return
    counts = runs.counts_by_run([r.id for r in found])
    table = []
    for r in found:
        c = counts.get(r.id, {})
        table.append({"run": r.id, "name": r.title, "set": f"{r.set_name}@{r.set_version}",
                      "panes": ", ".join(p.label for p in r.panes), "done": f"{c.get('done', 0):,}/{r.cells:,}",
                      "status": _status(r, c), "by": r.user, "created": r.created_at.strftime("%Y-%m-%d %H:%M")})
    picked = st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="ev_runs",
                          on_select="rerun", selection_mode="single-row")
    if picked is not None and picked.selection.rows:
        state.open_run(found[picked.selection.rows[0]].id)
        st.rerun()
    st.selectbox("Open a run", [r.id for r in found], index=None, key="ev_open_run", placeholder="Pick a run",
                 format_func=lambda i: next(f"Run {r.id} · {r.title}" for r in found if r.id == i),
                 on_change=lambda: state.open_run(st.session_state.get("ev_open_run")))
