"""The raw CSV export read straight from the driver: same rows and values as the typed ledger, unpriced kept empty."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal as D

from alonchat.core.types import Usage
from alonchat.usage import exports, ledger
from alonchat.usage.reports import Filters


def _write(when, user, model, cost, savings=None, status="ok", message=None, estimated=False):
    ledger.record(ledger.UsageEntry(
        user=user, model_name=model, provider="p", model_id=f"{model}-id",
        usage=Usage(1200, 200, 30, 340, 40, estimated=estimated), cost_usd=cost, cache_savings_usd=savings,
        latency_ms=812.25, ttft_ms=None if status != "ok" else 95.5, status=status, created_at=when,
        error_class=None if status == "ok" else "ServerError", error_message=message))


def _ledger():
    _write(datetime(2026, 11, 3, 9, 59, 59, 999999, tzinfo=UTC), "alice", "alpha", D(1))  # before the range
    _write(datetime(2026, 11, 3, 10, 0, tzinfo=UTC), "alice", "alpha", D("0.000012345678"), D("0.0000015"))
    _write(datetime(2026, 11, 3, 10, 0, 0, 250000, tzinfo=UTC), "bob", "mystery", None)  # unpriced
    _write(datetime(2026, 11, 3, 10, 20, tzinfo=UTC), "bob", "alpha", D("12.5"), D(0), estimated=True)
    _write(datetime(2026, 11, 3, 10, 40, tzinfo=UTC), "carol", "beta", None, status="error",
           message='The provider said "busy",\nretry later')  # quoting and a newline survive
    _write(datetime(2026, 11, 3, 11, 0, tzinfo=UTC), "alice", "alpha", D(3))  # the end is excluded


RANGE = Filters(since=datetime(2026, 11, 3, 10, tzinfo=UTC), until=datetime(2026, 11, 3, 11, tzinfo=UTC))


def test_raw_csv_keeps_decimal_costs_exact_and_unpriced_empty():
    _ledger()
    rows = list(csv.DictReader(io.StringIO(exports.raw_csv(RANGE))))
    assert [r["user"] for r in rows] == ["alice", "bob", "bob", "carol"]  # oldest first, [since, until)
    assert [r["cost_usd"] for r in rows] == ["0.000012345678", "", "12.5", ""]  # fixed point, never 0 for None
    assert [r["cache_savings_usd"] for r in rows] == ["0.0000015", "", "0", ""]
    assert rows[0]["created_at"] == "2026-11-03T10:00:00+00:00"
    assert rows[1]["created_at"] == "2026-11-03T10:00:00.250000+00:00"
    assert [r["usage_estimated"] for r in rows] == ["False", "False", "True", "False"]
    assert rows[3]["error_message"] == 'The provider said "busy",\nretry later'
    assert rows[3]["ttft_ms"] == "" and rows[0]["ttft_ms"] == "95.5" and rows[0]["latency_ms"] == "812.25"


def test_raw_csv_matches_the_typed_rows_cell_for_cell():
    _ledger()
    typed = list(exports.raw_rows(RANGE))
    text = exports.raw_csv(RANGE)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == exports.RAW_COLUMNS and len(rows) == len(typed) + 1 == 5
    for cells, row in zip(rows[1:], typed, strict=True):
        for name, cell in zip(exports.RAW_COLUMNS, cells, strict=True):
            value = row[name]
            if value is None:
                assert cell == "", name
            elif name in ("cost_usd", "cache_savings_usd"):
                assert D(cell) == value, name
            elif name == "created_at":
                assert cell == value.isoformat()
            else:
                assert cell == str(value), name


def test_write_raw_csv_streams_with_filters_and_limit():
    _ledger()
    out = io.StringIO()
    n = exports.write_raw_csv(out, Filters(since=RANGE.since, until=RANGE.until, users=("bob",)), limit=1)
    lines = out.getvalue().splitlines()
    assert n == 1 and len(lines) == 2 and lines[1].split(",")[2] == "bob"
    empty = io.StringIO()
    assert exports.write_raw_csv(empty, Filters(since=RANGE.since, until=RANGE.since)) == 0
    assert empty.getvalue().strip().split(",") == list(exports.RAW_COLUMNS)


def _timed(when, model, latency_ms):
    ledger.record(ledger.UsageEntry(
        user="dana", model_name=model, provider="p", model_id=model, usage=Usage(10, 0, 0, 5), cost_usd=D(0),
        cache_savings_usd=D(0), latency_ms=latency_ms, ttft_ms=None, status="ok", created_at=when,
        error_class=None, error_message=None))


def test_breakdown_csv_exports_latency_per_call_not_the_groups_sum():
    day = datetime(2026, 11, 3, 12, tzinfo=UTC)
    for ms in (100.0, 200.0, 300.0, 400.0, 1000.0):
        _timed(day, "fast", ms)
    _timed(day, "slow", 5000.0)
    f = Filters(since=datetime(2026, 11, 3, tzinfo=UTC), until=datetime(2026, 11, 4, tzinfo=UTC))
    rows = {r["model"]: r for r in csv.DictReader(io.StringIO(exports.breakdown_csv("model", f)))}
    assert "latency_ms" not in rows["fast"]  # the sum (2000 ms for 5 calls) is gone
    assert rows["fast"]["requests"] == "5"
    assert (rows["fast"]["latency_ms_mean"], rows["fast"]["latency_ms_p50"], rows["fast"]["latency_ms_p95"]) == (
        "400.0", "300.0", "880.0")  # p95: 400 + (1000 - 400) * 0.8, interpolated like numpy
    assert rows["slow"]["latency_ms_mean"] == rows["slow"]["latency_ms_p95"] == "5000.0"


def test_breakdown_csv_by_local_day_puts_each_call_on_its_day():
    _timed(datetime(2026, 11, 2, 23, 30, tzinfo=UTC), "m", 100.0)  # 00:30 on Nov 3 in Paris
    _timed(datetime(2026, 11, 3, 9, 0, tzinfo=UTC), "m", 300.0)
    f = Filters(since=datetime(2026, 11, 2, 23, tzinfo=UTC), until=datetime(2026, 11, 3, 23, tzinfo=UTC),
                tz="Europe/Paris")
    [row] = csv.DictReader(io.StringIO(exports.breakdown_csv("day", f)))
    assert (row["day"], row["requests"], row["latency_ms_p50"]) == ("2026-11-03", "2", "200.0")


def test_export_file_names_end_on_the_last_day_the_page_shows():
    from alonchat.usage import periods

    since, until = periods.day_range(datetime(2026, 11, 2).date(), datetime(2026, 11, 3).date(), "Europe/Paris")
    f = Filters(since=since, until=until, tz="Europe/Paris")  # [Nov 1 23:00 UTC, Nov 3 23:00 UTC)
    assert exports.file_name("by-model", f) == "alonchat-usage-by-model-20261102-20261103.csv"
    assert exports.file_name("raw", Filters()) == "alonchat-usage-raw-all.csv"
    assert periods.shown_days(*periods.day_range(datetime(2026, 11, 2).date(), datetime(2026, 11, 2).date())) == (
        datetime(2026, 11, 2).date(), datetime(2026, 11, 2).date())
