"""The engine on PostgreSQL (teams): migrations, seed, calls, catalog, rollups, reports, budgets.

Runs when ALONCHAT_TEST_POSTGRES_URL names a server (`.ci/run` starts one); each test gets a fresh
database on it (the `pg` fixture in tests/conftest.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from alonchat import conversations
from alonchat.access import identity
from alonchat.calls.service import ai_service
from alonchat.catalog import models as catalog
from alonchat.core import errors
from alonchat.storage import engine as db
from alonchat.storage.tables import UsageRecord
from alonchat.usage import budgets, demo, reports, rollups


def test_seeded_catalog_takes_new_models_and_prices_calls(pg):
    assert db.get_engine().dialect.name == "postgresql"
    assert catalog.resolve("gpt-5").prices.input_price is not None
    catalog.create_model({"name": "pg-priced", "provider": "echo", "model_id": "echo-pg",
                          "input_price": "2", "output_price": "8", "max_tokens": 500,
                          "context_window": 10_000})
    result = ai_service.chat("pg-priced", "hello postgres")
    expected = (result.usage.input_tokens * 2 + result.usage.output_tokens * 8) / Decimal(1_000_000)
    assert result.cost_usd == expected
    streamed = list(ai_service.stream("pg-priced", "again"))
    assert streamed[-1].ok and "".join(e.text for e in streamed[:-1]) == streamed[-1].content
    catalog.update_model("pg-priced", {"input_price": "3"})
    with db.session() as s:
        costs = [r.cost_usd for r in s.scalars(select(UsageRecord).order_by(UsageRecord.id))]
    assert costs[0] == expected  # a later price change never rewrites what a call cost


def test_rollups_and_reports_match_the_raw_ledger(pg):
    now = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    demo.generate(600, days=4, seed=7, now=now)
    zone = "America/New_York"
    f = reports.Filters(since=now - timedelta(days=5), until=now + timedelta(hours=1), tz=zone)
    with db.session() as s:
        raw = list(s.scalars(select(UsageRecord)))
    by_day: dict[str, Decimal] = defaultdict(Decimal)
    for r in raw:
        if r.cost_usd is not None:
            by_day[r.created_at.astimezone(ZoneInfo(zone)).date().isoformat()] += r.cost_usd
    got = {str(row["day"]): row["cost_usd"] for row in reports.breakdown("day", f)}
    assert {d: round(v, 9) for d, v in got.items() if v} == {d: round(v, 9) for d, v in by_day.items() if v}
    summary = reports.summary(f)
    assert summary.requests == len(raw)
    rollups.rebuild_rollups()
    assert reports.summary(f) == summary


def test_budget_refuses_and_conversations_cascade(pg):
    catalog.create_model({"name": "pg-spend", "provider": "echo", "model_id": "x",
                          "input_price": "1000", "output_price": "1000"})
    ai_service.chat("pg-spend", "spend something", user="erin")
    budgets.set_budget("0.01", user="erin")
    budgets.forget_cached()
    with pytest.raises(errors.BudgetExceededError):
        ai_service.chat("pg-spend", "more", user="erin")
    with identity.acting_as(identity.Actor("erin", is_admin=False)):  # conversations are their owner's own
        conv = conversations.create("pg chat")
        conversations.add_prompt(conv, ["echo"], "hi")
        conversations.remove(conv)
    with db.get_engine().connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM messages")).scalar() == 0


def test_local_days_in_a_half_hour_zone_with_odd_edges_match_the_raw_ledger(pg):
    # the report's VALUES lists, IN lists and raw pieces (added here, subtracted there) on PostgreSQL
    now = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    demo.generate(600, days=4, seed=11, now=now)
    with db.session() as s:
        raw = list(s.scalars(select(UsageRecord)))
    for zone in ("Asia/Kolkata", "Asia/Tokyo"):
        since, until = now - timedelta(days=3, minutes=17, seconds=5), now - timedelta(hours=2, minutes=9)
        f = reports.Filters(since=since, until=until, tz=zone)
        want: dict[tuple[str, str], int] = defaultdict(int)
        for r in raw:
            if since <= r.created_at < until:
                want[(r.created_at.astimezone(ZoneInfo(zone)).date().isoformat(), r.user)] += r.input_tokens
        got = {(str(row["day"]), row["user"]): row["input_tokens"] for row in reports.timeseries("user", f)}
        assert got == dict(want), zone
