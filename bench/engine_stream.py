"""Benchmark: how soon after a full-speed provider's last chunk the engine has read it, with no page at all.

    python bench/engine_stream.py [--panes 6] [--tokens 3000] [--runs 4]

The floor under bench/ui_stream.py's figure. The wire-level fake server runs in its own process (as a
provider is), answering N streams of --tokens one-token chunks as fast as it can. Each run reads them
twice, in this process, at once on N threads:
1. the bare openai SDK (chat.completions, each chunk left as the JSON object it was), nothing else;
2. the engine: ParallelRun over the service, with budgets, pricing and a ledger row per call.
Prints, per run, the CPU this process used and how long after the server's last chunk each stream was
read to its end (no asserts).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODEL = "gpt-5.4-mini"
SERVER = """
import json, sys
sys.path.insert(0, {root!r})
from bench.ui_stream import answer
from tests.fake_server import FakeServer
with FakeServer() as server:
    server.script({model!r}, chunks=answer({tokens}, 60), usage={{"input": 10, "output": {tokens}}})
    print(server.url, flush=True)
    for _ in sys.stdin:  # one line per run: answer with the streams' last-chunk times, then forget them
        print(json.dumps(sorted(t for _, t in server.last_chunks)), flush=True)
        server.last_chunks.clear()
"""


def bare_sdk(url: str, panes: int) -> dict[int, float]:
    import openai

    done: dict[int, float] = {}

    def read(i: int) -> None:
        client = openai.OpenAI(base_url=url + "/v1", api_key="bench", max_retries=0)
        events = client.chat.completions.with_raw_response.create(
            model=MODEL, messages=[{"role": "user", "content": "go"}], stream=True,
            stream_options={"include_usage": True}).parse(to=openai.Stream[object])
        for _ in events:
            pass
        done[i] = time.time()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(panes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done


def engine(url: str, panes: int) -> dict[int, float]:
    from alonchat.calls.parallel import PaneRequest, ParallelRun

    done: dict[int, float] = {}
    with ParallelRun([PaneRequest(MODEL, [{"role": "user", "content": "go"}]) for _ in range(panes)],
                     user="bench") as run:
        while not run.finished:
            for i in run.poll(0.05):
                if run.panes[i].finished:
                    done.setdefault(i, time.time())
    return done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panes", type=int, default=6)
    ap.add_argument("--tokens", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=4)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="engine_stream_")
    os.environ["ALONCHAT_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(root=str(ROOT), model=MODEL, tokens=args.tokens)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        os.environ.update(OPENAI_BASE_URL=url + "/v1", OPENAI_API_KEY="sk-bench")
        print(f"{args.panes} streams x {args.tokens} tokens at full speed, read on {os.cpu_count()} cores; "
              "each: CPU used here, then each stream read to its end after its last chunk was sent")
        for label, read in (("bare openai SDK", bare_sdk), ("engine (ParallelRun)", engine)):
            read(url, args.panes)  # a warm-up run: imports and the first connections are not the figure
            server.stdin.write("next\n")
            server.stdin.flush()
            server.stdout.readline()
            for _ in range(args.runs):
                cpu, start = time.process_time(), time.time()
                done = read(url, args.panes)
                cpu = time.process_time() - cpu
                server.stdin.write("next\n")
                server.stdin.flush()
                ends = json.loads(server.stdout.readline())
                lags = [(d - e) * 1000 for d, e in zip(sorted(done.values()), ends, strict=False)]
                print(f"  {label}: CPU {cpu:.2f} s; the server wrote for {ends[-1] - start:.2f} s; read "
                      f"{statistics.median(lags):.0f} ms (median), {max(lags):.0f} ms (max) after the last chunk")
    finally:
        server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
