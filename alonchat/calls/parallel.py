"""Run several model calls at once and hand their events to one consumer (the page's script, the CLI, compare())."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

from ..access import identity
from ..core.errors import AlonChatError, ProviderError
from ..core.types import Message, RetryNotice, TextDelta, ThinkingDelta
from . import interrupts
from .result import CallEvent, CallResult
from .service import AIService, ai_service

WARM_UP_SECONDS = 30.0  # the longest the panes wait for each other's client start-up before going anyway


@dataclass
class PaneRequest:
    """What one pane sends: its model, its own history plus the new prompt, and its options."""

    model: str
    messages: list[Message]
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PaneEvent:
    """One thing that happened in one pane: the service's own event (text, thinking, a retry notice, the result)."""

    pane: int
    event: CallEvent  # its result comes last


@dataclass
class PaneState:
    """What the consumer has seen of one pane so far; the page renders from this."""

    model: str
    text: str = ""
    thinking: str = ""
    notice: RetryNotice | None = None  # the latest retry wait, cleared by the next text
    notice_at: float = 0.0
    result: CallResult | None = None
    started: float = field(default_factory=time.perf_counter)

    @property
    def finished(self) -> bool:
        return self.result is not None

    @property
    def elapsed_s(self) -> float:
        if self.result is not None:
            return self.result.latency_ms / 1000
        return time.perf_counter() - self.started

    @property
    def retry_in_s(self) -> float | None:
        """Seconds left of the current retry wait (None when the pane is not waiting to retry)."""
        if self.notice is None or self.result is not None:
            return None
        return max(0.0, self.notice.wait_seconds - (time.perf_counter() - self.notice_at))


class ParallelRun:
    """One worker thread per pane makes its call; the consumer drains their events with `poll` or `events`.

    Workers never touch the UI (Streamlit elements must be updated from the script thread). Every
    worker first builds (warms) its provider's SDK client, then all wait at one barrier, so the
    panes' requests leave together and no pane's timing includes client start-up.
    Leaving the `with` block before every pane finished sets the shared cancel event, so the
    remaining calls stop and are recorded as cancelled, and waits briefly for them to be written;
    on the main thread, the first Ctrl+C inside the block does that and later ones wait for it.
    `streaming=False` asks each model for its whole answer at once (compare() without on_delta).
    """

    def __init__(self, requests: list[PaneRequest], *, service: AIService | None = None,
                 user: str | None = None, conversation_id: int | None = None,
                 on_result: Callable[[int, CallResult], None] | None = None, source: str = "api",
                 source_id: int | None = None, streaming: bool = True):
        self.requests = list(requests)
        self.service = service or ai_service
        self.user, self.conversation_id = user, conversation_id
        self.source, self.source_id = source, source_id  # kept on every pane's ledger row
        self.streaming = streaming
        self.on_result = on_result
        self.cancel = threading.Event()  # the whole run
        self.cancels = [threading.Event() for _ in self.requests]  # one pane each
        self.panes = [PaneState(r.model) for r in self.requests]
        # Workers append events and set `_wake`; the consumer drains them all at once. A deque's append is
        # atomic and costs no lock, where a queue.Queue took a lock and a notify per token (a full-speed
        # stream sends thousands per second per pane).
        self._events: deque[PaneEvent] = deque()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._barrier = threading.Barrier(max(1, len(self.requests)))
        self._guard = ExitStack()

    # --- lifecycle ----------------------------------------------------
    def start(self) -> ParallelRun:
        """Start every pane's worker once; a second call does nothing."""
        if self._threads:
            return self
        work = identity.carried(self._work)  # its calls, ledger rows and stored answers are the sender's
        for i, req in enumerate(self.requests):
            t = threading.Thread(target=work, args=(i, req), name=f"pane-{i}", daemon=True)
            self._threads.append(t)
        for t in self._threads:
            t.start()
        return self

    def stop(self, wait: float = 5.0) -> None:
        """Cancel what is still running and give the workers a moment to record it."""
        self.cancel.set()
        for event in self.cancels:
            event.set()
        self.join(wait)

    def stop_pane(self, i: int) -> None:
        """Cancel one pane; the others stream on."""
        if 0 <= i < len(self.cancels):
            self.cancels[i].set()

    def join(self, wait: float | None = None) -> None:
        deadline = None if wait is None else time.monotonic() + wait
        for t in self._threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> ParallelRun:
        self._guard.enter_context(interrupts.guarded())
        return self.start()

    def __exit__(self, *exc) -> None:
        # Reached on normal completion and when a consumer gives up early (Ctrl+C included).
        with self._guard:
            if not self.finished:
                self.stop()
            else:
                self.join(5.0)

    # --- consumer side ------------------------------------------------
    @property
    def finished(self) -> bool:
        return all(p.finished for p in self.panes)

    def poll(self, timeout: float = 0.1) -> set[int]:
        """Apply every queued event (waiting up to `timeout` for the first); return the panes that changed."""
        changed: set[int] = set()
        for event in self._drain(timeout):
            self._apply(event)
            changed.add(event.pane)
        return changed

    def events(self, timeout: float = 0.1) -> Iterator[PaneEvent]:
        """Every event in arrival order, then stop when all panes finished (the CLI, compare(), tests)."""
        while not self.finished:
            for event in self._drain(timeout):
                self._apply(event)
                yield event

    def put(self, event: PaneEvent) -> None:
        """Hand one event to the consumer (workers; a test may inject one)."""
        self._events.append(event)
        if not self._wake.is_set():  # setting takes a lock: skip it while the consumer has not woken yet
            self._wake.set()

    def _drain(self, timeout: float) -> list[PaneEvent]:
        if not self._events:
            self._wake.wait(timeout)
        # Cleared before taking the events, so an event appended meanwhile either is taken now or sets it again.
        self._wake.clear()
        taken, events = [], self._events
        while events:
            taken.append(events.popleft())
        return taken

    def _apply(self, event: PaneEvent) -> None:
        pane = self.panes[event.pane]
        match event.event:
            case TextDelta(text=text):
                pane.text += text
                pane.notice = None
            case ThinkingDelta(text=text):
                pane.thinking += text
                pane.notice = None
            case RetryNotice() as notice:
                pane.notice, pane.notice_at = notice, time.perf_counter()
            case CallResult() as result:
                pane.result = result
                pane.text = result.content or pane.text
                pane.thinking = result.thinking or pane.thinking

    # --- worker side --------------------------------------------------
    def _release(self, i: int, req: PaneRequest) -> None:
        """Warm up, then wait until every pane is warm: all requests leave at the same moment."""
        self.service.warm(req.model)
        try:
            self._barrier.wait(timeout=WARM_UP_SECONDS)
        except threading.BrokenBarrierError:
            pass  # a pane that took too long to warm up must not hold the others back
        self.panes[i].started = time.perf_counter()

    def _call(self, i: int, req: PaneRequest) -> Iterator[CallEvent]:
        """The pane's call as the service's events: streamed, or its whole answer as its one event."""
        kwargs = dict(user=self.user, conversation_id=self.conversation_id, source=self.source,
                      source_id=self.source_id, cancel=self.cancels[i], **req.options)
        if self.streaming:
            return self.service.stream(req.model, req.messages, **kwargs)
        return iter((self.service.chat(req.model, req.messages, **kwargs),))

    def _work(self, i: int, req: PaneRequest) -> None:
        result = None
        try:
            self._release(i, req)
            if self.cancel.is_set():
                self.cancels[i].set()
            for item in self._call(i, req):
                if self.cancel.is_set():
                    self.cancels[i].set()
                if isinstance(item, CallResult):
                    result = item
                else:
                    self.put(PaneEvent(i, item))
        except AlonChatError as e:
            result = getattr(e, "result", None) or CallResult(model=req.model, status=e.status, error=e)
        except Exception as e:  # a bug must still end the pane, never leave the page waiting
            result = CallResult(model=req.model, status="error", error=ProviderError(f"{type(e).__name__}: {e}"))
        if result is None:  # the stream ended without a result: treat as a truncated answer
            result = CallResult(model=req.model, status="truncated",
                                error=ProviderError("The stream ended without a result."))
        if self.on_result is not None:
            try:
                self.on_result(i, result)
            except Exception as e:  # storing failed: show it in the pane rather than lose the answer silently
                result.error = result.error or ProviderError(f"Could not save the answer: {e}")
                result.status = "error" if result.status == "ok" else result.status
        self.put(PaneEvent(i, result))
