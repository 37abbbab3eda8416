"""AIService: the engine's front door. It builds one record per call, runs its attempts, and ends it (calls/call.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal

from ..access import identity
from ..core.errors import (
    AlonChatError,
    CancelledError,
    ContextWindowError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    TruncatedStreamError,
    UnsupportedInputError,
    ValidationError,
    retry_reason,
)
from ..core.text import scrub_exception
from ..core.tokens import estimate_prompt_tokens
from ..core.types import SOURCES, ChatOptions, ChatRequest, Message, RetryNotice, TextDelta
from . import attempt, inputs, interrupts
from .attempt import RetryPolicy
from .call import Call, LazyModule, finish
from .result import CallEvent, CallResult

# Imported at the first call, not with this module: they bring SQLAlchemy and the ORM tables (bench/startup.py).
catalog = LazyModule("alonchat.catalog.lookup")
teams = LazyModule("alonchat.access.teams")


def _options(spec: catalog.ModelSpec, options: dict) -> ChatOptions:
    """Validate options as a whole, then against the model's own limits."""
    try:
        opts = ChatOptions.of(options)
    except ValueError as e:  # pydantic's ValidationError: pydantic is loaded only when some option is set
        import pydantic

        from ..catalog.validation import errors_of
        from ..core.options import schema

        if not isinstance(e, pydantic.ValidationError):
            raise
        raise ValidationError(errors_of(schema(), e)) from e  # "Temperature must be at most 2.", not pydantic's
    if opts.max_tokens is not None and spec.max_tokens and opts.max_tokens > spec.max_tokens:
        raise ValidationError({"max_tokens": f"{spec.name} generates at most {spec.max_tokens} tokens; "
                                             f"ask for {spec.max_tokens} or fewer."})
    return opts


def check_context(spec: catalog.ModelSpec, request: ChatRequest, rule: str = "openai") -> None:
    """Refuse a prompt (plus the max tokens asked for) that cannot fit the model's window; unknown windows pass.

    `rule`: the provider's estimate rule, the one its quote counts by (the playground's gauge shows that count)."""
    if not spec.context_window:
        return
    prompt, output = estimate_prompt_tokens(request, rule), request.options.max_tokens or 0
    if prompt + output > spec.context_window:
        raise ContextWindowError(spec.name, prompt, output, spec.context_window)


def _cut_short(error: ProviderError, call: Call) -> TruncatedStreamError | None:
    """A connection lost after part of the answer was shown ends the answer there: truncated, like a cut stream."""
    if not (isinstance(error, ProviderConnectionError) and call.shown):
        return None
    return TruncatedStreamError(f"The connection to {error.provider or call.spec.provider} was lost after part of the "
                                "answer was shown; the answer is incomplete. Try again.",
                                provider=error.provider, status_code=error.status_code)


class AIService:
    """The engine's front door: pages, the CLI and scripts all call models through it."""

    def __init__(self, registry=None, retry: RetryPolicy | None = None, sleep=time.sleep, clock=time.perf_counter):
        self._registry = registry
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock  # what timings are read from (seconds)

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
        On the main thread the first Ctrl+C stops the call and later ones wait until it is recorded.
        """
        call = self._open(model_name, messages, user=user, conversation_id=conversation_id, source=source,
                         source_id=source_id, **options)
        with interrupts.guarded():
            *_, result = self._run(call, streaming=False, cancel=cancel)  # retry notices are for streams' consumers
        return result

    def stream(self, model_name: str, messages: list[Message] | str, *, user: str | None = None,
               conversation_id: int | None = None, cancel: threading.Event | None = None, source: str = "api",
               source_id: int | None = None, **options) -> Iterator[CallEvent]:
        """Yield TextDelta and ThinkingDelta events as they come, a RetryNotice before each retry, then the CallResult.

        Bad input raises here, before anything is sent or recorded. Closing early, Ctrl+C, SIGTERM (as
        KeyboardInterrupt) or setting `cancel` records 'cancelled'.
        """
        call = self._open(model_name, messages, user=user, conversation_id=conversation_id, source=source,
                         source_id=source_id, **options)
        return self._run(call, streaming=True, cancel=cancel)

    def _open(self, model_name: str, messages: list[Message] | str, *, user: str | None = None,
             conversation_id: int | None = None, source: str = "api", source_id: int | None = None,
             **options) -> Call:
        """The record of one call, resolved once: the model, its provider, the checked request, the user's team.

        Bad input (an unknown model, bad options, a prompt over the window, an unknown source) raises here:
        it is not a call, and nothing is recorded.
        """
        user = identity.billed_user(user)  # the actor; an admin may name another user, a member never
        if source not in SOURCES:
            raise ValidationError({"source": f"Unknown call source {source!r}; use one of {', '.join(SOURCES)}."})
        spec = catalog.resolve(model_name)
        provider, missing = self._provider(spec)
        request = self._request(spec, provider, messages, options)
        result = CallResult(model=spec.name, provider=spec.provider, model_id=spec.model_id, source=source,
                            source_id=source_id)
        result.options, result.skipped_options = inputs.sent_options(request.options, _not_sent(provider))
        return Call(spec, request, provider, missing, user, teams.team_of(user), conversation_id, result, self._clock)

    def prepare(self, model_name: str, messages: list[Message] | str, **options):
        """Resolve the model and validate the request without calling it (for estimates and forms).

        Raises UnsupportedInputError (a ValidationError) when the model can't take an attachment or a
        reasoning setting: the playground skips that pane, the CLI exits 2.
        """
        spec = catalog.resolve(model_name)
        return spec, self._request(spec, self._provider(spec)[0], messages, options)

    def check(self, model_name: str, messages: list[Message] | str, **options) -> None:
        """Raise what a call would be refused for before sending (unknown model, bad options, context window)."""
        self.prepare(model_name, messages, **options)

    def quote(self, model_name: str, messages: list[Message] | str, **options) -> inputs.Quote:
        """What a pane shows before Send, from one lookup: whether the model takes this request (or why not), the
        estimated input cost, what each PER_WORDS more words of prompt add, and how much of the context window the
        request fills (estimated tokens). Never raises for the request."""
        try:
            spec = catalog.resolve(model_name)
            provider, missing = self._provider(spec)
            request = self._request(spec, provider, messages, options)
            if provider is None:
                raise missing
        except AlonChatError as e:
            return inputs.Quote(model_name, problem=inputs.problem_text(e),
                                unsupported=isinstance(e, UnsupportedInputError))
        base = provider.estimate_cost(request, spec.prices)
        longer = provider.estimate_cost(inputs.with_words(request, inputs.PER_WORDS), spec.prices)
        per = None if base is None or longer is None else max(Decimal(0), longer - base)
        return inputs.Quote(spec.name, input_usd=base, per_words_usd=per,
                            tokens=estimate_prompt_tokens(request, provider.estimate_rule),
                            window=spec.context_window or None, max_tokens=request.options.max_tokens)

    def request_code(self, model_name: str, messages: list[Message] | str, **options):
        """The request a call would send, as Python with the vendor's SDK and as curl (calls/code.py); keys elided.

        None for a provider that sends no request (the offline echo model); raises what a call would be refused for.
        """
        from .code import render

        spec, request = self.prepare(model_name, messages, **options)
        provider, missing = self._provider(spec)
        if provider is None:
            raise missing
        return render(provider, request)

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
        return inputs.accepts(spec, _not_sent(self._provider(spec)[0]))

    def estimate(self, model_name: str, messages: list[Message] | str, **options) -> Decimal | None:
        """Estimated cost of sending this prompt (input side only); None when unpriced."""
        spec = catalog.resolve(model_name)
        provider, missing = self._provider(spec)
        request = self._request(spec, provider, messages, options)
        if provider is None:
            raise missing
        return provider.estimate_cost(request, spec.prices)

    def _provider(self, spec: catalog.ModelSpec):
        """(the model's provider, None) or (None, why there is none): an unknown provider fails as a recorded call."""
        try:
            return self.registry.get(spec.provider), None
        except AlonChatError as e:
            return None, e

    def _request(self, spec: catalog.ModelSpec, provider, messages, options: dict) -> ChatRequest:
        request = ChatRequest(spec.model_id, inputs.check_messages(messages), _options(spec, options))
        inputs.check_supported(inputs.accepts(spec, _not_sent(provider)), request.messages, request.options)
        if not spec.supports_reasoning and request.options.reasoning_effort == "none":
            # "No reasoning" is what such a model does anyway; sending it would make its API refuse the call.
            request.options = replace(request.options, reasoning_effort=None)
        check_context(spec, request, getattr(provider, "estimate_rule", "openai"))
        if provider is not None:
            provider.check_request(request)  # what the vendor's API would refuse, refused before any request
        return request

    def _run(self, call: Call, *, streaming: bool, cancel: threading.Event | None) -> Iterator[CallEvent]:
        """Send the call (retrying what may be retried), then end it with `finish`, whatever happens."""
        result = call.result
        try:
            call.hold_budget()
            if call.provider is None:
                raise call.missing
            call.provider.ensure_configured()
            # Timings start when the request goes out: the budget hold and a cold client are not the model's
            # latency (warm the client first: Provider.warm, ParallelRun).
            call.started = call.clock()
            retried = 0
            while True:
                if cancel is not None and cancel.is_set():  # stopped before (re)sending: nothing goes out
                    raise CancelledError()
                result.sent = True
                try:
                    if streaming:
                        yield from attempt.stream_once(call, cancel)
                    else:
                        attempt.chat_once(call, cancel)
                    break
                except ProviderError as e:
                    # Only a call that has shown nothing yet can be retried without duplicating text.
                    if not e.retryable or retried >= self.retry.retries or call.shown:
                        cut = _cut_short(e, call)
                        if cut is None:
                            raise
                        raise cut from e
                    wait = self.retry.delay(retried, e)
                    refused = self.retry.refuse_wait(e, wait, call.request.options.timeout)
                    if refused is not None:
                        raise refused from e
                    # A refused request (429, 5xx) or one that never connected used nothing; a timed-out one may have.
                    result.sent = isinstance(e, ProviderTimeoutError)
                    retried += 1
                    yield RetryNotice(retried + 1, self.retry.retries + 1, wait, retry_reason(e))
                    self._wait(wait, cancel)
            call.price()
        except (GeneratorExit, KeyboardInterrupt, SystemExit) as e:
            # The consumer stopped (closed the stream, Ctrl+C, SIGTERM): what was sent is still billed.
            why = ("The stream was closed before it finished." if isinstance(e, GeneratorExit)
                   else "Interrupted before the answer finished.")
            finish(call, CancelledError(why), interrupted=not isinstance(e, GeneratorExit))
            raise
        except AlonChatError as e:
            scrub_exception(e)  # the SDK error chained to it may hold the key or the URL's password
            finish(call, e)
            raise
        except Exception as e:  # an unmapped bug in a provider is still recorded, then surfaced
            scrub_exception(e)
            finish(call, ProviderError(f"{type(e).__name__}: {e}", provider=call.spec.provider))
            raise
        yield finish(call)

    def _wait(self, seconds: float, cancel: threading.Event | None) -> None:
        """Wait before a retry; Stop (the cancel event) ends the wait at once."""
        if cancel is None:
            self._sleep(seconds)
        elif cancel.wait(seconds):
            raise CancelledError()

    # --- several models -----------------------------------------------
    def compare(self, model_names: list[str], messages: list[Message] | str, *,
                on_delta: Callable[[int, str], None] | None = None,
                on_result: Callable[[CallResult], None] | None = None, user: str | None = None,
                conversation_id: int | None = None, source: str = "api", source_id: int | None = None,
                **options) -> list[CallResult]:
        """Run every model at once (wall time ≈ the slowest); one failure never stops the others.

        The same ParallelRun as the CLI and the playground: streamed when `on_delta` wants the text as it
        comes (pane index, text), whole answers otherwise. Ctrl+C stops every call at once, each recorded.
        """
        from .parallel import PaneRequest, ParallelRun

        if not model_names:
            raise ValidationError({"models": "Pick at least one model."})
        run = ParallelRun([PaneRequest(name, messages, options) for name in model_names], service=self, user=user,
                          conversation_id=conversation_id, source=source, source_id=source_id,
                          on_result=None if on_result is None else lambda i, result: on_result(result),
                          streaming=on_delta is not None)
        with run:
            for event in run.events():
                if on_delta is not None and isinstance(event.event, TextDelta):
                    on_delta(event.pane, event.event.text)
        return [pane.result for pane in run.panes]


def _not_sent(provider) -> Mapping[str, str]:
    """The options a provider's API refuses (not sent, and said so), each with why; none for a missing provider."""
    return provider.ignored_options if provider is not None else {}


ai_service = AIService()
