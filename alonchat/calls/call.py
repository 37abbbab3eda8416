"""One call in flight: the record the service builds once, and how it ends (priced, written down, its hold dropped).

The record holds what the call is (the catalog entry, the checked request, the provider, who and which
team, where it came from) and what it has done so far (its text, its timings, its budget hold, its
result). `finish` is the one way a call ends, whatever ended it: ok, failed, cut or stopped.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING

from ..core.errors import AlonChatError
from ..core.pricing import cache_savings_usd, cost_usd, receipt
from ..core.tokens import estimate_prompt_tokens, estimated_usage
from ..core.types import ChatRequest, Usage
from ..usage import budget_scopes
from . import interrupts
from .result import CallResult

if TYPE_CHECKING:
    from ..catalog.models import ModelSpec
    from ..providers.base import Provider
    from ..usage.reservations import Reservation


class LazyModule:
    """Stands for a module until an attribute is read, then imports it (thread-safe: the import system locks)."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str):
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{'' if self._module is None else ' (loaded)'}>"


# Imported at the first call, not with this module: they bring SQLAlchemy and the ORM tables (bench/startup.py).
ledger = LazyModule("alonchat.usage.ledger")
reservations = LazyModule("alonchat.usage.reservations")

# The output a budget reserves for when neither the call nor the catalog gives a maximum (nor a context window).
FALLBACK_MAX_OUTPUT = 4096


@dataclass
class Call:
    """Everything about one call, resolved once before it is sent; `result` fills in as it runs."""

    spec: ModelSpec  # the catalog entry, read fresh for this call
    request: ChatRequest  # the messages and options, checked against the model
    provider: Provider | None  # None when there is no such provider: the call fails, recorded (`missing` says why)
    missing: AlonChatError | None
    user: str
    team: str  # the user's team now: their budget and their ledger row
    conversation_id: int | None
    result: CallResult
    clock: Callable[[], float] = time.perf_counter  # seconds; tests give one that moves only when told
    started: float = 0.0  # when the call began; again when its request goes out (timings are the model's)
    reservation: Reservation | None = None  # the budget held for it, dropped once its row is written
    parts: list[str] = field(default_factory=list)  # the answer as it arrived, joined once at the end

    def __post_init__(self) -> None:
        self.started = self.clock()

    def add_text(self, text: str) -> None:
        if self.result.ttft_ms is None:
            self.result.ttft_ms = self.elapsed_ms()
        self.parts.append(text)

    @property
    def shown(self) -> bool:
        """Whether any of the answer came back: it is never retried then (the text would come twice)."""
        return bool(self.parts or self.result.thinking)

    def elapsed_ms(self) -> float:
        return (self.clock() - self.started) * 1000

    def ceiling_usd(self) -> Decimal | None:
        """The most this call can cost: its estimated input plus its maximum output, at the model's prices."""
        spec, request = self.spec, self.request
        prompt = estimate_prompt_tokens(request)
        most = request.options.max_tokens or spec.max_tokens
        if most is None:
            most = max(spec.context_window - prompt, 1) if spec.context_window else FALLBACK_MAX_OUTPUT
        return cost_usd(Usage(input_tokens=prompt, output_tokens=most, estimated=True), spec.prices)

    def hold_budget(self) -> None:
        """Hold the call's ceiling against the budgets covering it, or refuse it (see usage/reservations.py).

        A call no budget covers holds nothing (and loads no more than the definitions it read).
        """
        if not budget_scopes.for_user(self.user, self.team):
            return
        with interrupts.critical():  # the hold is either the call's or not made: never made and lost
            self.reservation = reservations.reserve(self.user, self.team, self.ceiling_usd())

    def price(self) -> None:
        """Price the call once, with its receipt (pricing.receipt is the one cost computation)."""
        r = self.result
        r.receipt = receipt(r.usage, self.spec.prices, self.spec.price_version)
        r.cost_usd = r.receipt.total
        r.cache_savings_usd = cache_savings_usd(r.usage, self.spec.prices)

    def price_used(self) -> None:
        """A call that broke after the provider took it is still billed: estimate what it used, and price that.

        Cancelled and truncated calls (and any that streamed text) consumed the prompt and what was
        generated; the provider reported no usage, so both sides are estimated and labelled as such.
        A call refused outright (401, 429, a budget) used nothing: it gets no cost at all.
        """
        r = self.result
        if not r.sent and not r.content:
            return
        if r.usage == Usage() and (r.content or r.status in ("cancelled", "truncated")):
            r.usage = estimated_usage(self.request, r.content + r.thinking)
        if r.usage != Usage():
            self.price()

    def entry(self):
        """The call's ledger row."""
        r, error = self.result, self.result.error
        rec = r.receipt
        version = self.spec.price_version
        return ledger.UsageEntry(
            user=self.user, model_name=r.model, provider=r.provider or "unknown", model_id=r.model_id,
            usage=r.usage, cost_usd=r.cost_usd, cache_savings_usd=r.cache_savings_usd,
            cache_write_usd=rec and rec.amount("cache_write_price", "cache_write_1h_price"),
            cache_write_1h_usd=rec and rec.amount("cache_write_1h_price"),
            tier_threshold=rec and rec.tier and rec.tier.threshold,
            price_id=version.id if version else None, cost_mismatch=bool(rec and rec.cost_mismatch),
            latency_ms=r.latency_ms, ttft_ms=r.ttft_ms, status=r.status,
            error_class=type(error).__name__ if error else None, error_message=str(error) if error else None,
            conversation_id=self.conversation_id, options=r.options or None, team=self.team,
            source=r.source, source_id=r.source_id)


def finish(call: Call, error: AlonChatError | None = None, *, interrupted: bool = False) -> CallResult:
    """End the call: price what it used, write its one ledger row, then drop its budget hold.

    No Ctrl+C cuts in (`interrupted`: one is already what ended the call). The hold goes after the row,
    so a reader counts the call once or twice, never zero times; and it goes even if the row could not be
    written, rather than holding the money for an hour.
    """
    with interrupts.critical(interrupted=interrupted):
        try:
            r = call.result
            r.latency_ms = call.elapsed_ms()
            r.content = "".join(call.parts)
            if error is not None:
                r.status, r.error = error.status, error
                error.result = r
                call.price_used()
            r.usage_id = ledger.record(call.entry())
        finally:
            held, call.reservation = call.reservation, None
            if held is not None:
                reservations.release(held)
    return r
