"""Cells claimed by workers: a worker's registration and heartbeat, and the one-statement claim and finish of a cell
(the hot path: on SQLite, the thread's own connection with statements compiled once)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from sqlalchemy import Integer, bindparam, func, insert, literal_column, select, update

from ...storage.engine import get_engine, sqlite_fast_path
from ...storage.tables import EvalCell, EvalRun, EvalWorker, utcnow

_RUNS, _CELLS, _WORKERS = EvalRun.__table__, EvalCell.__table__, EvalWorker.__table__
HEARTBEAT_SECONDS = 2.0
STALE_AFTER = timedelta(seconds=30)  # a worker silent this long is gone: its claimed cells can be run again


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
