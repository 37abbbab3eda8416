"""Where a run stands, read fresh: cells by state, pass counts, rate, and spend so far from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from ...storage.engine import get_engine
from ...storage.tables import EvalCell, UsageRecord, utcnow
from .claims import live_workers
from .record import FAILED, get

_CELLS, _USAGE = EvalCell.__table__, UsageRecord.__table__


@dataclass
class Progress:
    """Where a run stands, read fresh: counts, time, rate, spend so far (from the ledger), and its state."""

    run_id: int
    total: int
    pending: int
    running: int
    done: int
    failed: int
    passed: int
    graded: int
    status: str
    workers: int
    elapsed_s: float | None
    rate_per_s: float | None
    eval_cost: Decimal | None
    judge_cost: Decimal | None
    calls: int  # ledger rows of the run's own calls (failed and stopped ones too)
    judge_calls: int
    unpriced_calls: int
    problem: str | None
    stop_requested: bool

    @property
    def eta_s(self) -> float | None:
        left = self.pending + self.running
        if not left:
            return 0.0
        return left / self.rate_per_s if self.rate_per_s else None

    @property
    def cost(self) -> Decimal | None:
        found = [c for c in (self.eval_cost, self.judge_cost) if c is not None]
        return sum(found, Decimal(0)) if found else None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


RATE_WINDOW = timedelta(seconds=30)


def progress(run_id: int) -> Progress:
    run = get(run_id)
    now = utcnow()
    since = now - RATE_WINDOW
    recent_start = max(run.started_at, since) if run.started_at else since
    c = _CELLS.c
    with get_engine().connect() as conn:
        counts = {r.state: r.n for r in conn.execute(select(c.state, func.count().label("n"))
                                                      .where(c.run_id == run_id).group_by(c.state))}
        row = conn.execute(select(
            func.sum(case((c.status.in_(FAILED), 1), else_=0)).label("failed"),
            func.sum(case((c.passed.is_(True), 1), else_=0)).label("passed"),
            func.sum(case((c.passed.is_not(None), 1), else_=0)).label("graded"),
            func.sum(case((c.finished_at >= recent_start, 1), else_=0)).label("recent"))
            .where(c.run_id == run_id, c.state == "done")).first()
        spend = {r.source: r for r in conn.execute(
            select(_USAGE.c.source, func.count().label("n"), func.sum(_USAGE.c.cost_usd).label("cost"),
                   func.sum(case((_USAGE.c.cost_usd.is_(None), 1), else_=0)).label("unpriced"))
            .where(_USAGE.c.source.in_(("eval", "judge")), _USAGE.c.source_id == run_id)
            .group_by(_USAGE.c.source))}
        workers = live_workers(run_id, conn)
    pending, running, done = counts.get("pending", 0), counts.get("running", 0), counts.get("done", 0)
    if workers:
        status = "running"
    elif not pending and not running:
        status = "done" if run.status != "imported" else "imported"
    elif run.started_at is None:
        status = "pending"
    else:
        status = "stopped"
    elapsed = None
    if run.started_at is not None:
        end = run.finished_at if status == "done" and run.finished_at else now
        elapsed = max(0.0, (end - run.started_at).total_seconds())
    window = (now - recent_start).total_seconds()
    rate = (row.recent or 0) / window if workers and window > 1 else None

    def money(r):
        return None if r is None or r.cost is None else Decimal(str(r.cost))

    ev, jd = spend.get("eval"), spend.get("judge")
    return Progress(run_id, run.cells, pending, running, done, int(row.failed or 0), int(row.passed or 0),
                    int(row.graded or 0), status, workers, elapsed, rate, money(ev), money(jd),
                    ev.n if ev else 0, jd.n if jd else 0, int((ev.unpriced if ev else 0) or 0)
                    + int((jd.unpriced if jd else 0) or 0), run.problem, run.stop_requested)


def counts_by_run(run_ids: list[int]) -> dict[int, dict[str, int]]:
    """{run: {state: n}} for a list of runs (the run list's progress column), in one query."""
    if not run_ids:
        return {}
    c = _CELLS.c
    out: dict[int, dict[str, int]] = {r: {} for r in run_ids}
    with get_engine().connect() as conn:
        for r in conn.execute(select(c.run_id, c.state, func.count().label("n"))
                              .where(c.run_id.in_(run_ids)).group_by(c.run_id, c.state)):
            out[r.run_id][r.state] = r.n
    return out
