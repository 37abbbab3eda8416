"""Prints what an evaluation run costs the engine at scale: calls per second, overhead per cell, memory, page time.

    python bench/eval_run.py [--cases 1000] [--panes 6] [--repeats 3] [--concurrency 8]

A set of `cases` cases runs over `panes` panes (three providers) `repeats` times: 18,000 calls by
default, through the real SDKs against a local FakeServer in its own process (as a real provider would
be), into a fresh SQLite database. Printed:

1. Plan: checking every cell and estimating the cost range before the run.
2. Run: calls per second at the given concurrency per provider, and the engine's overhead per cell
   (claiming it in the database, rendering, grading, storing it: everything but ai_service's call),
   with the process's peak memory at a quarter, half and all of the run (bounded: it must not grow
   with the number of cells). At full concurrency that overhead is mostly waiting (for the GIL, and
   for the one SQLite writer); a second, small run with one worker shows what a cell costs alone.
3. Results: the per-pane summary and one page of the matrix read in SQL, and the Evaluate page of
   the run under AppTest (goal: <= 1 s), best of five after a first warm-up run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.overhead import point_at  # noqa: E402 (after the checkout is on the path)

MODELS = ("gpt-5.4-mini", "gpt-4.1-mini", "claude-haiku-4-5", "claude-sonnet-4-6", "gemini-2.5-flash",
          "gemini-2.5-flash-lite", "gpt-5", "claude-opus-4-7", "gemini-2.5-pro")


def serve(urls, stop) -> None:
    """The child process: a FakeServer answering every capital question with a short, known answer."""
    from tests.fake_server import FakeServer
    from tests.fake_server.answers import Answers

    with FakeServer() as srv:
        srv.responder = Answers({"country 7": "I do not know.", "country": "The capital is Paris."})
        urls.put(srv.url)
        stop.wait()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--panes", type=int, default=6, choices=range(1, len(MODELS) + 1))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8, help="calls at once per provider")
    args = ap.parse_args()

    ctx = multiprocessing.get_context("spawn")
    urls, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(urls, stop), daemon=True)
    server.start()
    url = urls.get(timeout=60)
    db_dir = tempfile.mkdtemp(prefix="alonchat-bench-eval-")
    point_at(url, db_dir)
    try:
        run_bench(args)
    finally:
        stop.set()
        server.join(10)


def run_bench(args) -> None:
    from alonchat.evals import checks, executor, plan, results, runs, sets
    from alonchat.evals.panes import Pane
    from alonchat.evals.sets import Case, SetDraft
    from alonchat.evals.templates import Prompt

    cases = [Case(vars={"country": f"country {i}"}, checks=[checks.from_expected("icontains:paris")])
             for i in range(args.cases)]
    test_set = sets.save(SetDraft("bench", [Prompt(system="Answer in one sentence.",
                                                   user="What is the capital of {{country}}?")], cases,
                                  checks=[checks.from_expected("not-icontains:sorry")]))
    panes = [Pane(m, {"max_tokens": 64}) for m in MODELS[:args.panes]]
    t0 = time.perf_counter()
    p = plan.make(test_set, panes, repeats=args.repeats)
    plan_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run = runs.create(p, concurrency=args.concurrency)
    create_s = time.perf_counter() - t0
    print(f"Plan: {p.describe()}")
    print(f"  checked and estimated in {plan_s:.2f} s ({plan_s / (p.cells / args.repeats) * 1e6:.0f} µs per "
          f"case x pane); {p.cells:,} cells stored in {create_s:.2f} s")

    # Time spent outside ai_service per cell: claim + render/grade + store.
    spent = {"claim": 0.0, "cell": 0.0, "call": 0.0, "finish": 0.0}  # finish: storing a cell and claiming the next
    lock = threading.Lock()

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                with lock:
                    spent[name] += time.perf_counter() - t
        return wrapper

    runs.claim = timed("claim", runs.claim)
    runs.finish = timed("finish", runs.finish)
    runs.finish_and_claim = timed("finish", runs.finish_and_claim)
    executor.Executor._cell = timed("cell", executor.Executor._cell)
    executor.Executor._call = timed("call", executor.Executor._call)

    done = [0]
    marks = {p.cells // 4: "25%", p.cells // 2: "50%", p.cells: "100%"}
    memory = []

    def seen(_):
        done[0] += 1
        if done[0] in marks:
            memory.append(f"{marks[done[0]]}: {peak_mb():.0f} MB")

    from alonchat.calls.service import ai_service

    t0 = time.perf_counter()
    for pane in panes:  # the SDKs' imports and clients: once per process, not the run's pace
        ai_service.warm(pane.model)
    print(f"  SDK clients built (imports included) in {time.perf_counter() - t0:.1f} s, before the clock starts")
    ex = executor.Executor(run.id, on_cell=seen)
    t0 = time.perf_counter()
    ex.run_here()
    wall = time.perf_counter() - t0
    prog = runs.progress(run.id)
    own = spent["claim"] + spent["finish"] + spent["cell"] - spent["call"]
    print(f"Run: {prog.done:,} cells in {wall:.1f} s = {prog.done / wall:.0f} calls/s at concurrency "
          f"{args.concurrency} per provider ({len(ex.lanes)} providers, {sum(ex.run.limit(k) for k in ex.lanes)} "
          f"workers)")
    print(f"  engine overhead per cell (render/grade {(spent['cell'] - spent['call']) / prog.done * 1e3:.2f} ms + "
          f"store it and claim the next {(spent['finish'] + spent['claim']) / prog.done * 1e3:.2f} ms, one "
          f"transaction) = {own / prog.done * 1e3:.2f} ms of worker time; ai_service's call took "
          f"{spent['call'] / prog.done * 1e3:.1f} ms per cell (fake server included)")
    print(f"  peak memory: {', '.join(memory)}")

    calibrate(test_set, timed_spent=spent)
    timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        s = results.summary(run.id)
        results.matrix(run.id, limit=25)
        timings.append(time.perf_counter() - t0)
    print(f"Results in SQL: summary + one matrix page in {min(timings) * 1e3:.0f} ms best, "
          f"{statistics.median(timings) * 1e3:.0f} ms median; "
          + ", ".join(f"{x.pane.model} {x.pass_rate:.1%}" for x in s))
    print(f"  matrix filtered to failed cases: {results.matrix(run.id, only='failed', limit=25)[1]:,} rows")
    page_time(run.id)


def calibrate(test_set, timed_spent: dict, cells: int = 300) -> None:
    """The same per-cell work with one worker and one pane: what a cell costs the engine when nobody waits."""
    from dataclasses import replace

    from alonchat.evals import executor, plan, runs
    from alonchat.evals.panes import Pane

    subset = replace(test_set, cases=test_set.cases[:cells])  # the first cases of the same stored set
    run = runs.create(plan.make(subset, [Pane("gpt-5.4-mini", {"max_tokens": 32})]), concurrency=1)
    for k in timed_spent:
        timed_spent[k] = 0.0
    t0 = time.perf_counter()
    executor.Executor(run.id).run_here()
    wall = time.perf_counter() - t0
    n = runs.progress(run.id).done
    own = timed_spent["claim"] + timed_spent["finish"] + timed_spent["cell"] - timed_spent["call"]
    print(f"  one worker, one pane ({n} cells, nobody waiting): {n / wall:.0f} calls/s; engine overhead "
          f"{own / n * 1e3:.2f} ms per cell (render/grade {(timed_spent['cell'] - timed_spent['call']) / n * 1e3:.2f}"
          f" ms, store + claim {(timed_spent['finish'] + timed_spent['claim']) / n * 1e3:.2f} ms); ai_service's "
          f"call {timed_spent['call'] / n * 1e3:.2f} ms")


def page_time(run_id: int) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/evaluate.py")
    at.query_params["run"] = str(run_id)
    at.run()  # warm-up: imports, first queries
    if at.exception or not at.title or f"Run {run_id}" not in at.title[0].value:
        print("  page error:", [e.value for e in at.exception], [t.value for t in at.title])
        return
    timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        at.run()
        timings.append(time.perf_counter() - t0)
    print(f"Results page (AppTest, whole script run): {min(timings):.2f} s best, {statistics.median(timings):.2f} s "
          f"median (goal <= 1 s)")


if __name__ == "__main__":
    main()
