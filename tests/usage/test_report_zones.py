"""Local days in far and fractional zones from rollups (plus the few raw pieces the plan names) against raw-row sums."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from alonchat.core.types import Usage
from alonchat.usage import ledger, periods, report_plan, reports
from alonchat.usage.reports import Filters
from alonchat.usage.rollups import DAILY, HOURLY, SUMS, is_unpriced

START = datetime(2026, 9, 30, 7, 13, tzinfo=UTC)
COUNTS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
          "cache_write_tokens", "output_tokens", "reasoning_tokens")


@pytest.fixture(scope="module")
def entries():
    """~1,400 calls over 5 weeks: the DST changes of Lord Howe (3 Oct, 30 minutes), Chatham, Europe, the US."""
    rng = random.Random(5)
    out = []
    for i in range(1400):
        when = START + timedelta(seconds=rng.randrange(0, 36 * 86400), microseconds=rng.randrange(0, 10**6))
        status = rng.choice(["ok"] * 6 + ["error", "truncated"])
        counts = (rng.randrange(1, 900), rng.randrange(0, 50), rng.randrange(0, 9), rng.randrange(1, 400),
                  rng.randrange(0, 30))
        usage = Usage() if status == "error" else Usage(*counts)
        cost = None if rng.random() < 0.15 or status == "error" else D(rng.randrange(1, 10**6)) / 10**9
        out.append(ledger.UsageEntry(
            user=rng.choice(["ann", "ben", "cy"]), model_name=rng.choice(["m1", "m2", "free"]), provider="p",
            model_id="m", usage=usage, cost_usd=None if i % 50 == 0 else cost, latency_ms=rng.randrange(1, 999),
            ttft_ms=None, status=status, created_at=when,
            cache_savings_usd=None if cost is None else cost / 5))
    # calls right around the Lord Howe change (15:30 UTC), local midnights and UTC midnight
    for t in ("2026-10-03T15:29:59", "2026-10-03T15:30:00", "2026-10-03T13:29:00", "2026-10-03T13:31:00",
              "2026-10-10T18:29:59.999999", "2026-10-10T18:30:00", "2026-10-10T18:14:00", "2026-10-10T18:16:00",
              "2026-10-11T00:00:00", "2026-10-24T20:59:00", "2026-10-24T21:01:00", "2026-11-01T05:59:00",
              "2026-11-01T06:00:00"):
        out.append(ledger.UsageEntry(user="ann", model_name="m1", provider="p", model_id="m", usage=Usage(7, 0, 0, 3),
                                     cost_usd=D("0.001"), latency_ms=5, ttft_ms=None, status="ok",
                                     created_at=datetime.fromisoformat(t).replace(tzinfo=UTC)))
    return out


@pytest.fixture
def filled(entries):
    ledger.record_many(entries)
    return entries


def expected(entries, f: Filters, by: str) -> dict:
    """The report computed in Python from the calls themselves."""
    zone = periods.zone(f.tz)
    out: dict = defaultdict(lambda: defaultdict(D))
    for e in entries:
        if (f.since and e.created_at < f.since) or (f.until and e.created_at >= f.until):
            continue
        row = out[(e.created_at.astimezone(zone).date(), getattr(e, by))]
        u = e.usage
        for name, value in (("requests", 1), ("errors", e.status != "ok"), ("priced_requests", e.cost_usd is not None),
                            ("unpriced_requests", is_unpriced(e.cost_usd, e.status, u.input_tokens, u.output_tokens)),
                            ("input_tokens", u.input_tokens), ("cached_input_tokens", u.cached_input_tokens),
                            ("cache_write_tokens", u.cache_write_tokens), ("output_tokens", u.output_tokens),
                            ("reasoning_tokens", u.reasoning_tokens), ("cost_usd", e.cost_usd or 0),
                            ("cache_savings_usd", e.cache_savings_usd or 0), ("latency_ms", e.latency_ms)):
            row[name] += D(value)
    return out


ZONES = ["Asia/Tokyo", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata",
         "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Beirut"]


@pytest.mark.parametrize("tz", ZONES)
def test_every_sum_per_local_day_and_dimension_matches_the_calls(filled, tz):
    ranges = [(None, None),
              periods.day_range(date(2026, 10, 2), date(2026, 10, 30), tz),  # whole local days, as the page asks
              (START + timedelta(days=2, hours=5, minutes=44, seconds=3, microseconds=7),
               START + timedelta(days=33, hours=1, minutes=1))]
    for since, until in ranges:
        f = Filters(since=since, until=until, tz=tz)
        for by in ("user", "model_name"):
            want = expected(filled, f, by)
            got = reports.timeseries("user" if by == "user" else "model", f)
            assert {(r["day"], r["user" if by == "user" else "model"]) for r in got} == set(want), (since, by)
            for r in got:
                w = want[(r["day"], r["user" if by == "user" else "model"])]
                assert {c: r[c] for c in COUNTS} == {c: int(w[c]) for c in COUNTS}, (since, by, r["day"])
                assert r["latency_ms"] == pytest.approx(float(w["latency_ms"]))
                assert float(r["cache_savings_usd"]) == pytest.approx(float(w["cache_savings_usd"]), abs=1e-12)
                if r["priced_requests"] == 0:
                    assert r["cost_usd"] is None or r["unpriced_requests"] == 0  # unpriced, never $0
                else:
                    assert float(r["cost_usd"]) == pytest.approx(float(w["cost_usd"]), abs=1e-12)


def _raw_seconds(p: report_plan.Plan) -> float:
    return sum((b - a).total_seconds() for a, b, *_ in p.raws)


def test_half_hour_zones_read_hourly_rollups_and_only_one_side_of_each_midnight_raw():
    # 30 local days in UTC+5:30 touch 31 local midnights (18:30 UTC): half an hour of raw rows at each
    since, until = periods.day_range(date(2026, 11, 1), date(2026, 11, 30), "Asia/Kolkata")
    p = report_plan.plan(since, until, "Asia/Kolkata")
    assert len(p.raws) == 31 and _raw_seconds(p) == 31 * 1800
    assert all(b - a == timedelta(minutes=30) and a.hour == 18 for a, b, *_ in p.raws)
    assert len([h for h in p.hours if None not in h]) == 29 * 5  # 19:00-24:00 UTC moved, from the hourly rollup
    # UTC+5:45: midnight at 18:15 UTC, so only the quarter hour before it is read raw (and taken off the hour)
    since, until = periods.day_range(date(2026, 11, 1), date(2026, 11, 30), "Asia/Kathmandu")
    p = report_plan.plan(since, until, "Asia/Kathmandu")
    assert _raw_seconds(p) == 31 * 900
    assert {(a.hour, a.minute, b.minute) for a, b, *_ in p.raws} == {(18, 0, 15)}


def test_far_zones_move_at_most_twelve_hours_a_day_and_read_nothing_raw():
    for tz, moved in (("Asia/Tokyo", 9), ("America/New_York", 5), ("Pacific/Kiritimati", 10), ("UTC", 0)):
        since, until = periods.day_range(date(2026, 11, 10), date(2026, 11, 23), tz)
        p = report_plan.plan(since, until, tz)
        # 14 local days span 13 whole UTC days; the rest of the range is whole hours at its two ends
        assert p.raws == [] and len([h for h in p.hours if h[2] is not None]) == 13 * moved, tz
        assert len(p.hours) == 13 * moved + (0 if tz == "UTC" else 24), tz


def test_range_edges_read_the_smaller_side_of_their_hour():
    p = report_plan.plan(datetime(2026, 11, 3, 10, 55, tzinfo=UTC), datetime(2026, 11, 5, 7, 5, tzinfo=UTC))
    assert _raw_seconds(p) == 600  # 10:55-11:00 and 07:00-07:05 raw
    p = report_plan.plan(datetime(2026, 11, 3, 10, 5, tzinfo=UTC), datetime(2026, 11, 5, 7, 55, tzinfo=UTC))
    assert _raw_seconds(p) == 600  # the hours 10 and 7 whole, minus 10:00-10:05 and 07:55-08:00 raw
    assert {h for h, *_ in p.hours} >= {datetime(2026, 11, 3, 10, tzinfo=UTC).timestamp() // 3600,
                                         datetime(2026, 11, 5, 7, tzinfo=UTC).timestamp() // 3600}


def test_edges_inside_one_hour_and_empty_ranges(filled):
    at = datetime(2026, 10, 10, 18, 14, tzinfo=UTC)
    for since, until in ((at, at + timedelta(minutes=3)), (at - timedelta(minutes=13), at + timedelta(minutes=44)),
                         (at, at)):
        for tz in ("UTC", "Asia/Kathmandu", "Asia/Kolkata"):
            f = Filters(since=since, until=until, tz=tz)
            want = expected(filled, f, "user")
            got = reports.timeseries("user", f)
            assert {(r["day"], r["user"]): r["input_tokens"] for r in got} == {
                k: int(v["input_tokens"]) for k, v in want.items()}
            assert reports.summary(f).requests == sum(int(v["requests"]) for v in want.values())


def test_by_model_indexes_cover_every_rollup_sum():
    # a column missing from the covering index would make SQLite read the table row by row again
    for table, first in ((HOURLY, "hour"), (DAILY, "day")):
        [index] = [i for i in table.indexes if i.name.endswith("_by_model")]
        assert [c.name for c in index.columns] == [first, "provider", "model_name", "user", "team", "source", "status",
                                                   *SUMS]
