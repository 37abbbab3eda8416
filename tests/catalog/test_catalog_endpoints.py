"""Endpoints without code: validated CRUD, listing served models over real HTTP, keys never stored."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from sqlalchemy import text

from alonchat.calls.service import AIService
from alonchat.catalog import endpoints
from alonchat.catalog import models as catalog
from alonchat.catalog import prices as catalog_prices
from alonchat.core.errors import EndpointDisabledError, MissingKeyError, ProviderError, ValidationError
from alonchat.storage.engine import session
from tests.fake_server import FakeServer


@pytest.fixture
def srv():
    with FakeServer() as server:
        yield server


def snapshot() -> tuple:
    with session() as s:
        return tuple(tuple(r) for r in s.execute(text("SELECT * FROM provider_endpoints ORDER BY id")))


def test_add_an_endpoint_list_its_models_and_call_one(srv):
    srv.models = ["llama-3-8b", "qwen-2.5-7b"]
    info = endpoints.create_endpoint({"name": "local-vllm", "base_url": srv.url + "/v1/"})
    assert (info.base_url, info.api_key_env, info.enabled, info.configured) == (srv.url + "/v1", None, True, True)
    assert "local-vllm" in [e.name for e in endpoints.list_endpoints()]

    assert endpoints.served_models("local-vllm") == ["llama-3-8b", "qwen-2.5-7b"]
    assert srv.requests[-1].path.endswith("/v1/models")

    added = endpoints.add_served_models("local-vllm", ["qwen-2.5-7b"])
    assert [(m.name, m.provider, m.model_id) for m in added] == [
        ("local-vllm/qwen-2.5-7b", "local-vllm", "qwen-2.5-7b")]
    assert not added[0].prices.known  # no genai-prices data for a private server: unpriced, not free
    assert endpoints.list_endpoints()[[e.name for e in endpoints.list_endpoints()].index("local-vllm")].models == 1

    srv.script("qwen-2.5-7b", reply="Hi from vLLM", usage={"input": 5, "output": 4})
    result = AIService(sleep=lambda _: None).chat("local-vllm/qwen-2.5-7b", "hello")
    assert result.content == "Hi from vLLM" and result.usage.output_tokens == 4 and result.cost_usd is None


def test_served_models_of_a_known_vendor_come_with_genai_prices(srv):
    srv.models = ["llama-3.3-70b-versatile"]
    endpoints.update_endpoint("groq", {"base_url": srv.url + "/v1", "api_key_env": ""})
    spec = endpoints.add_served_models("groq", ["llama-3.3-70b-versatile"], user="dana")[0]
    assert (spec.prices.input_price, spec.prices.output_price) == (Decimal("0.59"), Decimal("0.79"))
    change = catalog_prices.history(spec.name)[0]
    assert (change.source, change.changed_by) == ("genai-prices", "dana")


def test_a_key_is_read_from_its_env_var_and_never_stored(srv, monkeypatch):
    endpoints.create_endpoint({"name": "hosted", "base_url": srv.url + "/v1", "api_key_env": "HOSTED_API_KEY"})
    assert not endpoints.list_endpoints()[[e.name for e in endpoints.list_endpoints()].index("hosted")].configured
    with pytest.raises(MissingKeyError, match="HOSTED_API_KEY"):
        endpoints.served_models("hosted")

    monkeypatch.setenv("HOSTED_API_KEY", "sk-very-secret-123")
    assert endpoints.served_models("hosted") == ["fake-model-a", "fake-model-b"]
    assert srv.requests[-1].headers["authorization"] == "Bearer sk-very-secret-123"
    with session() as s:
        dump = "\n".join(str(tuple(r)) for r in s.execute(text("SELECT * FROM provider_endpoints")))
    assert "HOSTED_API_KEY" in dump and "sk-very-secret" not in dump
    assert "sk-very-secret" not in str([e.to_json() for e in endpoints.list_endpoints()])


BAD = [
    ({"name": "openai"}, "name", "is a built-in or plugin provider"),
    ({"name": "OLLAMA"}, "name", "An endpoint named 'ollama' already exists"),
    ({"name": "my endpoint"}, "name", "Name may use only letters"),
    ({"name": ""}, "name", "Name is required."),
    ({"base_url": "ftp://example.com"}, "base_url", "must be an http:// or https:// URL"),
    ({"base_url": "localhost:11434/v1"}, "base_url", "must be an http:// or https:// URL"),
    ({"base_url": "https://user:pw@example.com/v1"}, "base_url", "must not contain credentials"),
    ({"base_url": "https://user:p@ss@example.com/v1"}, "base_url", "must not contain credentials"),
    ({"base_url": "https://tok3n@example.com/v1"}, "base_url", "must not contain credentials"),
    ({"base_url": "https://user:pa/ss@example.com/v1"}, "base_url", "must not contain credentials"),
    ({"base_url": "https://example.com/v1?api_key=s3cr3t-value"}, "base_url", "must not carry the key in its query"),
    ({"base_url": "https://example.com/v1?x=1&access_token=s3cr3t-value"}, "base_url", "(access_token=…)"),
    ({"base_url": "https://example.com/v1?api-version=2024"}, "base_url", "must end before any '?' or '#'"),
    ({"base_url": "https://example.com/v1#frag"}, "base_url", "must end before any '?' or '#'"),
    ({"base_url": "https://example.com:port/v1"}, "base_url", "port that is not a number"),
    ({"base_url": "https://x.com/" + "a" * 500}, "base_url", "at most 500 characters"),
    ({"api_key_env": "lowercase_var"}, "api_key_env", "must be the NAME of the environment variable"),
    ({"extra": 1}, "extra", "not a known field"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_endpoint_input_is_refused_and_nothing_is_written(change, field, message):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        endpoints.create_endpoint({"name": "fine", "base_url": "http://127.0.0.1:9/v1", **change})
    assert message in info.value.errors[field]
    assert "s3cr3t" not in str(info.value) and "p@ss" not in str(info.value)  # the secret is never repeated
    assert snapshot() == before


def test_a_taken_name_names_the_endpoint_there_is():
    before = snapshot()
    with pytest.raises(endpoints.EndpointExistsError) as info:
        endpoints.create_endpoint({"name": "Ollama", "base_url": "http://127.0.0.1:9/v1"})
    assert info.value.existing == "ollama" and "(disabled, http://localhost:11434/v1)" in str(info.value)
    assert "enable it and change its base URL" in str(info.value) and snapshot() == before
    endpoints.set_enabled("ollama", True)
    with pytest.raises(endpoints.EndpointExistsError, match=r"\(enabled, .*Use that one: change its base URL"):
        endpoints.create_endpoint({"name": "ollama", "base_url": "http://127.0.0.1:9/v1"})


def test_an_update_changes_only_what_is_given_or_nothing_at_all():
    endpoints.update_endpoint("groq", {"base_url": "http://127.0.0.1:9/v1/"})
    groq = next(e for e in endpoints.list_endpoints() if e.name == "groq")
    assert (groq.base_url, groq.api_key_env, groq.enabled) == ("http://127.0.0.1:9/v1", "GROQ_API_KEY", False)
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        endpoints.update_endpoint("groq", {"enabled": True, "base_url": "nope"})
    assert list(info.value.errors) == ["base_url"] and snapshot() == before  # the valid half is not written


def test_a_pasted_key_is_refused_without_being_echoed():
    with pytest.raises(ValidationError) as info:
        endpoints.create_endpoint({"name": "x", "base_url": "https://x.example/v1", "api_key_env": "sk-live-abc123"})
    assert "sk-live-abc123" not in str(info.value)
    assert "not the key itself" in info.value.errors["api_key_env"]


def test_disable_refuses_calls_and_enable_restores_them(srv):
    endpoints.create_endpoint({"name": "box", "base_url": srv.url + "/v1"})
    endpoints.add_served_models("box", ["fake-model-a"])
    srv.script("fake-model-a", reply="ok", usage={"input": 1, "output": 1})
    endpoints.set_enabled("box", False)
    with pytest.raises(EndpointDisabledError, match="endpoints enable box"):
        AIService().chat("box/fake-model-a", "hi")
    assert endpoints.served_models("box") == ["fake-model-a", "fake-model-b"]  # a check before enabling
    endpoints.set_enabled("box", True)
    assert AIService().chat("box/fake-model-a", "hi").content == "ok"


def test_remove_refuses_while_models_use_the_endpoint(srv):
    endpoints.create_endpoint({"name": "box", "base_url": srv.url + "/v1"})
    endpoints.add_served_models("box", ["fake-model-a"])
    before = snapshot()
    with pytest.raises(ValidationError, match=r"still serves 1 catalog model \(box/fake-model-a\)"):
        endpoints.remove_endpoint("box")
    assert snapshot() == before
    catalog.delete_model("box/fake-model-a")
    endpoints.remove_endpoint("box")
    assert "box" not in [e.name for e in endpoints.list_endpoints()]


def test_an_endpoint_cannot_be_renamed_and_unknown_ones_are_named():
    with pytest.raises(ValidationError, match="can't be renamed"):
        endpoints.update_endpoint("ollama", {"name": "llama"})
    with pytest.raises(ValidationError, match="No endpoint named 'nope'. Endpoints: groq, ollama, together"):
        endpoints.remove_endpoint("nope")


def test_adding_served_models_is_all_or_nothing(srv):
    endpoints.create_endpoint({"name": "box", "base_url": srv.url + "/v1"})
    endpoints.add_served_models("box", ["fake-model-a"])
    with pytest.raises(ValidationError) as info:
        endpoints.add_served_models("box", ["fake-model-b", "fake-model-a"])
    assert "already in the catalog" in info.value.errors["fake-model-a"]
    with pytest.raises(Exception, match="Unknown model"):
        catalog.resolve("box/fake-model-b")


def test_an_unreachable_endpoint_gives_a_provider_error():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoints.create_endpoint({"name": "gone", "base_url": f"http://127.0.0.1:{port}/v1"})
    with pytest.raises(ProviderError):
        endpoints.served_models("gone")


def test_an_endpoint_stored_with_a_key_in_its_url_is_masked_wherever_it_shows(capsys):
    """A row from before the check: listed, audited, shown by the CLI and in a failed call's message, never the key."""
    from alonchat.access import audit
    from alonchat.cli import main
    from alonchat.providers.registry import registry
    from alonchat.storage.tables import ProviderEndpoint
    from tests.support.provider_checks import ledger
    from tests.support.scripted import add_model

    secret = "qs-secret-0123456789"
    with session() as s, s.begin():
        s.add(ProviderEndpoint(name="legacy", base_url=f"http://127.0.0.1:9/v1?api_key={secret}", api_key_env=None))
    add_model("legacy-model", provider="legacy")
    [info] = [e for e in endpoints.list_endpoints() if e.name == "legacy"]
    assert secret not in str(info.to_json()) and "api_key=***" in info.base_url
    assert secret not in str([st.detail for st in registry.status()])
    assert main(["endpoints", "list"]) == 0
    assert secret not in capsys.readouterr().out
    with pytest.raises(ProviderError) as failed:
        AIService().chat("legacy-model", "hi", timeout=2)
    assert secret not in str(failed.value) and secret not in ledger()[-1].error_message
    endpoints.set_enabled("legacy", False)  # an update audits the URL as it was
    assert secret not in str([e.changes for e in audit.entries()])
