"""One attempt at a call: the request read so Stop is seen at once, and when a failed attempt is tried again.

Stop, Ctrl+C and SIGTERM act within a fraction of a second even while a provider is silent (pumped), a
reader that fell behind a fast stream catches up in one step (joined), and RetryPolicy decides the wait.
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from ..core.errors import CancelledError, ProviderError
from ..core.types import StreamEnd, TextDelta, ThinkingDelta

T = TypeVar("T")
POLL_SECONDS = 0.25  # how often a waiting caller looks at its cancel event
_END = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def pumped(make: Callable[[], Iterable[T]], cancel: threading.Event, poll: float = POLL_SECONDS) -> Iterator[list[T]]:
    """Iterate `make()` on a helper thread and yield what it read here, in batches; CancelledError once `cancel` is set.

    A blocking read (a stalled stream, a server that never answers) cannot be interrupted from
    another thread, so the read runs on its own daemon thread and the caller waits on a queue
    that it can stop waiting on. The helper closes the provider's iterator itself (generators
    cannot be closed from another thread) as soon as its read returns or times out.
    Each batch is everything read since the caller last looked: a caller that fell behind a fast
    stream catches up in one step instead of one step per token.
    """
    out: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        events, outcome = None, _END
        try:
            events = make()
            for item in events:
                if stop.is_set():
                    break
                out.put(item)
        except BaseException as e:  # handed to the caller, who decides
            outcome = _Failed(e)
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # the caller has the outcome already; closing is best effort
                    pass
            out.put(outcome)

    threading.Thread(target=work, name="provider-read", daemon=True).start()
    try:
        while True:
            try:
                item = out.get(timeout=poll)
            except queue.Empty:
                if cancel.is_set():
                    raise CancelledError() from None
                continue
            batch = []
            while item is not _END and not isinstance(item, _Failed):
                batch.append(item)
                try:
                    item = out.get_nowait()
                except queue.Empty:
                    item = None
                    break
            if batch:
                yield batch
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
    finally:
        stop.set()


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


def joined(batch: Iterable) -> Iterator:
    """The batch's events in order, each run of text deltas joined into one (so a late reader sends one update)."""
    texts: list[str] = []
    for event in batch:
        if isinstance(event, TextDelta):
            texts.append(event.text)
            continue
        if texts:
            yield TextDelta("".join(texts))
            texts = []
        yield event
    if texts:
        yield TextDelta("".join(texts))


def chat_once(call, cancel: threading.Event | None) -> None:
    """One whole-answer request into `call`; with a cancel event it waits on a helper thread: Stop is seen at once."""
    provider, request = call.provider, call.request
    if cancel is None:
        reply = provider.chat(request)
    else:
        reply = next((batch[0] for batch in pumped(lambda: (provider.chat(request),), cancel)), None)
        if reply is None:
            raise CancelledError()
    r = call.result
    r.ttft_ms = call.elapsed_ms()
    if reply.content:
        call.add_text(reply.content)
    r.usage, r.finish_reason, r.thinking = reply.usage, reply.finish_reason, reply.thinking or ""


def stream_once(call, cancel: threading.Event | None) -> Iterator[TextDelta | ThinkingDelta]:
    """One streamed request: yields its text and thinking as they arrive, and keeps them (and the end) in `call`.

    With a cancel event (the playground, several CLI models) the read runs on a helper thread, so Stop is
    seen within POLL_SECONDS even while the provider sends nothing.
    """
    provider, request, r = call.provider, call.request, call.result
    if cancel is None:
        events = provider.stream(request)
        batches = ((event,) for event in events)
    else:
        batches = events = pumped(lambda: provider.stream(request), cancel)
    try:
        for batch in batches:
            if cancel is not None and cancel.is_set():
                raise CancelledError()
            for event in joined(batch):
                match event:
                    case StreamEnd(usage=usage, finish_reason=reason):
                        r.usage, r.finish_reason = usage, reason
                    case TextDelta(text=text) if text:
                        call.add_text(text)
                        yield event
                    case ThinkingDelta(text=text) if text:
                        r.thinking += text
                        yield event
    finally:
        close = getattr(events, "close", None)
        if close:
            close()
