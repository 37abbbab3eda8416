"""Ctrl+C and SIGTERM while calls are in flight: the first one interrupts, later ones wait until it is recorded.

A call that is being stopped still writes its ledger row and drops its budget hold. A second press that
raised in the middle of that left the row unwritten and the money held for an hour, and could break a
lock half-released ("release unlocked lock"). Signals reach only the main thread, so all of this does
nothing on another thread (the playground's script, a ParallelRun's workers).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    """The process's one guard: how deep the blocks nest, and whether an interruption is under way."""

    def __init__(self) -> None:
        self.depth = 0  # nested `guarded` blocks
        self.critical = 0  # nested `critical` blocks
        self.interrupted = False  # an interruption is under way: a later signal only repeats it
        self.pending: int | None = None  # a signal that came during a critical block: it acts at the block's end
        self.previous: dict[int, object] = {}  # the handlers ours stand in front of


_state = _State()


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _on_signal(signum: int, frame) -> None:
    if _state.interrupted:
        return
    if _state.critical:
        _state.pending = _state.pending or signum
        return
    _interrupt(signum, frame)


def _interrupt(signum: int, frame) -> None:
    """Act as the program's own handler would: KeyboardInterrupt, or what it makes of SIGTERM (the CLI's)."""
    _state.interrupted = True
    handler = _state.previous.get(signum)
    if callable(handler):
        handler(signum, frame)
    raise KeyboardInterrupt


@contextmanager
def guarded() -> Iterator[None]:
    """The first Ctrl+C inside interrupts as before; later ones are ignored until the block ends.

    SIGTERM is treated the same where the program handles it (the CLI raises it as an interruption); left
    at its default it still ends the process at once.
    """
    if not _main_thread():
        yield
        return
    if _state.depth == 0:
        _state.previous = {s: signal.signal(s, _on_signal) for s in SIGNALS if callable(signal.getsignal(s))}
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            for s, handler in _state.previous.items():
                signal.signal(s, handler)
            _state.__init__()


@contextmanager
def critical(*, interrupted: bool = False) -> Iterator[None]:
    """A block no signal cuts into: a call's ledger row and its budget hold, written and dropped whole.

    A signal that comes meanwhile acts at the end of the block, unless `interrupted`: the block records
    an interruption already under way, which the signal only repeats.
    """
    if not _main_thread():
        yield
        return
    with guarded():
        _state.interrupted = _state.interrupted or interrupted
        _state.critical += 1
        try:
            yield
        finally:
            _state.critical -= 1
            if not _state.critical and _state.pending is not None:
                signum, _state.pending = _state.pending, None
                if not _state.interrupted:
                    _interrupt(signum, None)


def ignore_from_now() -> None:
    """The program is ending: Ctrl+C and SIGTERM change nothing from here on, inside a guard and after it."""
    if not _main_thread():
        return
    _state.interrupted = True
    for s in SIGNALS:
        if _state.depth and s in _state.previous:
            _state.previous[s] = signal.SIG_IGN  # what the guard puts back when it ends
        else:
            signal.signal(s, signal.SIG_IGN)
