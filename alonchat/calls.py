"""What one call produced (CallResult) and how a failed one is retried (RetryPolicy): the service's value types."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from .core import Usage
from .errors import AlonChatError, ProviderError
from .pricing import Receipt
from .redact import redact


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

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def error_message(self) -> str | None:
        return redact(str(self.error)) if self.error else None

    @property
    def tokens_per_second(self) -> float | None:
        """Output speed after the first token, the figure people compare models by."""
        if not self.usage.output_tokens or self.ttft_ms is None:
            return None
        gen_ms = self.latency_ms - self.ttft_ms
        return self.usage.output_tokens / (gen_ms / 1000) if gen_ms > 0 else None

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


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for transient failures; Retry-After wins when the provider sends it."""

    retries: int = 2
    base: float = 0.5
    cap: float = 30.0  # the longest backoff of our own
    max_wait: float = 30.0  # the longest Retry-After we accept (and never more than the call's timeout)

    def delay(self, attempt: int, error: ProviderError) -> float:
        if error.retry_after is not None:
            return error.retry_after  # never sooner: the provider counts an early retry against the user
        return min(self.base * 2**attempt, self.cap) * (0.5 + random.random() / 2)

    def refuse_wait(self, error: ProviderError, wait: float, timeout: float) -> ProviderError | None:
        """The error to fail with at once when the provider asks for a longer wait than the user accepts."""
        accepted = min(self.max_wait, timeout)
        if error.retry_after is None or wait <= accepted:
            return None
        return type(error)(f"{error} The provider asked to wait {wait:g} s before trying again, more than the "
                           f"{accepted:g} s this call accepts, so it was not retried: try again in {wait:g} s.",
                           provider=error.provider, status_code=error.status_code, retry_after=error.retry_after)
