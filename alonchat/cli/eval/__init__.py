"""`eval`: run a test set or a promptfoo config over models, for people and for CI; keep, list and resume runs.

`alonchat eval run SET_OR_CONFIG -m MODEL ...` checks every cell and prints the call count and a cost range
first (a run past a hard budget is refused: nothing sent), shows progress on stderr, and prints one
summary per pane (or, with --json, a line per cell and then per pane). Exit 1 when a pane misses
--min-pass-rate, 2 for a bad set or config (nothing sent), 130 on Ctrl+C with the finished cells kept.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import sys
import time
from pathlib import Path

from .. import CLIError, add_command

CONFIG_SUFFIXES = (".yaml", ".yml")
CASE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")
CELL_CSV = ("case", "prompt", "model", "pane", "repeat", "pass", "score", "output", "cost_usd", "latency_ms",
            "ttft_ms", "status", "error")


def register(sub) -> None:
    p = add_command(sub, "eval", description="Run a test set (or a promptfoo config) over models, with checks, "
                                             "repeats and a judge; keep, list, compare and resume runs.")
    cmds = p.add_subparsers(dest="eval_command", required=True, metavar="COMMAND")

    r = cmds.add_parser("run", help="run a set or a promptfoo config over models",
                        description="SET_OR_CONFIG is a stored set (NAME or NAME@VERSION) or a promptfoo config "
                                    "(.yaml). Every cell is checked and the cost range printed before anything "
                                    "is sent.")
    r.add_argument("target", metavar="SET_OR_CONFIG")
    r.add_argument("-m", "--model", action="append", dest="models", metavar="MODEL",
                   help="a catalog model (or promptfoo id) to evaluate; repeat for several; replaces a config's "
                        "providers")
    r.add_argument("--repeat", type=int, default=None, metavar="N", help="send every case N times (default 1)")
    _common_run_options(r)
    r.add_argument("--judge", metavar="MODEL", help="the model that grades judge (llm-rubric) checks")
    r.add_argument("--prompt", type=int, action="append", dest="prompts", metavar="N",
                   help="only prompt variant N (1-based); repeat for several (default: all)")
    r.add_argument("--name", default="", help="a name for the run")
    r.add_argument("--set-name", metavar="NAME", help="save a config's set under this name (default: its folder)")
    r.add_argument("--temperature", type=float, help="sampling temperature for every pane")
    r.add_argument("--max-tokens", type=int, help="most tokens per answer for every pane (narrows the estimate)")
    r.add_argument("--reasoning-effort", choices=("none", "minimal", "low", "medium", "high"),
                   help="reasoning effort for every pane (models that reason)")
    r.add_argument("--dry-run", action="store_true", help="check and estimate only: nothing is sent or stored")
    r.set_defaults(func=run)

    for name, help_ in (("resume", "run what a stopped run has not finished"),
                        ("rerun-failed", "run a run's failed cells again (errors, truncated, refused)")):
        x = cmds.add_parser(name, help=help_)
        x.add_argument("run_id", type=int, metavar="RUN")
        _common_run_options(x)
        x.set_defaults(func=resume, rerun=name == "rerun-failed")

    s = cmds.add_parser("stop", help="ask the processes working on a run to stop (finished cells are kept)")
    s.add_argument("run_id", type=int, metavar="RUN")
    s.set_defaults(func=stop)

    ls = cmds.add_parser("runs", help="list runs (yours and your team's; an admin: all)")
    ls.add_argument("--set", dest="set_name", metavar="NAME", help="only runs of this set")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(func=list_runs)

    sh = cmds.add_parser("show", help="a run's progress and per-pane summary")
    sh.add_argument("run_id", type=int, metavar="RUN")
    out = sh.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="a line per pane (and with --cells, per cell first)")
    out.add_argument("--csv", action="store_true", help="every cell as CSV")
    sh.add_argument("--cells", action="store_true", help="with --json: every cell too")
    sh.add_argument("--min-pass-rate", type=_rate, metavar="RATE", help="exit 1 when a pane's pass rate is below")
    sh.set_defaults(func=show)

    cp = cmds.add_parser("compare", help="two runs of the same set: flipped cases and changes per pane")
    cp.add_argument("run_a", type=int, metavar="RUN_A")
    cp.add_argument("run_b", type=int, metavar="RUN_B")
    cp.add_argument("--json", action="store_true", help="one JSON object")
    cp.set_defaults(func=compare)

    ex = cmds.add_parser("export", help="a whole run as JSON (re-importable) or CSV")
    ex.add_argument("run_id", type=int, metavar="RUN")
    ex.add_argument("--csv", action="store_true", help="one row per cell, instead of the JSON document")
    ex.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    ex.set_defaults(func=export)

    im = cmds.add_parser("import", help="import a run exported as JSON")
    im.add_argument("file", metavar="FILE")
    im.set_defaults(func=import_run)

    st = cmds.add_parser("set", help="test sets: list, show, create, import, export")
    sets_cmds = st.add_subparsers(dest="set_command", required=True, metavar="COMMAND")
    sl = sets_cmds.add_parser("list", help="the sets you can see (latest versions)")
    sl.add_argument("--json", action="store_true")
    sl.set_defaults(func=set_list)
    ss = sets_cmds.add_parser("show", help="one set: prompts, checks and cases")
    ss.add_argument("name", metavar="NAME[@VERSION]")
    ss.add_argument("--json", action="store_true")
    ss.set_defaults(func=set_show)
    for name, help_ in (("create", "a new set (or version) from prompts and a cases file"),
                        ("import", "cases (.csv, .jsonl) or a promptfoo config (.yaml) as a set")):
        x = sets_cmds.add_parser(name, help=help_)
        if name == "create":
            x.add_argument("name", metavar="NAME")
            x.add_argument("--cases", metavar="FILE", required=True, help="a .csv or .jsonl of cases")
        else:
            x.add_argument("file", metavar="FILE")
            x.add_argument("--name", help="the set's name (default: the file's name)")
        x.add_argument("--prompt", action="append", dest="prompts", metavar="TEMPLATE",
                       help="a prompt's user part with {{variables}}; repeat for variants (a cases file needs one, "
                            "unless the set exists: its prompts are kept)")
        x.add_argument("--system", help="the prompts' system part (a template too)")
        x.add_argument("--check", action="append", dest="checks", metavar="CHECK",
                       help="a check for every case, as in __expected (e.g. not-icontains:sorry); repeatable")
        x.add_argument("--description", help="what the set is for")
        x.set_defaults(func=set_import)
    se = sets_cmds.add_parser("export", help="a set's cases as CSV (promptfoo's columns) or JSONL")
    se.add_argument("name", metavar="NAME[@VERSION]")
    se.add_argument("--jsonl", action="store_true", help="promptfoo test cases, one per line (default CSV)")
    se.add_argument("-o", "--output", metavar="FILE")
    se.set_defaults(func=set_export)
    cmds.add_parser("sets", help="the same as `eval set list`").set_defaults(func=set_list, json=False)


def _rate(text: str) -> float:
    import argparse

    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate; give e.g. 0.9 or 90%") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1 (or 0% and 100%)")
    return value


def _common_run_options(p) -> None:
    p.add_argument("--concurrency", metavar="N", help="calls at once per provider (default 4), or PROVIDER=N; "
                                                      "repeatable as PROVIDER=N", action="append")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON line per cell, then one per pane")
    out.add_argument("--csv", action="store_true", help="every cell as CSV (summary on stderr)")
    p.add_argument("--min-pass-rate", type=_rate, metavar="RATE",
                   help="exit 1 when a pane's pass rate is below RATE (0.9 or 90%%)")


def _concurrency(values: list[str] | None):
    if not values:
        return None
    found: dict[str, int] = {}
    for v in values:
        key, sep, number = v.rpartition("=")
        try:
            found[key if sep else "*"] = int(number)
        except ValueError:
            raise CLIError(f"--concurrency {v!r}: give a number, or PROVIDER=N (e.g. openai=8)") from None
    return found


def _err(text: str = "", end: str = "\n") -> None:
    print(text, end=end, file=sys.stderr, flush=True)


# --- run ------------------------------------------------------------------------------------------------------


def _load_target(args):
    """(test set, panes from the config, judge, repeats, concurrency) for SET_OR_CONFIG."""
    from ...evals import promptfoo, sets

    path = Path(args.target)
    if path.suffix.lower() in CONFIG_SUFFIXES:
        if not path.is_file():
            raise CLIError(f"no promptfoo config at {path} (nothing was sent)")
        imported = promptfoo.load(path, name=args.set_name)
        for note in imported.notes:
            _err(f"note: {note}")
        test_set = sets.save(imported.draft)
        return test_set, imported.panes, imported.judge, imported.repeats, imported.concurrency
    if path.suffix.lower() in CASE_SUFFIXES and path.exists():
        raise CLIError(f"{path} is a cases file, not a set: make it a set first with `alonchat eval set import "
                       f"{path} --prompt 'TEMPLATE {{{{var}}}}'`, then run the set by name.")
    return sets.get(args.target), [], None, None, None


def run(args) -> int:
    from ...evals import plan as plan_
    from ...evals import runs
    from ...evals.panes import make as make_pane
    from ...evals.promptfoo import catalog_name

    test_set, panes, judge, repeats, concurrency = _load_target(args)
    if args.models:
        panes = [make_pane(catalog_name(m, "-m"), where=f"-m {m}") for m in args.models]
    overrides = {k: v for k, v in (("temperature", args.temperature), ("max_tokens", args.max_tokens),
                                   ("reasoning_effort", args.reasoning_effort)) if v is not None}
    if overrides:
        panes = [make_pane(p.model, {**p.options, **overrides}) for p in panes]
    if not panes:
        raise CLIError(f"{test_set.ref} names no models: pass -m MODEL (repeat for several); nothing was sent.")
    prompts = [n - 1 for n in args.prompts] if args.prompts else None
    plan = plan_.make(test_set, panes, repeats=args.repeat or repeats or 1, prompts=prompts,
                      judge=args.judge or judge)
    warning = plan_.budget_gate(plan)
    _err(f"{test_set.ref}: {plan.describe()}")
    if warning:
        _err(f"warning: {warning}")
    if args.dry_run:
        _err("dry run: nothing was sent or stored.")
        return 0
    limits = _concurrency(args.concurrency) or ({"*": concurrency} if concurrency else None)
    run_ = runs.create(plan, name=args.name, concurrency=limits)
    _err(f"run {run_.id} started (`alonchat eval stop {run_.id}` stops it; Ctrl+C here too).")
    return _work(run_.id, args)


def resume(args) -> int:
    from ...evals import runs

    if args.rerun:
        n = runs.rerun_failed(args.run_id)
        _err(f"run {args.run_id}: {n} failed cell{'s' * (n != 1)} to run again.")
    run_ = runs.prepare_resume(args.run_id)
    limits = _concurrency(args.concurrency)
    if limits:
        from ...storage.engine import get_engine
        from ...storage.tables import EvalRun

        with get_engine().begin() as conn:
            conn.execute(EvalRun.__table__.update().where(EvalRun.__table__.c.id == run_.id)
                         .values(concurrency=json.dumps(runs.concurrency_map(limits))))
    p = runs.progress(run_.id)
    if not p.pending and not p.running:
        _err(f"run {run_.id} has nothing left to run ({p.done:,} cells done).")
        return _summary_out(run_.id, args)
    _err(f"run {run_.id}: resuming {p.pending + p.running:,} of {p.total:,} cells.")
    return _work(run_.id, args)


def _work(run_id: int, args) -> int:
    """Work the run here, printing cells as they finish and progress on stderr; Ctrl+C stops and keeps them."""
    from ...evals import runs
    from ...evals.executor import Executor

    outcomes: queue.Queue = queue.Queue()
    ex = Executor(run_id, on_cell=outcomes.put)
    start = runs.progress(run_id)
    tracker = _Progress(start)
    writer = None
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CELL_CSV)
    stops, started = 0, False
    try:
        while True:
            try:
                if not started:  # in the loop: a Ctrl+C during start-up still settles the run
                    started = True
                    ex.start()
                _drain(outcomes, args, writer, tracker, wait=0.5)
                tracker.tick()
                if ex.wait(timeout=0):
                    _drain(outcomes, args, writer, tracker, wait=0)
                    break
            except KeyboardInterrupt as e:
                stops += 1
                ex.stop(hard=stops > 1)
                tracker.stopping = e
    finally:
        tracker.end()
    if tracker.stopping is not None:
        p = runs.progress(run_id)
        _err(f"stopped: {p.done:,} of {p.total:,} cells finished and kept; the rest run with "
             f"`alonchat eval resume {run_id}`.")
        from .. import Terminated

        return 143 if isinstance(tracker.stopping, Terminated) else 130
    return _summary_out(run_id, args, problem=ex.problem)


def _drain(outcomes: queue.Queue, args, writer, tracker, wait: float) -> None:
    try:
        item = outcomes.get(timeout=wait) if wait else outcomes.get_nowait()
    except queue.Empty:
        return
    while True:
        tracker.add(item)
        if args.json:
            print(json.dumps(item.as_json(), ensure_ascii=False), flush=True)
        elif writer is not None:
            j = item.as_json()
            writer.writerow(["" if j[k] is None else str(j[k]).lower() if isinstance(j[k], bool) else j[k]
                             for k in CELL_CSV])
            sys.stdout.flush()
        try:
            item = outcomes.get_nowait()
        except queue.Empty:
            return


class _Progress:
    """Counts, elapsed, ETA and running cost on stderr: one line rewritten on a terminal, a line every 5 s else."""

    def __init__(self, start):
        self.total = start.total
        self.done = start.done
        self.passed = start.passed
        self.failed = start.graded - start.passed
        self.errors = start.failed
        self.cost = start.cost
        self.began = time.monotonic()
        self.done_here = 0
        self.tty = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
        self.shown_at = 0.0
        self.stopping: BaseException | None = None

    def add(self, outcome) -> None:
        from decimal import Decimal

        v = outcome.values
        self.done += 1
        self.done_here += 1
        if v.get("passed") is True:
            self.passed += 1
        elif v.get("passed") is False:
            self.failed += 1
        if v.get("status") != "ok":
            self.errors += 1
        for k in ("cost_usd", "judge_cost_usd"):
            if v.get(k) is not None:
                self.cost = (self.cost or Decimal(0)) + Decimal(str(v[k]))

    def line(self) -> str:
        from ...evals.plan import money

        elapsed = time.monotonic() - self.began
        rate = self.done_here / elapsed if elapsed > 0 else 0
        left = self.total - self.done
        eta = _clock(left / rate) if rate and left else "—"
        pct = self.done / self.total * 100 if self.total else 100
        state = " · stopping" if self.stopping is not None else ""
        return (f"[{self.done:,}/{self.total:,} {pct:4.1f}%] {rate:.1f} calls/s · {_clock(elapsed)} elapsed · "
                f"ETA {eta} · {money(self.cost)} · {self.passed:,} passed, {self.failed:,} failed, "
                f"{self.errors:,} errors{state}")

    def tick(self) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self.shown_at >= 0.2:
                _err("\r\x1b[2K" + self.line(), end="")
                self.shown_at = now
        elif now - self.shown_at >= 5:
            _err(self.line())
            self.shown_at = now

    def end(self) -> None:
        _err(("\r\x1b[2K" if self.tty else "") + self.line())


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


# --- summaries ---------------------------------------------------------------------------------------------------


def _summary_out(run_id: int, args, problem: str | None = None) -> int:
    """Print the per-pane summary (table on stdout, or JSON lines; with --csv on stderr); the exit code."""
    from ...evals import results, runs

    run_ = runs.get(run_id)
    summaries = results.summary(run_id, run_)
    if getattr(args, "json", False):
        for s in summaries:
            print(json.dumps(s.as_json()), flush=True)
    else:
        out = sys.stderr if getattr(args, "csv", False) else sys.stdout
        print(_table(run_, runs.progress(run_id), summaries), file=out, flush=True)
    code = 0
    p = runs.progress(run_id)
    if problem or p.problem:
        _err(f"error: {problem or p.problem}")
        code = 1
    minimum = getattr(args, "min_pass_rate", None)
    if minimum is not None:
        missed = [s for s in summaries if s.pass_rate is None or s.pass_rate < minimum]
        for s in missed:
            rate = "nothing checked" if s.pass_rate is None else f"{s.pass_rate:.1%}"
            _err(f"pane {s.index + 1} ({s.pane.label}) missed the minimum pass rate {minimum:.1%}: {rate}")
        code = 1 if missed else code
    return code


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _table(run_, p, summaries) -> str:
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
        rate = "—" if s.pass_rate is None else f"{_pct(s.pass_rate)} ({_pct(ci[0])}–{_pct(ci[1])})"
        rows.append(("★" if s.on_front else "", f"{s.index + 1}. {s.pane.label}", rate, f"{s.passed}/{s.graded}",
                     str(s.errors), "—" if s.mean_score is None else f"{s.mean_score:.2f}",
                     f"{_ms(s.p50_latency_ms)} / {_ms(s.p95_latency_ms)}", _ms(s.p50_ttft_ms),
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


def show(args) -> int:
    from ...evals import exports, runs

    run_ = runs.get(args.run_id)
    if args.csv:
        for chunk in exports.csv_chunks(run_.id):
            sys.stdout.write(chunk)
        return 0
    if args.json and args.cells:
        for r in exports.cells(run_.id):
            print(json.dumps({"kind": "cell", "case": r.case_idx + 1, "prompt": r.prompt_idx + 1,
                              "model": run_.panes[r.pane_idx].model, "pane": r.pane_idx + 1,
                              "repeat": r.repeat_idx + 1, "pass": r.passed, "score": r.score, "output": r.output,
                              "cost_usd": None if r.cost_usd is None else float(r.cost_usd),
                              "latency_ms": r.latency_ms, "ttft_ms": r.ttft_ms,
                              "status": r.status if r.state == "done" else r.state, "error": r.error},
                             ensure_ascii=False))
    return _summary_out(run_.id, args)


def stop(args) -> int:
    from ...evals import runs

    runs.request_stop(args.run_id)
    p = runs.progress(args.run_id)
    if p.workers:
        _err(f"run {args.run_id}: asked {p.workers} worker(s) to stop; finished cells are kept.")
    else:
        _err(f"run {args.run_id} is not running ({p.done:,}/{p.total:,} cells done).")
    return 0


def list_runs(args) -> int:
    from ...evals import runs

    found = runs.list_runs(limit=args.limit, set_name=args.set_name)
    counts = runs.counts_by_run([r.id for r in found])
    for r in found:
        c = counts.get(r.id, {})
        done = c.get("done", 0)
        p = runs.progress(r.id) if args.json or c.get("pending") or c.get("running") else None
        status = p.status if p is not None else ("imported" if r.status == "imported" else "done")
        if args.json:
            print(json.dumps({"id": r.id, "name": r.name, "set": r.set_name, "set_version": r.set_version,
                              "user": r.user, "created_at": r.created_at.isoformat(), "status": status,
                              "cells": r.cells, "done": done, "models": [x.model for x in r.panes],
                              "repeats": r.repeats, "cost_usd": None if p.cost is None else float(p.cost)}))
        else:
            models = ", ".join(x.label for x in r.panes)
            print(f"{r.id:>5}  {r.created_at:%Y-%m-%d %H:%M}  {r.set_name}@{r.set_version}  {status:<8} "
                  f"{done:,}/{r.cells:,}  {r.user}  {models}" + (f"  ({r.name})" if r.name else ""))
    if not found and not args.json:
        _err("no runs yet: `alonchat eval run SET_OR_CONFIG -m MODEL` starts one.")
    return 0


def compare(args) -> int:
    from ...evals import results
    from ...evals.plan import money

    c = results.compare(args.run_a, args.run_b)
    from ...evals.sets import get as get_set

    cases = get_set(c.b.set_id).cases
    if args.json:
        print(json.dumps({
            "run_a": c.a.id, "run_b": c.b.id, "matched_cases": c.matched_cases, "only_a": c.only_a,
            "only_b": c.only_b,
            "panes": [{"model": d.pane.model, "options": d.pane.options,
                       "pass_rate_a": d.a.pass_rate if d.a else None, "pass_rate_b": d.b.pass_rate if d.b else None,
                       "pass_rate_change": d.pass_rate,
                       "cost_per_1k_change": None if d.cost_per_1k is None else float(d.cost_per_1k),
                       "p50_latency_ms_change": d.p50_latency_ms} for d in c.deltas],
            "flips": [{"case": f.case_idx + 1, "prompt": f.prompt_idx + 1, "model": f.pane.model,
                       "direction": f.direction, "before": list(f.before), "after": list(f.after),
                       "vars": cases[f.case_idx].vars} for f in c.flips]}, ensure_ascii=False, default=str))
        return 0
    print(f"Run {c.a.id} → run {c.b.id} ({c.b.set_name}; {c.matched_cases} cases matched"
          + (f", {c.only_a} only in {c.a.id}" if c.only_a else "") + (f", {c.only_b} only in {c.b.id}" if c.only_b
                                                                       else "") + ")")
    for d in c.deltas:
        a = _pct(d.a.pass_rate) if d.a else "—"
        b = _pct(d.b.pass_rate) if d.b else "—"
        change = "" if d.pass_rate is None else f" ({d.pass_rate * 100:+.1f} pts)"
        cost = "" if d.cost_per_1k is None else f" · per 1k cases {'+' if d.cost_per_1k >= 0 else '-'}" \
                                                f"{money(abs(d.cost_per_1k))}"
        lat = "" if d.p50_latency_ms is None else f" · p50 latency {d.p50_latency_ms:+,.0f} ms"
        print(f"  {d.pane.label}: {a} → {b}{change}{cost}{lat}")
    if c.flips:
        print(f"\n{len(c.flips)} flipped:")
        for f in c.flips:
            print(f"  case {f.case_idx + 1} ({json.dumps(cases[f.case_idx].vars, ensure_ascii=False)[:80]}), "
                  f"{f.pane.label}: {f.direction} ({f.before[0]}/{f.before[1]} → {f.after[0]}/{f.after[1]})")
    else:
        print("\nno case flipped.")
    return 0


def export(args) -> int:
    from ...evals import exports

    chunks = exports.csv_chunks(args.run_id) if args.csv else exports.json_chunks(args.run_id)
    if args.output:
        tmp = Path(args.output + ".part")
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                for chunk in chunks:
                    f.write(chunk)
            tmp.replace(args.output)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise CLIError(f"cannot write {args.output}: {e.strerror or e}") from None
        _err(f"run {args.run_id} written to {args.output}")
        return 0
    for chunk in chunks:
        sys.stdout.write(chunk)
    return 0


def import_run(args) -> int:
    from ...evals import exports

    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise CLIError(f"cannot read {args.file}: {e.strerror or e}") from None
    run_ = exports.import_json(data)
    _err(f"imported as run {run_.id} (set {run_.set_name}@{run_.set_version}, {run_.cells:,} cells).")
    return 0


# --- sets ----------------------------------------------------------------------------------------------------------


def set_list(args) -> int:
    from ...evals import sets

    found = sets.list_sets()
    for s in found:
        if args.json:
            print(json.dumps({"name": s.name, "version": s.version, "versions": s.versions, "cases": s.case_count,
                              "prompts": s.prompt_count, "owner": s.owner, "runs": s.runs,
                              "created_at": s.created_at.isoformat(), "description": s.description}))
        else:
            print(f"{s.name}@{s.version}  {s.case_count:,} cases × {s.prompt_count} prompt(s)  {s.runs} run(s)  "
                  f"{s.owner}  {s.created_at:%Y-%m-%d}" + (f"  {s.description}" if s.description else ""))
    if not found and not args.json:
        _err("no test sets yet: `alonchat eval set create NAME --prompt '...{{var}}' --cases cases.csv`, or run a "
             "promptfoo config.")
    return 0


def set_show(args) -> int:
    from ...evals import sets

    s = sets.get(args.name)
    if args.json:
        print(json.dumps({"name": s.name, "version": s.version, "description": s.description,
                          "prompts": [p.model_dump() for p in s.prompts],
                          "checks": [c.as_assertion() for c in s.checks], "variables": s.variables,
                          "cases": [c.stored() for c in s.cases]}, ensure_ascii=False))
        return 0
    print(f"{s.ref} · {len(s.cases):,} cases · by {s.owner} · {s.created_at:%Y-%m-%d %H:%M} UTC"
          + (f"\n{s.description}" if s.description else ""))
    for i, p in enumerate(s.prompts):
        print(f"\n[{p.title(i)}]" + (f"\n  system: {p.system}" if p.system else "") + f"\n  user: {p.user}")
    if s.checks:
        print("\nevery case: " + "; ".join(c.describe() for c in s.checks))
    print(f"\nvariables: {', '.join(s.variables) or '(none)'}")
    for i, c in enumerate(s.cases[:10]):
        checks = f"  [{'; '.join(k.describe() for k in c.checks)}]" if c.checks else ""
        print(f"  {i + 1}. {json.dumps(c.vars, ensure_ascii=False)[:100]}{checks}")
    if len(s.cases) > 10:
        print(f"  … {len(s.cases) - 10:,} more (`alonchat eval set export {s.ref}`)")
    return 0


def set_import(args) -> int:
    from ...core.errors import ValidationError
    from ...evals import cases_io, checks, promptfoo, sets
    from ...evals.templates import Prompt

    path = Path(getattr(args, "cases", None) or args.file)
    name = getattr(args, "name", None)
    if path.suffix.lower() in CONFIG_SUFFIXES:
        draft = promptfoo.load(path, name=name).draft
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CLIError(f"cannot read {path}: {e.strerror or e}") from None
        columns, cases = cases_io.read(data, path.name)
        files = cases_io.read_files(cases, path.resolve().parent)
        name = name or path.stem
        prompts = [Prompt(label=f"prompt {i + 1}" if len(args.prompts) > 1 else "", system=args.system or "",
                          user=t) for i, t in enumerate(args.prompts or [])]
        previous = None
        if not prompts:
            try:
                previous = sets.get(name)
            except ValidationError:
                raise CLIError(f"give the set's prompt: --prompt 'TEMPLATE with {{{{{(columns or ['var'])[0]}}}}}' "
                               "(nothing was saved)") from None
            prompts = previous.prompts
        draft = sets.SetDraft(name, prompts, cases, columns=columns, files=files,
                              source=path.suffix.lower().lstrip(".").replace("ndjson", "jsonl"),
                              checks=previous.checks if previous else [],
                              description=previous.description if previous else "")
    if args.checks:
        try:
            draft.checks = [*draft.checks, *(checks.from_expected(c) for c in args.checks)]
        except checks.CheckError as e:
            raise CLIError(f"--check: {e} (nothing was saved)") from None
    if args.description is not None:
        draft.description = args.description
    saved = sets.save(draft)
    _err(f"saved {saved.ref}: {len(saved.cases):,} cases × {len(saved.prompts)} prompt(s).")
    return 0


def set_export(args) -> int:
    from ...evals import cases_io, sets

    s = sets.get(args.name)
    text = cases_io.write_jsonl(s.cases) if args.jsonl else cases_io.write_csv(s.columns, s.cases)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8", newline="")
        except OSError as e:
            raise CLIError(f"cannot write {args.output}: {e.strerror or e}") from None
        _err(f"{s.ref} written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0
