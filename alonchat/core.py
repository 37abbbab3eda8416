"""The value types every part speaks (usage, requests, results, stream events) and the one token estimator."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Usage:
    """Token counts in one convention for every provider.

    input_tokens counts every prompt token (cache reads and writes included);
    output_tokens counts every generated token (reasoning included);
    cache_write_1h_tokens is the part of cache_write_tokens written to a 1-hour cache (Anthropic bills it apart).
    reported_cost_usd is the call's cost as the endpoint itself reported it (OpenRouter's usage.cost), if any.
    """

    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False
    cache_write_1h_tokens: int = 0
    reported_cost_usd: Decimal | None = None


class ChatOptions(BaseModel):
    """Per-call options; the schema doubles as the source of the playground's widgets."""

    model_config = ConfigDict(extra="forbid")

    system: str | None = Field(None, max_length=100_000, description="System prompt")
    temperature: float | None = Field(None, ge=0.0, le=2.0, description="Sampling temperature")
    max_tokens: int | None = Field(None, ge=1, le=1_000_000, description="Most tokens to generate")
    timeout: float = Field(60.0, gt=0, le=3600, description="Seconds without data before giving up")
    cache_prompt: Literal["5m", "1h"] | None = Field(None, description=(
        "Ask the provider to cache the prompt for 5 minutes or 1 hour (Anthropic's cache_control); "
        "later calls with the same prompt read it at the cache-read price."))


Message = dict[str, str]  # {"role": "user" | "assistant" | "system", "content": "..."}


@dataclass
class ChatRequest:
    model_id: str
    messages: list[Message]
    options: ChatOptions = field(default_factory=ChatOptions)


@dataclass
class TextDelta:
    text: str


@dataclass
class StreamEnd:
    """The last event of a stream: usage and the finish reason."""

    usage: Usage
    finish_reason: str


@dataclass
class ThinkingDelta:
    """Reasoning or thinking text (or its summary) a provider streams apart from the answer; never part of it."""

    text: str


@dataclass(frozen=True)
class RetryNotice:
    """The service waits before trying again: the playground's pane and the CLI's stderr say so."""

    attempt: int  # the attempt about to start (2 = the first retry)
    attempts: int  # the most attempts this call may make
    wait_seconds: float
    reason: str  # what failed, for the user: "rate limited", "server error", "connection failed", ...


StreamEvent = TextDelta | ThinkingDelta | StreamEnd


@dataclass
class ChatResult:
    content: str
    usage: Usage
    finish_reason: str


_WORDS = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate (words and punctuation, long words split by 4 chars); always labelled an estimate."""
    return sum(max(1, -(-len(w) // 4)) for w in _WORDS.findall(text or ""))


def estimate_prompt_tokens(request: ChatRequest) -> int:
    """The prompt's estimated tokens: the system text and each message counted on its own."""
    return estimate_tokens(request.options.system or "") + sum(estimate_tokens(m["content"]) for m in request.messages)


def estimated_usage(request: ChatRequest, content: str = "") -> Usage:
    """Usage counted by us, labelled estimated: for a server that reports none, or a call that broke."""
    return Usage(input_tokens=estimate_prompt_tokens(request), output_tokens=estimate_tokens(content),
                 estimated=True)
