"""Per-pane verdicts of a run read in SQL: pass rate with its interval, judge score, speed, tokens and cost."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from ...storage.engine import get_engine
from ...storage.tables import EvalCell
from .. import runs
from ..panes import Pane
from .stats import pareto, percentile, wilson

c = EvalCell.__table__.c


def whole(value) -> int:
    return int(value or 0)


def dollars(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def count_if(condition) -> object:
    return func.sum(case((condition, 1), else_=0))


@dataclass
class PaneSummary:
    """One pane's verdict: pass rate with its interval, judge score, speed, tokens and cost."""

    index: int
    pane: Pane
    cells: int
    done: int
    passed: int
    failed: int  # graded and not passed (a failed call with checks counts here)
    errors: int  # calls that failed (error, truncated, refused)
    unchecked: int  # answered, nothing to check
    mean_score: float | None
    scored: int
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    p50_ttft_ms: float | None
    p95_ttft_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None  # the pane's own calls, priced ones
    priced: int
    unpriced: int
    judge_cost_usd: Decimal | None
    self_judged: int
    on_front: bool = False

    @property
    def graded(self) -> int:
        return self.passed + self.failed

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.passed, self.graded)

    @property
    def cost_per_call(self) -> Decimal | None:
        """Mean cost of one call; None while any answered call is unpriced (a partial mean would flatter it)."""
        if self.unpriced or not self.priced or self.cost_usd is None:
            return None
        return self.cost_usd / self.priced

    @property
    def cost_per_1k(self) -> Decimal | None:
        """What 1,000 cases (one call each) cost at this pane's mean."""
        per = self.cost_per_call
        return None if per is None else per * 1000

    @property
    def passes_per_usd(self) -> float | None:
        if self.cost_usd is None or self.unpriced or not self.cost_usd:
            return None
        return self.passed / float(self.cost_usd)

    def as_json(self) -> dict:
        ci = self.interval
        f = (lambda v: None if v is None else round(v, 1))
        return {"kind": "pane", "pane": self.index + 1, "model": self.pane.model, "options": self.pane.options,
                "cells": self.cells, "done": self.done, "passed": self.passed, "failed": self.failed,
                "errors": self.errors, "unchecked": self.unchecked,
                "pass_rate": None if self.pass_rate is None else round(self.pass_rate, 4),
                "ci95_low": None if ci is None else round(ci[0], 4),
                "ci95_high": None if ci is None else round(ci[1], 4),
                "mean_score": None if self.mean_score is None else round(self.mean_score, 4),
                "p50_latency_ms": f(self.p50_latency_ms), "p95_latency_ms": f(self.p95_latency_ms),
                "p50_ttft_ms": f(self.p50_ttft_ms), "p95_ttft_ms": f(self.p95_ttft_ms),
                "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "cost_usd": None if self.cost_usd is None else float(self.cost_usd),
                "unpriced_calls": self.unpriced,
                "judge_cost_usd": None if self.judge_cost_usd is None else float(self.judge_cost_usd),
                "cost_per_1k_cases": None if self.cost_per_1k is None else float(self.cost_per_1k),
                "passes_per_usd": None if self.passes_per_usd is None else round(self.passes_per_usd, 2),
                "self_judged": self.self_judged, "pareto": self.on_front}


def summary(run_id: int, run: runs.RunInfo | None = None) -> list[PaneSummary]:
    """Every pane's summary, in two reads (sums grouped by pane; the answered calls' timings for percentiles)."""
    run = run or runs.get(run_id)
    done = c.state == "done"
    stmt = (select(c.pane_idx, func.count().label("cells"), count_if(done).label("done"),
                   count_if(c.passed.is_(True)).label("passed"), count_if(c.passed.is_(False)).label("failed"),
                   count_if(and_(done, c.status.in_(runs.FAILED))).label("errors"),
                   count_if(and_(done, c.status == "ok", c.passed.is_(None))).label("unchecked"),
                   func.avg(c.score).label("score"), func.count(c.score).label("scored"),
                   func.sum(c.input_tokens).label("tin"), func.sum(c.output_tokens).label("tout"),
                   func.sum(c.cost_usd).label("cost"), func.count(c.cost_usd).label("priced"),
                   count_if(and_(done, c.cost_usd.is_(None), c.usage_id.is_not(None),
                              c.status == "ok")).label("unpriced"),
                   func.sum(c.judge_cost_usd).label("judge"), count_if(c.self_judged.is_(True)).label("selfj"))
            .where(c.run_id == run_id).group_by(c.pane_idx))
    timings: dict[int, tuple[list[float], list[float]]] = {}
    with get_engine().connect() as conn:
        rows = {r.pane_idx: r for r in conn.execute(stmt)}
        for pane_idx, latency, ttft in conn.execute(
                select(c.pane_idx, c.latency_ms, c.ttft_ms).where(c.run_id == run_id, c.status == "ok")):
            lat, tt = timings.setdefault(pane_idx, ([], []))
            if latency is not None:
                lat.append(latency)
            if ttft is not None:
                tt.append(ttft)
    out = []
    for i, pane in enumerate(run.panes):
        r = rows.get(i)
        lat, tt = (sorted(v) for v in timings.get(i, ([], [])))
        if r is None:
            out.append(PaneSummary(i, pane, 0, 0, 0, 0, 0, 0, None, 0, None, None, None, None, 0, 0, None, 0, 0,
                                   None, 0))
            continue
        out.append(PaneSummary(
            i, pane, whole(r.cells), whole(r.done), whole(r.passed), whole(r.failed), whole(r.errors),
            whole(r.unchecked), None if r.score is None else float(r.score), whole(r.scored), percentile(lat, 0.5),
            percentile(lat, 0.95), percentile(tt, 0.5), percentile(tt, 0.95), whole(r.tin), whole(r.tout),
            dollars(r.cost), whole(r.priced), whole(r.unpriced), dollars(r.judge), whole(r.selfj)))
    front = pareto([(None if s.cost_per_1k is None else float(s.cost_per_1k), s.pass_rate) for s in out])
    for i in front:
        out[i].on_front = True
    return out
