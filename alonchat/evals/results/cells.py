"""A run's cells read for a page: the matrix (case × prompt rows, panes across, repeats folded) a page at a time,
and one case's answers side by side."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select

from ...storage.engine import get_engine
from ...storage.tables import EvalCell
from .. import runs
from .summaries import count_if, dollars, whole

_CELLS = EvalCell.__table__
c = _CELLS.c


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
                   count_if(c.state == "done").label("done"), count_if(c.passed.is_(True)).label("passed"),
                   count_if(c.passed.is_(False)).label("failed"), count_if(c.status.in_(runs.FAILED)).label("errors"),
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
            row.cells[r.pane_idx] = MatrixCell(r.n, whole(r.done), whole(r.passed), whole(r.failed), whole(r.errors),
                                               None if r.lat is None else float(r.lat), dollars(r.cost))
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
                       json.loads(r.checks) if r.checks else [], dollars(r.cost_usd), dollars(r.judge_cost_usd),
                       r.latency_ms, r.ttft_ms, r.input_tokens, r.output_tokens, r.usage_id, bool(r.self_judged))
            for r in rows]
