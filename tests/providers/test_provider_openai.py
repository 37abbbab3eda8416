"""OpenAIProvider through the real openai SDK over HTTP against the fake server, via ai_service."""

from __future__ import annotations

from alonchat.core import ChatOptions, ChatRequest
from alonchat.registry import registry
from alonchat.service import ai_service
from tests.conftest import FAKE_KEYS

KEY = FAKE_KEYS["OPENAI_API_KEY"]


def test_stream_asks_for_usage(fake_providers):
    list(ai_service.stream("gpt-5", "hi"))
    [req] = fake_providers.requests_to("chat/completions")
    assert req.json["stream"] is True
    assert req.json["stream_options"] == {"include_usage": True}


def test_request_carries_system_options_and_the_key(fake_providers):
    ai_service.chat("gpt-5", [{"role": "user", "content": "q"}], system="Be brief.", temperature=0.2,
                    max_tokens=50)
    [req] = fake_providers.requests_to("chat/completions")
    assert req.json["messages"] == [{"role": "system", "content": "Be brief."},
                                    {"role": "user", "content": "q"}]
    assert req.json["temperature"] == 0.2
    assert req.json["max_completion_tokens"] == 50  # reasoning models reject max_tokens
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["x-stainless-retry-count"] == "0"


def test_unscripted_model_answers_from_the_prompt_and_usage_is_reported(fake_providers):
    result = ai_service.chat("gpt-4.1", "tell me a joke")
    assert result.content == "Fake reply to: tell me a joke"
    # The fake counts words: 4 in the prompt, one per reply chunk (word).
    assert result.usage.input_tokens == 4 and result.usage.output_tokens == len(result.content.split())


def test_key_and_base_url_changes_rebuild_the_client(fake_providers, monkeypatch):
    provider = registry.get("openai")
    request = ChatRequest("gpt-5", [{"role": "user", "content": "q"}], ChatOptions())
    provider.chat(request)
    client = provider._client()
    assert provider._client() is client  # cached between calls
    monkeypatch.setenv("OPENAI_API_KEY", "sk-another-key-987654321")
    provider.chat(request)
    assert provider._client() is not client
    assert fake_providers.requests[-1].headers["authorization"] == "Bearer sk-another-key-987654321"


def test_initialize_config_wins_over_the_environment(fake_server, monkeypatch):
    from alonchat.providers.openai import OpenAIProvider

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    provider = OpenAIProvider()
    provider.initialize({"OPENAI_API_KEY": "sk-from-config-123456", "OPENAI_BASE_URL": fake_server.url + "/v1"})
    assert provider.is_configured()
    result = provider.chat(ChatRequest("gpt-5", [{"role": "user", "content": "q"}]))
    assert result.content == "Fake reply to: q"
    assert fake_server.requests[0].headers["authorization"] == "Bearer sk-from-config-123456"
