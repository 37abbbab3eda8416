"""Database, migrations, seed catalog and registry behaviour that every other part relies on."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from alonchat.calls.service import ai_service
from alonchat.catalog.models import list_models, resolve
from alonchat.core import errors
from alonchat.core.pricing import reference
from alonchat.core.types import StreamEnd, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import get_engine, session
from alonchat.storage.tables import AIModel, Base, ModelPrice, UsageRecord
from tests.support.scripted import ScriptedProvider, add_model


def test_migrations_match_the_models():
    """An empty autogenerate diff: the tables the code declares are the tables Alembic built."""
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_with_foreign_keys():
    with get_engine().connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_seed_prices_come_from_genai_prices():
    models = {m.name: m for m in list_models()}
    assert {"openai", "anthropic", "gemini", "echo"} <= {m.provider for m in models.values()}
    checked = 0
    for m in models.values():
        ref = reference(m.provider, m.model_id)
        if ref is None:
            continue
        assert m.prices == ref.prices, m.name
        assert m.context_window == ref.context_window or ref.context_window is None
        checked += 1
    assert checked >= 10
    echo = models["echo"]
    assert echo.prices.input_price == 0 and "demo" in echo.description.lower()
    with session() as s:
        assert s.scalar(select(func.count()).select_from(ModelPrice)) == len(models)


def test_resolve_is_case_insensitive_and_refuses_inactive():
    assert resolve("ECHO").name == "echo"
    with session() as s, s.begin():
        s.scalars(select(AIModel).where(AIModel.name == "echo")).one().is_active = False
    with pytest.raises(errors.InactiveModelError, match="models activate echo"):
        ai_service.chat("echo", "hi")


def test_register_replace_and_remove_take_effect_at_once():
    add_model("swap", provider="swappable")
    done = [StreamEnd(Usage(), "stop")]
    registry.register(ScriptedProvider([["first"] + done], name="swappable"))
    assert ai_service.chat("swap", "q").content == "first"
    registry.register(ScriptedProvider([["second"] + done], name="swappable"))
    assert ai_service.chat("swap", "q").content == "second"
    registry.unregister("swappable")
    with pytest.raises(errors.UnknownProviderError):
        ai_service.chat("swap", "q")


def test_threads_write_the_ledger_without_locking_errors():
    def work():
        for _ in range(25):
            ai_service.chat("echo", "hi")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session() as s:
        assert s.scalar(select(func.count()).select_from(UsageRecord)) == 200
        assert s.scalar(select(func.sum(UsageRecord.cost_usd))) == Decimal(0)
