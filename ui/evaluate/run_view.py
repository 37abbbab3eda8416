"""A run's page: live progress with Stop/Resume/Rerun failed, the verdict per pane, cost against pass rate, the
matrix a page at a time, one case's answers side by side, a comparison with another run, and exports.

Everything is read from the database, so another browser or app server shows the same run; the page reads
aggregates in SQL and one page of the matrix, however many cells the run has.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from alonchat.access import identity
from alonchat.core.errors import AlonChatError, ValidationError
from alonchat.evals import executor, exports, results, runs, sets
from alonchat.evals.inputs import Inputs
from ui import auth
from ui import format as fmt
from ui import safe_markdown as md
from ui.evaluate import state

PAGE_ROWS = 25
FILTER, PAGE, PROMPT, OPEN, COMPARE = "ev_filter", "ev_page", "ev_prompt_view", "ev_open_case", "ev_compare"
# Plain symbols (the grid draws on a canvas with the page's text font, where emoji may be missing).
VERDICT = {"pass": "✓", "fail": "✗", "mixed": "±", "error": "⚠", "unchecked": "·", "pending": "…"}
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
    _matrix(run)
    _compare(run)
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
    _summary(run)


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


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _summary(run: runs.RunInfo) -> None:
    """Two compact tables (the verdict; speed and spend), each fitting the page without scrolling sideways."""
    found = results.summary(run.id, run)
    judged = any(s.scored or s.judge_cost_usd is not None for s in found)
    verdict, speed = [], []
    for s in found:
        ci = s.interval
        name = ("★ " if s.on_front else "") + f"{s.index + 1}. {s.pane.label}"
        row = {"pane": name,
               "pass rate (95% CI)": "—" if ci is None else f"{_pct(s.pass_rate)} ({_pct(ci[0])}–{_pct(ci[1])})",
               "passed": f"{s.passed}/{s.graded}", "call errors": s.errors}
        if judged:
            row["judge score"] = "—" if s.mean_score is None else f"{s.mean_score:.2f}"
        row.update({"per 1k cases": fmt.money(s.cost_per_1k, badge=False),
                    "passes per $": "—" if s.passes_per_usd is None else f"{s.passes_per_usd:,.0f}"})
        verdict.append(row)
        line = {"pane": name,
                "latency p50 / p95": f"{_ms(s.p50_latency_ms)} / {_ms(s.p95_latency_ms)} ms",
                "first token p50 / p95": f"{_ms(s.p50_ttft_ms)} / {_ms(s.p95_ttft_ms)} ms",
                "tokens in / out": f"{s.input_tokens:,} / {s.output_tokens:,}",
                "cost": fmt.money(s.cost_usd, badge=False) + (f" +{s.unpriced} unpriced" if s.unpriced else "")}
        if judged:
            line["judge cost"] = "—" if s.judge_cost_usd is None else fmt.money(s.judge_cost_usd, badge=False)
        speed.append(line)
    wide = {"pane": st.column_config.TextColumn(width="medium")}
    st.dataframe(pd.DataFrame(verdict), hide_index=True, width="stretch", column_config=wide)
    st.dataframe(pd.DataFrame(speed), hide_index=True, width="stretch", column_config=wide)
    notes = []
    if any(s.on_front for s in found):
        notes.append("★ no other pane is both cheaper (per 1k cases) and better (pass rate).")
    notes += [f"Pane {s.index + 1}: {s.self_judged} cell(s) graded by the judge model that wrote them."
              for s in found if s.self_judged]
    if any(0 < s.graded < 30 for s in found):
        notes.append("Under 30 graded cells per pane the interval is wide: more cases or repeats narrow it.")
    if notes:
        st.caption(" ".join(notes))
    chart = cost_chart(found)
    if chart is not None:
        st.altair_chart(chart, width="stretch")


def cost_chart(found: list[results.PaneSummary]) -> alt.Chart | None:
    """Pass rate (with its 95% interval) against cost per 1,000 cases; the panes no other beats are marked."""
    data = pd.DataFrame([{"pane": f"{s.index + 1}. {s.pane.label}", "cost": float(s.cost_per_1k),
                          "rate": s.pass_rate, "low": s.interval[0], "high": s.interval[1],
                          "front": "not beaten on both" if s.on_front else "beaten by another"}
                         for s in found if s.cost_per_1k is not None and s.pass_rate is not None])
    if data.empty:
        return None
    most = float(data["cost"].max()) or 1.0
    base = alt.Chart(data, title="Pass rate (95% interval) against cost per 1,000 cases").encode(
        x=alt.X("cost:Q", title="USD per 1,000 cases", axis=alt.Axis(format="$,.4~f"),
                scale=alt.Scale(domain=[0, most * 1.35])))  # room for the labels right of the points
    bars = base.mark_rule().encode(y=alt.Y("low:Q", title="pass rate", axis=alt.Axis(format="%"),
                                           scale=alt.Scale(domain=[0, 1])), y2="high:Q")
    points = base.mark_point(size=120, filled=True).encode(
        y="rate:Q", color=alt.Color("front:N", title=None, legend=alt.Legend(orient="bottom"), scale=alt.Scale(
            domain=["not beaten on both", "beaten by another"], range=["#2e7d32", "#9e9e9e"])),
        shape=alt.Shape("front:N", legend=None),
        tooltip=["pane:N", alt.Tooltip("rate:Q", format=".1%", title="pass rate"),
                 alt.Tooltip("low:Q", format=".1%", title="95% low"), alt.Tooltip("high:Q", format=".1%",
                                                                               title="95% high"),
                 alt.Tooltip("cost:Q", format="$,.6f", title="per 1k cases")])
    labels = base.mark_text(align="left", dx=8, dy=-8).encode(y="rate:Q", text="pane:N")
    return (bars + points + labels).properties(height=280)


# --- the matrix -------------------------------------------------------------------------------------------------


def _cell_text(cell: results.MatrixCell | None) -> str:
    if cell is None:
        return ""
    icon = VERDICT[cell.verdict]
    folded = f" {cell.passed}/{cell.passed + cell.failed}" if cell.n > 1 and (cell.passed + cell.failed) else ""
    waiting = f" ({cell.n - cell.done} to go)" if 0 < cell.done < cell.n else ""
    parts = [icon + folded + waiting]
    if cell.latency_ms is not None:
        parts.append(fmt.duration(cell.latency_ms))
    if cell.cost_usd is not None:
        parts.append(fmt.money(cell.cost_usd, badge=False))
    preview = " ".join((cell.preview or "").split())
    return " · ".join(parts) + (f" · {preview[:60]}{'…' if len(preview) > 60 else ''}" if preview else "")


def _case_label(test_set, case_idx: int) -> str:
    case = test_set.cases[case_idx]
    text = case.description or ", ".join(f"{k}={v}" for k, v in case.vars.items() if isinstance(v, str | int | float))
    return f"{case_idx + 1}. {text[:80]}"


def _matrix(run: runs.RunInfo) -> None:
    st.subheader("Cases", anchor=False)
    test_set = sets.get(run.set_id)
    ss = st.session_state
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.segmented_control("Show", results.FILTERS, default="all", key=FILTER,
                             format_func={"all": "All", "failed": "Failed somewhere", "differ": "Panes disagree",
                                          "errors": "Call errors"}.get)
        prompt = None
        if len(run.prompts) > 1:
            prompt = st.selectbox("Prompt", [None, *run.prompts], key=PROMPT,
                                  format_func=lambda i: "all" if i is None else test_set.prompts[i].title(i),
                                  width=220)
    only = ss.get(FILTER) or "all"
    page = int(ss.get(PAGE) or 1)
    rows, total = results.matrix(run.id, offset=(page - 1) * PAGE_ROWS, limit=PAGE_ROWS, only=only,
                                 prompt_idx=prompt)
    pages = max(1, -(-total // PAGE_ROWS))
    if page > pages:
        ss[PAGE] = pages
        st.rerun()
    table = []
    for r in rows:
        line = {"case": _case_label(test_set, r.case_idx)}
        if len(run.prompts) > 1:
            line["prompt"] = test_set.prompts[r.prompt_idx].title(r.prompt_idx)
        for i, pane in enumerate(run.panes):
            line[f"{i + 1}. {pane.label}"] = _cell_text(r.cells.get(i))
        table.append(line)
    if not table:
        st.caption("No case matches." if total == 0 and only != "all" else "No cells yet.")
        return
    picked = st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="ev_matrix",
                          on_select="rerun", selection_mode="single-row",
                          column_config={"case": st.column_config.TextColumn(width="medium")})
    first, last = (page - 1) * PAGE_ROWS + 1, (page - 1) * PAGE_ROWS + len(rows)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"Rows {first:,}–{last:,} of {total:,} · ✓ pass · ✗ fail · ± repeats disagree · ⚠ call failed · "
                   "· nothing to check. Repeats fold into one cell with their pass count. Select a row to open it.",
                   width="stretch")
        st.number_input("Page", min_value=1, max_value=pages, step=1, key=PAGE, width=130)
    choices = [(r.case_idx, r.prompt_idx) for r in rows]
    selected = (picked.selection.rows or [None])[0] if picked is not None else None
    if selected is not None and selected < len(choices):
        ss[OPEN] = choices[selected]
    opened = ss.get(OPEN)
    if opened is not None and tuple(opened) not in choices:
        opened = None
    st.selectbox("Open a case", choices, index=choices.index(tuple(opened)) if opened else None, key="ev_open_pick",
                 format_func=lambda k: _case_label(test_set, k[0]) + (
                     f" · {test_set.prompts[k[1]].title(k[1])}" if len(run.prompts) > 1 else ""),
                 placeholder="Pick a case to read every pane's answers side by side", on_change=_pick_case)
    if opened:
        _case(run, test_set, *opened)


def _pick_case() -> None:
    st.session_state[OPEN] = st.session_state.get("ev_open_pick")


def _case(run: runs.RunInfo, test_set, case_idx: int, prompt_idx: int) -> None:
    """One case: what was sent, and every pane's answers (each repeat) side by side, with their verdicts."""
    case = test_set.cases[case_idx]
    with st.container(border=True, key="ev_case"):
        st.markdown(f"**Case {case_idx + 1}**" + (f" · {md.plain(case.description)}" if case.description else "")
                    + f" · {md.plain(test_set.prompts[prompt_idx].title(prompt_idx))}")
        try:
            rendered = Inputs(test_set).rendered(case_idx, prompt_idx)
            if rendered.system:
                st.caption(f"System: {md.plain(rendered.system)}")
            st.code(rendered.user, language=None, wrap_lines=True)
            if rendered.attachments:
                st.caption("Attached: " + ", ".join(md.plain(f.name) for f in rendered.attachments))
        except ValidationError as e:
            st.error(str(e))
        checks = [*test_set.checks, *case.checks]
        if checks:
            st.caption("Checks: " + " · ".join(c.describe() for c in checks))
        details = results.cell(run.id, case_idx, prompt_idx)
        per_pane: dict[int, list] = {}
        for d in details:
            per_pane.setdefault(d.pane_idx, []).append(d)
        cols = st.columns(min(3, max(1, len(run.panes))))
        for i, pane in enumerate(run.panes):
            with cols[i % len(cols)], st.container(border=True, key=f"ev_case_pane_{i}"):
                st.markdown(f"**{md.plain(pane.model)}** :gray-badge[{md.plain(pane.settings)}]")
                for d in per_pane.get(i, []):
                    _answer(d, len(per_pane.get(i, [])) > 1)


def _answer(d: results.CellDetail, several: bool) -> None:
    verdict = {True: ":green-badge[pass]", False: ":red-badge[fail]", None: ":gray-badge[no verdict]"}[d.passed]
    if d.state != "done":
        verdict = ":gray-badge[pending]"
    head = f"{'Repeat ' + str(d.repeat_idx + 1) + ' · ' if several else ''}{verdict}"
    if d.status and d.status != "ok":
        head += " " + fmt.STATUS_BADGE.get(d.status, f":red-badge[{d.status}]")
    st.markdown(head)
    if d.output:
        with st.container(height=220 if len(d.output) > 600 else "content", border=False):
            st.text(d.output)
    if d.error:
        st.error(md.safe(d.error), icon=":material/error:")
    for v in d.checks:
        mark = {True: ":green[✓]", False: ":red[✗]", None: ":gray[?]"}[v.get("passed")]
        score = f" (score {v['score']:.2f})" if v.get("score") is not None else ""
        st.caption(f"{mark} {md.plain(v['check'])}: {md.plain(v['reason'])}{score}")  # a judge's words: plain text
    if d.self_judged:
        st.caption(":orange-badge[graded by its own model]")
    st.caption(f"{fmt.duration(d.latency_ms)} · first token {fmt.duration(d.ttft_ms)} · "
               f"in {fmt.count(d.input_tokens)} / out {fmt.count(d.output_tokens)} · "
               f"{fmt.money(d.cost_usd)}" + (f" · judge {fmt.money(d.judge_cost_usd)}" if d.judge_cost_usd else ""))


# --- compare and export ---------------------------------------------------------------------------------------------


def _compare(run: runs.RunInfo) -> None:
    others = [r for r in runs.list_runs(limit=200, set_name=run.set_name) if r.id != run.id]
    if not others:
        return
    st.subheader("Compare", anchor=False)
    other = st.selectbox("With an earlier or later run of this set", [r.id for r in others], index=None, key=COMPARE,
                         format_func=lambda i: next(f"Run {r.id} · {r.title} · {r.created_at:%Y-%m-%d %H:%M}"
                                                    for r in others if r.id == i), placeholder="Pick a run")
    if other is None:
        return
    a, b = (other, run.id) if other < run.id else (run.id, other)
    c = results.compare(a, b)
    st.caption(f"Run {a} → run {b} · {c.matched_cases:,} cases matched by their variables"
               + (f" · {c.only_a:,} only in run {a}" if c.only_a else "")
               + (f" · {c.only_b:,} only in run {b}" if c.only_b else ""))
    st.dataframe(pd.DataFrame([{
        "pane": d.pane.label, f"pass rate (run {a})": _pct(d.a.pass_rate) if d.a else "—",
        f"pass rate (run {b})": _pct(d.b.pass_rate) if d.b else "—",
        "change": "—" if d.pass_rate is None else f"{d.pass_rate * 100:+.1f} pts",
        "per 1k cases change": "—" if d.cost_per_1k is None else (
            ("+" if d.cost_per_1k >= 0 else "−") + fmt.money(abs(d.cost_per_1k), badge=False)),
        "p50 latency change": "—" if d.p50_latency_ms is None else f"{d.p50_latency_ms:+,.0f} ms"}
        for d in c.deltas]), hide_index=True, width="stretch", key="ev_compare_table")
    test_set = sets.get(c.b.set_id)
    if c.flips:
        st.markdown(f"**{len(c.flips)} flipped case(s)**")
        st.dataframe(pd.DataFrame([{
            "case": _case_label(test_set, f.case_idx), "pane": f.pane.label,
            "": "✅ fixed" if f.direction == "fixed" else "❌ broke",
            f"run {a}": f"{f.before[0]}/{f.before[1]}", f"run {b}": f"{f.after[0]}/{f.after[1]}"}
            for f in c.flips]), hide_index=True, width="stretch", key="ev_flips")
    else:
        st.caption("No case flipped.")


def _exports(run: runs.RunInfo) -> None:
    st.subheader("Export", anchor=False)
    a, b = st.columns(2)
    auth.download_button(a, "Whole run as JSON (re-importable)", lambda: "".join(exports.json_chunks(run.id)),
                         file_name=f"alonchat-run-{run.id}.json", mime="application/json", key="ev_export_json",
                         icon=":material/data_object:", width="stretch")
    auth.download_button(b, "Every cell as CSV", lambda: "".join(exports.csv_chunks(run.id)),
                         file_name=f"alonchat-run-{run.id}.csv", mime="text/csv", key="ev_export_cells",
                         icon=":material/table:", width="stretch")


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

