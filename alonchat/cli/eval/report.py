"""What `alonchat eval` prints of a run: notes on stderr, the per-pane summary table, and the exit code it sets."""

from __future__ import annotations

import json
import sys


def err(text: str = "", end: str = "\n") -> None:
    print(text, end=end, file=sys.stderr, flush=True)


def summary_out(run_id: int, args, problem: str | None = None) -> int:
    """Print the per-pane summary (table on stdout, or JSON lines; with --csv on stderr); the exit code."""
    from ...evals import results, runs

    run_ = runs.get(run_id)
    summaries = results.summary(run_id, run_)
    if getattr(args, "json", False):
        for s in summaries:
            print(json.dumps(s.as_json()), flush=True)
    else:
        out = sys.stderr if getattr(args, "csv", False) else sys.stdout
        print(table(run_, runs.progress(run_id), summaries), file=out, flush=True)
    code = 0
    p = runs.progress(run_id)
    if problem or p.problem:
        err(f"error: {problem or p.problem}")
        code = 1
    minimum = getattr(args, "min_pass_rate", None)
    if minimum is not None:
        missed = [s for s in summaries if s.pass_rate is None or s.pass_rate < minimum]
        for s in missed:
            rate = "nothing checked" if s.pass_rate is None else f"{s.pass_rate:.1%}"
            err(f"pane {s.index + 1} ({s.pane.label}) missed the minimum pass rate {minimum:.1%}: {rate}")
        code = 1 if missed else code
    return code


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def ms(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def table(run_, p, summaries) -> str:
    from ...evals.plan import money

    spent = money(p.cost) if p.cost is not None or p.calls else "$0"
    judge = f" (judge {money(p.judge_cost)} of it)" if p.judge_calls else ""
    unpriced = f", {p.unpriced_calls} unpriced calls not counted" if p.unpriced_calls else ""
    head = (f"Run {run_.id} · {run_.set_name}@{run_.set_version} · {p.status} · {p.done:,}/{p.total:,} cells · "
            f"{p.calls:,} calls{f' + {p.judge_calls:,} judge calls' if p.judge_calls else ''} · spent {spent}"
            f"{judge}{unpriced}")
    rows = [("", "pane", "pass rate (95% CI)", "passed", "errors", "score", "latency p50/p95 ms", "TTFT p50 ms",
             "tokens in/out", "cost", "per 1k cases", "passes/$")]
    for s in summaries:
        ci = s.interval
        rate = "—" if s.pass_rate is None else f"{pct(s.pass_rate)} ({pct(ci[0])}–{pct(ci[1])})"
        rows.append(("★" if s.on_front else "", f"{s.index + 1}. {s.pane.label}", rate, f"{s.passed}/{s.graded}",
                     str(s.errors), "—" if s.mean_score is None else f"{s.mean_score:.2f}",
                     f"{ms(s.p50_latency_ms)} / {ms(s.p95_latency_ms)}", ms(s.p50_ttft_ms),
                     f"{s.input_tokens:,} / {s.output_tokens:,}",
                     money(s.cost_usd) + (f" +{s.unpriced} unpriced" if s.unpriced else ""),
                     money(s.cost_per_1k), "—" if s.passes_per_usd is None else f"{s.passes_per_usd:,.0f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [head, ""] + ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    notes = []
    if any(s.on_front for s in summaries):
        notes.append("★ no other pane is both cheaper and better (cost per 1k cases vs pass rate).")
    for s in summaries:
        if s.self_judged:
            notes.append(f"pane {s.index + 1}: {s.self_judged} cell(s) graded by the judge model that wrote them.")
    if any(0 < s.graded < 30 for s in summaries):
        notes.append("Fewer than 30 graded cells in a pane make a wide interval: more cases or repeats narrow it.")
    return "\n".join(lines + ([""] + notes if notes else []))
