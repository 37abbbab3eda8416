"""Every call keeps where it came from (playground, CLI, API, eval, judge, arena): its row, the rollups, reports."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from sqlalchemy import create_engine, select, text

from alonchat.calls.parallel import PaneRequest, ParallelRun
from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.types import Usage
from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord
from alonchat.usage import exports, reports
from tests.support.cli_process import run
from tests.support.ledger_fixture import at, write
from tests.support.migrations import migrate_to


def rows() -> list[tuple]:
    with session() as s:
        return [(r.source, r.source_id, r.model_name) for r in s.scalars(select(UsageRecord).order_by(UsageRecord.id))]


def test_a_call_keeps_its_source_and_id_and_an_api_call_is_api():
    ai_service.chat("echo", "plain")
    ai_service.chat("echo", "graded", source="eval", source_id=7)
    list(ai_service.stream("echo", "judged", source="judge", source_id=7))
    assert rows() == [("api", None, "echo"), ("eval", 7, "echo"), ("judge", 7, "echo")]


def test_an_unknown_source_is_refused_before_anything_is_recorded():
    with pytest.raises(errors.ValidationError) as e:
        ai_service.chat("echo", "hi", source="spreadsheet")
    assert "source" in e.value.errors and "arena" in e.value.errors["source"]
    assert rows() == []


def test_compare_and_parallel_runs_carry_the_source_to_every_pane():
    ai_service.compare(["echo", "echo"], "twice", source="arena", source_id=3)
    with ParallelRun([PaneRequest("echo", [{"role": "user", "content": "x"}])], source="eval", source_id=9) as r:
        list(r.events())
    assert rows() == [("arena", 3, "echo"), ("arena", 3, "echo"), ("eval", 9, "echo")]


def test_spend_breaks_down_by_source_from_the_rollups_and_filters_by_it():
    write(at(3, 10), "alice", "alpha", "openai", "ok", Usage(100, 0, 0, 10), D("0.5"))
    ai_service.chat("echo", "a", source="eval", source_id=1)
    ai_service.chat("echo", "b", source="eval", source_id=2)
    ai_service.chat("echo", "c", source="arena")
    by = {r["source"]: r for r in reports.breakdown("source", reports.Filters())}
    assert {k: v["requests"] for k, v in by.items()} == {"": 1, "eval": 2, "arena": 1}
    assert by[""]["cost_usd"] == D("0.5")  # a row written without a source stays "not recorded"
    assert reports.summary(reports.Filters(sources=("eval",))).requests == 2
    assert {r["source_id"] for r in exports.raw_rows(reports.Filters(sources=("eval",)))} == {1, 2}


def test_the_cli_records_cli_and_reports_by_source():
    assert run("chat", "-m", "echo", "from the terminal").returncode == 0
    ai_service.chat("echo", "from a script")
    done = run("usage", "--by", "source", "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert {r["source"]: r["requests"] for r in json.loads(done.stdout)} == {"cli": 1, "api": 1}
    only = json.loads(run("usage", "--source", "cli", "--json").stdout)
    assert only[0]["requests"] == 1
    bad = run("usage", "--source", "nowhere")
    assert bad.returncode == 2 and b"invalid choice" in bad.stderr


def test_migration_0011_keeps_old_rows_as_not_recorded_and_their_rollups_whole(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate_to(engine, "upgrade", "0010_thinking")
    with engine.begin() as conn:
        for i, cost in enumerate(("0.25", "0.5", None)):
            conn.execute(text(
                "INSERT INTO usage_records (created_at, user, model_name, provider, model_id, input_tokens, "
                "cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_estimated, cost_usd, "
                "latency_ms, status, cache_write_1h_tokens, cost_mismatch, team) VALUES "
                f"('2026-11-0{i + 1} 10:00:00', 'ann', 'alpha', 'openai', 'alpha', 10, 0, 0, 5, 0, 0, :cost, 100, "
                "'ok', 0, 0, '')"), {"cost": cost})
    migrate_to(engine, "upgrade", "0011_sources")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT source FROM usage_records")).scalars().all() == [""]
        hourly = conn.execute(text("SELECT source, SUM(requests), SUM(cost_usd), SUM(unpriced_requests) "
                                   "FROM usage_rollups GROUP BY source")).one()
        daily = conn.execute(text("SELECT SUM(requests), SUM(input_tokens) FROM usage_daily")).one()
    assert hourly[0] == "" and hourly[1] == 3 and D(str(hourly[2])) == D("0.75") and hourly[3] == 1
    assert tuple(daily) == (3, 30)
    migrate_to(engine, "downgrade", "0010_thinking")  # and back: the old keys, the same sums
    with engine.connect() as conn:
        assert conn.execute(text("SELECT SUM(requests) FROM usage_rollups")).scalar() == 3
        assert "source" not in {c[1] for c in conn.execute(text("PRAGMA table_info(usage_records)"))}
