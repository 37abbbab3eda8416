"""Runs in the database: one row per run, one per cell, claimed atomically, so any process can show, stop or resume it.

A cell is pending, running (claimed by one worker: its token) or done. Claiming is one UPDATE that
only takes a pending cell (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time), so two
processes resuming the same run never run a cell twice. A worker's heartbeat says its claims are still
in hand; the cells of a worker that stopped beating go back to pending when the run is resumed.

The parts: record.py (the run row: create, read, stop, resume, rerun, delete), claims.py (workers and the cells they
claim and finish: the hot path), counts.py (where a run stands). Every name is imported from here.
"""

from .claims import (
    HEARTBEAT_SECONDS,
    RESULT_FIELDS,
    STALE_AFTER,
    Claimed,
    claim,
    claim_statement,
    finish,
    finish_and_claim,
    heartbeat,
    live_workers,
    reclaim_stale,
    register,
    release,
    unregister,
)
from .counts import RATE_WINDOW, Progress, counts_by_run, progress
from .record import (
    DEFAULT_CONCURRENCY,
    FAILED,
    RunInfo,
    add_imported,
    concurrency_map,
    create,
    delete,
    get,
    list_runs,
    prepare_resume,
    request_stop,
    rerun_failed,
    set_status,
)

__all__ = ["DEFAULT_CONCURRENCY", "FAILED", "HEARTBEAT_SECONDS", "RATE_WINDOW", "RESULT_FIELDS", "STALE_AFTER",
           "Claimed", "Progress", "RunInfo", "add_imported", "claim", "claim_statement", "concurrency_map",
           "counts_by_run", "create", "delete", "finish", "finish_and_claim", "get", "heartbeat", "list_runs",
           "live_workers", "prepare_resume", "progress", "reclaim_stale", "register", "release", "request_stop",
           "rerun_failed", "set_status", "unregister"]
