"""Ledger rollups: hourly and monthly sums maintained in the same transaction as each usage row, and rebuilt from it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Integer, delete, func, insert, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ..storage.columns import ROLLUP_KEY, ROLLUP_SUMS
from ..storage.tables import UsageDaily, UsageMonthly, UsageRecord, UsageRollup

# What one row adds, in Python: contributions.py (every write); here the same rules in SQL (rebuild, report edges).
from .contributions import TOKENS, contribution, hour_of, is_unpriced, measures, month_of  # noqa: F401

RAW = UsageRecord.__table__
HOURLY = UsageRollup.__table__
DAILY = UsageDaily.__table__
MONTHLY = UsageMonthly.__table__
KEY = ROLLUP_KEY
MONTH_KEY = ("month", "user", "team")
SUMS = ROLLUP_SUMS  # every additive column of the hourly and daily rollups (storage/columns.py)
MONTH_SUMS = ("requests", "priced_requests", "unpriced_requests", "cost_usd")


class epoch_hour(FunctionElement):
    """Whole hours since the Unix epoch of a UTC timestamp column, in each dialect's own SQL."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_hour, "sqlite")
def _epoch_hour_sqlite(element, compiler, **kw):
    return f"(CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER) / 3600)"


@compiles(epoch_hour, "postgresql")
def _epoch_hour_pg(element, compiler, **kw):
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) / 3600) AS INTEGER)"


class month_key(FunctionElement):
    """year * 100 + month of a UTC timestamp column (202611), the budget month."""

    type = Integer()
    inherit_cache = True


@compiles(month_key, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%Y%m', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(month_key, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"CAST(TO_CHAR({compiler.process(element.clauses, **kw)}, 'YYYYMM') AS INTEGER)"


# --- what one row contributes: the same rules in Python (on write) and SQL (edges, rebuild) ---

def raw_measures(t=RAW) -> dict[str, ColumnElement]:
    """Per-row values of every rollup sum over raw ledger rows: contributions.measures' SQL, typed as the sums."""
    return {c: literal_column(sql, HOURLY.c[c].type) for c, sql in measures(f'"{t.name}"').items()}


# (table, key columns, sum columns) of each rollup, in the order `contribution` returns them.
LEVELS = ((HOURLY, ("hour", *KEY), SUMS), (DAILY, ("day", *KEY), SUMS), (MONTHLY, MONTH_KEY, MONTH_SUMS))


def combine(rows: Iterable[dict]) -> tuple[list[dict], ...]:
    """Pre-sum a batch per rollup key in Python, so a bulk write upserts each key once."""
    accs: tuple[dict, ...] = tuple({} for _ in LEVELS)
    for row in rows:
        for acc, item, (_, key, cols) in zip(accs, contribution(row), LEVELS, strict=True):
            k = tuple(item[c] for c in key)
            seen = acc.get(k)
            if seen is None:
                acc[k] = item
            else:
                for c in cols:
                    seen[c] += item[c]
    return tuple(list(acc.values()) for acc in accs)


# --- upserts, one compiled statement per dialect ----------------------------------------------

_UPSERTS: dict[str, tuple] = {}


def _upserts(dialect: str):
    if dialect not in _UPSERTS:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        stmts = []
        for table, key, sums in LEVELS:
            stmt = dialect_insert(table)
            stmts.append(stmt.on_conflict_do_update(
                index_elements=list(key), set_={c: table.c[c] + stmt.excluded[c] for c in sums}))
        _UPSERTS[dialect] = tuple(stmts)
    return _UPSERTS[dialect]


def add(conn: Connection, *levels: list[dict] | dict) -> None:
    """Add contributions (hourly, daily, monthly) inside the caller's transaction, the one that wrote the raw rows."""
    for stmt, params in zip(_upserts(conn.dialect.name), levels, strict=True):
        conn.execute(stmt, params)


# --- rebuild from the raw ledger -------------------------------------------------------------

def rebuild_statements() -> list:
    """DELETE every rollup and refill them: hourly and monthly from the raw ledger, daily from hourly."""
    m = raw_measures()
    hour = epoch_hour(RAW.c.created_at)
    hourly = select(hour, *(RAW.c[k] for k in KEY), *(func.sum(m[c]) for c in SUMS)).group_by(
        hour, *(RAW.c[k] for k in KEY))
    day = HOURLY.c.hour // 24
    daily = select(day, *(HOURLY.c[k] for k in KEY), *(func.sum(HOURLY.c[c]) for c in SUMS)).group_by(
        day, *(HOURLY.c[k] for k in KEY))
    month = month_key(RAW.c.created_at)
    monthly = select(month, RAW.c.user, RAW.c.team, *(func.sum(m[c]) for c in MONTH_SUMS)).group_by(
        month, RAW.c.user, RAW.c.team)
    return [
        delete(HOURLY), delete(DAILY), delete(MONTHLY),
        insert(HOURLY).from_select(["hour", *KEY, *SUMS], hourly),
        insert(DAILY).from_select(["day", *KEY, *SUMS], daily),
        insert(MONTHLY).from_select([*MONTH_KEY, *MONTH_SUMS], monthly),
    ]


def rebuild_rollups(conn: Connection | None = None) -> None:
    """Recompute every rollup from the raw ledger (after an import, a manual fix, or to check them)."""
    if conn is None:
        from ..storage.engine import get_engine

        with get_engine().begin() as own:
            return rebuild_rollups(own)
    for stmt in rebuild_statements():
        conn.execute(stmt)

