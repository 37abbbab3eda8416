"""GeminiProvider through the real google-genai SDK over HTTP against the fake server, via ai_service."""

from __future__ import annotations

import pytest

from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.providers.registry import registry
from tests.fake_server import FAKE_KEYS

KEY = FAKE_KEYS["GEMINI_API_KEY"]


def test_chat_and_stream_use_the_sdk_default_version_sse_and_the_key_header(fake_providers):
    ai_service.chat("gemini-2.5-flash", "q")
    list(ai_service.stream("gemini-2.5-flash", "hi"))
    chat, stream = fake_providers.requests
    assert chat.path == "/v1/models/gemini-2.5-flash:generateContent"  # the SDK's default version
    assert chat.headers["x-goog-api-key"] == KEY
    assert stream.path.endswith(":streamGenerateContent") and stream.query == {"alt": ["sse"]}


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
