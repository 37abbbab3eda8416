"""Stop, Ctrl+C and SIGTERM act within a fraction of a second, even while a provider is silent."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from .errors import CancelledError

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
