"""Prints what the engine costs on top of a raw SDK call, and how parallel compare scales (no asserts).

    python bench/overhead.py [--calls 500] [--profile]

1. Overhead: `ai_service.chat("gpt-5")` (resolve + provider + price + ledger row in a fresh temp
   SQLite db) against the raw `client.chat.completions.create(...)` on the same local FakeServer,
   interleaved call by call so machine noise hits both alike. Goal: <= 0.5 ms at p50. The fake
   server runs in its own process, as a real provider would: in-process, its thread would take
   the GIL from the client being measured.
2. Compare: 4 slow models (about 1 s of chunk delays each) at once, over the slowest alone.
   Goal: ratio <= 1.10.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGES = [{"role": "user", "content": "Say hello in five words."}]
FAST_USAGE = {"input": 12, "cached": 0, "output": 8, "reasoning": 2}
SLOW = {  # model -> (chunks, delay per chunk): about 1 s each, claude the slowest
    "gpt-5": (10, 0.09), "claude-sonnet-4-6": (10, 0.1), "gemini-2.5-flash": (10, 0.095),
    "gpt-4.1": (10, 0.085),
}


def serve(urls, stop) -> None:
    """The child process: a FakeServer scripted for both parts of the bench, until told to stop."""
    from tests.fake_server import FakeServer

    with FakeServer() as srv:
        srv.script("gpt-5-fast", reply="Hello there, nice to meet you.", usage=FAST_USAGE)
        for model, (n, delay) in SLOW.items():
            srv.script(model, chunks=[f"w{i} " for i in range(n)], delay=delay)
        urls.put(srv.url)
        stop.wait()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def point_at(url: str, db_dir: str) -> None:
    """A fresh SQLite database in `db_dir`, and the three built-in providers pointed at the fake server at `url`."""
    os.environ.update({
        "ALONCHAT_DATABASE_URL": f"sqlite:///{db_dir}/bench.db", "ALONCHAT_USER": "bench",
        "OPENAI_API_KEY": "sk-bench-0123456789", "OPENAI_BASE_URL": url + "/v1",
        "ANTHROPIC_API_KEY": "sk-ant-bench-0123456789", "ANTHROPIC_BASE_URL": url,
        "GEMINI_API_KEY": "AIzaBench0123456789abcdefghijklmnop", "GOOGLE_GEMINI_BASE_URL": url,
    })
    for var in ("GOOGLE_API_KEY", "GOOGLE_GENAI_API_VERSION"):
        os.environ.pop(var, None)


def setup_env(url: str, db_dir: str) -> None:
    point_at(url, db_dir)
    from alonchat.storage.engine import session
    from alonchat.storage.tables import AIModel

    with session() as s, s.begin():  # gpt-5's catalog row and prices, answered fast by the server
        gpt5 = s.query(AIModel).filter_by(name="gpt-5").one()
        s.add(AIModel(name="gpt-5-fast", display_name="gpt-5 (bench)", provider="openai",
                      model_id="gpt-5-fast", input_price=gpt5.input_price, output_price=gpt5.output_price,
                      cache_read_price=gpt5.cache_read_price))


def overhead(url: str, calls: int) -> tuple[list[float], list[float]]:
    import openai

    from alonchat.calls.service import ai_service

    raw_client = openai.OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url=url + "/v1", max_retries=0)

    def raw() -> None:
        raw_client.chat.completions.create(model="gpt-5-fast", messages=MESSAGES)

    def engine() -> None:
        ai_service.chat("gpt-5-fast", MESSAGES)

    for _ in range(30):  # warm-up: imports, client, connection pool, compiled statements
        raw(), engine()
    raw_ms, engine_ms = [], []
    for _ in range(calls):
        for fn, out in ((raw, raw_ms), (engine, engine_ms)):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return raw_ms, engine_ms


def compare(repeats: int = 3) -> tuple[float, float, float]:
    """Median wall times (s) of: the slowest model alone, compare of all, streaming compare of all."""
    from alonchat.calls.service import ai_service

    ai_service.compare(list(SLOW), MESSAGES)  # warm-up: SDK imports and a client per provider
    slowest = max(SLOW, key=lambda m: SLOW[m][0] * SLOW[m][1])
    runs = {"alone": lambda: [ai_service.chat(slowest, MESSAGES)],
            "compare": lambda: ai_service.compare(list(SLOW), MESSAGES),
            "streamed": lambda: ai_service.compare(list(SLOW), MESSAGES, on_delta=lambda i, text: None)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            t = time.perf_counter()
            results = fn()
            times[name].append(time.perf_counter() - t)
            assert all(r.ok for r in results), [r.error_message for r in results]
    return tuple(statistics.median(times[k]) for k in runs)


def profile(calls: int) -> None:
    import cProfile
    import pstats

    from alonchat.calls.service import ai_service

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        ai_service.chat("gpt-5-fast", MESSAGES)
    prof.disable()
    print(f"\ncProfile of {calls} ai_service.chat calls (cumulative, top 30):")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="also cProfile the engine's calls")
    args = parser.parse_args()
    urls, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(urls, stop), daemon=True)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as db_dir:
            run(urls.get(timeout=30), db_dir, args)
    finally:
        stop.set()
        server.join(5)


def breakdown(calls: int) -> dict[str, float]:
    """ms per call of the service's own hot path, without HTTP: where the overhead goes."""
    import timeit

    from alonchat.calls.service import AIService
    from alonchat.catalog import models as catalog
    from alonchat.providers import ChatResult, Provider, Usage
    from alonchat.providers.registry import registry
    from alonchat.usage import ledger

    class Instant(Provider):
        """Answers at once, so only the engine's own work is timed."""

        def chat(self, request):
            return ChatResult("hello", Usage(12, 0, 0, 8, 2), "stop")

        def stream(self, request):
            yield from ()

    entry = ledger.UsageEntry(user="bench", model_name="gpt-5-fast", provider="openai", model_id="gpt-5-fast",
                              usage=Usage(12, 0, 0, 8, 2), cost_usd=None, latency_ms=1.0, ttft_ms=1.0,
                              status="ok")
    real = registry.get("openai")
    try:
        registry.register(Instant(), "openai")
        svc = AIService()
        cases = {"service, instant provider": lambda: svc.chat("gpt-5-fast", MESSAGES),
                 "  catalog.resolve": lambda: catalog.resolve("gpt-5-fast"),
                 "  ledger.record": lambda: ledger.record(entry)}
        return {name: min(timeit.repeat(fn, number=calls, repeat=3)) / calls * 1000
                for name, fn in cases.items()}
    finally:
        registry.unregister("openai")
        assert registry.get("openai") is real


def run(url: str, db_dir: str, args) -> None:
    setup_env(url, db_dir)
    raw_ms, engine_ms = overhead(url, args.calls)
    diffs = [e - r for r, e in zip(raw_ms, engine_ms, strict=True)]
    print(f"overhead of ai_service.chat over the raw openai SDK call ({args.calls} calls each, "
          "interleaved, usage logged to a fresh SQLite db, server in its own process):")
    print(f"  raw SDK      p50 {pct(raw_ms, 50):7.3f} ms   p95 {pct(raw_ms, 95):7.3f} ms")
    print(f"  ai_service   p50 {pct(engine_ms, 50):7.3f} ms   p95 {pct(engine_ms, 95):7.3f} ms")
    print(f"  overhead     p50 {pct(engine_ms, 50) - pct(raw_ms, 50):7.3f} ms   "
          f"p95 {pct(engine_ms, 95) - pct(raw_ms, 95):7.3f} ms   (goal: p50 <= 0.5 ms)")
    print(f"  paired diff  p50 {statistics.median(diffs):7.3f} ms")
    print("where it goes (no HTTP, best of 3):")
    for name, ms in breakdown(min(args.calls, 500)).items():
        print(f"  {name:<28} {ms:7.3f} ms")
    alone, together, streamed = compare()
    print(f"compare of {len(SLOW)} slow models (~1 s each) vs the slowest alone (median of 3):")
    print(f"  slowest alone {alone:6.3f} s   compare {together:6.3f} s   ratio {together / alone:5.3f}"
          "   (goal <= 1.10)")
    print(f"  streaming compare {streamed:6.3f} s   ratio {streamed / alone:5.3f}")
    if args.profile:
        profile(min(args.calls, 300))


if __name__ == "__main__":
    main()
