"""AnthropicProvider through the real anthropic SDK over HTTP against the fake server, via ai_service."""

from __future__ import annotations

import pytest

from alonchat import errors
from alonchat.service import AIService, RetryPolicy, ai_service
from tests.conftest import FAKE_KEYS
from tests.provider_checks import assert_usage, expected_cost, ledger

# Engine convention; on the wire Anthropic sends input_tokens = 2000 - 1500 - 300 = 200.
USAGE = {"input": 2000, "cached": 1500, "cache_write": 300, "output": 400, "reasoning": 150}
KEY = FAKE_KEYS["ANTHROPIC_API_KEY"]


def test_chat_adds_cache_reads_and_writes_back_to_input_and_prices_them(fake_providers):
    fake_providers.script("claude-sonnet-4-6", reply="Bonjour.", usage=USAGE)
    result = ai_service.chat("claude-sonnet-4-6", "Say hello in French")
    [req] = fake_providers.requests_to("/v1/messages")
    assert result.content == "Bonjour." and result.finish_reason == "stop"
    assert_usage(result.usage, USAGE)
    assert result.cost_usd == expected_cost("claude-sonnet-4-6", USAGE)
    [row] = ledger()
    assert (row.provider, row.status) == ("anthropic", "ok")
    assert_usage(row, USAGE)
    assert row.cost_usd == result.cost_usd
    assert req.headers["authorization"] == f"Bearer {KEY}"


def test_stream_merges_message_start_and_message_delta_usage(fake_providers):
    fake_providers.script("claude-sonnet-4-6", chunks=["Bon", "jour", "."], usage=USAGE)
    *deltas, final = list(ai_service.stream("claude-sonnet-4-6", "hi"))
    assert deltas == ["Bon", "jour", "."]
    assert_usage(final.usage, USAGE)  # input/cache from message_start, output from message_delta
    assert final.cost_usd == expected_cost("claude-sonnet-4-6", USAGE)
    assert ledger()[0].status == "ok"


def test_system_prompt_goes_in_system_and_max_tokens_is_always_sent(fake_providers):
    ai_service.chat("claude-sonnet-4-6", [{"role": "system", "content": "Rule two."},
                                          {"role": "user", "content": "q"},
                                          {"role": "assistant", "content": "a"},
                                          {"role": "user", "content": "q2"}], system="Rule one.")
    ai_service.chat("claude-sonnet-4-6", "q", max_tokens=77, temperature=0.5)
    first, second = fake_providers.requests_to("/v1/messages")
    assert first.json["system"] == "Rule one.\n\nRule two."
    assert [m["role"] for m in first.json["messages"]] == ["user", "assistant", "user"]
    assert first.json["max_tokens"] == 4096  # Anthropic requires it: the default
    assert second.json["max_tokens"] == 77
    assert "temperature" not in second.json  # API 2026-10-21 rejects sampling parameters
    assert "system" not in second.json


def test_truncated_stream_without_message_stop_is_truncated(fake_providers):
    fake_providers.script("claude-sonnet-4-6", chunks=["Half an", " answer"], truncate=True)
    with pytest.raises(errors.TruncatedStreamError):
        list(ai_service.stream("claude-sonnet-4-6", "q"))
    [row] = ledger()
    assert row.status == "truncated" and row.usage_estimated


def test_truncated_json_reply_without_stop_reason_is_truncated(fake_providers):
    fake_providers.script("claude-sonnet-4-6", reply="cut", truncate=True)
    with pytest.raises(errors.TruncatedStreamError):
        ai_service.chat("claude-sonnet-4-6", "q")
    assert ledger()[0].status == "truncated"


def test_malformed_event_is_truncated(fake_providers):
    fake_providers.script("claude-sonnet-4-6", chunks=["a", "b"], malformed=True)
    with pytest.raises(errors.TruncatedStreamError, match="malformed"):
        list(ai_service.stream("claude-sonnet-4-6", "q"))
    assert ledger()[0].status == "truncated"


def test_stalled_stream_ends_with_a_timeout(fake_providers):
    fake_providers.script("claude-sonnet-4-6", chunks=["first", " never"], stall=5.0)
    with pytest.raises(errors.ProviderTimeoutError):
        list(ai_service.stream("claude-sonnet-4-6", "q", timeout=0.3))
    [row] = ledger()
    assert (row.status, row.error_class) == ("truncated", "ProviderTimeoutError")


def test_missing_key_names_the_env_var(fake_providers, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(errors.MissingKeyError, match="ANTHROPIC_API_KEY"):
        ai_service.chat("claude-sonnet-4-6", "q")
    assert fake_providers.requests == []


def test_overloaded_529_is_a_server_error_with_the_vendor_message(fake_providers):
    fake_providers.script("claude-sonnet-4-6", status=529, error_message="Overloaded")
    svc = AIService(retry=RetryPolicy(retries=0), sleep=lambda s: None)
    with pytest.raises(errors.ServerError) as info:
        svc.chat("claude-sonnet-4-6", "q")
    assert info.value.status_code == 529 and info.value.provider == "anthropic"
    assert "Overloaded" in str(info.value) and "try again later" in str(info.value)


def test_permission_error_never_records_the_key(fake_providers):
    fake_providers.script("claude-sonnet-4-6", status=403, error_message=f"key {KEY} lacks access")
    with pytest.raises(errors.AuthError):
        ai_service.chat("claude-sonnet-4-6", "q")
    [row] = ledger()
    assert KEY not in row.error_message and "lacks access" in row.error_message
    assert len(fake_providers.requests) == 1
