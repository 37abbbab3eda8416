"""AppTest tests of the catalog page: add, refuse, edit, accept genai-prices, endpoints, import, test a model."""

from __future__ import annotations

from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from alonchat.catalog import io as catalog_io
from alonchat.catalog import models as catalog
from alonchat.catalog import prices as catalog_prices
from alonchat.core.errors import UnknownModelError
from tests.fake_server import FakeServer
from tests.support.catalog_page import fill, frame, open_catalog, snapshot, texts


@pytest.fixture
def at() -> AppTest:
    return open_catalog()


def test_page_shows_the_catalog_and_filters_it(at):
    table = frame(at, "Price known")
    assert {"gpt-4o-mini", "echo", "claude-haiku-4-5"} <= set(table["Name"])
    mini = table[table["Name"] == "gpt-4o-mini"].iloc[0]
    assert (mini["Input"], mini["Output"], mini["Cache write"], mini["Configured"]) == ("$0.15", "$0.6", "unpriced",
                                                                                         False)
    at.text_input(key="cat_search").set_value("haiku").run()
    assert list(frame(at, "Price known")["Name"]) == ["claude-haiku-4-5"]
    at.text_input(key="cat_search").set_value("").run()
    at.selectbox(key="cat_show").set_value("Provider not configured").run()
    assert "echo" not in set(frame(at, "Price known")["Name"])


def test_add_a_valid_model(at):
    fill(at, provider="echo", model_id=" echo-1 ", name="Ünïcode model", context_window=8000, max_tokens=1000,
         input_price=1.25, output_price=5.0)
    at.button(key="add_submit").click().run()
    assert not at.exception
    assert "Added **Ünïcode model**" in texts(at.success)
    spec = catalog.resolve("Ünïcode model")
    assert (spec.model_id, spec.context_window, spec.prices.input_price, spec.prices.cache_read_price) == (
        "echo-1", 8000, Decimal("1.25"), None)
    assert catalog_prices.history("Ünïcode model")[0].source == "manual"
    assert at.text_input(key="add_name").value == ""  # the form starts afresh
    assert "Ünïcode model" in set(frame(at, "Price known")["Name"])


@pytest.mark.parametrize(("fields", "message"), [
    ({"provider": "echo", "model_id": "echo-1"}, "Name is required."),
    ({"provider": "echo", "model_id": "echo-1", "name": "GPT-4O-MINI"}, "A model named 'gpt-4o-mini' already exists"),
    ({"model_id": "x", "name": "no-provider"}, "Provider is required."),
    ({"provider": "echo", "model_id": "echo-1", "name": "x", "context_window": 100, "max_tokens": 500},
     "can't exceed the context window"),
    ({"provider": "echo", "model_id": "echo-1", "name": "x", "input_price": -2.0}, "Input price can't be negative"),
    ({"provider": "echo", "model_id": "echo-1", "name": "x", "output_price": 50000.0},
     "must be below 10,000 USD per 1M tokens"),
    ({"provider": "echo", "model_id": "echo-1", "name": "x", "context_window": 0}, "positive whole number"),
])
def test_invalid_models_are_refused_with_a_message(at, fields, message):
    before = snapshot()
    fill(at, **fields)
    at.button(key="add_submit").click().run()
    assert not at.exception
    assert message in texts(at.error)
    assert snapshot() == before


def test_genai_prices_fill_can_be_overridden(at):
    fill(at, provider="openai", model_id="gpt-4o-mini")
    assert "genai-prices knows `gpt-4o-mini`" in texts(at.markdown)
    at.button(key="add_fill").click().run()
    assert at.number_input(key="add_context_window").value == 128000
    assert at.number_input(key="add_input_price").value == 0.15
    assert at.number_input(key="add_cache_read_price").value == 0.075
    assert at.text_input(key="add_name").value == "gpt-4o-mini"  # filled because it was empty
    fill(at, name="mini-copy", input_price=0.2)  # the user overrides one price
    at.button(key="add_submit").click().run()
    spec = catalog.resolve("mini-copy")
    assert (spec.prices.input_price, spec.prices.output_price, spec.context_window) == (
        Decimal("0.2"), Decimal("0.6"), 128000)
    assert catalog_prices.history("mini-copy")[0].source == "manual"

    fill(at, provider="openai", model_id="gpt-4o-mini")
    at.button(key="add_fill").click().run()
    fill(at, name="mini-as-is")
    at.button(key="add_submit").click().run()
    assert catalog_prices.history("mini-as-is")[0].source == "genai-prices"


def test_edit_a_price_in_the_table(at):
    rows = catalog_io.table()
    pos = [r["name"] for r in rows].index("gpt-5")
    at.session_state["cat_editor"] = {"edited_rows": {pos: {"input_price": 2.0}}, "added_rows": [],
                                      "deleted_rows": []}
    at.run()
    at.button(key="cat_save").click().run()
    assert not at.exception
    assert "Saved 1 model: gpt-5" in texts(at.success)
    assert catalog.resolve("gpt-5").prices.input_price == Decimal("2")
    last = catalog_prices.history("gpt-5")[-1]
    assert (last.source, last.changed_by, last.prices.input_price) == ("manual", "tester", Decimal("2"))


def test_the_edit_grid_keeps_the_models_tabs_order_with_the_name_pinned(at):
    import json

    catalog_io.import_models('[{"name": "aaa-first-by-name", "provider": "openai", "model_id": "x"}]', "json")
    at.run()
    browse = next(d for d in at.dataframe if "Price known" in d.value.columns)
    editor = next(d for d in at.dataframe if "model_id" in d.value.columns)
    assert list(editor.value.index) == list(browse.value["Name"])  # one order, whatever it is sorted by
    assert list(browse.value["Name"]).index("aaa-first-by-name") > 0  # not simply by name: provider, then name
    name = json.loads(editor.proto.columns)["_index"]
    assert (name["label"], name["pinned"], name["disabled"]) == ("Name", True, True)  # in view beside the prices
    assert json.loads(browse.proto.columns)["Name"]["pinned"] is True


def test_capabilities_in_the_add_form_the_table_and_the_editor(at):
    table = frame(at, "Price known")
    gpt41 = table[table["Name"] == "gpt-4.1"].iloc[0]
    assert (gpt41["Reasons"], gpt41["Images"], gpt41["PDFs"]) == (False, True, True)  # seeded
    fill(at, provider="echo", model_id="echo-1", name="sees-only")
    at.checkbox(key="add_supports_vision").check().run()
    at.button(key="add_submit").click().run()
    spec = catalog.resolve("sees-only")
    assert (spec.supports_reasoning, spec.supports_vision, spec.supports_pdf) == (False, True, False)
    assert at.checkbox(key="add_supports_vision").value is False  # the form starts afresh
    rows = catalog_io.table()
    at.session_state["cat_editor"] = {"edited_rows": {[r["name"] for r in rows].index("gpt-4.1"):
                                                      {"supports_reasoning": True, "supports_pdf": False}},
                                      "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="cat_save").click().run()
    assert not at.exception and "Saved 1 model: gpt-4.1" in texts(at.success)
    spec = catalog.resolve("gpt-4.1")
    assert (spec.supports_reasoning, spec.supports_vision, spec.supports_pdf) == (True, True, False)


def test_a_bad_table_edit_saves_nothing(at):
    rows = catalog_io.table()
    names = [r["name"] for r in rows]
    before = snapshot()
    at.session_state["cat_editor"] = {"edited_rows": {names.index("gpt-5"): {"input_price": 3.0},
                                                      names.index("echo"): {"max_tokens": 5_000_000}},
                                      "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="cat_save").click().run()
    assert "Nothing was saved" in texts(at.error) and "can't exceed the context window" in texts(at.error)
    assert snapshot() == before


def test_accept_a_genai_prices_change(at):
    catalog.update_model("gpt-4o-mini", {"input_price": 1})
    catalog.update_model("claude-haiku-4-5", {"output_price": 1})
    at.run()
    at.button(key="prices_accept_gpt-4o-mini").click().run()
    assert not at.exception
    assert catalog.resolve("gpt-4o-mini").prices.input_price == Decimal("0.15")
    assert catalog_prices.history("gpt-4o-mini")[-1].source == "genai-prices"
    assert catalog.resolve("claude-haiku-4-5").prices.output_price == 1  # one by one
    at.button(key="prices_accept_all").click().run()
    assert catalog_prices.check_prices() == []
    assert "Every catalog price matches genai-prices" in texts(at.success)
    at.selectbox(key="prices_history_model").set_value("gpt-4o-mini").run()
    history = frame(at, "Changed by")
    assert list(history["Source"])[:2] == ["genai-prices", "manual"] and list(history["Input"])[:2] == ["$0.15", "$1"]


def test_deactivate_reactivate_and_delete_with_confirmation(at):
    catalog.create_model({"name": "spare", "provider": "echo", "model_id": "echo-1"})
    at.run()
    at.selectbox(key="cat_life_model").set_value("spare").run()
    at.button(key="cat_deactivate").click().run()
    assert not catalog.resolve("spare", active_only=False).is_active
    at.button(key="cat_activate").click().run()
    assert catalog.resolve("spare").is_active
    at.button(key="cat_delete").click().run()
    assert "for good" in texts(at.warning) and catalog.resolve("spare")  # asked, not done
    at.button(key="cat_delete_yes").click().run()
    with pytest.raises(UnknownModelError):
        catalog.resolve("spare")

    at.selectbox(key="cat_life_model").set_value("echo").run()
    at.button(key="cat_delete").click().run()
    from alonchat.calls.service import ai_service
    ai_service.chat("echo", "hi")  # now it has usage
    at.button(key="cat_delete_yes").click().run()
    assert "deactivate it instead" in texts(at.error)
    assert catalog.resolve("echo")


def test_add_an_endpoint_list_its_models_and_add_them(at):
    with FakeServer() as srv:
        srv.models = ["tiny-llm", "big-llm"]
        at.text_input(key="ep_new_name").set_value("fakelab")
        at.text_input(key="ep_new_url").set_value(srv.url + "/v1")
        at.button(key="FormSubmitter:ep_add_form-Add endpoint").click().run()
        assert not at.exception
        assert "Added endpoint **fakelab**" in texts(at.success)
        assert "**fakelab** :green-badge[:material/check_circle: enabled] :green-badge[ready]" in texts(at.markdown)
        at.button(key="ep_list_fakelab").click().run()
        assert "fakelab serves 2 models" in texts(at.markdown)
        at.multiselect(key="ep_add_ids_fakelab").set_value(["tiny-llm"]).run()
        at.button(key="ep_add_models_fakelab").click().run()
        assert not at.exception
        spec = catalog.resolve("fakelab/tiny-llm")
        assert (spec.provider, spec.model_id, spec.prices.known) == ("fakelab", "tiny-llm", False)
        assert "1 already in the catalog" in texts(at.markdown)


def test_the_seeds_disabled_endpoints_are_listed_with_enable(at, monkeypatch):
    from alonchat.catalog import endpoints

    at.run()
    cards = [m.value for m in at.markdown if m.value.startswith("**") and "badge" in m.value]
    assert cards == ["**groq** :gray-badge[disabled] :orange-badge[:material/key: set GROQ_API_KEY]",
                     "**ollama** :gray-badge[disabled]",
                     "**together** :gray-badge[disabled] :orange-badge[:material/key: set TOGETHER_API_KEY]"]
    assert {b.label for b in at.button if b.key.startswith("ep_enable_")} == {"Enable"}
    at.button(key="ep_enable_ollama").click().run()
    assert "**ollama** is enabled." in texts(at.success)
    assert next(e for e in endpoints.list_endpoints() if e.name == "ollama").enabled
    assert at.button(key="ep_disable_ollama").label == "Disable"


def test_a_taken_name_points_to_the_endpoint_there_is_and_opens_it_with_what_was_typed(at):
    from alonchat.access import audit
    from alonchat.catalog import endpoints

    before = snapshot()
    at.text_input(key="ep_new_name").set_value("Groq")
    at.text_input(key="ep_new_url").set_value("https://gateway.example/groq/v1")
    at.text_input(key="ep_new_key_env").set_value("GATEWAY_KEY")
    at.button(key="FormSubmitter:ep_add_form-Add endpoint").click().run()
    error = texts(at.error)
    assert "An endpoint named 'groq' already exists (disabled, https://api.groq.com/openai/v1)" in error
    assert "Use that one: **Edit groq instead** opens its settings with what you typed" in error
    assert snapshot() == before
    at.button(key="ep_edit_existing").click().run()
    assert not at.exception
    assert at.text_input(key="ep_groq_url").value == "https://gateway.example/groq/v1"
    assert at.text_input(key="ep_groq_key_env").value == "GATEWAY_KEY"
    assert at.text_input(key="ep_new_name").value == "" and not at.error
    at.checkbox(key="ep_groq_enabled").check()
    at.button(key="FormSubmitter:ep_edit_form_groq-Save").click().run()
    assert "Saved **groq**: https://gateway.example/groq/v1, key from `GATEWAY_KEY`, enabled" in texts(at.success)
    groq = next(e for e in endpoints.list_endpoints() if e.name == "groq")
    assert (groq.base_url, groq.api_key_env, groq.enabled) == ("https://gateway.example/groq/v1", "GATEWAY_KEY", True)
    [entry] = audit.entries("endpoint")
    assert (entry.subject, entry.action, entry.actor) == ("groq", "update", "tester")
    assert entry.describe() == ("key variable: GROQ_API_KEY → GATEWAY_KEY; base URL: https://api.groq.com/openai/v1 "
                                "→ https://gateway.example/groq/v1; enabled: no → yes")


def test_a_bad_endpoint_edit_changes_nothing_and_says_why(at):
    before = snapshot()
    at.button(key="ep_edit_ollama").click().run()
    assert at.text_input(key="ep_ollama_url").value == "http://localhost:11434/v1"
    at.text_input(key="ep_ollama_url").set_value("localhost:11434")
    at.text_input(key="ep_ollama_key_env").set_value("sk-pasted-secret")
    at.button(key="FormSubmitter:ep_edit_form_ollama-Save").click().run()
    error = texts(at.error)
    assert error.startswith("ollama was not changed:") and "Base URL must be an http:// or https:// URL" in error
    assert "not the key itself" in error and "sk-pasted-secret" not in error
    assert snapshot() == before
    at.button(key="FormSubmitter:ep_edit_form_ollama-Cancel").click().run()
    assert not at.error and "ep_ollama_url" not in [w.key for w in at.text_input]


def test_a_bad_endpoint_is_refused(at):
    before = snapshot()
    at.text_input(key="ep_new_name").set_value("bad one")
    at.text_input(key="ep_new_url").set_value("localhost:1234")
    at.text_input(key="ep_new_key_env").set_value("sk-secret-value")
    at.button(key="FormSubmitter:ep_add_form-Add endpoint").click().run()
    errors = texts(at.error)
    assert "Name may use only letters" in errors and "http:// or https://" in errors and "not the key itself" in errors
    assert "sk-secret-value" not in errors
    assert snapshot() == before


def test_a_base_url_with_a_key_in_its_query_is_refused_without_repeating_it(at):
    before = snapshot()
    at.text_input(key="ep_new_name").set_value("hosted")
    at.text_input(key="ep_new_url").set_value("https://llm.example/v1?api_key=sk-in-the-url-0000")
    at.button(key="FormSubmitter:ep_add_form-Add endpoint").click().run()
    errors = texts(at.error)
    assert "must not carry the key in its query (api_key=…)" in errors and "sk-in-the-url" not in errors
    assert snapshot() == before


def test_import_shows_row_errors_then_imports(at):
    before = snapshot()
    at.text_area(key="imp_text").set_value("name,provider,model_id,input_price\nok-row,echo,echo-1,1\n"
                                           "bad-row,echo,echo-1,-1\n").run()
    problems = frame(at, "Problem")
    assert list(problems["Row"]) == ["row 2 (bad-row)"] and "can't be negative" in problems["Problem"][0]
    assert snapshot() == before
    at.text_area(key="imp_text").set_value("name,provider,model_id,input_price,output_price\n"
                                           "ok-row,echo,echo-1,1,2\n").run()
    assert "Ready: 1 to add" in texts(at.info)
    at.button(key="imp_go").click().run()
    assert catalog.resolve("ok-row").prices.output_price == 2
    assert catalog_prices.history("ok-row")[0].source == "import"


def test_test_a_model_shows_the_reply_or_the_fix(at):
    at.selectbox(key="test_model").set_value("echo").run()
    at.button(key="test_send").click().run()
    assert "This offline model repeats your prompt" in texts(at.success)
    assert [m.label for m in at.metric][-4:] == ["Latency", "Input tokens", "Output tokens", "Cost"]
    at.selectbox(key="test_model").set_value("gpt-5").run()
    at.button(key="test_send").click().run()
    assert "OPENAI_API_KEY" in texts(at.error) and "How to fix it" in texts(at.info)


def test_clearing_a_number_in_add_model_saves_it_unset(at):
    fill(at, provider="echo", model_id="echo-1", name="cleared", context_window=8000, max_tokens=500,
         input_price=1.0, output_price=2.0)
    fill(at, context_window=None, max_tokens=None, input_price=None)  # the user empties the fields again
    assert at.number_input(key="add_context_window").value is None
    at.button(key="add_submit").click().run()
    assert "Added **cleared**" in texts(at.success)
    spec = catalog.resolve("cleared")
    assert (spec.context_window, spec.max_tokens, spec.prices.input_price, spec.prices.output_price) == (
        None, None, None, Decimal("2"))  # blank is unset: unpriced and unknown, never $0 or 0 tokens


def test_clearing_a_cell_in_edit_saves_it_unset_and_the_confirmation_stays(at):
    rows = catalog_io.table()
    pos = [r["name"] for r in rows].index("gpt-4o-mini")
    at.session_state["cat_editor"] = {"edited_rows": {pos: {"context_window": None, "input_price": None,
                                                            "output_price": 0.7}},
                                      "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="cat_save").click().run()
    spec = catalog.resolve("gpt-4o-mini")
    assert (spec.context_window, spec.prices.input_price, spec.prices.output_price) == (None, None, Decimal("0.7"))
    at.run()  # the fresh editor reruns the page: the confirmation must survive it
    note = texts(at.success)
    assert "Saved 1 model: gpt-4o-mini" in note
    assert "**gpt-4o-mini** · Input price: $0.15 → **unpriced**" in note
    assert "**gpt-4o-mini** · Output price: $0.6 → **$0.7**" in note
    assert "Context window: 128,000 → **unset**" in note
    at.button(key="cat_saved_close").click().run()
    assert "Saved 1 model" not in texts(at.success)


def test_delete_of_a_used_model_offers_deactivate_instead_of_asking(at):
    from alonchat.calls.service import ai_service

    ai_service.chat("echo", "hi")
    at.run()
    at.selectbox(key="cat_life_model").set_value("echo").run()
    at.button(key="cat_delete").click().run()
    assert "for good" not in texts(at.warning)  # not asked: it could not be done
    assert "can't be deleted: it has 1 recorded call" in texts(at.info)
    at.button(key="cat_in_use_deactivate").click().run()
    assert not at.exception
    assert not catalog.resolve("echo", active_only=False).is_active
    assert "echo is deactivated" in texts(at.success)


def test_adding_a_model_on_a_disabled_endpoint_says_so_and_offers_to_enable_it(at):
    from alonchat.catalog import endpoints

    endpoints.create_endpoint({"name": "offlab", "base_url": "http://127.0.0.1:9/v1", "enabled": False})
    at.run()
    fill(at, provider="offlab", model_id="tiny", name="off-tiny")
    at.button(key="add_submit").click().run()
    message = texts(at.success)
    assert "Added **off-tiny**" in message and "endpoint **offlab** is disabled" in message
    assert "model picker now" not in message
    at.button(key="add_enable_endpoint").click().run()
    assert not at.exception
    assert next(e for e in endpoints.list_endpoints() if e.name == "offlab").enabled
    assert "Endpoint **offlab** is enabled" in texts(at.success)
