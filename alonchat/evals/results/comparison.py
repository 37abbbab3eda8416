"""Two runs of a set compared: cases matched by their variables, panes by model and settings; flips and deltas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, cast, func, select

from ...storage.engine import get_engine
from ...storage.tables import EvalCell
from .. import runs
from ..panes import Pane
from .summaries import PaneSummary, count_if, summary, whole

c = EvalCell.__table__.c


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
        return {(r.case_idx, r.prompt_idx, r.pane_idx): (whole(r.passed), whole(r.graded)) for r in conn.execute(
            select(c.case_idx, c.prompt_idx, c.pane_idx, count_if(c.passed.is_(True)).label("passed"),
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
