"""OpenAIProvider through the real openai SDK over HTTP against the fake server, via ai_service."""

from __future__ import annotations

import json

import pytest

from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.types import ChatOptions, ChatRequest, TextDelta
from alonchat.providers.registry import registry
from tests.fake_server import FAKE_KEYS
from tests.support.provider_checks import ledger

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


# --- the stream read as plain JSON (parse(to=Stream[object])): every shape the engine reads is checked ----
# The SDK's typed chunks were skipped for speed (bench/ui_stream.py), so nothing else checks a chunk's
# shape: valid JSON in a shape Chat Completions never sends must end as a truncated, recorded call that
# names what was wrong, never as a KeyError, a TypeError or an answer taken as complete.

MODEL = "gpt-5.4-mini"


def chunk(**fields) -> bytes:
    return b"data: " + json.dumps({"id": "chatcmpl-x", "object": "chat.completion.chunk", **fields}).encode() + b"\n\n"


@pytest.mark.parametrize(("event", "why"), [
    (b"data: [1, 2]\n\n", "a chunk is list, not an object"),
    (chunk(choices="none"), "choices is not a list of objects"),
    (chunk(choices=[{"index": 0, "delta": "text"}]), "delta is str, not an object"),
    (chunk(choices=[{"index": 0, "delta": {"content": 42}}]), "content is int, not text"),
    (chunk(choices=[], usage={"prompt_tokens": "ten", "completion_tokens": 2}), "prompt_tokens is 'ten'"),
    (chunk(choices=[], usage={"prompt_tokens": 3, "completion_tokens": -1}), "completion_tokens is -1"),
    (chunk(choices=[], usage={"prompt_tokens": 3, "prompt_tokens_details": [1]}), "prompt_tokens_details is list"),
])
def test_a_chunk_in_a_shape_the_wire_never_has_is_a_recorded_truncation(fake_providers, event, why):
    fake_providers.script(MODEL, chunks=["Part one", " part two"], malformed=event)
    shown = []
    with pytest.raises(errors.TruncatedStreamError, match="malformed reply") as info:
        for item in ai_service.stream(MODEL, "q"):
            shown.append(item)
    assert why in str(info.value)
    assert shown == [TextDelta("Part one")]
    [row] = ledger()
    assert (row.status, row.error_class) == ("truncated", "TruncatedStreamError")
    assert why in row.error_message
    assert row.input_tokens > 0 and row.usage_estimated  # the prompt went out: billed at estimated usage


def test_a_json_reply_with_a_broken_usage_is_a_recorded_truncation(fake_providers):
    reply = {"id": "chatcmpl-x", "object": "chat.completion", "created": 1, "model": MODEL,
             "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi"}}],
             "usage": {"prompt_tokens": 5, "completion_tokens": 1.5, "total_tokens": 6}}
    fake_providers.script(MODEL, malformed=json.dumps(reply).encode())
    with pytest.raises(errors.TruncatedStreamError, match="completion_tokens is 1.5"):
        ai_service.chat(MODEL, "q")
    [row] = ledger()
    assert row.status == "truncated"


def test_usage_details_and_reported_cost_are_read_from_the_plain_chunks(fake_providers):
    fake_providers.script(MODEL, chunks=["a", "b"], usage={"input": 1000, "cached": 400, "cache_write": 100,
                                                           "output": 50, "reasoning": 20, "cost": 0.0123})
    *_, result = ai_service.stream(MODEL, "q")
    u = result.usage
    assert (u.input_tokens, u.cached_input_tokens, u.cache_write_tokens) == (1000, 400, 100)
    assert (u.output_tokens, u.reasoning_tokens, str(u.reported_cost_usd)) == (50, 20, "0.0123")
    assert not u.estimated and result.content == "ab"


def test_whole_float_counts_from_a_compatible_server_are_taken_as_counts():
    from alonchat.providers.openai import _map_usage

    usage = _map_usage({"prompt_tokens": 12.0, "completion_tokens": 3.0,
                        "prompt_tokens_details": {"cached_tokens": 2.0}})
    assert (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens) == (12, 3, 2)
    assert isinstance(usage.input_tokens, int)
    with pytest.raises(ValueError, match="completion_tokens is 2.5"):
        _map_usage({"prompt_tokens": 1, "completion_tokens": 2.5})
