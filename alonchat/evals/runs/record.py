"""A run as stored: created with all its cells, read by who may see it, stopped, resumed, rerun, deleted."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice

from sqlalchemy import and_, func, insert, select, update

from ...access import identity
from ...core.errors import PermissionDeniedError, ValidationError
from ...storage.engine import get_engine
from ...storage.tables import EvalCell, EvalRun, EvalSet, utcnow
from .. import panes as panes_
from ..plan import RunPlan
from ..sets import visible
from .claims import live_workers, reclaim_stale

_RUNS, _CELLS, _SETS = EvalRun.__table__, EvalCell.__table__, EvalSet.__table__
DEFAULT_CONCURRENCY = 4  # calls at once per provider (per endpoint), unless the run says otherwise
FAILED = ("error", "truncated", "refused", "cancelled")  # what "rerun failed" runs again


@dataclass
class RunInfo:
    """A run as stored: its set version, panes, settings and state (progress is read apart, it changes)."""

    id: int
    set_id: int
    set_name: str
    set_version: int
    name: str
    user: str
    team: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    status: str
    stop_requested: bool
    panes: list[panes_.Pane]
    prompts: list[int]
    repeats: int
    concurrency: dict[str, int]
    judge: str | None
    estimate_low: Decimal | None
    estimate_high: Decimal | None
    cells: int
    problem: str | None

    @property
    def title(self) -> str:
        return self.name or f"Run {self.id} of {self.set_name}@{self.set_version}"

    def limit(self, provider: str) -> int:
        return int(self.concurrency.get(provider) or self.concurrency.get("*") or DEFAULT_CONCURRENCY)


def _info(row) -> RunInfo:
    return RunInfo(row.id, row.set_id, row.set_name, row.set_version, row.name, row.user, row.team, row.created_at,
                   row.started_at, row.finished_at, row.status, bool(row.stop_requested),
                   panes_.load(json.loads(row.panes)), json.loads(row.prompts), row.repeats,
                   json.loads(row.concurrency or "{}"), row.judge,
                   None if row.estimate_low_usd is None else Decimal(str(row.estimate_low_usd)),
                   None if row.estimate_high_usd is None else Decimal(str(row.estimate_high_usd)), row.cells,
                   row.problem)


_SELECT = (select(_RUNS, _SETS.c.name.label("set_name"), _SETS.c.version.label("set_version"))
           .join(_SETS, _SETS.c.id == _RUNS.c.set_id))


def concurrency_map(value: int | dict[str, int] | None) -> dict[str, int]:
    """--concurrency N (every provider) or {provider: N}; each from 1 to 64."""
    if value is None:
        return {}
    found = {"*": value} if isinstance(value, int) else dict(value)
    for k, v in found.items():
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 64:
            raise ValidationError({"concurrency": f"Concurrency{'' if k == '*' else ' for ' + k} must be a whole "
                                                  "number from 1 to 64."})
    return found


def create(plan: RunPlan, *, name: str = "", concurrency: int | dict | None = None,
           estimate: bool = True) -> RunInfo:
    """Store the run and all its cells (pending), in the order they will be run: repeat, case, prompt, pane."""
    limits = concurrency_map(concurrency)
    if len(name) > 200:
        raise ValidationError({"name": "A run name is at most 200 characters."})
    cells = ({"case_idx": c, "prompt_idx": p, "pane_idx": k, "repeat_idx": r, "state": "pending", "self_judged": False}
             for r in range(plan.repeats) for c in range(len(plan.set.cases)) for p in plan.prompts
             for k in range(len(plan.panes)))
    return _store({"set_id": plan.set.id, "name": name.strip(), "status": "pending",
                   "panes": json.dumps([p.as_json() for p in plan.panes]), "prompts": json.dumps(plan.prompts),
                   "repeats": plan.repeats, "concurrency": json.dumps(limits), "judge": plan.judge,
                   "estimate_low_usd": plan.low if estimate else None,
                   "estimate_high_usd": plan.high if estimate else None, "cells": plan.cells}, cells)


def add_imported(set_id: int, fields: dict, cells: Iterable[dict], count: int) -> RunInfo:
    """Store an exported run (status "imported", owned by the acting user) and its cells in one transaction."""
    return _store({"set_id": set_id, "status": "imported", "cells": count, **fields}, cells)


def _store(run: dict, cells: Iterable[dict]) -> RunInfo:
    """Insert a run owned by the acting user and its cells, a batch at a time, in one transaction."""
    from ...access.teams import team_of

    who = identity.actor()
    with get_engine().begin() as conn:
        run_id = conn.execute(insert(_RUNS).values(user=who.email, team=team_of(who.email), stop_requested=False,
                                                   **run)).inserted_primary_key[0]
        rows = ({"run_id": run_id, **cell} for cell in cells)
        while batch := list(islice(rows, 2000)):
            conn.execute(insert(_CELLS), batch)
    return get(run_id)


def get(run_id: int) -> RunInfo:
    """A run the acting user may see (their own, their team's; an admin: any)."""
    with get_engine().connect() as conn:
        row = conn.execute(_SELECT.where(_RUNS.c.id == run_id)).first()
    if row is None or not _may_see(row):
        raise ValidationError({"run": f"No run {run_id} that you can see; `alonchat eval runs` lists them."})
    return _info(row)


def _may_see(row) -> bool:
    from ...access.teams import team_of

    who = identity.actor()
    return who.is_admin or row.user == who.email or (bool(row.team) and row.team == team_of(who.email))


def _may_change(run: RunInfo, what: str) -> None:
    who = identity.actor()
    if not (who.is_admin or run.user == who.email):
        raise PermissionDeniedError(f"Only {run.user} (who started it) or an admin can {what} run {run.id}.")


def list_runs(limit: int = 50, set_name: str | None = None) -> list[RunInfo]:
    """The runs the acting user may see, newest first."""
    stmt = _SELECT.where(visible(_RUNS, owner_col="user"))
    if set_name:
        stmt = stmt.where(_SETS.c.name == set_name)
    with get_engine().connect() as conn:
        return [_info(r) for r in conn.execute(stmt.order_by(_RUNS.c.id.desc()).limit(limit))]


def request_stop(run_id: int) -> None:
    """Ask every process working on the run to stop: finished cells stay, running calls are cancelled."""
    run = get(run_id)
    _may_change(run, "stop")
    with get_engine().begin() as conn:
        conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(stop_requested=True))


def prepare_resume(run_id: int, *, concurrency: int | dict[str, int] | None = None) -> RunInfo:
    """Clear a stop request and give back the cells of workers that are gone; the run can then be worked again.

    `concurrency` (as for create), when given, replaces the run's calls at once per provider from now on.
    """
    run = get(run_id)
    _may_change(run, "resume")
    values: dict = {"stop_requested": False, "problem": None}
    if concurrency:
        values["concurrency"] = json.dumps(concurrency_map(concurrency))
    with get_engine().begin() as conn:
        conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(**values))
    reclaim_stale(run_id)
    return get(run_id)


def rerun_failed(run_id: int) -> int:
    """Put the cells whose call failed back to pending (their failed calls stay in the ledger); returns how many."""
    run = get(run_id)
    _may_change(run, "rerun")
    with get_engine().begin() as conn:
        n = conn.execute(update(_CELLS).where(_CELLS.c.run_id == run_id, _CELLS.c.state == "done",
                                              _CELLS.c.status.in_(FAILED))
                         .values(state="pending", claim=None)).rowcount
        if n:
            conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(stop_requested=False, finished_at=None,
                                                                          status="stopped", problem=None))
    return n


def set_status(run_id: int, status: str, *, problem: str | None = None, started: bool = False) -> None:
    values: dict = {"status": status}
    now = utcnow()
    if started:
        values["started_at"] = func.coalesce(_RUNS.c.started_at, now)
    if status == "done":
        values["finished_at"] = now
    if problem is not None:
        values["problem"] = problem
    with get_engine().begin() as conn:
        conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(**values))


def delete(run_id: int) -> None:
    """Delete a run and its cells (its calls stay in the ledger: spend is never rewritten)."""
    run = get(run_id)
    _may_change(run, "delete")
    with get_engine().begin() as conn:
        if live_workers(run_id, conn):
            raise ValidationError({"run": f"Run {run_id} is running; stop it first."})
        conn.execute(_RUNS.delete().where(and_(_RUNS.c.id == run_id)))
