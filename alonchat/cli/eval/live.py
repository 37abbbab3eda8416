"""A run worked in this process: cells printed as they finish, a progress line on stderr, Ctrl+C stops and keeps."""

from __future__ import annotations

import csv
import json
import os
import queue
import sys
import time

from .report import err, summary_out

CELL_CSV = ("case", "prompt", "model", "pane", "repeat", "pass", "score", "output", "cost_usd", "latency_ms",
            "ttft_ms", "status", "error")


def work(run_id: int, args) -> int:
    """Work the run here, printing cells as they finish and progress on stderr; Ctrl+C stops and keeps them."""
    from ...evals import runs
    from ...evals.executor import Executor

    outcomes: queue.Queue = queue.Queue()
    ex = Executor(run_id, on_cell=outcomes.put)
    start = runs.progress(run_id)
    tracker = Progress(start)
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
                drain(outcomes, args, writer, tracker, wait=0.5)
                tracker.tick()
                if ex.wait(timeout=0):
                    drain(outcomes, args, writer, tracker, wait=0)
                    break
            except KeyboardInterrupt as e:
                stops += 1
                ex.stop(hard=stops > 1)
                tracker.stopping = e
    finally:
        tracker.end()
    if tracker.stopping is not None:
        p = runs.progress(run_id)
        err(f"stopped: {p.done:,} of {p.total:,} cells finished and kept; the rest run with "
             f"`alonchat eval resume {run_id}`.")
        from .. import Terminated

        return 143 if isinstance(tracker.stopping, Terminated) else 130
    return summary_out(run_id, args, problem=ex.problem)


def drain(outcomes: queue.Queue, args, writer, tracker, wait: float) -> None:
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


class Progress:
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
        eta = clock(left / rate) if rate and left else "—"
        pct = self.done / self.total * 100 if self.total else 100
        state = " · stopping" if self.stopping is not None else ""
        return (f"[{self.done:,}/{self.total:,} {pct:4.1f}%] {rate:.1f} calls/s · {clock(elapsed)} elapsed · "
                f"ETA {eta} · {money(self.cost)} · {self.passed:,} passed, {self.failed:,} failed, "
                f"{self.errors:,} errors{state}")

    def tick(self) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self.shown_at >= 0.2:
                err("\r\x1b[2K" + self.line(), end="")
                self.shown_at = now
        elif now - self.shown_at >= 5:
            err(self.line())
            self.shown_at = now

    def end(self) -> None:
        err(("\r\x1b[2K" if self.tty else "") + self.line())


def clock(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
