"""Ctrl+C while calls are in flight, in this process (the CLI tests press it at a real process): the first one
interrupts, later ones wait, and a block that records a call is never cut."""

from __future__ import annotations

import signal

import pytest

from alonchat.calls import interrupts


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """Ctrl+C raising KeyboardInterrupt, as in a program started from a terminal (a background job ignores it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_the_first_ctrl_c_interrupts_and_later_ones_are_ignored_until_the_block_ends():
    before = signal.getsignal(signal.SIGINT)
    stopped_at = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.guarded():
            try:
                signal.raise_signal(signal.SIGINT)
                stopped_at.append("never")
            except KeyboardInterrupt:
                stopped_at.append("first")
                signal.raise_signal(signal.SIGINT)  # while the first one is handled: nothing happens
                signal.raise_signal(signal.SIGINT)
                stopped_at.append("recorded")
                raise
    assert stopped_at == ["first", "recorded"]
    assert signal.getsignal(signal.SIGINT) is before  # the program's own handler is back


def test_a_critical_block_ends_before_the_signal_acts():
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.critical():
            signal.raise_signal(signal.SIGINT)
            steps.append("row written")
            steps.append("hold dropped")
    assert steps == ["row written", "hold dropped"]


def test_a_critical_block_recording_an_interruption_absorbs_every_press():
    with interrupts.critical(interrupted=True):
        for _ in range(3):
            signal.raise_signal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):  # and after it, Ctrl+C is Ctrl+C again
        signal.raise_signal(signal.SIGINT)


def test_off_the_main_thread_nothing_changes():
    import threading

    seen = []

    def worker():
        with interrupts.guarded(), interrupts.critical():
            seen.append(signal.getsignal(signal.SIGINT))

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [signal.getsignal(signal.SIGINT)]
