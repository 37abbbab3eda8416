"""A keyless offline provider: a fresh install can chat, stream and be priced with no API key."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..core import ChatRequest, ChatResult, StreamEnd, TextDelta, Usage, estimate_prompt_tokens, estimate_tokens
from .base import Provider


class EchoProvider(Provider):
    """Streams back a deterministic reply built from the last user turn (a demo, like promptfoo's echo)."""

    name = "echo"
    display_name = "Echo (offline demo)"

    def _delay(self) -> float:
        # A small per-word pause so streaming is visible in the playground; 0 in tests and benches.
        return float(self.setting("ALONCHAT_ECHO_DELAY_MS") or 15) / 1000

    @staticmethod
    def reply(request: ChatRequest) -> str:
        last = next((m["content"] for m in reversed(request.messages) if m["role"] == "user"), "")
        turns = sum(1 for m in request.messages if m["role"] == "user")
        words = len(last.split())
        return (
            f"Echo (demo, turn {turns}): you said \"{last}\" — {words} word{'s' if words != 1 else ''}, "
            f"{len(last)} characters. This offline model repeats your prompt so you can try "
            "AlonChat without an API key."
        )

    def _chunks(self, request: ChatRequest) -> tuple[list[str], str]:
        text = self.reply(request)
        limit = request.options.max_tokens
        pieces = [w + " " for w in text.split(" ")]
        pieces[-1] = pieces[-1].rstrip()
        out, used = [], 0
        for p in pieces:
            cost = estimate_tokens(p)
            if limit is not None and used + cost > limit:
                return out, "length"
            out.append(p)
            used += cost
        return out, "stop"

    def _usage(self, request: ChatRequest, content: str) -> Usage:
        # The echo model's own count: exact for it, so not flagged as an estimate.
        return Usage(input_tokens=estimate_prompt_tokens(request), output_tokens=estimate_tokens(content))

    def chat(self, request: ChatRequest) -> ChatResult:
        pieces, finish = self._chunks(request)
        content = "".join(pieces)
        return ChatResult(content, self._usage(request, content), finish)

    def stream(self, request: ChatRequest) -> Iterator[TextDelta | StreamEnd]:
        pieces, finish = self._chunks(request)
        delay = self._delay()
        for p in pieces:
            if delay:
                time.sleep(delay)
            yield TextDelta(p)
        yield StreamEnd(self._usage(request, "".join(pieces)), finish)
