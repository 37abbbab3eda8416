"""OpenAICompatibleProvider: endpoint rows pointing at the fake server, keyless, keyed and disabled."""

from __future__ import annotations

import pytest

from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.tokens import estimate_tokens
from alonchat.core.types import ChatRequest, StreamEnd, TextDelta
from alonchat.providers.registry import registry
from tests.fake_server import FakeServer
from tests.support.catalog import add_endpoint, set_endpoint
from tests.support.provider_checks import assert_usage, ledger
from tests.support.scripted import add_model

ENDPOINT_KEY = "sk-endpoint-secret-0123456789"


def test_keyless_endpoint_chats_and_streams_with_reported_usage(fake_server):
    add_endpoint("local", fake_server.url + "/v1")
    add_model("llama3", provider="local")
    usage = {"input": 50, "cached": 10, "output": 5, "reasoning": 0}
    fake_server.script("llama3", chunks=["Hi", " from", " llama"], usage=usage)
    result = ai_service.chat("llama3", "hello", max_tokens=20)
    assert result.content == "Hi from llama" and result.provider == "local"
    assert_usage(result.usage, usage)
    assert result.cost_usd is None  # the test model has no prices: unpriced, never $0
    *deltas, final = list(ai_service.stream("llama3", "hello"))
    assert deltas == [TextDelta("Hi"), TextDelta(" from"), TextDelta(" llama")] and final.ok
    first, second = fake_server.requests_to("chat/completions")
    assert first.json["max_tokens"] == 20  # compatible servers know max_tokens
    assert second.json["stream_options"] == {"include_usage": True}
    # The SDK insists on a key: a placeholder goes out, never a real one.
    assert first.headers["authorization"] == "Bearer not-needed"
    assert [r.status for r in ledger()] == ["ok", "ok"]


def test_server_that_ignores_include_usage_gets_estimated_usage(fake_server):
    add_endpoint("local", fake_server.url + "/v1")
    add_model("llama3", provider="local")
    fake_server.script("llama3", chunks=["two words"])
    provider = registry.get("local")

    # Drop include_usage on the way out, as a server that does not support it would.
    class NoUsage(type(provider)):
        def _params(self, request):
            return {**super()._params(request), "extra_body": {"stream_options": None}}

    quiet = NoUsage("quiet", fake_server.url + "/v1")
    [*_, end] = list(quiet.stream(ChatRequest("llama3", [{"role": "user", "content": "q"}])))
    assert fake_server.requests[-1].json["stream_options"] is None
    assert isinstance(end, StreamEnd) and end.usage.estimated
    assert end.usage.output_tokens == estimate_tokens("two words")


def test_keyed_endpoint_names_its_env_var_then_sends_the_key(monkeypatch):
    with FakeServer(expect_key=ENDPOINT_KEY) as srv:
        add_endpoint("hosted", srv.url + "/v1", api_key_env="HOSTED_API_KEY")
        add_model("big-model", provider="hosted")
        provider = registry.get("hosted")
        assert provider.kind == "endpoint"
        assert provider.missing_env_vars() == ["HOSTED_API_KEY"] and not provider.is_configured()
        with pytest.raises(errors.MissingKeyError, match="HOSTED_API_KEY"):
            ai_service.chat("big-model", "q")
        assert srv.requests == []
        monkeypatch.setenv("HOSTED_API_KEY", ENDPOINT_KEY)
        assert ai_service.chat("big-model", "q").content == "Fake reply to: q"
        assert srv.requests[-1].headers["authorization"] == f"Bearer {ENDPOINT_KEY}"


def test_wrong_key_is_an_auth_error_that_names_the_var_but_not_the_key(monkeypatch):
    with FakeServer(expect_key="the-right-one-123456") as srv:
        add_endpoint("hosted", srv.url + "/v1", api_key_env="HOSTED_API_KEY")
        add_model("big-model", provider="hosted")
        monkeypatch.setenv("HOSTED_API_KEY", ENDPOINT_KEY)
        with pytest.raises(errors.AuthError, match="HOSTED_API_KEY"):
            ai_service.chat("big-model", "q")
        [row] = ledger()
        assert ENDPOINT_KEY not in row.error_message and row.status == "error"


def test_disabled_endpoint_refuses_with_how_to_enable(fake_server):
    add_endpoint("sleepy", fake_server.url + "/v1", enabled=False)
    add_model("m1", provider="sleepy")
    with pytest.raises(errors.EndpointDisabledError) as info:
        ai_service.chat("m1", "q")
    assert "python -m alonchat endpoints enable sleepy" in str(info.value)
    assert "Catalog page" in str(info.value)
    assert fake_server.requests == []
    [row] = ledger()
    assert row.error_class == "EndpointDisabledError"
    status = {s.name: s for s in registry.status()}["sleepy"]
    assert status.kind == "endpoint" and status.configured is False
    set_endpoint("sleepy", enabled=True)  # an edit takes effect at once
    assert ai_service.chat("m1", "q").ok
    assert {s.name: s for s in registry.status()}["sleepy"].configured is True


def test_list_models_reads_v1_models(fake_server):
    fake_server.models = ["zeta-7b", "alpha-70b"]
    add_endpoint("local", fake_server.url + "/v1", enabled=False)
    provider = registry.get("local")
    assert provider.list_models() == ["alpha-70b", "zeta-7b"]  # works before enabling, to test it
    [req] = fake_server.requests
    assert (req.method, req.path) == ("GET", "/v1/models")


def test_list_models_on_a_dead_server_is_a_connection_error():
    add_endpoint("gone", "http://127.0.0.1:9/v1")
    with pytest.raises(errors.ProviderConnectionError, match="127.0.0.1:9"):
        registry.get("gone").list_models(timeout=2)


def test_base_url_edit_moves_calls_to_the_new_server(fake_server):
    with FakeServer() as other:
        add_endpoint("local", fake_server.url + "/v1")
        add_model("llama3", provider="local")
        ai_service.chat("llama3", "q")
        set_endpoint("local", base_url=other.url + "/v1")
        ai_service.chat("llama3", "q")
        assert len(fake_server.requests) == 1 and len(other.requests) == 1
