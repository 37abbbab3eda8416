"""Run the real CLI as a separate process (signals, pipes and exit codes are the process's own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from alonchat.storage.engine import ROOT

# The keys of `chat --json`'s objects: a contract other tools rely on.
KEYS = {"model", "provider", "content", "input_tokens", "cached_input_tokens", "cache_write_tokens",
        "output_tokens", "reasoning_tokens", "cost_usd", "latency_ms", "ttft_ms", "status", "error",
        # added by the compare work (issue 12); the keys above are unchanged
        "thinking", "options", "skipped_options"}


def interruptible() -> None:
    """In the child, before Python starts: Ctrl+C's default action back.

    A shell's background job (`cmd &`, nohup) ignores SIGINT, its children inherit that, and Python then
    never raises KeyboardInterrupt: the signal tests would hang however they were run.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args: str, stdin=None, **popen) -> subprocess.Popen:
    """`python -m alonchat ARGS` with this test's environment (database, fake server URLs, keys)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "alonchat", *args], cwd=ROOT, env=env, preexec_fn=interruptible,
                            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def run(*args: str, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "alonchat", *args], cwd=ROOT, env=env, input=input,
                          capture_output=True, timeout=timeout)


def wait_for(condition, timeout: float = 30.0, what: str = "the condition") -> None:
    """Poll until `condition()` is true; a test that never gets there fails instead of hanging."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
