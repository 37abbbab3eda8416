"""A run's results read in SQL: per-pane verdicts with honest error bars, cost and speed; the matrix a page at a
time; one cell's answers side by side; two runs of a set compared.

Pass rate counts a failed call as a miss (it did not pass its checks) and leaves out cells with nothing
to check; its 95% interval is Wilson's, which stays inside 0..1 and is honest for small counts. Cost is
each cell's final call at the prices it was charged; the run's total (failed and stopped calls, retries
of failed cells, the judge) is read from the ledger.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Integer, and_, case, cast, func, select

from ...storage.engine import get_engine
from ...storage.tables import EvalCell
from .. import runs
from ..panes import Pane

_CELLS = EvalCell.__table__
c = _CELLS.c
Z95 = 1.959963984540054


def wilson(passes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for passes out of n (None when n is 0)."""
    if n <= 0:
        return None
    p = passes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n passes the bound is exactly 0 or 1 (rounding would leave 0.9999999999999999).
    return (0.0 if passes == 0 else max(0.0, centre - half)), (1.0 if passes == n else min(1.0, centre + half))


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..1) of already sorted values."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def pareto(points: list[tuple[float | None, float | None]]) -> set[int]:
    """The indexes of points (cost, pass rate) no other point beats on both (cheaper or equal, and better or equal,
    better on one); points missing either value are left out."""
    known = [(i, cost, rate) for i, (cost, rate) in enumerate(points) if cost is not None and rate is not None]
    front = set()
    for i, cost, rate in known:
        if not any(cj <= cost and rj >= rate and (cj < cost or rj > rate) for j, cj, rj in known if j != i):
            front.add(i)
    return front


def _int(value) -> int:
    return int(value or 0)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


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


def _flag(condition) -> object:
    return func.sum(case((condition, 1), else_=0))


def summary(run_id: int, run: runs.RunInfo | None = None) -> list[PaneSummary]:
    """Every pane's summary, in two reads (sums grouped by pane; the answered calls' timings for percentiles)."""
    run = run or runs.get(run_id)
    done = c.state == "done"
    stmt = (select(c.pane_idx, func.count().label("cells"), _flag(done).label("done"),
                   _flag(c.passed.is_(True)).label("passed"), _flag(c.passed.is_(False)).label("failed"),
                   _flag(and_(done, c.status.in_(runs.FAILED))).label("errors"),
                   _flag(and_(done, c.status == "ok", c.passed.is_(None))).label("unchecked"),
                   func.avg(c.score).label("score"), func.count(c.score).label("scored"),
                   func.sum(c.input_tokens).label("tin"), func.sum(c.output_tokens).label("tout"),
                   func.sum(c.cost_usd).label("cost"), func.count(c.cost_usd).label("priced"),
                   _flag(and_(done, c.cost_usd.is_(None), c.usage_id.is_not(None),
                              c.status == "ok")).label("unpriced"),
                   func.sum(c.judge_cost_usd).label("judge"), _flag(c.self_judged.is_(True)).label("selfj"))
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
            i, pane, _int(r.cells), _int(r.done), _int(r.passed), _int(r.failed), _int(r.errors), _int(r.unchecked),
            None if r.score is None else float(r.score), _int(r.scored), percentile(lat, 0.5), percentile(lat, 0.95),
            percentile(tt, 0.5), percentile(tt, 0.95), _int(r.tin), _int(r.tout), _money(r.cost), _int(r.priced),
            _int(r.unpriced), _money(r.judge), _int(r.selfj)))
    front = pareto([(None if s.cost_per_1k is None else float(s.cost_per_1k), s.pass_rate) for s in out])
    for i in front:
        out[i].on_front = True
    return out


# --- the matrix, a page at a time ------------------------------------------------------------------------------


@dataclass
class MatrixCell:
    """One case x prompt x pane with its repeats folded: their pass count and the first answer's start."""

    n: int
    done: int
    passed: int
    failed: int
    errors: int
    latency_ms: float | None
    cost_usd: Decimal | None
    preview: str | None = None
    status: str | None = None

    @property
    def verdict(self) -> str:
        """"pass", "fail", "mixed", "error", "unchecked" or "pending"."""
        if self.done < self.n and not self.done:
            return "pending"
        if self.errors and self.errors == self.done:
            return "error"
        if self.passed and self.failed:
            return "mixed"
        if self.failed:
            return "fail"
        if self.passed:
            return "pass"
        return "unchecked" if self.done else "pending"


@dataclass
class MatrixRow:
    case_idx: int
    prompt_idx: int
    cells: dict[int, MatrixCell] = field(default_factory=dict)


FILTERS = ("all", "failed", "differ", "errors")


def _having(only: str):
    if only == "failed":
        return func.sum(case((c.passed.is_(False), 1), else_=0)) > 0
    if only == "errors":
        return func.sum(case((c.status.in_(runs.FAILED), 1), else_=0)) > 0
    if only == "differ":  # panes disagree: some pass and some fail
        as_int = case((c.passed.is_(True), 1), (c.passed.is_(False), 0))
        return func.max(as_int) != func.min(as_int)
    return None


def matrix(run_id: int, *, offset: int = 0, limit: int = 25, only: str = "all",
           prompt_idx: int | None = None) -> tuple[list[MatrixRow], int]:
    """One page of rows (case x prompt), panes across, repeats folded; and how many rows match in all."""
    where = [c.run_id == run_id]
    if prompt_idx is not None:
        where.append(c.prompt_idx == prompt_idx)
    keys = select(c.case_idx, c.prompt_idx).where(*where).group_by(c.case_idx, c.prompt_idx)
    having = _having(only)
    if having is not None:
        keys = keys.having(having)
    with get_engine().connect() as conn:
        total = conn.execute(select(func.count()).select_from(keys.subquery())).scalar() or 0
        page = conn.execute(keys.order_by(c.case_idx, c.prompt_idx).limit(limit).offset(offset)).all()
        if not page:
            return [], total
        lo, hi = page[0].case_idx, page[-1].case_idx
        wanted = {(r.case_idx, r.prompt_idx) for r in page}
        agg = conn.execute(
            select(c.case_idx, c.prompt_idx, c.pane_idx, func.count().label("n"),
                   _flag(c.state == "done").label("done"), _flag(c.passed.is_(True)).label("passed"),
                   _flag(c.passed.is_(False)).label("failed"), _flag(c.status.in_(runs.FAILED)).label("errors"),
                   func.avg(c.latency_ms).label("lat"), func.sum(c.cost_usd).label("cost"))
            .where(*where, c.case_idx.between(lo, hi)).group_by(c.case_idx, c.prompt_idx, c.pane_idx)).all()
        first = conn.execute(
            select(c.case_idx, c.prompt_idx, c.pane_idx, func.substr(c.output, 1, 240).label("preview"), c.status,
                   c.error)
            .where(*where, c.case_idx.between(lo, hi), c.repeat_idx == 0)).all()
    rows = {k: MatrixRow(*k) for k in sorted(wanted)}
    for r in agg:
        row = rows.get((r.case_idx, r.prompt_idx))
        if row is not None:
            row.cells[r.pane_idx] = MatrixCell(r.n, _int(r.done), _int(r.passed), _int(r.failed), _int(r.errors),
                                               None if r.lat is None else float(r.lat), _money(r.cost))
    for r in first:
        row = rows.get((r.case_idx, r.prompt_idx))
        if row is not None and r.pane_idx in row.cells:
            row.cells[r.pane_idx].preview = r.preview if r.preview is not None else r.error
            row.cells[r.pane_idx].status = r.status
    return list(rows.values()), total


@dataclass
class CellDetail:
    """One repeat of one pane for a case: everything it produced."""

    pane_idx: int
    repeat_idx: int
    state: str
    status: str | None
    passed: bool | None
    score: float | None
    output: str | None
    error: str | None
    checks: list[dict]
    cost_usd: Decimal | None
    judge_cost_usd: Decimal | None
    latency_ms: float | None
    ttft_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    usage_id: int | None
    self_judged: bool


def cell(run_id: int, case_idx: int, prompt_idx: int) -> list[CellDetail]:
    """Every pane's answers (all repeats) to one case and prompt, for reading side by side."""
    runs.get(run_id)  # may the acting user see it?
    with get_engine().connect() as conn:
        rows = conn.execute(select(_CELLS).where(c.run_id == run_id, c.case_idx == case_idx,
                                                 c.prompt_idx == prompt_idx)
                            .order_by(c.pane_idx, c.repeat_idx)).all()
    return [CellDetail(r.pane_idx, r.repeat_idx, r.state, r.status, r.passed, r.score, r.output, r.error,
                       json.loads(r.checks) if r.checks else [], _money(r.cost_usd), _money(r.judge_cost_usd),
                       r.latency_ms, r.ttft_ms, r.input_tokens, r.output_tokens, r.usage_id, bool(r.self_judged))
            for r in rows]


# --- two runs of a set, compared -----------------------------------------------------------------------------


@dataclass
class Flip:
    """A case whose verdict changed between the runs, for one pane (matched by model and settings)."""

    case_idx: int  # in the second run's set
    prompt_idx: int
    pane: Pane
    before: tuple[int, int]  # (passed, graded) in the first run
    after: tuple[int, int]

    @property
    def direction(self) -> str:
        return "fixed" if self.after[0] * 2 > self.after[1] else "broke"


@dataclass
class PaneDelta:
    pane: Pane
    a: PaneSummary | None
    b: PaneSummary | None

    def _diff(self, attr: str):
        va = getattr(self.a, attr) if self.a else None
        vb = getattr(self.b, attr) if self.b else None
        if va is None or vb is None:
            return None
        return vb - va

    @property
    def pass_rate(self) -> float | None:
        return self._diff("pass_rate")

    @property
    def cost_per_1k(self) -> Decimal | None:
        return self._diff("cost_per_1k")

    @property
    def p50_latency_ms(self) -> float | None:
        return self._diff("p50_latency_ms")


@dataclass
class Comparison:
    a: runs.RunInfo
    b: runs.RunInfo
    deltas: list[PaneDelta]
    flips: list[Flip]
    matched_cases: int
    only_a: int  # cases in the first run's set with no match in the second's
    only_b: int


def _outcomes(run_id: int) -> dict[tuple[int, int, int], tuple[int, int]]:
    """{(case, prompt, pane): (passed, graded)} for a run, repeats folded, in one grouped read."""
    with get_engine().connect() as conn:
        return {(r.case_idx, r.prompt_idx, r.pane_idx): (_int(r.passed), _int(r.graded)) for r in conn.execute(
            select(c.case_idx, c.prompt_idx, c.pane_idx, _flag(c.passed.is_(True)).label("passed"),
                   func.count(cast(c.passed, Integer)).label("graded"))
            .where(c.run_id == run_id).group_by(c.case_idx, c.prompt_idx, c.pane_idx))}


def compare(run_a: int, run_b: int) -> Comparison:
    """Two runs of the same set (any versions): cases matched by their variables, panes by model and settings."""
    from ...core.errors import ValidationError
    from ..sets import get as get_set

    a, b = runs.get(run_a), runs.get(run_b)
    if a.set_name != b.set_name:
        raise ValidationError({"runs": f"Run {a.id} is of set {a.set_name!r} and run {b.id} of {b.set_name!r}; "
                                       "compare two runs of the same set."})
    set_a, set_b = get_set(a.set_id), get_set(b.set_id)

    def key(case) -> str:
        return json.dumps(case.vars, sort_keys=True, default=str)

    index_a: dict[str, int] = {}
    for i, cs in enumerate(set_a.cases):
        index_a.setdefault(key(cs), i)
    case_map = {}  # case in b -> case in a
    for j, cs in enumerate(set_b.cases):
        if key(cs) in index_a:
            case_map[j] = index_a[key(cs)]
    panes_a = {p.key: i for i, p in enumerate(a.panes)}
    pane_map = {j: panes_a[p.key] for j, p in enumerate(b.panes) if p.key in panes_a}
    out_a, out_b = _outcomes(a.id), _outcomes(b.id)
    flips = []
    for (case_b, prompt, pane_b), after in sorted(out_b.items()):
        if case_b not in case_map or pane_b not in pane_map or not after[1]:
            continue
        before = out_a.get((case_map[case_b], prompt, pane_map[pane_b]))
        if not before or not before[1]:
            continue
        if (before[0] * 2 > before[1]) != (after[0] * 2 > after[1]):
            flips.append(Flip(case_b, prompt, b.panes[pane_b], before, after))
    sum_a, sum_b = summary(a.id, a), summary(b.id, b)
    deltas = [PaneDelta(p, sum_a[pane_map[j]] if j in pane_map else None, sum_b[j]) for j, p in enumerate(b.panes)]
    deltas += [PaneDelta(p, sum_a[i], None) for i, p in enumerate(a.panes) if i not in pane_map.values()]
    return Comparison(a, b, deltas, flips, len(case_map), len(set_a.cases) - len(set(case_map.values())),
                      len(set_b.cases) - len(case_map))
