"""Every dashboard aggregate against hand-computed figures on a small ledger, and rollups against the raw rows."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from alonchat.core.errors import ValidationError
from alonchat.core.types import Usage
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import UsageRecord
from alonchat.usage import exports, ledger, periods, reports
from alonchat.usage.reports import Filters
from alonchat.usage.rollups import DAILY, HOURLY, KEY, MONTHLY, SUMS, rebuild_rollups
from tests.support.ledger_fixture import at, small_ledger, write


@pytest.fixture
def ledger_rows():
    small_ledger()


def test_summary_counts_cached_reasoning_unpriced_and_errors(ledger_rows):
    s = reports.summary(Filters())
    assert (s.requests, s.errors, s.priced_requests, s.unpriced_requests) == (8, 2, 5, 1)
    assert (s.input_tokens, s.cached_input_tokens, s.cache_write_tokens) == (3630, 600, 100)
    assert (s.output_tokens, s.reasoning_tokens) == (640, 50)
    assert s.cost_usd == D("0.013335")
    assert s.cache_savings_usd == D("0.00114")
    assert s.avg_cost_per_request == D("0.013335") / 5  # over priced calls only
    assert s.error_rate == 2 / 8 and s.unpriced_share == 1 / 8
    assert s.avg_latency_ms == 10.0


def test_empty_range_is_zero_not_unpriced(ledger_rows):
    s = reports.summary(Filters(since=at(20, 0), until=at(21, 0)))
    assert s.requests == 0 and s.cost_usd == 0 and s.error_rate is None and s.avg_cost_per_request is None


def test_breakdown_by_model_orders_by_spend_and_keeps_unpriced_as_none(ledger_rows):
    rows = reports.breakdown("model", Filters())
    assert [r["model"] for r in rows] == ["alpha", "beta", "echo", "mystery"]
    by = {r["model"]: r for r in rows}
    assert (by["alpha"]["requests"], by["alpha"]["errors"], by["alpha"]["cost_usd"]) == (3, 1, D("0.0078"))
    assert (by["beta"]["requests"], by["beta"]["errors"], by["beta"]["cost_usd"]) == (2, 1, D("0.005535"))
    assert by["mystery"]["cost_usd"] is None and by["mystery"]["unpriced_requests"] == 1
    assert by["echo"]["cost_usd"] == 0 and by["echo"]["unpriced_requests"] == 0


def test_breakdown_by_user_and_provider(ledger_rows):
    users = {r["user"]: r for r in reports.breakdown("user", Filters())}
    assert users["alice"]["requests"] == 4 and users["alice"]["cost_usd"] == D("0.0078")
    assert users["bob"]["cost_usd"] == D("0.005535") and users["bob"]["unpriced_requests"] == 1
    providers = {r["provider"]: r["requests"] for r in reports.breakdown("provider", Filters())}
    assert providers == {"openai": 3, "anthropic": 2, "custom": 1, "echo": 2}


def test_filters_by_dimension(ledger_rows):
    s = reports.summary(Filters(users=("alice",), statuses=("ok",)))
    assert (s.requests, s.cost_usd, s.input_tokens) == (2, D("0.0078"), 3000)
    s = reports.summary(Filters(providers=("anthropic",)))
    assert (s.requests, s.errors, s.cost_usd) == (2, 1, D("0.005535"))
    s = reports.summary(Filters(models=("mystery",)))
    assert s.cost_usd is None and s.unpriced_requests == 1


@pytest.mark.parametrize("tz, expected", [
    ("UTC", {date(2026, 11, 2): 2, date(2026, 11, 3): 6}),
    ("Europe/Paris", {date(2026, 11, 2): 1, date(2026, 11, 3): 7}),
    # UTC+5:30: one UTC hour (18:00) falls on two local days, so this reads raw rows, still exactly
    ("Asia/Kolkata", {date(2026, 11, 3): 7, date(2026, 11, 4): 1}),
])
def test_days_follow_the_display_time_zone(ledger_rows, tz, expected):
    rows = reports.timeseries(None, Filters(tz=tz))
    assert {r["day"]: r["requests"] for r in rows} == expected


def test_paris_day_range_includes_the_call_after_local_midnight(ledger_rows):
    since, until = periods.day_range(date(2026, 11, 3), date(2026, 11, 3), "Europe/Paris")
    assert since == at(2, 23)
    s = reports.summary(Filters(since=since, until=until, tz="Europe/Paris"))
    assert s.requests == 7 and s.cost_usd == D("0.0048") + D("0.005535")


def test_partial_hours_at_both_edges_come_from_raw_rows(ledger_rows):
    # [22:45 Nov 2, 11:30 Nov 3): calls 2, 3 and 4 (4 at 11:00 sits in the partial last hour)
    s = reports.summary(Filters(since=at(2, 22, 45), until=at(3, 11, 30)))
    assert (s.requests, s.unpriced_requests, s.input_tokens) == (3, 1, 2600)
    assert s.cost_usd == D("0.010335")
    inside_one_hour = reports.summary(Filters(since=at(3, 18, 30), until=at(3, 18, 50)))
    assert inside_one_hour.requests == 1 and inside_one_hour.input_tokens == 20


def test_dst_change_puts_each_hour_on_its_local_day():
    # Paris leaves summer time at 01:00 UTC on 25 Oct 2026
    write(datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "u", "echo", "echo", "ok", Usage(1, 0, 0, 1), D(0))
    # ^ 00:30 CEST 25th
    write(datetime(2026, 10, 25, 22, 30, tzinfo=UTC), "u", "echo", "echo", "ok", Usage(2, 0, 0, 1), D(0))
    # ^ 23:30 CET 25th
    write(datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "u", "echo", "echo", "ok", Usage(4, 0, 0, 1), D(0))
    # ^ 00:30 CET 26th
    rows = reports.timeseries(None, Filters(tz="Europe/Paris"))
    assert {r["day"]: r["input_tokens"] for r in rows} == {date(2026, 10, 25): 3, date(2026, 10, 26): 4}


def test_timeseries_split_by_model(ledger_rows):
    rows = reports.timeseries("model", Filters())
    got = {(r["day"], r["model"]): r["cost_usd"] for r in rows}
    assert got[(date(2026, 11, 2), "alpha")] == D("0.0078")
    assert got[(date(2026, 11, 3), "mystery")] is None
    assert got[(date(2026, 11, 3), "alpha")] == 0  # the failed call: nothing billed


def test_tokens_by_kind_add_up(ledger_rows):
    row = reports.aggregate(Filters())[0]
    kinds = reports.tokens_by_kind(row)
    assert kinds == {"input (uncached)": 2930, "cached input": 600, "cache write": 100,
                     "output (visible)": 590, "reasoning": 50}
    assert sum(kinds.values()) == row["input_tokens"] + row["output_tokens"]


def test_top_n_and_dimension_values(ledger_rows):
    assert [r["user"] for r in reports.top("user", Filters(), n=2)] == ["alice", "bob"]
    values = reports.dimension_values()
    assert values["status"] == ["error", "ok", "refused"] and values["user"] == ["alice", "bob", "carol"]


def test_raw_export_in_range_keeps_unpriced_empty(ledger_rows):
    text = exports.raw_csv(Filters(since=at(3, 11), until=at(3, 12, 1)))
    lines = text.strip().splitlines()
    assert lines[0].split(",")[:3] == ["id", "created_at", "user"]
    assert len(lines) == 3  # calls 4 and 5
    cost = lines[0].split(",").index("cost_usd")
    assert lines[1].split(",")[cost] == ""  # unpriced stays empty, never 0


def test_bad_inputs_are_rejected():
    with pytest.raises(ValidationError, match="time zone"):
        Filters(tz="Mars/Olympus")
    with pytest.raises(ValidationError, match="before it starts"):
        Filters(since=at(3, 0), until=at(2, 0))
    with pytest.raises(ValidationError, match="group"):
        reports.aggregate(Filters(), ("week",))


def _sums(conn, table, key):
    cols = [table.c[k] for k in key]
    stmt = select(*cols, *(func.sum(table.c[c]) for c in (SUMS if table is not MONTHLY else
                                                               ("requests", "priced_requests", "unpriced_requests",
                                                                "cost_usd")))).group_by(*cols)
    return {tuple(r[:len(key)]): [round(float(v or 0), 9) for v in r[len(key):]] for r in conn.execute(stmt)}


def test_rollups_equal_the_raw_ledger_after_random_writes():
    rng = random.Random(7)
    start = datetime(2026, 10, 28, tzinfo=UTC)
    batch = []
    for i in range(400):
        when = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 10))
        status = rng.choice(["ok", "ok", "ok", "error", "truncated"])
        write = rng.randrange(0, 20)
        usage = Usage(rng.randrange(0, 500), rng.randrange(0, 50), write, rng.randrange(0, 300),
                      rng.randrange(0, 30), cache_write_1h_tokens=rng.randrange(0, write + 1)) \
            if status != "error" else Usage()
        cost = None if rng.random() < 0.2 else D(rng.randrange(0, 10**6)) / 10**9
        entry = ledger.UsageEntry(user=rng.choice("xyz"), model_name=rng.choice(["a", "b"]), provider="p",
                                  model_id="m", usage=usage, cost_usd=cost, latency_ms=rng.random() * 100,
                                  ttft_ms=None, status=status, created_at=when,
                                  cache_savings_usd=None if cost is None else cost / 7,
                                  cache_write_usd=None if cost is None else cost / 3,
                                  cache_write_1h_usd=None if cost is None else cost / 5,
                                  tier_threshold=rng.choice([None, None, 200_000]))
        if i % 2:
            ledger.record(entry)
        else:
            batch.append(entry)
    ledger.record_many(batch)
    with get_engine().connect() as conn:
        incremental = (_sums(conn, HOURLY, ("hour", *KEY)), _sums(conn, DAILY, ("day", *KEY)),
                       _sums(conn, MONTHLY, ("month", "user")))
        assert conn.execute(select(func.count()).select_from(UsageRecord)).scalar() == 400
    rebuild_rollups()
    with get_engine().connect() as conn:
        rebuilt = (_sums(conn, HOURLY, ("hour", *KEY)), _sums(conn, DAILY, ("day", *KEY)),
                   _sums(conn, MONTHLY, ("month", "user")))
    assert incremental == rebuilt
    assert sum(v[0] for v in rebuilt[0].values()) == sum(v[0] for v in rebuilt[1].values()) == 400
    # and a range report (rollups + raw edges) equals a plain sum over the raw rows
    ranges = [(start + timedelta(hours=30, minutes=17), start + timedelta(days=6, minutes=43)),
              (start + timedelta(hours=5), start + timedelta(days=3, hours=2)),
              (start + timedelta(days=2), start + timedelta(days=4)),
              (None, start + timedelta(days=5, minutes=1)), (start + timedelta(days=1, seconds=1), None)]
    for lo, hi in ranges:
        f = Filters(since=lo, until=hi)
        conds = ([UsageRecord.created_at >= lo] if lo else []) + ([UsageRecord.created_at < hi] if hi else [])
        with get_engine().connect() as conn:
            raw = conn.execute(select(func.count(), func.sum(UsageRecord.input_tokens),
                                      func.sum(UsageRecord.cost_usd), func.count(UsageRecord.tier_threshold),
                                      func.sum(UsageRecord.cache_write_1h_tokens)).where(*conds)).one()
        s = reports.summary(f)
        assert (s.requests, s.input_tokens, s.tiered_requests, s.cache_write_1h_tokens) == tuple(raw[:2]) + tuple(
            raw[3:]), (lo, hi)
        assert float(s.cost_usd) == pytest.approx(float(raw[2]), abs=1e-12)
        by_day = reports.breakdown("day", Filters(since=lo, until=hi, tz="America/New_York"))
        assert sum(r["requests"] for r in by_day) == raw[0]


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo", "Pacific/Kiritimati",
                                "Asia/Kolkata"])
def test_local_days_match_the_raw_rows_in_any_zone(tz):
    # calls every ~37 minutes across the end of summer time in Europe (25 Oct) and the US (1 Nov)
    rng = random.Random(tz)
    start = datetime(2026, 10, 20, 5, 11, tzinfo=UTC)
    stamps = [start + timedelta(minutes=37 * i + rng.randrange(0, 30)) for i in range(700)]
    ledger.record_many([ledger.UsageEntry(user="u", model_name="m", provider="p", model_id="m",
                                          usage=Usage(input_tokens=i + 1), cost_usd=D(0), latency_ms=1.0,
                                          ttft_ms=None, status="ok", created_at=t) for i, t in enumerate(stamps)])
    zone = periods.zone(tz)
    for lo, hi in [(None, None), (start + timedelta(days=2, minutes=13), start + timedelta(days=13, hours=5))]:
        expected: dict = {}
        for i, t in enumerate(stamps):
            if (lo is None or t >= lo) and (hi is None or t < hi):
                day = t.astimezone(zone).date()
                expected[day] = expected.get(day, 0) + i + 1
        rows = reports.breakdown("day", Filters(since=lo, until=hi, tz=tz))
        assert {r["day"]: r["input_tokens"] for r in rows} == expected
