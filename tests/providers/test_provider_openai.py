"""OpenAIProvider through the real openai SDK over HTTP against the fake server, via ai_service."""

from __future__ import annotations

import pytest

from alonchat import errors
from alonchat.core import ChatOptions, ChatRequest
from alonchat.registry import registry
from alonchat.service import AIService, RetryPolicy, ai_service
from tests.conftest import FAKE_KEYS
from tests.provider_checks import assert_usage, expected_cost, ledger

USAGE = {"input": 1200, "cached": 1000, "cache_write": 0, "output": 300, "reasoning": 120}
KEY = FAKE_KEYS["OPENAI_API_KEY"]


def test_chat_maps_cached_and_reasoning_tokens_and_prices_them(fake_providers):
    fake_providers.script("gpt-5", reply="Paris is the capital.", usage=USAGE)
    result = ai_service.chat("gpt-5", "Capital of France?")
    assert result.content == "Paris is the capital." and result.finish_reason == "stop"
    assert_usage(result.usage, USAGE)
    assert not result.usage.estimated
    assert result.cost_usd == expected_cost("gpt-5", USAGE)
    [row] = ledger()
    assert (row.provider, row.model_id, row.status) == ("openai", "gpt-5", "ok")
    assert_usage(row, USAGE)
    assert row.cost_usd == result.cost_usd


def test_stream_asks_for_usage_and_reads_the_last_chunk(fake_providers):
    fake_providers.script("gpt-5", chunks=["Hel", "lo", " world"], usage=USAGE)
    *deltas, final = list(ai_service.stream("gpt-5", "hi"))
    assert deltas == ["Hel", "lo", " world"] and final.content == "Hello world"
    assert_usage(final.usage, USAGE)
    assert final.cost_usd == expected_cost("gpt-5", USAGE)
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


def test_truncated_stream_is_recorded_as_truncated(fake_providers):
    fake_providers.script("gpt-5", chunks=["The answer is", " forty"], truncate=True, usage=USAGE)
    deltas = []
    with pytest.raises(errors.TruncatedStreamError, match="no finish reason"):
        for item in ai_service.stream("gpt-5", "q"):
            deltas.append(item)
    assert deltas == ["The answer is", " forty"]
    [row] = ledger()
    assert row.status == "truncated" and row.error_class == "TruncatedStreamError"
    assert row.usage_estimated and row.output_tokens > 0


def test_malformed_chunk_is_truncated_never_complete(fake_providers):
    fake_providers.script("gpt-5", chunks=["Part one", " part two"], malformed=True)
    with pytest.raises(errors.TruncatedStreamError, match="malformed"):
        list(ai_service.stream("gpt-5", "q"))
    [row] = ledger()
    assert row.status == "truncated"


def test_malformed_json_reply_is_truncated(fake_providers):
    fake_providers.script("gpt-5", malformed=True)
    with pytest.raises(errors.TruncatedStreamError):
        ai_service.chat("gpt-5", "q")
    assert ledger()[0].status == "truncated"


def test_stalled_stream_ends_with_a_timeout(fake_providers):
    fake_providers.script("gpt-5", chunks=["first", " never"], stall=5.0)
    seen = []
    with pytest.raises(errors.ProviderTimeoutError, match="0.3 s"):
        for item in ai_service.stream("gpt-5", "q", timeout=0.3):
            seen.append(item)
    assert seen == ["first"]  # text already shown: not retried
    [row] = ledger()
    assert row.status == "truncated" and row.error_class == "ProviderTimeoutError"
    assert len(fake_providers.requests_to("chat/completions")) == 1


def test_missing_key_names_the_env_var_and_sends_nothing(fake_providers, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(errors.MissingKeyError, match="OPENAI_API_KEY"):
        ai_service.chat("gpt-5", "q")
    assert fake_providers.requests == []
    assert ledger()[0].error_class == "MissingKeyError"


def test_auth_error_never_records_the_key(fake_providers):
    fake_providers.script("gpt-5", status=401, error_message=f"Incorrect API key provided: {KEY}.")
    svc = AIService(retry=RetryPolicy(retries=2), sleep=lambda s: None)
    with pytest.raises(errors.AuthError) as info:
        svc.chat("gpt-5", "q")
    assert KEY not in str(info.value)
    assert "Incorrect API key provided" in str(info.value) and "OPENAI_API_KEY" in str(info.value)
    [row] = ledger()
    assert row.status == "error" and KEY not in row.error_message
    assert "Check that the API key is valid" in row.error_message


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


def test_unreachable_server_is_a_connection_error(fake_providers, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    svc = AIService(retry=RetryPolicy(retries=1, base=0.01), sleep=lambda s: None)
    with pytest.raises(errors.ProviderConnectionError, match="OPENAI_BASE_URL"):
        svc.chat("gpt-5", "q")
    assert ledger()[0].error_class == "ProviderConnectionError"
