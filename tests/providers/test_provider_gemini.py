"""GeminiProvider through the real google-genai SDK over HTTP against the fake server, via ai_service."""

from __future__ import annotations

import pytest

from alonchat import errors
from alonchat.registry import registry
from alonchat.service import ai_service
from tests.conftest import FAKE_KEYS
from tests.provider_checks import assert_usage, expected_cost, ledger

# Engine convention; on the wire candidatesTokenCount = 500 - 200 = 300, thoughtsTokenCount = 200.
USAGE = {"input": 3000, "cached": 2048, "cache_write": 0, "output": 500, "reasoning": 200}
KEY = FAKE_KEYS["GEMINI_API_KEY"]


def test_chat_bills_thoughts_as_output_and_cached_inside_prompt(fake_providers):
    fake_providers.script("gemini-2.5-flash", reply="Hola.", usage=USAGE)
    result = ai_service.chat("gemini-2.5-flash", "Say hello in Spanish")
    assert result.content == "Hola." and result.finish_reason == "stop"
    assert_usage(result.usage, USAGE)
    assert result.cost_usd == expected_cost("gemini-2.5-flash", USAGE)
    [row] = ledger()
    assert (row.provider, row.status) == ("gemini", "ok")
    assert_usage(row, USAGE)
    [req] = fake_providers.requests
    assert req.path == "/v1/models/gemini-2.5-flash:generateContent"  # the SDK's default version
    assert req.headers["x-goog-api-key"] == KEY


def test_stream_uses_sse_and_the_last_usage_metadata(fake_providers):
    fake_providers.script("gemini-2.5-flash", chunks=["Ho", "la", "."], usage=USAGE)
    *deltas, final = list(ai_service.stream("gemini-2.5-flash", "hi"))
    assert deltas == ["Ho", "la", "."]
    assert_usage(final.usage, USAGE)
    assert final.cost_usd == expected_cost("gemini-2.5-flash", USAGE)
    [req] = fake_providers.requests
    assert req.path.endswith(":streamGenerateContent") and req.query == {"alt": ["sse"]}


def test_roles_system_instruction_and_generation_config(fake_providers):
    ai_service.chat("gemini-2.5-flash", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
                                         {"role": "user", "content": "q2"}],
                    system="Be brief.", temperature=0.3, max_tokens=64)
    body = fake_providers.requests[0].json
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert body["generationConfig"] == {"temperature": 0.3, "maxOutputTokens": 64}


def test_api_version_env_var_is_honoured(fake_providers, monkeypatch):
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "beta")
    ai_service.chat("gemini-2.5-flash", "q")
    assert fake_providers.requests[0].path == "/v1beta/models/gemini-2.5-flash:generateContent"


def test_either_key_var_configures_it(fake_providers, monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY")
    provider = registry.get("gemini")
    assert provider.missing_env_vars() == ["GOOGLE_API_KEY", "GEMINI_API_KEY"]
    with pytest.raises(errors.MissingKeyError, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        ai_service.chat("gemini-2.5-flash", "q")
    monkeypatch.setenv("GOOGLE_API_KEY", "AIzaGoogleKeyVariant0123456789abc")
    assert ai_service.chat("gemini-2.5-flash", "q").ok
    assert fake_providers.requests[-1].headers["x-goog-api-key"] == "AIzaGoogleKeyVariant0123456789abc"


def test_truncated_stream_without_finish_reason_is_truncated(fake_providers):
    fake_providers.script("gemini-2.5-flash", chunks=["Part", " of it"], truncate=True)
    with pytest.raises(errors.TruncatedStreamError):
        list(ai_service.stream("gemini-2.5-flash", "q"))
    assert ledger()[0].status == "truncated"


def test_malformed_chunk_is_truncated(fake_providers):
    fake_providers.script("gemini-2.5-flash", chunks=["a", "b"], malformed=True)
    with pytest.raises(errors.TruncatedStreamError, match="malformed"):
        list(ai_service.stream("gemini-2.5-flash", "q"))
    assert ledger()[0].status == "truncated"


def test_stalled_stream_ends_with_a_timeout(fake_providers):
    fake_providers.script("gemini-2.5-flash", chunks=["first", " never"], stall=5.0)
    with pytest.raises(errors.ProviderTimeoutError):
        list(ai_service.stream("gemini-2.5-flash", "q", timeout=0.3))
    assert (ledger()[0].status, ledger()[0].error_class) == ("truncated", "ProviderTimeoutError")


def test_not_found_keeps_the_vendor_message_and_never_the_key(fake_providers):
    fake_providers.script("gemini-2.5-flash", status=404, error_message=f"models/x not found for key {KEY}")
    with pytest.raises(errors.ModelNotFoundError) as info:
        ai_service.chat("gemini-2.5-flash", "q")
    assert info.value.status_code == 404 and "not found" in str(info.value)
    [row] = ledger()
    assert KEY not in row.error_message and "Check the model id" in row.error_message
