"""One request to a provider, read so that Stop is seen at once and a reader that fell behind catches up in a step."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator

from .core import ChatRequest, ChatResult, StreamEnd, TextDelta, ThinkingDelta
from .errors import CancelledError
from .interrupt import pumped


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


def chat_once(provider, request: ChatRequest, cancel: threading.Event | None) -> ChatResult:
    """One whole-answer request; with a cancel event it waits on a helper thread, so Stop is seen at once."""
    if cancel is None:
        return provider.chat(request)
    for batch in pumped(lambda: (provider.chat(request),), cancel):
        return batch[0]
    raise CancelledError()


def stream_once(provider, request: ChatRequest, result, content: list[str], start: float,
                cancel: threading.Event | None) -> Iterator:
    """One streamed request: yields answer text and ThinkingDelta events, and fills `result` and `content` as it goes.

    With a cancel event (the playground, several CLI models) the read runs on a helper thread, so Stop is
    seen within interrupt.POLL_SECONDS even while the provider sends nothing.
    """
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
                if isinstance(event, TextDelta):
                    if result.ttft_ms is None:
                        result.ttft_ms = (time.perf_counter() - start) * 1000
                    content.append(event.text)
                    yield event.text
                elif isinstance(event, ThinkingDelta):
                    if event.text:
                        result.thinking += event.text
                        yield event
                elif isinstance(event, StreamEnd):
                    result.usage, result.finish_reason = event.usage, event.finish_reason
    finally:
        close = getattr(events, "close", None)
        if close:
            close()
