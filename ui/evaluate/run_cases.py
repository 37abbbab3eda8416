"""A run's cases: the matrix a page at a time (filters, prompt, pages), and one case's answers side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.core.errors import ValidationError
from alonchat.evals import results, runs, sets
from alonchat.evals.inputs import Inputs
from ui import format as fmt
from ui import safe_markdown as md

PAGE_ROWS = 25
FILTER, PAGE, PROMPT, OPEN = "ev_filter", "ev_page", "ev_prompt_view", "ev_open_case"
# Plain symbols (the grid draws on a canvas with the page's text font, where emoji may be missing).
VERDICT = {"pass": "✓", "fail": "✗", "mixed": "±", "error": "⚠", "unchecked": "·", "pending": "…"}


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


def case_label(test_set, case_idx: int) -> str:
    case = test_set.cases[case_idx]
    text = case.description or ", ".join(f"{k}={v}" for k, v in case.vars.items() if isinstance(v, str | int | float))
    return f"{case_idx + 1}. {text[:80]}"


def cases(run: runs.RunInfo) -> None:
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
        line = {"case": case_label(test_set, r.case_idx)}
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
                 format_func=lambda k: case_label(test_set, k[0]) + (
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
