"""AnthropicProvider through the real anthropic SDK over HTTP against the fake server, via ai_service."""

from __future__ import annotations

from alonchat.calls.service import ai_service
from tests.fake_server import FAKE_KEYS

KEY = FAKE_KEYS["ANTHROPIC_API_KEY"]


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
    assert first.headers["authorization"] == f"Bearer {KEY}"
