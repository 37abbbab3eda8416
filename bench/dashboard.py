"""Benchmark: the cost dashboard's queries and a full page run over a 1,000,000-row ledger (prints figures).

    python bench/dashboard.py [--rows N] [--days D] [--db PATH]

Fills a fresh SQLite ledger through the demo generator's bulk path (rollups kept on write), then
times each dashboard query (median of 5 after a warm-up) and the Costs page in AppTest.
Goals (issue #5): each query <= 100 ms, the page <= 1.5 s. --db reuses a filled database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int = 5) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--db", help="SQLite file to fill (or reuse when it already holds the rows)")
    args = ap.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="alonchat-bench-")) / "ledger.db"
    os.environ["ALONCHAT_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("ALONCHAT_USER", "alice")

    from sqlalchemy import func, select, text

    from alonchat.storage.engine import get_engine
    from alonchat.storage.tables import UsageRecord
    from alonchat.usage import budgets, demo, exports, periods, reports
    from alonchat.usage.rollups import rebuild_rollups
    from alonchat.usage.whatif import what_if

    engine = get_engine()
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(UsageRecord)).scalar()
    if have < args.rows:
        start = time.perf_counter()
        demo.generate(args.rows - have, args.days, seed=42,
                      progress=lambda d, t: print(f"\r  filling {d:,}/{t:,}", end="", file=sys.stderr))
        print(file=sys.stderr)
        print(f"fill: {args.rows - have:,} rows in {time.perf_counter() - start:.1f} s "
              f"({(args.rows - have) / (time.perf_counter() - start):,.0f} rows/s, rollups kept on write)")
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(UsageRecord)).scalar()
        hourly = conn.execute(text("SELECT COUNT(*) FROM usage_rollups")).scalar()
    print(f"ledger: {rows:,} raw rows, {hourly:,} hourly rollup rows, database {path}")
    budgets.set_budget(5000)
    budgets.set_budget(800, user="alice")

    since, until = periods.preset_range("30 days", "UTC")
    f = reports.Filters(since=since, until=until)
    # a range whose ends fall inside hours, so the raw edges are read too
    f_edges = reports.Filters(since=since + timedelta(minutes=17), until=until - timedelta(hours=20, minutes=43))
    f_paris = reports.Filters(since=since, until=until, tz="Europe/Paris")
    f_ny = reports.Filters(since=since, until=until, tz="America/New_York")
    f_tokyo = reports.Filters(since=since, until=until, tz="Asia/Tokyo")
    f_user = reports.Filters(since=since, until=until, users=("bob",), models=("gpt-5-mini", "gpt-5"))
    now = datetime.now(UTC)
    f_hour = reports.Filters(since=now - timedelta(hours=2), until=now - timedelta(hours=1))
    f_kolkata = reports.Filters(since=since, until=until, tz="Asia/Kolkata")  # UTC+5:30: one half hour a day raw
    f_kathmandu = reports.Filters(since=since, until=until, tz="Asia/Kathmandu")  # UTC+5:45: a quarter hour a day

    queries = [
        ("summary, 30 days", lambda: reports.summary(f)),
        ("summary, 30 days with partial-hour edges", lambda: reports.summary(f_edges)),
        ("summary, one user and two models", lambda: reports.summary(f_user)),
        ("breakdown by model", lambda: reports.breakdown("model", f)),
        ("breakdown by user", lambda: reports.breakdown("user", f)),
        ("breakdown by provider", lambda: reports.breakdown("provider", f)),
        ("breakdown by day", lambda: reports.breakdown("day", f)),
        ("timeseries day x model (UTC)", lambda: reports.timeseries("model", f)),
        ("timeseries day x user (Europe/Paris)", lambda: reports.timeseries("user", f_paris)),
        ("timeseries day x user (America/New_York)", lambda: reports.timeseries("user", f_ny)),
        ("timeseries day x user (Asia/Tokyo)", lambda: reports.timeseries("user", f_tokyo)),
        ("timeseries day x model (Asia/Tokyo)", lambda: reports.timeseries("model", f_tokyo)),
        ("timeseries day x model (Asia/Kolkata)", lambda: reports.timeseries("model", f_kolkata)),
        ("timeseries day x user (Asia/Kathmandu)", lambda: reports.timeseries("user", f_kathmandu)),
        ("top 10 models", lambda: reports.top("model", f, 10)),
        ("top 10 users", lambda: reports.top("user", f, 10)),
        ("filter choices (dimension values)", lambda: reports.dimension_values()),
        ("what-if at claude-haiku-4-5", lambda: what_if(f, "claude-haiku-4-5")),
        ("budgets list (team + user)", lambda: budgets.list_budgets()),
        ("budget check before a call", lambda: budgets.check("alice")),
        (f"raw export, one hour = {sum(1 for _ in exports.raw_rows(f_hour)):,} rows (CSV)",
         lambda: exports.raw_csv(f_hour)),
    ]
    print(f"\n{'query':<44} {'median ms':>10}  goal <= 100 ms")
    worst = 0.0
    for name, fn in queries:
        ms = timed(fn)
        worst = max(worst, ms)
        print(f"{name:<44} {ms:>10.1f}  {'ok' if ms <= 100 else 'OVER'}")
    print(f"{'slowest':<44} {worst:>10.1f}")

    print("\nfor comparison (not used by the page):")
    with engine.connect() as conn:
        raw_group = timed(lambda: conn.execute(text(
            "SELECT model_name, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost_usd) "
            "FROM usage_records WHERE created_at >= :a GROUP BY model_name"),
            {"a": since.replace(tzinfo=None)}).all(), 3)
    print(f"{'plain GROUP BY on the raw table':<44} {raw_group:>10.1f}")

    from streamlit.testing.v1 import AppTest

    def page():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page("pages/costs.py")
        start = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - start) * 1000
        assert not at.exception, [e.value for e in at.exception]
        return elapsed

    page()
    runs = sorted(page() for _ in range(3))
    print(f"\n{'Costs page run in AppTest (median of 3)':<44} {runs[1]:>10.1f}  goal <= 1500 ms "
          f"{'ok' if runs[1] <= 1500 else 'OVER'}")

    start = time.perf_counter()
    rebuild_rollups()
    print(f"{'rebuild_rollups() from the raw ledger':<44} {(time.perf_counter() - start) * 1000:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
