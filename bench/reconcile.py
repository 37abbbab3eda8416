"""Benchmark: fetch a month's bill over HTTP (fake admin APIs) and reconcile it with a large ledger (prints figures).

    python bench/reconcile.py [--rows N] [--days D] [--page DAYS]

Fills a fresh SQLite ledger with demo calls, books the same usage (as dated snapshots, with the catalog's
prices) on the fake server's admin APIs, fetches it back through AlonChat (pages of --page days), then times
`reconcile()` over the range (median of 5 after a warm-up) and checks every OpenAI/Anthropic row matches.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import timed  # noqa: E402 (after the checkout is on the path)


def book(admin, first: date, last: date) -> int:
    """The ledger's usage per UTC day, provider and model, booked on the fake admin APIs; returns the bookings."""
    from sqlalchemy import func, select

    from alonchat.catalog.models import list_models
    from alonchat.core.pricing import effective_rate
    from alonchat.storage.engine import get_engine
    from alonchat.usage.rollups import DAILY

    specs = {m.name: m for m in list_models()}
    kinds = {"input": "input_price", "cache_read": "cache_read_price", "cache_write_5m": "cache_write_price",
             "cache_write_1h": "cache_write_1h_price", "output": "output_price"}
    for spec in specs.values():
        if spec.provider in ("openai", "anthropic") and spec.prices.known:
            admin.set_price(spec.provider, spec.model_id + "-20260101",
                            **{k: effective_rate(spec.prices, f, 0)[0] for k, f in kinds.items()})
    t = DAILY
    epoch = date(1970, 1, 1)
    stmt = (select(t.c.day, t.c.provider, t.c.model_name, *(func.sum(t.c[c]).label(c) for c in (
        "requests", "input_tokens", "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens",
        "output_tokens")))
            .where(t.c.day >= (first - epoch).days, t.c.day <= (last - epoch).days,
                   t.c.provider.in_(("openai", "anthropic")), t.c.status != "error")
            .group_by(t.c.day, t.c.provider, t.c.model_name))
    n = 0
    with get_engine().connect() as conn:
        for r in conn.execute(stmt):
            spec = specs.get(r.model_name)
            if spec is None:
                continue
            cached, writes = int(r.cached_input_tokens), int(r.cache_write_tokens)
            writes_1h = int(r.cache_write_1h_tokens)
            admin.add(r.provider, epoch + timedelta(days=int(r.day)), spec.model_id + "-20260101",
                      api_key_id="key_alonchat", requests=int(r.requests),
                      input=int(r.input_tokens) - cached - writes, cache_read=cached,
                      cache_write_5m=writes - writes_1h, cache_write_1h=writes_1h, output=int(r.output_tokens))
            n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--page", type=int, default=None, help="days per page the fake serves (default: documented)")
    args = ap.parse_args()
    path = Path(tempfile.mkdtemp(prefix="alonchat-bench-")) / "ledger.db"
    os.environ["ALONCHAT_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("ALONCHAT_USER", "alice")

    from alonchat.usage import demo, reconcile
    from alonchat.usage.bills import store
    from tests.fake_server import FakeServer

    start = time.perf_counter()
    demo.generate(args.rows, args.days, seed=42)
    print(f"ledger: {args.rows:,} demo calls over {args.days} days in {time.perf_counter() - start:.1f} s")
    last = datetime.now(UTC).date()
    first = last - timedelta(days=args.days)
    with FakeServer() as srv:
        os.environ["OPENAI_BASE_URL"], os.environ["ANTHROPIC_BASE_URL"] = srv.url + "/v1", srv.url
        os.environ["OPENAI_ADMIN_KEY"] = srv.admin.keys["openai"]
        os.environ["ANTHROPIC_ADMIN_KEY"] = srv.admin.keys["anthropic"]
        srv.admin.max_limit = args.page
        print(f"bill: {book(srv.admin, first, last):,} day x model bookings on the fake admin APIs")
        for provider in ("openai", "anthropic"):
            start = time.perf_counter()
            report = store.fetch(provider, first, last, force=True)
            print(f"fetch {provider}: {len(report.days)} days, {report.rows:,} rows, {report.requests} HTTP requests "
                  f"in {(time.perf_counter() - start) * 1000:,.0f} ms")
    rec = reconcile.reconcile(first, last)
    statuses = {}
    for r in rec.rows:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    ms = timed(lambda: reconcile.reconcile(first, last))
    print(f"reconcile: {len(rec.rows):,} rows {statuses}; median {ms:,.1f} ms over the stored bill (offline)")
    billed = [r for r in rec.rows if r.provider in ("openai", "anthropic")]
    mismatched = [r for r in billed if r.status != "match"]
    print(f"openai/anthropic rows: {len(billed):,}, not matching: {len(mismatched)} (expected 0)")
    return 1 if mismatched else 0


if __name__ == "__main__":
    raise SystemExit(main())
