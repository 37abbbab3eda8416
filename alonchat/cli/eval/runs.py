"""`alonchat eval run/resume/rerun-failed/stop/runs/show/compare/export/import`: the handlers of the run commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import CLIError
from .live import work
from .report import err, pct, summary_out
from .sets import CASE_SUFFIXES, CONFIG_SUFFIXES


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


def _load_target(args):
    """(test set, panes from the config, judge, repeats, concurrency) for SET_OR_CONFIG."""
    from ...evals import promptfoo, sets

    path = Path(args.target)
    if path.suffix.lower() in CONFIG_SUFFIXES:
        if not path.is_file():
            raise CLIError(f"no promptfoo config at {path} (nothing was sent)")
        imported = promptfoo.load(path, name=args.set_name)
        for note in imported.notes:
            err(f"note: {note}")
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
    err(f"{test_set.ref}: {plan.describe()}")
    if warning:
        err(f"warning: {warning}")
    if args.dry_run:
        err("dry run: nothing was sent or stored.")
        return 0
    limits = _concurrency(args.concurrency) or ({"*": concurrency} if concurrency else None)
    run_ = runs.create(plan, name=args.name, concurrency=limits)
    err(f"run {run_.id} started (`alonchat eval stop {run_.id}` stops it; Ctrl+C here too).")
    return work(run_.id, args)


def resume(args) -> int:
    from ...evals import runs

    if args.rerun:
        n = runs.rerun_failed(args.run_id)
        err(f"run {args.run_id}: {n} failed cell{'s' * (n != 1)} to run again.")
    run_ = runs.prepare_resume(args.run_id, concurrency=_concurrency(args.concurrency))
    p = runs.progress(run_.id)
    if not p.pending and not p.running:
        err(f"run {run_.id} has nothing left to run ({p.done:,} cells done).")
        return summary_out(run_.id, args)
    err(f"run {run_.id}: resuming {p.pending + p.running:,} of {p.total:,} cells.")
    return work(run_.id, args)


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
    return summary_out(run_.id, args)


def stop(args) -> int:
    from ...evals import runs

    runs.request_stop(args.run_id)
    p = runs.progress(args.run_id)
    if p.workers:
        err(f"run {args.run_id}: asked {p.workers} worker(s) to stop; finished cells are kept.")
    else:
        err(f"run {args.run_id} is not running ({p.done:,}/{p.total:,} cells done).")
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
        err("no runs yet: `alonchat eval run SET_OR_CONFIG -m MODEL` starts one.")
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
        a = pct(d.a.pass_rate) if d.a else "—"
        b = pct(d.b.pass_rate) if d.b else "—"
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
        err(f"run {args.run_id} written to {args.output}")
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
    err(f"imported as run {run_.id} (set {run_.set_name}@{run_.set_version}, {run_.cells:,} cells).")
    return 0
