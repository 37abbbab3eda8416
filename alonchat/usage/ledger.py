"""The usage ledger: the one place that writes a call's usage row (and reads it back for reports)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ..core.text import redact
from ..core.types import Usage
from ..storage import sqlite
from . import contributions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class UsageEntry:
    user: str
    model_name: str
    provider: str
    model_id: str
    usage: Usage
    cost_usd: Decimal | None
    latency_ms: float
    ttft_ms: float | None
    status: str
    error_class: str | None = None
    error_message: str | None = None
    conversation_id: int | None = None
    created_at: datetime | None = None
    cache_savings_usd: Decimal | None = None
    # From the call's receipt (pricing.receipt): spend on cache writes, the tier billed, the price version.
    cache_write_usd: Decimal | None = None
    cache_write_1h_usd: Decimal | None = None
    tier_threshold: int | None = None
    price_id: int | None = None
    cost_mismatch: bool = False
    options: dict | None = None  # what the call was sent with (service.sent_options: no secrets, no bytes)
    team: str = ""  # the user's team at call time (teams.team_of)
    source: str = ""  # where the call came from (core.types.SOURCES); "" = not recorded
    source_id: int | None = None  # the eval run or arena battle it belongs to

    def row(self, redactor=redact) -> dict:
        u = self.usage
        return {
            "created_at": self.created_at or datetime.now(UTC),  # stored in UTC, as every timestamp
            "user": self.user,
            "model_name": self.model_name,
            "provider": self.provider,
            "model_id": self.model_id,
            "input_tokens": u.input_tokens,
            "cached_input_tokens": u.cached_input_tokens,
            "cache_write_tokens": u.cache_write_tokens,
            "output_tokens": u.output_tokens,
            "reasoning_tokens": u.reasoning_tokens,
            "usage_estimated": u.estimated,
            "cost_usd": self.cost_usd,
            "cache_savings_usd": self.cache_savings_usd,
            "latency_ms": round(self.latency_ms, 3),
            "ttft_ms": None if self.ttft_ms is None else round(self.ttft_ms, 3),
            "status": self.status,
            "error_class": self.error_class,
            "error_message": redactor(self.error_message[:2000]) if self.error_message else None,
            "conversation_id": self.conversation_id,
            "cache_write_1h_tokens": u.cache_write_1h_tokens,
            "cache_write_usd": self.cache_write_usd,
            "cache_write_1h_usd": self.cache_write_1h_usd,
            "tier_threshold": self.tier_threshold,
            "price_id": self.price_id,
            "reported_cost_usd": u.reported_cost_usd,
            "cost_mismatch": self.cost_mismatch,
            "options": json.dumps(self.options, sort_keys=True, ensure_ascii=False) if self.options else None,
            "team": self.team or "",
            "source": self.source or "",
            "source_id": self.source_id,
            "response_id": u.response_id[:200] if u.response_id else None,
        }


@functools.cache
def _insert():
    """The row's insert as SQLAlchemy Core: for other databases, a caller's session and bulk writes."""
    from sqlalchemy import insert

    from ..storage.tables import UsageRecord

    return insert(UsageRecord.__table__)


def _write(conn, entry: UsageEntry) -> int:
    from . import rollups

    row = entry.row()
    usage_id = conn.execute(_insert(), row).inserted_primary_key[0]
    # Same transaction: the rollups can never disagree with the raw ledger.
    rollups.add(conn, *contributions.contribution(row))
    return usage_id


@functools.cache
def _insert_sqlite(columns: tuple[str, ...]) -> str:
    """The row's insert as SQLite's SQL, for the columns a row has (UsageEntry.row: all but the id)."""
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO usage_records ({names}) VALUES ({', '.join('?' * len(columns))})"


def record(entry: UsageEntry, session: Session | None = None) -> int:
    """Write one usage row and its rollup sums in one short transaction (or the caller's); return its id."""
    if session is not None:
        return _write(session.connection(), entry)
    with sqlite.fast_path(write=True) as dbapi:
        if dbapi is None:
            from ..storage.engine import get_engine

            with get_engine().begin() as conn:
                return _write(conn, entry)
        row = entry.row()
        columns = tuple(row)
        cursor = dbapi.cursor()
        try:
            cursor.execute(_insert_sqlite(columns), [sqlite.bound(row[c]) for c in columns])
            usage_id = cursor.lastrowid
            # Same transaction: the rollups can never disagree with the raw ledger.
            contributions.add_sqlite(cursor, contributions.contribution(row))
        finally:
            cursor.close()
        return usage_id


def record_many(entries: Iterable[UsageEntry], session: Session | None = None) -> int:
    """Bulk path (imports, demo data): one executemany for the rows, rollups pre-summed per key; returns the count."""
    # Bulk writes repeat a few error messages many times: redact each distinct one once.
    memo = functools.lru_cache(maxsize=1024)(redact)
    rows = [e.row(memo) for e in entries]
    if not rows:
        return 0
    from ..storage.engine import get_engine
    from . import rollups

    levels = rollups.combine(rows)
    if session is not None:
        conn = session.connection()
        conn.execute(_insert(), rows)
        rollups.add(conn, *levels)
    else:
        with get_engine().begin() as conn:
            conn.execute(_insert(), rows)
            rollups.add(conn, *levels)
    return len(rows)
