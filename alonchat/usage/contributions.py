"""What one ledger row adds to each rollup: the rules in Python, for every write, and the same rules as SQL text.

A call's row and its three rollup upserts are written together, on every call: on SQLite straight on the
driver (add_sqlite), with the upserts made from the rollup tables' own columns, so no SQLAlchemy loads.
The SQL form (measures) reads raw rows where a rollup can't: a report's split hours, a rebuild.
"""

from __future__ import annotations

import calendar
import functools
from datetime import UTC, datetime
from decimal import Decimal

TOKENS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")
# The rollups, in the order `contribution` returns their parameters.
TABLES = ("usage_rollups", "usage_daily", "usage_monthly")


def is_unpriced(cost, status: str, input_tokens: int, output_tokens: int) -> bool:
    """A call with no known cost that used tokens (or succeeded); a refused or empty failure was not billed."""
    return cost is None and (status == "ok" or input_tokens > 0 or output_tokens > 0)


def hour_of(dt: datetime) -> int:
    """epoch_hour in Python; naive datetimes are UTC, as the ledger stores them."""
    return calendar.timegm(dt.utctimetuple()) // 3600


def month_of(dt: datetime) -> int:
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.year * 100 + dt.month


def measures(t: str = '"usage_records"') -> dict[str, str]:
    """Per-row values of every rollup sum, as SQL text over the raw ledger table `t` that SQLite and PostgreSQL
    both read (mirrors `contribution`)."""
    priced, tiered = f"{t}.cost_usd IS NOT NULL", f"{t}.tier_threshold IS NOT NULL"
    return {
        "requests": "1",
        "errors": f"CASE WHEN {t}.status != 'ok' THEN 1 ELSE 0 END",
        "priced_requests": f"CASE WHEN {priced} THEN 1 ELSE 0 END",
        "unpriced_requests": f"CASE WHEN {t}.cost_usd IS NULL AND ({t}.status = 'ok' OR {t}.input_tokens > 0 "
                             f"OR {t}.output_tokens > 0) THEN 1 ELSE 0 END",
        **{k: f"{t}.{k}" for k in TOKENS},
        "cost_usd": f"coalesce({t}.cost_usd, 0)",
        "cache_savings_usd": f"coalesce({t}.cache_savings_usd, 0)",
        "latency_ms": f"{t}.latency_ms",
        "cache_write_1h_tokens": f"{t}.cache_write_1h_tokens",
        "cache_write_usd": f"coalesce({t}.cache_write_usd, 0)",
        "cache_write_1h_usd": f"coalesce({t}.cache_write_1h_usd, 0)",
        "tiered_requests": f"CASE WHEN {tiered} THEN 1 ELSE 0 END",
        "tiered_cost_usd": f"CASE WHEN {tiered} THEN coalesce({t}.cost_usd, 0) ELSE 0 END",
    }


def contribution(row: dict) -> tuple[dict, dict, dict]:
    """The hourly, daily and monthly upsert parameters of one ledger row (the dict UsageEntry.row() makes)."""
    cost, status = row["cost_usd"], row["status"]
    unpriced = int(is_unpriced(cost, status, row["input_tokens"], row["output_tokens"]))
    priced = int(cost is not None)
    cost = cost if cost is not None else Decimal(0)
    hourly = {
        "hour": hour_of(row["created_at"]), "user": row["user"], "team": row.get("team") or "",
        "source": row.get("source") or "", "model_name": row["model_name"],
        "provider": row["provider"], "status": status, "requests": 1, "errors": int(status != "ok"),
        "priced_requests": priced, "unpriced_requests": unpriced,
        **{k: row[k] for k in TOKENS},
        "cost_usd": cost, "cache_savings_usd": row.get("cache_savings_usd") or Decimal(0),
        "latency_ms": row["latency_ms"],
        "cache_write_1h_tokens": row.get("cache_write_1h_tokens") or 0,
        "cache_write_usd": row.get("cache_write_usd") or Decimal(0),
        "cache_write_1h_usd": row.get("cache_write_1h_usd") or Decimal(0),
        "tiered_requests": int(row.get("tier_threshold") is not None),
        "tiered_cost_usd": cost if row.get("tier_threshold") is not None else Decimal(0),
    }
    daily = {**hourly, "day": hourly["hour"] // 24}
    del daily["hour"]
    monthly = {"month": month_of(row["created_at"]), "user": row["user"], "team": hourly["team"], "requests": 1,
               "priced_requests": priced, "unpriced_requests": unpriced, "cost_usd": cost}
    return hourly, daily, monthly


def _names(columns) -> str:
    return ", ".join(f'"{c}"' for c in columns)


@functools.cache
def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    """Add a row's contribution to `table`: insert its key, or add each other column to the one stored."""
    sums = ", ".join(f'"{c}" = "{table}"."{c}" + excluded."{c}"' for c in columns if c not in key)
    return (f'INSERT INTO "{table}" ({_names(columns)}) VALUES ({", ".join("?" * len(columns))}) '
            f"ON CONFLICT ({_names(key)}) DO UPDATE SET {sums}")


_keys: dict[str, tuple[str, ...]] = {}


def _key(cursor, table: str) -> tuple[str, ...]:
    """The table's primary-key columns in key order, from the database itself.

    Read once per process: the hot path only writes to databases at the newest migration (storage/sqlite.py).
    """
    key = _keys.get(table)
    if key is None:
        rows = cursor.execute(f'PRAGMA table_info("{table}")').fetchall()  # (cid, name, type, notnull, default, pk)
        key = _keys[table] = tuple(r[1] for r in sorted((r for r in rows if r[5]), key=lambda r: r[5]))
    return key


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value  # sqlite3 binds no Decimal


def add_sqlite(cursor, levels: tuple[dict, dict, dict]) -> None:
    """One call's three upserts on a SQLite DB-API cursor, inside the transaction that wrote its row."""
    for table, params in zip(TABLES, levels, strict=True):
        columns = tuple(params)
        cursor.execute(_upsert(table, columns, _key(cursor, table)), [_plain(params[c]) for c in columns])
