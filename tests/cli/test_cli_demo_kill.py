"""`demo-data` is all or nothing: a real process killed midway leaves no demo rows and no rollup sums."""

from __future__ import annotations

import signal
import threading

import pytest

from alonchat.usage import reports
from tests.support.cli_process import start, wait_for
from tests.support.provider_checks import ledger


def progress_of(proc) -> bytearray:
    """The process's stderr as it arrives (the progress bar redraws one line, so it never ends a line)."""
    seen = bytearray()

    def read() -> None:
        while chunk := proc.stderr.read1(4096):
            seen.extend(chunk)

    threading.Thread(target=read, daemon=True).start()
    return seen


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_demo_run_killed_after_its_first_batches_leaves_nothing(sig):
    proc = start("demo-data", "--rows", "400000", "--seed", "7")
    seen = progress_of(proc)
    # The bar after each 20,000-row batch: once two batches are written, they sit uncommitted in the transaction.
    wait_for(lambda: b" 40,000/400,000 rows" in seen or proc.poll() is not None, timeout=120,
             what="two batches of demo rows")
    assert proc.poll() is None, bytes(seen)[-300:]  # still running: the kill lands midway
    proc.send_signal(sig)
    code = proc.wait(timeout=30)
    assert code == (-9 if sig == signal.SIGKILL else 130)
    assert ledger() == []
    assert reports.summary(reports.Filters()).requests == 0  # the rollups hold nothing of it either
    if sig == signal.SIGINT:
        wait_for(lambda: b"No demo calls were written" in seen, timeout=5, what="the notice")
        assert b"Traceback" not in seen
