"""The reports' SQL as text both databases read: the pieces of a read plan as one query, and one way to run a read.

On SQLite a read runs straight on the driver, so `alonchat usage` loads no SQLAlchemy (bench/startup.py);
elsewhere through the engine. Only numbers the plan computed are written into the SQL; every value a user
gave (a filter, an instant) is a bound parameter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..storage import sqlite
from ..storage.columns import ROLLUP_SUMS as SUMS
from . import report_plan
from .contributions import measures

if TYPE_CHECKING:
    from .reports import Filters

# --- the source: one query over the pieces of a read plan -------------------------------------

FILTERED = (("providers", "provider"), ("models", "model_name"), ("users", "user"), ("statuses", "status"),
            ("teams", "team"), ("sources", "source"))


def chosen(f: Filters) -> list[tuple[str, tuple[str, ...]]]:
    """(column, values) of each dimension `f` narrows to: the one reading of a filter, in SQL text or Core."""
    return [(col, getattr(f, name)) for name, col in FILTERED if getattr(f, name)]


def dims(t, f: Filters) -> list:
    """The filter as SQLAlchemy conditions on table `t` (exports, receipts: reads built with Core)."""
    return [t.c[col].in_(values) for col, values in chosen(f)]


def q(name: str) -> str:
    return f'"{name}"'  # "user" is a reserved word in PostgreSQL


RAW, HOURLY, DAILY = q("usage_records"), q("usage_rollups"), q("usage_daily")


class Sql:
    """Bound parameters of one statement, named :p0, :p1, ... (sqlite3 and SQLAlchemy's text() both read them)."""

    def __init__(self) -> None:
        self.params: dict[str, object] = {}

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def dims(self, t: str, f: Filters) -> list[str]:
        return [f"{t}.{q(col)} IN ({', '.join(self.bind(v) for v in values)})" for col, values in chosen(f)]


# Hour and day numbers that the plan computed (never user input) are written into the SQL as text:
# binding hundreds of them cost more than the query, and a long plan would run out of parameters.

def _ints(row) -> str:
    return "(" + ",".join("NULL" if v is None else str(int(v)) for v in row) + ")"


def where(conds: list[str]) -> str:
    return f" WHERE {' AND '.join(conds)}" if conds else ""


def _columns(t: str, keys: tuple[str, ...], sums) -> str:
    """The key columns of `t`, then each sum column as `sums(column)` names it."""
    return ", ".join([*(f"{t}.{q(k)} AS {q(k)}" for k in keys), *(f"{sums(c)} AS {q(c)}" for c in SUMS)])


def _moved(moved: str, keys: tuple[str, ...], plan_rows: list[tuple]) -> list[str]:
    """Selects over pieces summed per (ld, home, keys): each sum added on ld and subtracted from home."""
    parts = []
    if any(r[-2] is not None for r in plan_rows):
        parts.append(f"SELECT {moved}.ld AS ld, {_columns(moved, keys, lambda c: f'{moved}.{q(c)}')} "
                     f"FROM {moved} WHERE {moved}.ld IS NOT NULL")
    if any(r[-1] is not None for r in plan_rows):
        parts.append(f"SELECT {moved}.home AS ld, {_columns(moved, keys, lambda c: f'-{moved}.{q(c)}')} "
                     f"FROM {moved} WHERE {moved}.home IS NOT NULL")
    return parts


def _read_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys as the rollups store them after the hour or day: user first (the key), or provider, model (the index).

    Grouping by a stored prefix lets SQLite sum while it reads instead of sorting every row; a model's
    rows also carry its provider, which the final GROUP BY folds away.
    """
    if set(keys) <= {"provider", "model_name"} and keys:
        return ("provider", "model_name") if "model_name" in keys else ("provider",)
    return keys


def source(sql: Sql, f: Filters, p: report_plan.Plan, keys: tuple[str, ...]) -> tuple[list[str], str]:
    """(the CTEs, the union): rows of `ld` (local day), the grouped key columns and every sum column, each part
    pre-summed per (ld, keys).

    Whole UTC days come from the daily rollup, counted on day + shift; the plan's hours are read once
    from the hourly rollup, summed per hour, then added to their local day and subtracted from their
    home; raw pieces (partial hours) come from the ledger; so the sums are exact. Each part reads its
    table in key order where it can (day or hour first, then user), so SQLite sums without sorting.
    """
    ctes, parts = [], []

    def summed(t: str, first: str, value: str, conds: list[str]) -> str:
        """Sums per hour (or day) and keys, grouped in an order the table or its by-model index is stored in."""
        group = ", ".join([f"{t}.{first}", *(f"{t}.{q(k)}" for k in _read_order(keys))])
        return (f"SELECT {value}, {_columns(t, keys, lambda c: f'sum({t}.{q(c)})')} FROM {t}"
                f"{where(conds)} GROUP BY {group}")

    if p.days is not None:
        d0, d1 = p.days
        conds = sql.dims(DAILY, f) + ([f"{DAILY}.day >= {int(d0)}"] if d0 is not None else []) + \
            ([f"{DAILY}.day < {int(d1)}"] if d1 is not None else [])
        parts.append(summed(DAILY, "day", f"{DAILY}.day + {int(p.shift)} AS ld", conds))
    if p.hours:
        # An IN list is read in key order, so SQLite sums per hour as it reads.
        hours_in = f"{HOURLY}.hour IN ({','.join(str(int(h)) for h, *_ in p.hours)})"
        per_hour = summed(HOURLY, "hour", f"{HOURLY}.hour AS hour", [hours_in, *sql.dims(HOURLY, f)])
        ctes.append(f"per_hour AS ({per_hour})")
        # typed when a column is all NULL; VALUES columns are column1, column2, ... in both databases
        ctes.append("hour_map AS (SELECT CAST(column1 AS INTEGER) AS hour, CAST(column2 AS INTEGER) AS ld, "
                    f"CAST(column3 AS INTEGER) AS home FROM (VALUES {','.join(map(_ints, p.hours))}) AS v)")
        key_cols = "".join(f", per_hour.{q(k)}" for k in keys)
        ctes.append(f"moved_hours AS (SELECT hour_map.ld AS ld, hour_map.home AS home, "
                    f"{_columns('per_hour', keys, lambda c: f'sum(per_hour.{q(c)})')} "
                    "FROM per_hour JOIN hour_map ON per_hour.hour = hour_map.hour "
                    f"GROUP BY hour_map.ld, hour_map.home{key_cols})")
        parts += _moved("moved_hours", keys, p.hours)
    if p.raws:
        pieces = ",".join(f"({sql.bind(a)}, {sql.bind(b)}, {_ints((ld, home))[1:-1]})" for a, b, ld, home in p.raws)
        ctes.append(f"raw_pieces(a, b, ld, home) AS (VALUES {pieces})")
        m = measures(RAW)
        ld, home = "CAST(raw_pieces.ld AS INTEGER)", "CAST(raw_pieces.home AS INTEGER)"  # typed even when all NULL
        key_cols = "".join(f", {RAW}.{q(k)}" for k in keys)
        on = f"{RAW}.created_at >= raw_pieces.a AND {RAW}.created_at < raw_pieces.b"
        ctes.append(f"moved_raw AS (SELECT {ld} AS ld, {home} AS home, {_columns(RAW, keys, lambda c: f'sum({m[c]})')} "
                    f"FROM raw_pieces JOIN {RAW} ON {on}{where(sql.dims(RAW, f))} GROUP BY {ld}, {home}{key_cols})")
        parts += _moved("moved_raw", keys, p.raws)
    if not parts:  # an empty range: one row of nothing, so a summary still has its zeros
        nothing = [*(f"'' AS {q(k)}" for k in keys), *(f"0 AS {q(c)}" for c in SUMS)]
        parts.append(f"SELECT 0 AS ld, {', '.join(nothing)} WHERE 1 = 0")
    return ctes, " UNION ALL ".join(parts)


def read(statement: str, params: dict | None = None) -> list[dict]:
    """The rows of one read: on SQLite straight on the driver (no SQLAlchemy loads), elsewhere through the engine."""
    params = params or {}
    with sqlite.fast_path() as dbapi:
        if dbapi is not None:
            cursor = dbapi.execute(statement, {k: sqlite.bound(v) for k, v in params.items()})
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    from sqlalchemy import text

    from ..storage.engine import get_engine

    with get_engine().connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(statement), params)]


def ledger_span() -> tuple[int, int]:
    """The ledger's hours [first, last + 1), to close an open range for local days."""
    [row] = read(f"SELECT min(hour) AS first, max(hour) AS last FROM {HOURLY}")
    return (row["first"] or 0), (row["last"] or 0) + 1


def within(since: datetime | None, until: datetime | None, span: tuple[int, int]):
    """The range cut to the ledger's hours (a day's margin each side): planning local days costs per hour of
    range, and `--until 9998-12-31` would plan millions of empty hours for the same answer."""
    lo, hi = datetime.fromtimestamp((span[0] - 24) * 3600, UTC), datetime.fromtimestamp((span[1] + 24) * 3600, UTC)
    return (None if since is None else max(since, lo)), (None if until is None else min(until, hi))
