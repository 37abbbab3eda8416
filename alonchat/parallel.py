"""Run several model streams at once and hand their events to one consumer thread (the page's script)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .core import Message
from .errors import AlonChatError, ProviderError
from .service import AIService, CallResult, ai_service


@dataclass
class PaneRequest:
    """What one pane sends: its model, its own history plus the new prompt, and its options."""

    model: str
    messages: list[Message]
    options: dict = field(default_factory=dict)


@dataclass
class PaneEvent:
    """One thing that happened in one pane: a text delta, or its final result (ok or failed)."""

    pane: int
    kind: str  # "delta" | "done" | "error"
    text: str = ""
    result: CallResult | None = None


@dataclass
class PaneState:
    """What the consumer has seen of one pane so far; the page renders from this."""

    model: str
    text: str = ""
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


class ParallelRun:
    """One worker thread per pane consumes `service.stream`; the consumer drains a queue with `poll`.

    Workers never touch the UI (Streamlit elements must be updated from the script thread).
    Leaving the `with` block before every pane finished sets the shared cancel event, so the
    remaining calls stop and are recorded as cancelled, and waits briefly for them to be written.
    """

    def __init__(self, requests: list[PaneRequest], *, service: AIService | None = None,
                 user: str | None = None, conversation_id: int | None = None,
                 on_result: Callable[[int, CallResult], None] | None = None):
        self.requests = list(requests)
        self.service = service or ai_service
        self.user, self.conversation_id = user, conversation_id
        self.on_result = on_result
        self.cancel = threading.Event()
        self.panes = [PaneState(r.model) for r in self.requests]
        self._queue: queue.Queue[PaneEvent] = queue.Queue()
        self._threads: list[threading.Thread] = []

    # --- lifecycle ----------------------------------------------------
    def start(self) -> ParallelRun:
        for i, req in enumerate(self.requests):
            t = threading.Thread(target=self._work, args=(i, req), name=f"pane-{i}", daemon=True)
            self._threads.append(t)
        now = time.perf_counter()
        for pane in self.panes:
            pane.started = now
        for t in self._threads:
            t.start()
        return self

    def stop(self, wait: float = 5.0) -> None:
        """Cancel what is still running and give the workers a moment to record it."""
        self.cancel.set()
        self.join(wait)

    def join(self, wait: float | None = None) -> None:
        deadline = None if wait is None else time.monotonic() + wait
        for t in self._threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> ParallelRun:
        return self.start()

    def __exit__(self, *exc) -> None:
        # Reached on normal completion and when Streamlit interrupts the script (stop/rerun).
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
        try:
            event = self._queue.get(timeout=timeout)
        except queue.Empty:
            return changed
        while True:
            self._apply(event)
            changed.add(event.pane)
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return changed

    def events(self, timeout: float = 0.1):
        """Every event in arrival order, then stop when all panes finished (for tests and scripts)."""
        while not self.finished:
            try:
                event = self._queue.get(timeout=timeout)
            except queue.Empty:
                continue
            self._apply(event)
            yield event

    def _apply(self, event: PaneEvent) -> None:
        pane = self.panes[event.pane]
        if event.kind == "delta":
            pane.text += event.text
        else:
            pane.result = event.result
            pane.text = event.result.content or pane.text

    # --- worker side --------------------------------------------------
    def _work(self, i: int, req: PaneRequest) -> None:
        kind, result = "done", None
        try:
            for item in self.service.stream(req.model, req.messages, user=self.user,
                                            conversation_id=self.conversation_id,
                                            cancel=self.cancel, **req.options):
                if isinstance(item, str):
                    self._queue.put(PaneEvent(i, "delta", text=item))
                elif isinstance(item, CallResult):  # thinking and retry events are not answer text
                    result = item
        except AlonChatError as e:
            kind = "error"
            result = getattr(e, "result", None) or CallResult(model=req.model, status=e.status, error=e)
        except Exception as e:  # a bug must still end the pane, never leave the page waiting
            kind = "error"
            result = CallResult(model=req.model, status="error",
                                error=ProviderError(f"{type(e).__name__}: {e}"))
        if result is None:  # the stream ended without a result: treat as a truncated answer
            kind, result = "error", CallResult(model=req.model, status="truncated",
                                               error=ProviderError("The stream ended without a result."))
        if self.on_result is not None:
            try:
                self.on_result(i, result)
            except Exception as e:  # storing failed: show it in the pane rather than lose the answer silently
                kind = "error"
                result.error = result.error or ProviderError(f"Could not save the answer: {e}")
                result.status = "error" if result.status == "ok" else result.status
        self._queue.put(PaneEvent(i, kind, result=result))
