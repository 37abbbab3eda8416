"""AIService: resolve a model, call its provider with retries, price the call and record it."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from types import ModuleType

import pydantic

from ..access import identity
from ..catalog.validation import errors_of
from ..core.errors import (
    AlonChatError,
    CancelledError,
    ContextWindowError,
    ProviderError,
    ProviderTimeoutError,
    ValidationError,
    retry_reason,
)
from ..core.pricing import cache_savings_usd, cost_usd, receipt
from ..core.text import scrub_exception
from ..core.tokens import estimate_prompt_tokens, estimated_usage
from ..core.types import SOURCES, ChatOptions, ChatRequest, Message, RetryNotice, ThinkingDelta, Usage
from . import attempt, inputs
from .attempt import RetryPolicy
from .result import CallResult


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
catalog = LazyModule("alonchat.catalog.models")
ledger = LazyModule("alonchat.usage.ledger")
reservations = LazyModule("alonchat.usage.reservations")
teams = LazyModule("alonchat.access.teams")

# The output a budget reserves for when neither the call nor the catalog gives a maximum (nor a context window).
FALLBACK_MAX_OUTPUT = 4096


def _options(spec: catalog.ModelSpec, options: dict) -> ChatOptions:
    """Validate options as a whole, then against the model's own limits."""
    try:
        opts = ChatOptions(**options)
    except pydantic.ValidationError as e:
        raise ValidationError(errors_of(ChatOptions, e)) from e  # "Temperature must be at most 2.", not pydantic's
    if opts.max_tokens is not None and spec.max_tokens and opts.max_tokens > spec.max_tokens:
        raise ValidationError({"max_tokens": f"{spec.name} generates at most {spec.max_tokens} tokens; "
                                             f"ask for {spec.max_tokens} or fewer."})
    return opts


def check_context(spec: catalog.ModelSpec, request: ChatRequest) -> None:
    """Refuse a prompt (plus the max tokens asked for) that cannot fit the model's window; unknown windows pass."""
    if not spec.context_window:
        return
    prompt, output = estimate_prompt_tokens(request), request.options.max_tokens or 0
    if prompt + output > spec.context_window:
        raise ContextWindowError(spec.name, prompt, output, spec.context_window)


def _messages(messages: list[Message] | str) -> list[Message]:
    return inputs.check_messages(messages)


class AIService:
    """The engine's front door: pages, the CLI and scripts all call models through it."""

    def __init__(self, registry=None, retry: RetryPolicy | None = None, sleep=time.sleep):
        self._registry = registry
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    @property
    def registry(self):
        """The registry given, or the process's own, looked up at first use (it reads the catalog's endpoints)."""
        if self._registry is None:
            from ..providers.registry import registry

            self._registry = registry
        return self._registry

    # --- one call -----------------------------------------------------
    def chat(self, model_name: str, messages: list[Message] | str, *, user: str | None = None,
             conversation_id: int | None = None, cancel: threading.Event | None = None, source: str = "api",
             source_id: int | None = None, **options) -> CallResult:
        """Call a model and wait for the whole answer; raises the typed error (with `.result`) on failure.

        Setting `cancel` stops the wait within attempt.POLL_SECONDS and records 'cancelled'. `source` (one of
        core.types.SOURCES) and `source_id` (an eval run's or arena battle's id) are kept on the ledger row.
        """
        result = None
        for item in self._run(model_name, messages, user, conversation_id, options, streaming=False,
                              cancel=cancel, source=(source, source_id)):
            if isinstance(item, CallResult):  # retry notices are for streams' consumers
                result = item
        return result

    def stream(self, model_name: str, messages: list[Message] | str, *, user: str | None = None,
               conversation_id: int | None = None, cancel: threading.Event | None = None, source: str = "api",
               source_id: int | None = None, **options) -> Iterator[str | ThinkingDelta | CallResult]:
        """Yield answer text (str), ThinkingDelta events and a RetryNotice before each retry, then the CallResult.

        Closing early, Ctrl+C, SIGTERM (as KeyboardInterrupt) or setting `cancel` records 'cancelled'.
        Callers skip event types they don't know.
        """
        return self._run(model_name, messages, user, conversation_id, options, streaming=True,
                         cancel=cancel, source=(source, source_id))

    def prepare(self, model_name: str, messages: list[Message] | str, **options):
        """Resolve the model and validate the request without calling it (for estimates and forms).

        Raises UnsupportedInputError (a ValidationError) when the model can't take an attachment or a
        reasoning setting: the playground skips that pane, the CLI exits 2.
        """
        spec = catalog.resolve(model_name)
        return spec, self._request(spec, messages, options)

    def check(self, model_name: str, messages: list[Message] | str, **options) -> None:
        """Raise what a call would be refused for before sending (unknown model, bad options, context window)."""
        self.prepare(model_name, messages, **options)

    def warm(self, model: str | catalog.ModelSpec) -> None:
        """Build the model's SDK client now, so a first call pays no import or set-up; problems wait for the call."""
        try:
            spec = catalog.resolve(model) if isinstance(model, str) else model
            self.registry.get(spec.provider).warm()
        except Exception:  # the real call reports any problem, with its ledger row
            pass

    def accepts(self, model: str | catalog.ModelSpec) -> inputs.Accepts:
        """What a model takes (reasoning, images, PDFs) and which set options its provider does not send."""
        spec = catalog.resolve(model) if isinstance(model, str) else model
        return inputs.accepts(spec, self._not_sent(spec))

    def _not_sent(self, spec: catalog.ModelSpec) -> frozenset[str]:
        try:
            return self.registry.get(spec.provider).ignored_options
        except AlonChatError:  # an unknown provider fails later, as a recorded call
            return frozenset()

    def _request(self, spec: catalog.ModelSpec, messages, options: dict) -> ChatRequest:
        request = ChatRequest(spec.model_id, _messages(messages), _options(spec, options))
        inputs.check_supported(self.accepts(spec), request.messages, request.options)
        if not spec.supports_reasoning and request.options.reasoning_effort == "none":
            # "No reasoning" is what such a model does anyway; sending it would make its API refuse the call.
            request.options = request.options.model_copy(update={"reasoning_effort": None})
        check_context(spec, request)
        try:
            provider = self.registry.get(spec.provider)
        except AlonChatError:  # an unknown provider fails later, as a recorded call
            return request
        provider.check_request(request)  # what the vendor's API would refuse, refused before any request
        return request

    def estimate(self, model_name: str, messages: list[Message] | str, **options) -> Decimal | None:
        """Estimated cost of sending this prompt (input side only); None when unpriced."""
        spec, request = self.prepare(model_name, messages, **options)
        return self.registry.get(spec.provider).estimate_cost(request, spec.prices)

    def _run(self, model_name, messages, user, conversation_id, options, *, streaming, cancel=None,
             source=("api", None)):
        user = user or identity.current_user()
        start = time.perf_counter()
        if source[0] not in SOURCES:
            raise ValidationError({"source": f"Unknown call source {source[0]!r}; use one of {', '.join(SOURCES)}."})
        result = CallResult(model=model_name, source=source[0], source_id=source[1])
        content: list[str] = []
        held: list = []  # the call's budget reservation, released once its row is in the ledger
        # Bad input (an unknown model, bad options, a prompt over the window) is not a call: nothing is recorded.
        spec = catalog.resolve(model_name)
        result.model, result.provider, result.model_id = spec.name, spec.provider, spec.model_id
        request = self._request(spec, messages, options)
        result.options, result.skipped_options = inputs.sent_options(request.options, self._not_sent(spec))
        try:
            self._check_budget(user, spec, request, held)
            provider = self.registry.get(spec.provider)
            provider.ensure_configured()
            # Timings start when the request goes out: the checks above (budget reservation, registry) and a
            # cold client are not the model's latency (warm the client first: Provider.warm, ParallelRun).
            start = time.perf_counter()
            retried = 0
            while True:
                if cancel is not None and cancel.is_set():  # stopped before (re)sending: nothing goes out
                    raise CancelledError()
                result.sent = True
                try:
                    if streaming:
                        yield from attempt.stream_once(provider, request, result, content, start, cancel)
                    else:
                        reply = attempt.chat_once(provider, request, cancel)
                        content.append(reply.content)
                        result.usage, result.finish_reason = reply.usage, reply.finish_reason
                        result.thinking = reply.thinking or ""
                        result.ttft_ms = (time.perf_counter() - start) * 1000
                    break
                except ProviderError as e:
                    # Only a call that has shown nothing yet can be retried without duplicating text.
                    if not e.retryable or retried >= self.retry.retries or content:
                        raise
                    wait = self.retry.delay(retried, e)
                    refused = self.retry.refuse_wait(e, wait, request.options.timeout)
                    if refused is not None:
                        raise refused from e
                    # A refused request (429, 5xx) or one that never connected used nothing; a timed-out one may have.
                    result.sent = isinstance(e, ProviderTimeoutError)
                    retried += 1
                    yield RetryNotice(retried + 1, self.retry.retries + 1, wait, retry_reason(e))
                    self._wait(wait, cancel)
            self._price(result, spec)
        except (GeneratorExit, KeyboardInterrupt, SystemExit) as e:
            # The consumer stopped (closed the stream, Ctrl+C, SIGTERM): what was sent is still billed.
            why = ("The stream was closed before it finished." if isinstance(e, GeneratorExit)
                   else "Interrupted before the answer finished.")
            self._finish(result, CancelledError(why), start, user, conversation_id, content, spec, request, held)
            raise
        except AlonChatError as e:
            scrub_exception(e)  # the SDK error chained to it may hold the key or the URL's password
            self._finish(result, e, start, user, conversation_id, content, spec, request, held)
            raise
        except Exception as e:  # an unmapped bug in a provider is still recorded, then surfaced
            scrub_exception(e)
            self._finish(result, ProviderError(f"{type(e).__name__}: {e}", provider=spec.provider),
                         start, user, conversation_id, content, spec, request, held)
            raise
        except BaseException:
            while held:  # an interruption that skipped _finish must not keep money held
                reservations.release(held.pop())
            raise
        self._finish(result, None, start, user, conversation_id, content, spec, held=held)
        yield result

    def _wait(self, seconds: float, cancel: threading.Event | None) -> None:
        """Wait before a retry; Stop (the cancel event) ends the wait at once."""
        if cancel is None:
            self._sleep(seconds)
        elif cancel.wait(seconds):
            raise CancelledError()

    @staticmethod
    def ceiling_usd(spec: catalog.ModelSpec, request: ChatRequest) -> Decimal | None:
        """The most this call can cost: its estimated input plus its maximum output, at the model's prices."""
        prompt = estimate_prompt_tokens(request)
        most = request.options.max_tokens or spec.max_tokens
        if most is None:
            most = max(spec.context_window - prompt, 1) if spec.context_window else FALLBACK_MAX_OUTPUT
        return cost_usd(Usage(input_tokens=prompt, output_tokens=most, estimated=True), spec.prices)

    def _check_budget(self, user: str, spec: catalog.ModelSpec, request: ChatRequest, held: list) -> None:
        """Hold the call's ceiling against the budgets covering it, or refuse it (see usage/reservations.py)."""
        reservation = reservations.reserve(user, teams.team_of(user), self.ceiling_usd(spec, request))
        if reservation is not None:
            held.append(reservation)

    def _finish(self, result: CallResult, error: AlonChatError | None, start: float, user: str,
                conversation_id: int | None, content: list[str], spec=None, request=None,
                held: list | None = None) -> None:
        result.latency_ms = (time.perf_counter() - start) * 1000
        result.content = "".join(content)
        if error is not None:
            result.status, result.error = error.status, error
            error.result = result
            if spec is not None and request is not None:
                self._price_partial(result, spec, request)
        r = result.receipt
        result.usage_id = ledger.record(ledger.UsageEntry(
            user=user, model_name=result.model, provider=result.provider or "unknown",
            model_id=result.model_id, usage=result.usage, cost_usd=result.cost_usd,
            cache_savings_usd=result.cache_savings_usd,
            cache_write_usd=r and r.amount("cache_write_price", "cache_write_1h_price"),
            cache_write_1h_usd=r and r.amount("cache_write_1h_price"),
            tier_threshold=r and r.tier and r.tier.threshold,
            price_id=spec.price_version.id if spec is not None and spec.price_version else None,
            cost_mismatch=bool(r and r.cost_mismatch),
            latency_ms=result.latency_ms, ttft_ms=result.ttft_ms, status=result.status,
            error_class=type(error).__name__ if error else None,
            error_message=str(error) if error else None, conversation_id=conversation_id,
            options=result.options or None,
            team=teams.team_of(user), source=result.source, source_id=result.source_id,
        ))
        while held:  # settled: the real cost is in the ledger now, so the hold can go
            reservations.release(held.pop())

    @staticmethod
    def _price_partial(result: CallResult, spec, request: ChatRequest) -> None:
        """A call that broke after the provider took it is still billed: estimate what it used, and price that.

        Cancelled and truncated calls (and any that streamed text) consumed the prompt and what was
        generated; the provider reported no usage, so both sides are estimated and labelled as such.
        A call refused outright (401, 429, a budget) used nothing: it gets no cost at all.
        """
        if not result.sent and not result.content:
            return
        if result.usage == Usage() and (result.content or result.status in ("cancelled", "truncated")):
            result.usage = estimated_usage(request, result.content + result.thinking)
        if result.usage == Usage():
            return
        AIService._price(result, spec)

    @staticmethod
    def _price(result: CallResult, spec) -> None:
        """Price the call once, with its receipt (pricing.receipt is the one cost computation)."""
        result.receipt = receipt(result.usage, spec.prices, spec.price_version)
        result.cost_usd = result.receipt.total
        result.cache_savings_usd = cache_savings_usd(result.usage, spec.prices)

    # --- several models -----------------------------------------------
    def compare(self, model_names: list[str], messages: list[Message] | str, *,
                on_delta: Callable[[int, str], None] | None = None,
                on_result: Callable[[CallResult], None] | None = None, user: str | None = None,
                conversation_id: int | None = None, **options) -> list[CallResult]:
        """Run every model at once (wall time ≈ the slowest); one failure never stops the others."""

        def one(i: int, name: str) -> CallResult:
            result = run(i, name)
            if on_result is not None:
                on_result(result)
            return result

        cancel = threading.Event()  # set when the caller is interrupted: every call stops and records itself

        def run(i: int, name: str) -> CallResult:
            try:
                if on_delta is None:
                    return self.chat(name, messages, user=user, conversation_id=conversation_id, cancel=cancel,
                                     **options)
                final = None
                for item in self.stream(name, messages, user=user, conversation_id=conversation_id,
                                        cancel=cancel, **options):
                    if isinstance(item, str):
                        on_delta(i, item)
                    elif isinstance(item, CallResult):  # other events (thinking, retries) are not answer text
                        final = item
                return final
            except AlonChatError as e:
                return getattr(e, "result", None) or CallResult(model=name, status=e.status, error=e)

        if not model_names:
            raise ValidationError({"models": "Pick at least one model."})
        pool = ThreadPoolExecutor(max_workers=len(model_names), thread_name_prefix="compare")
        try:
            futures = [pool.submit(one, i, name) for i, name in enumerate(model_names)]
            return [f.result() for f in futures]
        except BaseException:
            # Ctrl+C (or an on_delta that raised): the other calls stop within a moment, each recorded as
            # cancelled, instead of running to their end while the caller waits.
            cancel.set()
            raise
        finally:
            pool.shutdown(wait=True)


ai_service = AIService()
