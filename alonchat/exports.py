"""Exports of the ledger for the dashboard and the CLI: aggregate rows and raw rows in range, as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from .db import get_engine
from .reports import Filters, _dims
from .rollups import RAW

AGGREGATE_COLUMNS = ("requests", "errors", "input_tokens", "cached_input_tokens", "cache_write_tokens",
                     "output_tokens", "reasoning_tokens", "cost_usd", "unpriced_requests", "priced_requests",
                     "cache_savings_usd", "latency_ms")
RAW_COLUMNS = ("id", "created_at", "user", "model_name", "provider", "model_id", "status", "input_tokens",
               "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
               "usage_estimated", "cost_usd", "cache_savings_usd", "latency_ms", "ttft_ms", "error_class",
               "error_message", "conversation_id")


def raw_rows(f: Filters, limit: int | None = None) -> Iterator[dict]:
    """The ledger rows in range, oldest first, for export; a generator so a big range never sits in memory."""
    conds = _dims(RAW, f)
    if f.since is not None:
        conds.append(RAW.c.created_at >= f.since)
    if f.until is not None:
        conds.append(RAW.c.created_at < f.until)
    stmt = select(*(RAW.c[c] for c in RAW_COLUMNS)).where(*conds).order_by(RAW.c.created_at, RAW.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    with get_engine().connect() as conn:
        for row in conn.execution_options(yield_per=5000).execute(stmt):
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
    return value


def to_csv(rows: Iterable[dict], columns: Iterable[str]) -> str:
    """CSV text with a header; an unpriced cost stays an empty cell (never 0), dates in ISO form."""
    columns = list(columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(row.get(c)) for c in columns] for row in rows)
    return buf.getvalue()


def raw_csv(f: Filters, limit: int | None = None) -> str:
    return to_csv(raw_rows(f, limit), RAW_COLUMNS)
