"""Migration 0009_tiers on an existing database (SQLite and PostgreSQL): columns, the seeded tiers, rollups intact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from alonchat.core.pricing import parse_tiers, reference
from tests.support.migrations import KINDS, migrate_to, scratch_database


@pytest.fixture(params=KINDS)
def url(request, tmp_path):
    yield from scratch_database(request.param, tmp_path)


def _history(conn, name: str) -> list:
    return conn.execute(text("SELECT p.tiers, p.cache_write_1h_price, p.source FROM model_prices p "
                             "JOIN ai_models m ON m.id = p.model_pk WHERE m.name = :n ORDER BY p.id"),
                        {"n": name}).all()


def test_an_existing_database_gets_tiers_as_a_new_version_where_used_and_in_place_where_not(url):
    engine = create_engine(url)
    migrate_to(engine, "upgrade", "0002")
    with engine.begin() as conn:  # an old database: one call on gemini-2.5-pro, and a hand-edited gpt-5.5
        conn.execute(text(
            "INSERT INTO usage_records (created_at, \"user\", model_name, provider, model_id, input_tokens, "
            "cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_estimated, cost_usd, "
            "latency_ms, status) VALUES ('2026-11-01 10:00:00', 'ann', 'gemini-2.5-pro', 'gemini', "
            "'gemini-2.5-pro', 250000, 0, 0, 10, 0, false, 0.3126, 5.0, 'ok')"))
        conn.execute(text("UPDATE ai_models SET input_price = 4.5 WHERE name = 'gpt-5.5'"))
    migrate_to(engine, "upgrade", "0006")  # 0003 builds the rollups from that row
    migrate_to(engine, "upgrade", "head")
    with engine.begin() as conn:
        gem = _history(conn, "gemini-2.5-pro")
        assert [h.tiers is None for h in gem] == [True, False]  # the used version stays as it was charged
        assert gem[-1].source == "genai-prices"
        ref = reference("gemini", "gemini-2.5-pro").prices
        assert parse_tiers(gem[-1].tiers) == ref.tiers
        [opus] = _history(conn, "claude-opus-4-7")  # never used: its seed version gains the 1-hour price
        assert Decimal(str(opus.cache_write_1h_price)) == reference("anthropic", "claude-opus-4-7").prices \
            .cache_write_1h_price
        edited = conn.execute(text("SELECT tiers FROM ai_models WHERE name = 'gpt-5.5'")).scalar()
        assert edited is None  # edited since the seed: left for the genai-prices check to offer
        row = conn.execute(text("SELECT cache_write_1h_tokens, cost_mismatch, tier_threshold FROM usage_records"))
        assert tuple(row.one()) == (0, False, None)
        sums = conn.execute(text("SELECT SUM(requests), SUM(tiered_requests), SUM(cache_write_1h_usd) "
                                 "FROM usage_rollups")).one()
        assert (int(sums[0]), int(sums[1]), Decimal(str(sums[2]))) == (1, 0, 0)
    migrate_to(engine, "downgrade", "0008_teams")
    migrate_to(engine, "upgrade", "head")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM ai_models WHERE tiers IS NOT NULL")).scalar() >= 2
    engine.dispose()
