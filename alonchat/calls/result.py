"""What one call produced, success or not: the same record for chat, stream, compare, the CLI and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..core.errors import AlonChatError
from ..core.pricing import Receipt
from ..core.text import redact
from ..core.types import RetryNotice, TextDelta, ThinkingDelta, Usage

# Below this much streaming after the first token (an answer of a chunk or two) a rate is noise, not a speed:
# one chunk of 19 tokens 0.2 ms after the first showed "94,972.1 tok/s". Such an answer shows no rate.
MIN_RATE_MS = 250


@dataclass
class CallResult:
    """What one call produced, success or not; the same shape for chat, stream and compare."""

    model: str
    provider: str = ""
    model_id: str = ""
    content: str = ""
    usage: Usage = field(default_factory=Usage)
    cost_usd: Decimal | None = None
    cache_savings_usd: Decimal | None = None
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    status: str = "ok"
    finish_reason: str | None = None
    error: AlonChatError | None = None
    usage_id: int | None = None
    receipt: Receipt | None = None  # how cost_usd was reached: lines, tier, price version
    thinking: str = ""  # the model's thinking text (or summary), never part of `content`
    options: dict = field(default_factory=dict)  # the options sent, for display (inputs.sent_options)
    skipped_options: list[str] = field(default_factory=list)  # set but not sent: the provider's API refuses them
    # The provider may have taken the prompt: a request went out and was not refused. A call stopped before
    # that (Stop before sending, or during a wait to retry a refused request) used nothing and costs nothing.
    sent: bool = False
    source: str = "api"  # where the call came from (core.types.SOURCES), kept on its ledger row
    source_id: int | None = None  # the eval run or arena battle it belongs to

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def error_message(self) -> str | None:
        return redact(str(self.error)) if self.error else None

    @property
    def tokens_per_second(self) -> float | None:
        """Output speed after the first token, the figure people compare models by; None when the answer streamed
        for less than MIN_RATE_MS (a chunk or two: too short to measure a speed)."""
        if not self.usage.output_tokens or self.ttft_ms is None:
            return None
        gen_ms = self.latency_ms - self.ttft_ms
        return self.usage.output_tokens / (gen_ms / 1000) if gen_ms >= MIN_RATE_MS else None

    def to_json(self) -> dict:
        """The CLI's `--json` contract, one object per model."""
        u = self.usage
        return {
            "model": self.model,
            "provider": self.provider,
            "content": self.content,
            "input_tokens": u.input_tokens,
            "cached_input_tokens": u.cached_input_tokens,
            "cache_write_tokens": u.cache_write_tokens,
            "output_tokens": u.output_tokens,
            "reasoning_tokens": u.reasoning_tokens,
            "cost_usd": None if self.cost_usd is None else float(self.cost_usd),
            "latency_ms": round(self.latency_ms, 1),
            "ttft_ms": None if self.ttft_ms is None else round(self.ttft_ms, 1),
            "status": self.status,
            "error": self.error_message,
            "thinking": self.thinking,
            "options": self.options,
            "skipped_options": self.skipped_options,
        }


# What a call's stream yields, from the provider's wire to the pane: its text and thinking as they come, a notice
# before each retry, then its result. The service, ParallelRun, the CLI and the playground all speak it.
CallEvent = TextDelta | ThinkingDelta | RetryNotice | CallResult
