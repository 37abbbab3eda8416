"""A keyless offline provider: a fresh install can chat, stream and be priced with no API key."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..core.tokens import estimate_prompt_tokens, estimate_tokens
from ..core.types import ChatRequest, ChatResult, StreamEnd, TextDelta, ThinkingDelta, Usage
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
        last_turn = next((m for m in reversed(request.messages) if m["role"] == "user"), {"content": ""})
        last = last_turn["content"]
        turns = sum(1 for m in request.messages if m["role"] == "user")
        words = len(last.split())
        files = [f"{a.name} ({a.media_type}, {len(a.data):,} bytes)" for a in last_turn.get("attachments") or ()]
        seen = f" You attached {', '.join(files)}." if files else ""
        return (
            f"Echo (demo, turn {turns}): you said \"{last}\" — {words} word{'s' if words != 1 else ''}, "
            f"{len(last)} characters.{seen} This offline model repeats your prompt so you can try "
            "AlonChat without an API key."
        )

    @staticmethod
    def thinking(request: ChatRequest) -> str:
        """A short deterministic "thinking" text when reasoning is asked for, so the playground shows it offline."""
        opts = request.options
        effort = opts.reasoning_effort or ("medium" if opts.reasoning_budget else None)
        if effort in (None, "none"):
            return ""
        steps = {"minimal": 1, "low": 2, "medium": 3, "high": 4}[effort]
        lines = ["Reading the prompt.", "Counting its words and characters.", "Checking the attachments.",
                 "Writing the echo."][:steps]
        return f"(echo thinking at {effort} effort) " + " ".join(lines)

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

    def _usage(self, request: ChatRequest, content: str, thinking: str = "") -> Usage:
        # The echo model's own count: exact for it, so not flagged as an estimate.
        reasoning = estimate_tokens(thinking)
        return Usage(input_tokens=estimate_prompt_tokens(request), output_tokens=estimate_tokens(content) + reasoning,
                     reasoning_tokens=reasoning)

    def chat(self, request: ChatRequest) -> ChatResult:
        pieces, finish = self._chunks(request)
        content, thinking = "".join(pieces), self.thinking(request)
        return ChatResult(content, self._usage(request, content, thinking), finish, thinking)

    def stream(self, request: ChatRequest) -> Iterator[TextDelta | ThinkingDelta | StreamEnd]:
        pieces, finish = self._chunks(request)
        delay = self._delay()
        thinking = self.thinking(request)
        for sentence in thinking.split(". ") if thinking else ():
            if delay:
                time.sleep(delay)
            yield ThinkingDelta(sentence if sentence.endswith(".") else sentence + ". ")
        for p in pieces:
            if delay:
                time.sleep(delay)
            yield TextDelta(p)
        yield StreamEnd(self._usage(request, "".join(pieces), thinking), finish)
