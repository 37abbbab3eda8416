"""The catalog's write side: every bad input is refused with its message and leaves the tables unchanged."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from alonchat.calls.service import AIService
from alonchat.catalog import io as catalog_io
from alonchat.catalog import models as catalog
from alonchat.catalog import prices as catalog_prices
from alonchat.core.errors import InactiveModelError, UnknownModelError, ValidationError
from alonchat.core.types import StreamEnd, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import session
from alonchat.storage.tables import AIModel, ModelPrice, UsageRecord
from tests.support.catalog import GOOD, snapshot
from tests.support.scripted import ScriptedProvider


def history_count(name: str) -> int:
    return len(catalog_prices.history(name))


BAD = [
    ({"name": None}, "name", "Name is required."),
    ({"name": "   "}, "name", "Name is required."),
    ({"provider": ""}, "provider", "Provider is required."),
    ({"model_id": "   "}, "model_id", "Model id is required."),
    ({"name": "GPT-5"}, "name", "A model named 'gpt-5' already exists"),
    ({"name": " gpt-5 "}, "name", "A model named 'gpt-5' already exists"),
    ({"provider": "nope"}, "provider", "No provider named 'nope' is registered"),
    ({"context_window": 0}, "context_window", "Context window must be a positive whole number."),
    ({"context_window": -5}, "context_window", "Context window must be a positive whole number."),
    ({"context_window": 1.5}, "context_window", "Context window must be a whole number of tokens"),
    ({"context_window": "lots"}, "context_window", "Context window must be a whole number of tokens"),
    ({"context_window": True}, "context_window", "Context window must be a whole number, not true or false."),
    ({"context_window": 100_000_001, "max_tokens": 10}, "context_window", "at most 100,000,000"),
    ({"max_tokens": 0}, "max_tokens", "Max output tokens must be a positive whole number."),
    ({"max_tokens": 9000}, "max_tokens", "Max output tokens (9,000) can't exceed the context window (8,000)."),
    ({"input_price": "-0.01"}, "input_price", "Input price can't be negative"),
    ({"output_price": 10_000}, "output_price", "Output price must be below 10,000 USD per 1M tokens"),
    ({"cache_read_price": 1e12}, "cache_read_price", "Cache read price must be below 10,000"),
    ({"cache_write_price": "cheap"}, "cache_write_price", "Cache write price must be a number"),
    ({"input_price": "nan"}, "input_price", "Input price must be a number"),
    ({"input_price": "0.0000000001"}, "input_price", "more than 9 decimal places"),
    ({"name": "n" * 101}, "name", "Name is too long: at most 100 characters."),
    ({"display_name": "d" * 201}, "display_name", "Display name is too long: at most 200 characters."),
    ({"model_id": "m" * 201}, "model_id", "Model id is too long: at most 200 characters."),
    ({"description": "x" * 2001}, "description", "Description is too long: at most 2,000 characters."),
    ({"name": "two\nlines"}, "name", "Name must not contain line breaks"),
    ({"colour": "red"}, "colour", "'colour' is not a known field"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_refused_with_its_message_and_nothing_is_written(change, field, message):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        catalog.create_model({**GOOD, **change})
    assert message in info.value.errors[field]
    assert snapshot() == before


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as info:
        catalog.create_model({"name": "", "provider": "nope", "model_id": "x", "input_price": -1, "max_tokens": 0})
    assert set(info.value.errors) == {"name", "provider", "input_price", "max_tokens"}


def test_bad_update_leaves_the_row_and_history_unchanged():
    catalog.create_model(GOOD)
    before = snapshot()
    for change in ({"input_price": -1}, {"max_tokens": 10**6}, {"name": "gpt-5"}, {"provider": "nope"}):
        with pytest.raises(ValidationError):
            catalog.update_model("my-model", change)
    assert snapshot() == before


def test_a_valid_model_is_trimmed_and_stored():
    spec = catalog.create_model({**GOOD, "name": "  spaced  ", "model_id": " echo-1 ", "display_name": ""})
    assert (spec.name, spec.model_id, spec.display_name) == ("spaced", "echo-1", "spaced")
    assert spec.prices.input_price == Decimal("1.5") and spec.prices.cache_read_price is None
    assert catalog.resolve("spaced").context_window == 8000  # the call path sees it at once


def test_unicode_names_and_sql_looking_text_are_stored_verbatim():
    sql = "x'); DROP TABLE ai_models; --"
    catalog.create_model({**GOOD, "name": "模型-ü 🚀", "display_name": sql, "description": "' OR 1=1 --"})
    spec = catalog.resolve("模型-ü 🚀")
    assert spec.display_name == sql and spec.description == "' OR 1=1 --"
    with session() as s:
        assert s.scalar(select(func.count()).select_from(AIModel)) > 1  # the table is still there


def test_unknown_prices_stay_unknown_not_zero():
    spec = catalog.create_model({**GOOD, "input_price": "", "output_price": None})
    assert spec.prices.input_price is None and not spec.prices.known
    assert catalog_prices.history("my-model")[0].prices.input_price is None


def test_every_price_change_is_kept_with_source_and_user():
    catalog.create_model(GOOD)
    catalog.update_model("my-model", {"description": "no price change"})
    assert history_count("my-model") == 1
    catalog.update_model("my-model", {"input_price": "2.50"}, user="alice")
    catalog.update_model("my-model", {"input_price": "2.5"})  # the same price, written differently
    changes = catalog_prices.history("my-model")
    assert [(c.source, c.changed_by, c.prices.input_price) for c in changes] == [
        ("manual", "tester", Decimal("1.5")), ("manual", "alice", Decimal("2.5"))]
    assert changes[0].changed_at <= changes[1].changed_at


def test_seeded_models_have_their_history_and_match_genai_prices():
    assert catalog_prices.history("gpt-4o-mini")[0].source == "genai-prices"
    assert catalog_prices.check_prices() == []


def test_check_prices_lists_a_difference_and_accept_applies_it():
    catalog.update_model("gpt-4o-mini", {"input_price": 9, "output_price": 9}, user="bob")
    catalog.update_model("claude-haiku-4-5", {"output_price": 99})
    diffs = {d.name: d for d in catalog_prices.check_prices()}
    assert set(diffs) == {"gpt-4o-mini", "claude-haiku-4-5"}
    old, new = diffs["gpt-4o-mini"].changes["input_price"]
    assert old == 9 and new == Decimal("0.15")
    assert "cache_read_price" not in diffs["gpt-4o-mini"].changes  # only what differs

    catalog_prices.accept("gpt-4o-mini", user="carol")
    spec = catalog.resolve("gpt-4o-mini")
    assert (spec.prices.input_price, spec.prices.output_price) == (Decimal("0.15"), Decimal("0.6"))
    last = catalog_prices.history("gpt-4o-mini")[-1]
    assert (last.source, last.changed_by) == ("genai-prices", "carol")
    assert [d.name for d in catalog_prices.check_prices()] == ["claude-haiku-4-5"]

    with pytest.raises(ValidationError, match="nothing to accept"):
        catalog_prices.accept("gpt-4o-mini")
    assert catalog_prices.accept_all() == ["claude-haiku-4-5"]
    assert catalog_prices.check_prices() == []


def test_history_never_rewrites_the_cost_past_usage_was_charged():
    registry.register(ScriptedProvider([["hello", StreamEnd(Usage(input_tokens=1000, output_tokens=500), "stop")]]))
    catalog.create_model({**GOOD, "provider": "scripted", "input_price": 1, "output_price": 2})
    service = AIService(sleep=lambda _: None)
    first = service.chat("my-model", "hi")
    assert first.cost_usd == Decimal("0.002")
    catalog.update_model("my-model", {"input_price": 10, "output_price": 20})
    second = service.chat("my-model", "hi")
    assert second.cost_usd == Decimal("0.02")
    with session() as s:
        costs = dict(s.execute(select(UsageRecord.id, UsageRecord.cost_usd)).all())
    assert costs[first.usage_id] == Decimal("0.002") and costs[second.usage_id] == Decimal("0.02")


def test_delete_only_without_usage_otherwise_deactivate():
    catalog.create_model(GOOD)
    catalog.create_model({**GOOD, "name": "used"})
    AIService().chat("used", "hi")
    catalog.delete_model("my-model")
    with pytest.raises(UnknownModelError):
        catalog.resolve("my-model")
    with session() as s:  # its history went with it
        assert s.scalar(select(func.count()).select_from(ModelPrice).join(AIModel).where(
            AIModel.name == "my-model")) == 0

    before = snapshot()
    with pytest.raises(ValidationError, match="deactivate it instead"):
        catalog.delete_model("used")
    assert snapshot() == before
    catalog.set_active("used", False)
    with pytest.raises(InactiveModelError):
        catalog.resolve("used")
    catalog.set_active("used", True)
    assert catalog.resolve("used").is_active


def test_a_used_model_keeps_its_name():
    catalog.create_model(GOOD)
    AIService().chat("my-model", "hi")
    with pytest.raises(ValidationError, match="keep the name"):
        catalog.update_model("my-model", {"name": "renamed"})
    catalog.update_model("my-model", {"display_name": "Renamed"})
    assert catalog.resolve("my-model").display_name == "Renamed"


def test_export_then_import_round_trips_without_changes():
    for fmt in ("json", "csv"):
        before = snapshot()
        text_ = catalog_io.export_models(fmt)
        plan = catalog_io.import_models(text_, fmt)
        assert (plan.create, plan.update) == ([], [])
        assert len(plan.unchanged) == len(before[0])
        assert snapshot() == before


def test_export_keeps_unknown_prices_unknown():
    catalog.create_model({**GOOD, "input_price": None})
    rows = {r["name"]: r for r in json.loads(catalog_io.export_models("json"))["models"]}
    assert rows["my-model"]["input_price"] is None and rows["my-model"]["output_price"] == 6
    csv_line = next(line for line in catalog_io.export_models("csv").splitlines() if line.startswith("my-model,"))
    assert ",8000,1000,,6," in csv_line


def test_import_adds_and_updates_and_records_history_source():
    csv_text = ("name,provider,model_id,input_price,output_price,active\n"
                "new-one,echo,echo-1,1,2,true\n"
                "gpt-4o-mini,openai,gpt-4o-mini,0.2,0.6,\n")
    plan = catalog_io.import_models(csv_text, "csv", user="importer")
    assert [r["name"] for r in plan.create] == ["new-one"] and [r["name"] for r in plan.update] == ["gpt-4o-mini"]
    assert catalog.resolve("gpt-4o-mini").prices.input_price == Decimal("0.2")
    assert catalog.resolve("gpt-4o-mini").description == "Small multimodal model."  # absent column kept
    assert [(c.source, c.changed_by) for c in catalog_prices.history("new-one")] == [("import", "importer")]
    assert catalog_prices.history("gpt-4o-mini")[-1].source == "import"


def test_import_is_all_or_nothing_with_row_level_errors():
    before = snapshot()
    rows = [
        {"name": "fine", "provider": "echo", "model_id": "echo-1"},
        {"name": "bad-price", "provider": "echo", "model_id": "echo-1", "input_price": -3},
        {"name": "", "provider": "echo", "model_id": "echo-1"},
        {"name": "Fine", "provider": "echo", "model_id": "echo-1"},
        {"name": "gpt-5", "provider": "openai", "model_id": "gpt-5", "max_tokens": 10**7},
    ]
    with pytest.raises(ValidationError) as info:
        catalog_io.import_models(json.dumps(rows), "json")
    errors = info.value.errors
    assert set(errors) == {"row 2 (bad-price)", "row 3", "row 4 (Fine)", "row 5 (gpt-5)"}
    assert "can't be negative" in errors["row 2 (bad-price)"]
    assert "Name is required" in errors["row 3"]
    assert "appears twice" in errors["row 4 (Fine)"]
    assert "can't exceed the context window" in errors["row 5 (gpt-5)"]
    assert snapshot() == before
    plan = catalog_io.plan_import(json.dumps(rows), "json")
    assert plan.errors == errors and not plan.ok


@pytest.mark.parametrize(("text_", "fmt", "message"), [
    ("{not json", "json", "Not valid JSON"),
    ('{"models": 3}', "json", "Expected a list of models"),
    ("[]", "json", "holds no models"),
    ("provider,model_id\necho,x\n", "csv", "header row"),
    ("name,provider,model_id\na,echo,x,extra\n", "csv", "more cells than the header"),
])
def test_broken_files_are_refused(text_, fmt, message):
    before = snapshot()
    with pytest.raises(ValidationError, match=message):
        catalog_io.import_models(text_, fmt)
    assert snapshot() == before


def test_table_reports_configured_and_price_known():
    catalog.create_model({**GOOD, "input_price": None})
    rows = {r["name"]: r for r in catalog_io.table()}
    assert rows["echo"]["configured"] and rows["echo"]["price_known"]
    assert not rows["gpt-5"]["configured"]  # no OPENAI_API_KEY in tests
    assert not rows["my-model"]["price_known"]


def test_table_edits_are_all_or_nothing():
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        catalog_io.update_many({"gpt-5": {"input_price": 7}, "gpt-4o-mini": {"max_tokens": 10**8}})
    assert list(info.value.errors) == ["gpt-4o-mini"]
    assert snapshot() == before
    catalog_io.update_many({"gpt-5": {"input_price": 7}, "gpt-4o-mini": {"description": "edited"}})
    assert catalog.resolve("gpt-5").prices.input_price == 7
    assert catalog.resolve("gpt-4o-mini").description == "edited"


def test_one_edit_of_prices_and_other_fields_reads_as_one_change(capsys):
    from alonchat.access import audit
    from alonchat.cli import main

    catalog.update_model("gpt-5", {"input_price": "2", "description": "Flagship", "supports_vision": False})
    price, model = audit.entries()  # stored apart, so `audit --entity price` lists price changes alone
    assert (price.entity, model.entity) == ("price", "model") and price.at == model.at
    [change] = audit.merged(audit.entries())
    assert (change.entity, change.action, change.subject) == ("model + price", "update", "gpt-5")
    assert change.describe() == ("input price: 1.25 → 2; description: GPT-5 reasoning model. → Flagship; "
                                 "supports vision: yes → no")
    catalog.update_model("gpt-5", {"input_price": "2.5"})  # a later change stays a line of its own
    assert [e.entity for e in audit.merged(audit.entries())] == ["price", "model + price"]
    assert main(["audit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "model + price update gpt-5: input price: 1.25 → 2; description:" in lines[1]
