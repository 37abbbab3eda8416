"""Fetching the provider's bill over real HTTP: queries, pages, Retry-After, settled days, errors, secrets, imports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from alonchat.access import audit, identity
from alonchat.core.errors import (
    AuthError,
    MissingKeyError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ValidationError,
)
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import BillingCost, BillingFetch, BillingUsage
from alonchat.usage.bills import settings, store
from tests.support.bills import CLAUDE_BILLED, GPT_BILLED, point_at, seed_month
from tests.support.catalog import add_endpoint
from tests.support.scripted import add_model

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture
def srv(fake_server, monkeypatch):
    point_at(fake_server, monkeypatch)
    seed_month(fake_server.admin)
    return fake_server


class Waits(list):
    """Stands in for time.sleep: records each wait the client asked for (no test ever sleeps)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def stored(table) -> list:
    with get_engine().connect() as conn:
        return conn.execute(select(table.__table__)).all()


def test_openai_queries_are_daily_grouped_and_authorized_with_the_admin_key(srv):
    store.fetch("openai", FIRST, date(2026, 11, 3))
    usage, costs = srv.requests_to("/organization/usage/completions"), srv.requests_to("/organization/costs")
    assert len(usage) == len(costs) == 1
    q = usage[0].query
    assert q["bucket_width"] == ["1d"] and q["group_by[]"] == ["model", "api_key_id", "project_id"]
    assert q["start_time"] == [str(int(datetime(2026, 11, 1, tzinfo=UTC).timestamp()))]
    assert q["end_time"] == [str(int(datetime(2026, 11, 4, tzinfo=UTC).timestamp()))]  # the day after the last
    assert costs[0].query["group_by[]"] == ["line_item", "project_id"]
    assert usage[0].headers["authorization"] == "Bearer " + srv.admin.keys["openai"]
    rows = stored(BillingUsage)
    assert {(r.day, r.model, r.api_key_id, r.scope) for r in rows} == {
        (date(2026, 11, 3), GPT_BILLED, "key_alonchat", "proj_alonchat"),
        (date(2026, 11, 3), "gpt-9-preview-2026-11-01", "key_alonchat", "proj_alonchat")}
    items = {(c.model, c.kind, c.item): Decimal(str(c.amount_usd)) for c in stored(BillingCost)}
    assert items[(GPT_BILLED, "input", f"{GPT_BILLED}, input")] == Decimal("0.08")
    assert items[(GPT_BILLED, "cache_read", f"{GPT_BILLED}, cached input")] == Decimal("0.005")


def test_anthropic_queries_use_its_headers_and_cents(srv):
    store.fetch("anthropic", date(2026, 11, 5), date(2026, 11, 5))
    [usage] = srv.requests_to("/usage_report/messages")
    assert usage.query["group_by[]"] == ["model", "api_key_id", "workspace_id"]
    assert usage.query["starting_at"] == ["2026-11-05T00:00:00Z"]
    assert usage.query["ending_at"] == ["2026-11-06T00:00:00Z"]
    assert usage.headers["x-api-key"] == srv.admin.keys["anthropic"] and usage.headers["anthropic-version"]
    [cost] = srv.requests_to("/cost_report")
    assert cost.query["group_by[]"] == ["description", "workspace_id"]
    [row] = stored(BillingUsage)
    assert (row.input_tokens, row.cache_read_tokens, row.cache_write_5m_tokens, row.output_tokens) == (
        20_000, 20_000, 20_000, 4_000)
    writes = next(c for c in stored(BillingCost) if c.kind == "cache_write_5m")
    assert Decimal(str(writes.amount_usd)) == Decimal("0.075") and writes.model == CLAUDE_BILLED  # "7.5" cents


def test_every_page_is_followed(srv):
    srv.admin.max_limit = 4  # the server caps pages below the documented 31
    report = store.fetch("openai", FIRST, LAST)
    pages = srv.requests_to("/organization/usage/completions")
    assert len(pages) == 8 and report.requests == 16  # 30 days in pages of 4, for usage and for costs
    assert "page" not in pages[0].query and all(p.query["page"] for p in pages[1:])
    assert len({p.query["page"][0] for p in pages[1:]}) == 7
    assert len(stored(BillingFetch)) == 30
    assert {r.day for r in stored(BillingUsage)} == {date(2026, 11, d) for d in (3, 10, 16, 20)}


def test_rate_limits_are_waited_out_exactly_as_asked(srv):
    srv.admin.rate_limit("3", "1")
    waits = Waits()
    report = store.fetch("openai", FIRST, date(2026, 11, 3), sleep=waits)
    assert waits == [3.0, 1.0] and report.waits == [3.0, 1.0]
    assert len(srv.requests_to("/organization/usage/completions")) == 3 and report.requests == 4
    assert len(stored(BillingUsage)) == 2


def test_a_wait_longer_than_accepted_fails_at_once_and_keeps_what_was_stored(srv):
    store.fetch("openai", date(2026, 11, 3), date(2026, 11, 3))
    before = stored(BillingUsage)
    srv.admin.rate_limit("900")
    waits = Waits()
    with pytest.raises(RateLimitError, match="asked to wait 900 s.*try again in 900 s"):
        store.fetch("openai", FIRST, LAST, sleep=waits)
    assert waits == [] and stored(BillingUsage) == before


def test_a_wrong_admin_key_names_the_setting_and_never_echoes_the_key(srv, monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin-wrong-key-0123456789")
    with pytest.raises(AuthError) as e:
        store.fetch("openai", FIRST, LAST)
    assert "OPENAI_ADMIN_KEY" in str(e.value) and "sk-admin-wrong" not in str(e.value)
    assert stored(BillingFetch) == []
    monkeypatch.delenv("OPENAI_ADMIN_KEY")
    with pytest.raises(MissingKeyError, match="set OPENAI_ADMIN_KEY"):
        store.fetch("openai", FIRST, LAST)


def test_a_reply_in_an_unknown_shape_stores_nothing(srv):
    srv.admin.replies["/v1/organization/costs"] = {"object": "page", "has_more": False, "data": [
        {"object": "bucket", "start_time": 1793750400, "results": [{"amount": {"value": "lots", "currency": "usd"}}]}]}
    shape = r"costs: data\[0\].results\[0\].amount.value is 'lots'.*nothing was stored"
    with pytest.raises(ProviderError, match=shape):
        store.fetch("openai", FIRST, LAST)
    assert stored(BillingFetch) == [] and stored(BillingUsage) == []


def test_settled_days_are_not_fetched_again_recent_ones_are(srv):
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    first = store.fetch("openai", date(2026, 11, 10), date(2026, 11, 20), now=now)
    assert len(first.days) == 11
    srv.requests.clear()
    # Nov 10..17 were fetched two days or more after they ended; Nov 18, 19 and 20 may still change.
    again = store.fetch("openai", date(2026, 11, 10), date(2026, 11, 20), now=now + timedelta(hours=1))
    assert again.days == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    assert len(again.settled) == 8
    [q] = srv.requests_to("/organization/usage/completions")
    assert q.query["start_time"] == [str(int(datetime(2026, 11, 18, tzinfo=UTC).timestamp()))]
    later = store.fetch("openai", date(2026, 11, 10), date(2026, 11, 20), now=now + timedelta(days=5))
    assert later.days == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    assert store.fetch("openai", date(2026, 11, 10), date(2026, 11, 20), now=now + timedelta(days=6)).days == []
    assert len(store.fetch("openai", date(2026, 11, 10), date(2026, 11, 20), force=True).days) == 11
    assert store.fetch("openai", date(2027, 1, 1), date(2027, 1, 5)).days == []  # never past today


def test_fetches_are_admin_actions_and_audited(srv):
    with identity.acting_as(identity.Actor("ana@corp.example", False)), pytest.raises(PermissionDeniedError):
        store.fetch("openai", FIRST, LAST)
    with identity.acting_as(identity.Actor("root@corp.example", True)):
        store.fetch("anthropic", FIRST, LAST)
        [entry] = [e for e in audit.entries() if e.entity == "bill"]
    assert (entry.actor, entry.action) == ("root@corp.example", "fetch")
    assert entry.subject == "anthropic 2026-11-01..2026-11-30"
    assert entry.changes["days"] == [None, 30]


def test_admin_keys_are_never_stored(srv):
    store.fetch("openai", FIRST, LAST)
    store.fetch("anthropic", FIRST, LAST)
    with get_engine().connect() as conn:
        tables = [t for t in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars()] \
            if conn.dialect.name == "sqlite" else \
            list(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        dump = " ".join(str(row) for t in tables for row in conn.execute(text(f'SELECT * FROM "{t}"')))
    for key in srv.admin.keys.values():
        assert key not in dump and key[:12] not in dump


def test_the_admin_key_is_read_from_secrets_toml_too(srv, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_ADMIN_KEY")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(f'OPENAI_ADMIN_KEY = "{srv.admin.keys["openai"]}"\n')
    assert settings.setting("OPENAI_ADMIN_KEY") == srv.admin.keys["openai"]
    assert store.fetch("openai", FIRST, date(2026, 11, 3)).days == [date(2026, 11, d) for d in (1, 2, 3)]
    assert len(stored(BillingUsage)) == 2


def test_openrouter_generations_are_looked_up_once_and_missing_ones_later(fake_server):
    from alonchat.calls.service import ai_service

    add_endpoint("openrouter", fake_server.url + "/api/v1")
    add_model("or-model", provider="openrouter", input_price=Decimal("2"), output_price=Decimal("8"))
    fake_server.admin.set_price("openrouter", "or-model", input=2, output=8)
    fake_server.script("or-model", reply="ok", usage={"input": 1_000, "output": 500})
    result = ai_service.chat("or-model", "q")
    assert result.usage.response_id.startswith("gen-fake-")
    today = datetime.now(UTC).date()
    kept = list(fake_server.admin.booked)
    fake_server.admin.booked.clear()  # OpenRouter has not stored the generation yet: 404
    [report] = store.fetch_generations(today, today)
    assert (report.rows, report.pending) == (0, 1)
    fake_server.admin.booked.extend(kept)  # ... now it has
    [report] = store.fetch_generations(today, today)
    assert (report.rows, report.pending) == (1, 0)
    [q] = [r for r in fake_server.requests_to("/api/v1/generation")][-1:]
    assert q.query["id"] == [result.usage.response_id]
    fake_server.requests.clear()
    assert store.fetch_generations(today, today)[0].requests == 0  # found once, never asked again


CSV = """Usage start date,SKU description,Cost ($),Currency
2026-11-03,Gemini 2.5 Flash Input tokens,0.40,USD
2026-11-03,Gemini 2.5 Flash Output tokens,1.10,USD
2026-11-03,Gemini 2.5 Flash Lite Output tokens,0.05,USD
2026-11-04T07:00:00-08:00,Gemini 2.5 Pro Input tokens,2.00,USD
2026-11-04,Grounding with Google Search,0.35,USD
"""


def test_a_gemini_billing_csv_is_imported_mapped_and_replaced_by_day():
    report = store.import_csv(CSV, "nov.csv")
    assert report.days == [date(2026, 11, 3), date(2026, 11, 4)] and report.rows == 5
    costs = {(c.day, c.model, c.kind): Decimal(str(c.amount_usd)) for c in stored(BillingCost)}
    assert costs[(date(2026, 11, 3), "gemini-2.5-flash", "input")] == Decimal("0.40")
    assert costs[(date(2026, 11, 3), "gemini-2.5-flash-lite", "output")] == Decimal("0.05")
    assert costs[(date(2026, 11, 4), "gemini-2.5-pro", "input")] == Decimal("2.00")  # 15:00 UTC
    assert costs[(date(2026, 11, 4), "", "total")] == Decimal("0.35")  # not a model
    store.import_csv("day,model,cost\n2026-11-03,gemini-2.5-flash,1.00\n", "fix.csv")
    days = {c.day for c in stored(BillingCost)}
    assert len([c for c in stored(BillingCost) if c.day == date(2026, 11, 3)]) == 1 and days == {
        date(2026, 11, 3), date(2026, 11, 4)}


@pytest.mark.parametrize("body,message", [
    ("", "The CSV is empty"),
    ("when,what\n2026-11-01,x\n", "has no day column"),
    ("day,sku,cost\n2026-11-01,Gemini,abc\n2026-13-01,Gemini,1\n", "line 2: the cost 'abc' is not a number; line 3"),
    ("day,sku,cost,currency\n2026-11-01,Gemini,1,EUR\n", "only USD"),
    ("day,sku,cost\n", "no rows"),
])
def test_a_bad_csv_says_how_to_fix_it_and_writes_nothing(body, message):
    with pytest.raises(ValidationError, match=message):
        store.import_csv(body)
    assert stored(BillingCost) == [] and stored(BillingFetch) == []
