"""Exports of the ledger for the dashboard and the CLI: aggregate rows and raw rows in range, as CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TextIO

from ..core.text import safe_text
from . import periods
from .report_sql import dims
from .reports import DIMENSIONS, Filters, authorize, breakdown

# The raw rows are read with SQLAlchemy Core, imported by the functions that read them: `alonchat usage --csv`
# writes aggregates only, and loads none of it (bench/startup.py).

# Latency per call: the rollups' latency_ms is the group's sum, which means nothing in a spreadsheet.
AGGREGATE_COLUMNS = ("requests", "errors", "input_tokens", "cached_input_tokens", "cache_write_tokens",
                     "output_tokens", "reasoning_tokens", "cost_usd", "unpriced_requests", "priced_requests",
                     "cache_savings_usd", "latency_ms_mean", "latency_ms_p50", "latency_ms_p95")
RAW_COLUMNS = ("id", "created_at", "user", "team", "model_name", "provider", "model_id", "status", "input_tokens",
               "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
               "usage_estimated", "cost_usd", "cache_savings_usd", "latency_ms", "ttft_ms", "error_class",
               "error_message", "conversation_id", "cache_write_1h_tokens", "cache_write_usd", "cache_write_1h_usd",
               "tier_threshold", "price_id", "reported_cost_usd", "cost_mismatch", "source", "source_id")
_CHUNK = 5000


def _raw_select(f: Filters, limit: int | None, columns, group: tuple[str, ...] | None = None):
    from sqlalchemy import select

    from .rollups import RAW

    authorize(f, group or (), rows=group is None)  # raw rows name their user: a member gets only their own
    conds = dims(RAW, f)
    if f.since is not None:
        conds.append(RAW.c.created_at >= f.since)
    if f.until is not None:
        conds.append(RAW.c.created_at < f.until)
    stmt = select(*columns).where(*conds).order_by(RAW.c.created_at, RAW.c.id)
    return stmt if limit is None else stmt.limit(limit)


def raw_rows(f: Filters, limit: int | None = None) -> Iterator[dict]:
    """The ledger rows in range, oldest first, typed (aware UTC times, Decimal costs); streamed, never all in memory."""
    from ..storage.engine import get_engine
    from .rollups import RAW

    stmt = _raw_select(f, limit, [RAW.c[c] for c in RAW_COLUMNS])
    with get_engine().connect() as conn:
        for row in conn.execution_options(yield_per=_CHUNK).execute(stmt):
            out = row._asdict()
            out["created_at"] = out["created_at"].astimezone(UTC)
            yield out


def _cell(value):
    if value is None:
        return ""  # unpriced stays empty, never 0
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)  # a model or user name may start like a formula
    return value


def to_csv(rows: Iterable[dict], columns: Iterable[str]) -> str:
    """CSV text with a header; an unpriced cost stays an empty cell (never 0), dates in ISO form."""
    columns = list(columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(row.get(c)) for c in columns] for row in rows)
    return buf.getvalue()


def file_name(kind: str, f: Filters) -> str:
    """alonchat-usage-<kind>-<first day>-<last day>.csv: the days the page shows, in its time zone."""
    if f.since is None or f.until is None:
        return f"alonchat-usage-{kind}-all.csv"
    first, last = periods.shown_days(f.since, f.until, f.tz)
    return f"alonchat-usage-{kind}-{first:%Y%m%d}-{last:%Y%m%d}.csv"


def percentile(ordered: list[float], q: float) -> float | None:
    """The q-quantile of sorted values, interpolated between neighbours (numpy's default); None when empty."""
    if not ordered:
        return None
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _latencies(by: str, f: Filters) -> dict:
    """Every call's latency per group, from the ledger's rows: percentiles can't be summed into rollups."""
    from ..storage.engine import get_engine
    from .rollups import RAW

    key = RAW.c.created_at if by == "day" else RAW.c[DIMENSIONS[by]]
    z = periods.zone(f.tz)
    out: dict = {}
    with get_engine().connect() as conn:
        for k, ms in conn.execution_options(yield_per=_CHUNK).execute(
                _raw_select(f, None, [key, RAW.c.latency_ms], (by,))):
            if by == "day":
                k = (k if k.tzinfo else k.replace(tzinfo=UTC)).astimezone(z).date()
            out.setdefault(k, []).append(ms or 0.0)
    return out


def breakdown_csv(by: str, f: Filters) -> str:
    """The dashboard's breakdown as CSV, latency as each group's mean, p50 and p95 per call (never its sum)."""
    rows = breakdown(by, f)
    latencies = _latencies(by, f)
    out = []
    for r in rows:
        ordered = sorted(latencies.get(r[by], ()))
        stats = {"latency_ms_mean": r["latency_ms"] / r["requests"] if r["requests"] else None,
                 "latency_ms_p50": percentile(ordered, 0.5), "latency_ms_p95": percentile(ordered, 0.95)}
        out.append(r | {k: None if v is None else round(v, 3) for k, v in stats.items()})
    return to_csv(out, (by, *AGGREGATE_COLUMNS))


# --- raw export straight from the driver's values: ~40 µs of type conversion per row saved -----

def _iso_utc(value) -> str:
    """A stored UTC time (SQLite: naive text; PostgreSQL: a datetime) as datetime.isoformat() gives it, +00:00."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":  # SQLAlchemy's SQLite layout: rewrite the text, no parsing
            return f"{value[:10]}T{value[11:19] if value.endswith('.000000') else value[11:]}+00:00"
        value = datetime.fromisoformat(value)
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


def _money_text(value) -> str | None:
    """Fixed-point dollars at the ledger's 12 decimals, trailing zeros dropped; None (unpriced) stays empty."""
    if value is None:
        return None
    text = (f"{value:.12f}" if isinstance(value, float | int) else
            format(Decimal(value).quantize(Decimal("1e-12")), "f")).rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _flag(value) -> str | None:
    return None if value is None else str(bool(value))


def _text(value) -> str | None:
    return None if value is None else safe_text(str(value))


_CONVERT = {"created_at": _iso_utc, "cost_usd": _money_text, "cache_savings_usd": _money_text,
            "usage_estimated": _flag, "cache_write_usd": _money_text, "cache_write_1h_usd": _money_text,
            "reported_cost_usd": _money_text, "cost_mismatch": _flag,
            # Text anyone can set (names, error messages a provider wrote): never a live formula.
            **dict.fromkeys(("user", "model_name", "provider", "model_id", "status", "error_class",
                             "error_message"), _text)}


def write_raw_csv(out: TextIO, f: Filters, limit: int | None = None) -> int:
    """Stream the ledger rows in range to `out` as CSV (header first), oldest first; returns the row count.

    Reads the driver's values (no ORM type conversion) and converts only the time, money and flag
    columns; an unpriced cost stays an empty cell, never 0.
    """
    from sqlalchemy import type_coerce
    from sqlalchemy.types import NullType

    from ..storage.engine import get_engine
    from .rollups import RAW

    # NullType: no result processing per cell; the WHERE clause still binds through the real column types.
    stmt = _raw_select(f, limit, [type_coerce(RAW.c[c], NullType()).label(c) for c in RAW_COLUMNS])
    converters = [(i, _CONVERT[c]) for i, c in enumerate(RAW_COLUMNS) if c in _CONVERT]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RAW_COLUMNS)
    n = 0
    with get_engine().connect() as conn:
        result = conn.execution_options(yield_per=_CHUNK).execute(stmt)
        for chunk in result.partitions():
            rows = [list(r) for r in chunk]
            for row in rows:
                for i, convert in converters:
                    row[i] = convert(row[i])
            writer.writerows(rows)  # csv writes None as an empty cell
            n += len(rows)
    return n


def raw_csv(f: Filters, limit: int | None = None) -> str:
    """The raw export as one CSV string (the page's download button)."""
    buf = io.StringIO()
    write_raw_csv(buf, f, limit)
    return buf.getvalue()
