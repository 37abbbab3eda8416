"""Prints how long `alonchat chat --timeout 2` takes against a silent server, and how fast Ctrl+C stops a call.

    python bench/interrupt.py

A real CLI process, the real OpenAI SDK and the wire-level FakeServer (tests/fake_server), which
takes the request and then sends nothing. Figures are wall time of the whole process, Python
start-up included (printed apart, from an offline `chat -m echo`). No asserts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_server import FakeServer  # noqa: E402


def cli(env: dict, *args: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "alonchat", *args], env=env, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start, done.returncode, done.stderr.decode()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeServer() as srv:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ALONCHAT_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "OPENAI_BASE_URL": srv.url + "/v1", "OPENAI_API_KEY": "sk-bench-0123456789"}
        cli(env, "chat", "-m", "echo", "warm up")  # creates and migrates the database
        startup, _, _ = cli(env, "chat", "-m", "echo", "hi")
        print(f"process start-up + one offline call: {startup:.2f} s")
        srv.script("gpt-5", silent=600)
        for timeout in ("2", "5"):
            wall, code, err = cli(env, "chat", "-m", "gpt-5", "--timeout", timeout, "hello?")
            attempts = len(srv.requests_to("chat/completions"))
            srv.requests.clear()
            print(f"--timeout {timeout} against a silent server: {wall:.2f} s wall, exit {code}, "
                  f"{attempts} attempts; stderr: {err.strip().splitlines()[-1][:100]}")
        proc = subprocess.Popen([sys.executable, "-m", "alonchat", "chat", "-m", "gpt-5", "hello?"], env=env,
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while not srv.requests_to("chat/completions"):
            time.sleep(0.01)
        sent = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        code = proc.wait()
        print(f"Ctrl+C while the provider is silent: exit {code} after {(time.perf_counter() - sent) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
