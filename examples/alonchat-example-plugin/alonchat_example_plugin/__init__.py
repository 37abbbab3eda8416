"""An example AlonChat provider plugin: a keyless model that streams the prompt back reversed."""

from __future__ import annotations

import time
from collections.abc import Iterator

from alonchat import estimate_tokens
from alonchat.providers import ChatRequest, ChatResult, Provider, StreamEnd, TextDelta, Usage


class ReverseProvider(Provider):
    """Replies with the last user message reversed, word by word; needs no key and no network."""

    name = "reverse"
    display_name = "Reverse (example plugin)"

    def required_env_vars(self) -> list[str]:
        return []  # keyless; a real plugin lists its key's env var here, e.g. ["ACME_API_KEY"]

    def _pieces(self, request: ChatRequest) -> list[str]:
        last = next((m["content"] for m in reversed(request.messages) if m["role"] == "user"), "")
        words = last[::-1].split(" ")
        return [w + " " for w in words[:-1]] + [words[-1]]

    def _usage(self, request: ChatRequest, text: str) -> Usage:
        # Nobody counted real tokens here: say so, and the ledger labels the counts as estimates.
        prompt = (request.options.system or "") + "".join(m["content"] for m in request.messages)
        return Usage(input_tokens=estimate_tokens(prompt), output_tokens=estimate_tokens(text), estimated=True)

    def stream(self, request: ChatRequest) -> Iterator[TextDelta | StreamEnd]:
        delay = float(self.setting("REVERSE_DELAY_MS") or 0) / 1000  # optional, to watch it stream
        pieces = self._pieces(request)
        for piece in pieces:
            if delay:
                time.sleep(delay)
            yield TextDelta(piece)
        yield StreamEnd(self._usage(request, "".join(pieces)), "stop")

    def chat(self, request: ChatRequest) -> ChatResult:
        text = "".join(self._pieces(request))
        return ChatResult(text, self._usage(request, text), "stop")
