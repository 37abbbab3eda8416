"""Runs in the database: one row per run, one per cell, claimed atomically, so any process can show, stop or resume it.

A cell is pending, running (claimed by one worker: its token) or done. Claiming is one UPDATE that
only takes a pending cell (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time), so two
processes resuming the same run never run a cell twice. A worker's heartbeat says its claims are still
in hand; the cells of a worker that stopped beating go back to pending when the run is resumed.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from sqlalchemy import Integer, and_, bindparam, case, func, insert, literal_column, select, update

from ...access import identity
from ...core.errors import PermissionDeniedError, ValidationError
from ...storage.engine import get_engine, sqlite_fast_path
from ...storage.tables import EvalCell, EvalRun, EvalSet, EvalWorker, UsageRecord, utcnow
from .. import panes as panes_
from ..plan import RunPlan
from ..sets import visible

_RUNS, _CELLS, _WORKERS, _SETS = EvalRun.__table__, EvalCell.__table__, EvalWorker.__table__, EvalSet.__table__
_USAGE = UsageRecord.__table__
HEARTBEAT_SECONDS = 2.0
STALE_AFTER = timedelta(seconds=30)  # a worker silent this long is gone: its claimed cells can be run again
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
    from ...access.teams import team_of

    who = identity.actor()
    limits = concurrency_map(concurrency)
    if len(name) > 200:
        raise ValidationError({"name": "A run name is at most 200 characters."})
    engine = get_engine()
    with engine.begin() as conn:
        run_id = conn.execute(insert(_RUNS).values(
            set_id=plan.set.id, name=name.strip(), user=who.email, team=team_of(who.email), status="pending",
            stop_requested=False, panes=json.dumps([p.as_json() for p in plan.panes]),
            prompts=json.dumps(plan.prompts), repeats=plan.repeats, concurrency=json.dumps(limits),
            judge=plan.judge, estimate_low_usd=plan.low if estimate else None,
            estimate_high_usd=plan.high if estimate else None, cells=plan.cells)).inserted_primary_key[0]
        batch = []
        for r in range(plan.repeats):
            for c in range(len(plan.set.cases)):
                for p in plan.prompts:
                    for k in range(len(plan.panes)):
                        batch.append({"run_id": run_id, "case_idx": c, "prompt_idx": p, "pane_idx": k,
                                      "repeat_idx": r, "state": "pending", "self_judged": False})
                        if len(batch) == 2000:
                            conn.execute(insert(_CELLS), batch)
                            batch = []
        if batch:
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


def prepare_resume(run_id: int) -> RunInfo:
    """Clear a stop request and give back the cells of workers that are gone; the run can then be worked again."""
    run = get(run_id)
    _may_change(run, "resume")
    with get_engine().begin() as conn:
        conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(stop_requested=False, problem=None))
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


# --- workers ------------------------------------------------------------------------------------------------


def register(run_id: int, user: str) -> str:
    token = uuid.uuid4().hex
    now = utcnow()
    with get_engine().begin() as conn:
        conn.execute(insert(_WORKERS).values(token=token, run_id=run_id, user=user, host=socket.gethostname()[:200],
                                             pid=os.getpid(), started_at=now, heartbeat_at=now))
    return token


def heartbeat(token: str, run_id: int) -> bool:
    """Say this worker is alive; returns whether the run was asked to stop."""
    with get_engine().begin() as conn:
        conn.execute(update(_WORKERS).where(_WORKERS.c.token == token).values(heartbeat_at=utcnow()))
        return bool(conn.execute(select(_RUNS.c.stop_requested).where(_RUNS.c.id == run_id)).scalar())


def unregister(token: str) -> None:
    with get_engine().begin() as conn:
        conn.execute(_CELLS.update().where(_CELLS.c.claim == token, _CELLS.c.state == "running")
                     .values(state="pending", claim=None))
        conn.execute(_WORKERS.delete().where(_WORKERS.c.token == token))


def live_workers(run_id: int, conn=None) -> int:
    if conn is None:
        with get_engine().connect() as c:
            return live_workers(run_id, c)
    fresh = utcnow() - STALE_AFTER
    return conn.execute(select(func.count()).select_from(_WORKERS)
                        .where(_WORKERS.c.run_id == run_id, _WORKERS.c.heartbeat_at > fresh)).scalar() or 0


def reclaim_stale(run_id: int) -> int:
    """Cells claimed by workers that stopped beating (a killed process) go back to pending; returns how many."""
    fresh = utcnow() - STALE_AFTER
    alive = select(_WORKERS.c.token).where(_WORKERS.c.run_id == run_id, _WORKERS.c.heartbeat_at > fresh)
    with get_engine().begin() as conn:
        n = conn.execute(update(_CELLS).where(_CELLS.c.run_id == run_id, _CELLS.c.state == "running",
                                              ~_CELLS.c.claim.in_(alive.scalar_subquery()))
                         .values(state="pending", claim=None)).rowcount
        conn.execute(_WORKERS.delete().where(_WORKERS.c.run_id == run_id, _WORKERS.c.heartbeat_at <= fresh))
    return n


# --- claiming and finishing cells (the hot path: one statement each) -------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    case_idx: int
    prompt_idx: int
    pane_idx: int
    repeat_idx: int


class _Statement:
    """A Core statement compiled once for the SQLite hot-path connection (and run as is elsewhere)."""

    def __init__(self, stmt):
        self.stmt = stmt

    @cached_property
    def sqlite(self) -> tuple[str, tuple[str, ...], dict]:
        from sqlalchemy.dialects import sqlite

        compiled = self.stmt.compile(dialect=sqlite.dialect(paramstyle="qmark"))
        return str(compiled), tuple(compiled.positiontup), compiled.params  # params: the statement's own values

    def run(self, params: dict, *, fetch: bool = False):
        return _transaction((self, params, fetch))[0]


_WRITING = threading.Lock()


def _transaction(*steps: tuple[_Statement, dict, bool]) -> list:
    """Statements in one transaction, one commit: on SQLite the thread's hot-path connection, elsewhere the engine.

    Each step gives its rows (fetch) or its row count.
    """
    out = []
    with sqlite_fast_path(write=True) as dbapi:
        if dbapi is None:
            with get_engine().begin() as conn:
                for stmt, params, fetch in steps:
                    result = conn.execute(stmt.stmt, params)
                    out.append(result.all() if fetch else result.rowcount)
            return out
        cursor = dbapi.cursor()
        # This process's workers queue on a lock, not in SQLite's busy handler (which sleeps 1, 2, 5, 10 ms...
        # between tries), and commit before letting the next one in.
        with _WRITING:
            try:
                for stmt, params, fetch in steps:
                    sql, names, own = stmt.sqlite
                    cursor.execute(sql, [_value(params[n] if n in params else own[n]) for n in names])
                    out.append(cursor.fetchall() if fetch else cursor.rowcount)
                dbapi.commit()
            finally:
                cursor.close()
    return out


def _value(value):
    # What SQLAlchemy's types would bind on SQLite: naive UTC text timestamps, floats for Numeric.
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return float(value) if isinstance(value, Decimal) else value


def claim_statement(pane_idx: int) -> _Statement:
    """The claim for one pane: its lowest pending cell, taken only if still pending (skipped if locked).

    One pane per statement, so the pick is one step down the (run, state, pane) index; a list of panes
    made SQLite sort every pending cell of the lane on each claim, inside the write lock.
    """
    pick = (select(_CELLS.c.id).where(_CELLS.c.run_id == bindparam("run"), _CELLS.c.state == "pending",
                                      _CELLS.c.pane_idx == literal_column(str(int(pane_idx)), Integer))
            .order_by(_CELLS.c.id).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    return _Statement(update(_CELLS).where(_CELLS.c.id == pick, _CELLS.c.state == "pending")
                      .values(state="running", claim=bindparam("token"))
                      .returning(_CELLS.c.id, _CELLS.c.case_idx, _CELLS.c.prompt_idx, _CELLS.c.pane_idx,
                                 _CELLS.c.repeat_idx))


def claim(stmt: _Statement, run_id: int, token: str) -> Claimed | None:
    rows = stmt.run({"run": run_id, "token": token}, fetch=True)
    return Claimed(*rows[0]) if rows else None


RESULT_FIELDS = ("status", "passed", "score", "output", "error", "checks", "cost_usd", "judge_cost_usd", "latency_ms",
                 "ttft_ms", "input_tokens", "output_tokens", "usage_id", "self_judged", "finished_at")
_FINISH = _Statement(update(_CELLS).where(_CELLS.c.id == bindparam("cell"), _CELLS.c.claim == bindparam("token"))
                     .values(state="done", claim=None, **{f: bindparam(f) for f in RESULT_FIELDS}))
_RELEASE = _Statement(update(_CELLS).where(_CELLS.c.id == bindparam("cell"), _CELLS.c.claim == bindparam("token"))
                      .values(state="pending", claim=None))


def _finished(cell_id: int, token: str, values: dict) -> dict:
    params = {f: values.get(f) for f in RESULT_FIELDS}
    params["self_judged"] = bool(params["self_judged"])
    params["finished_at"] = params["finished_at"] or utcnow()
    return {**params, "cell": cell_id, "token": token}


def finish(cell_id: int, token: str, values: dict) -> bool:
    """Store a cell's outcome; False when the claim was lost (the cell went back to pending meanwhile)."""
    return _FINISH.run(_finished(cell_id, token, values)) == 1


def finish_and_claim(cell_id: int, token: str, values: dict, stmt: _Statement,
                     run_id: int) -> tuple[bool, Claimed | None]:
    """Store a cell's outcome and claim the lane's next cell in one transaction (a worker's one write per cell)."""
    stored, rows = _transaction((_FINISH, _finished(cell_id, token, values), False),
                                (stmt, {"run": run_id, "token": token}, True))
    return stored == 1, Claimed(*rows[0]) if rows else None


def release(cell_id: int, token: str) -> None:
    """Give a claimed cell back (its call was stopped): the next resume runs it."""
    _RELEASE.run({"cell": cell_id, "token": token})


# --- progress ---------------------------------------------------------------------------------------------------


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


def delete(run_id: int) -> None:
    """Delete a run and its cells (its calls stay in the ledger: spend is never rewritten)."""
    run = get(run_id)
    _may_change(run, "delete")
    with get_engine().begin() as conn:
        if live_workers(run_id, conn):
            raise ValidationError({"run": f"Run {run_id} is running; stop it first."})
        conn.execute(_RUNS.delete().where(and_(_RUNS.c.id == run_id)))
