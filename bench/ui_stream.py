"""Benchmark: long answers streaming into the playground in Chromium (issue 9, item 20; prints figures).

    python bench/ui_stream.py [--panes 6] [--tokens 3000] [--rate 0] [--paragraph 60]

Starts the app (`streamlit run`, headless) on a fresh database with the OpenAI provider pointed at the
wire-level fake server, opens the compare through its shareable URL (N panes of one model), sends one
prompt with Enter, and records in the page when each pane first shows its answer's last token. Prints,
per pane, how long after the provider's last chunk that was (goal <= 250 ms), and each call's ledger
status (an answer cancelled by itself, with no click, was the bug). --rate 0 is full speed; --rate 100
is about 100 tokens per second per pane, as the issue measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODEL = "gpt-5.4-mini"
END = "ENDMARK"
# Polls each pane's text every 10 ms and notes (Date.now()) when its last token first shows.
WATCH = """([n, end]) => {
  window.__seen = {};
  const tick = () => {
    for (let i = 0; i < n; i++) {
      if (window.__seen[i]) continue;
      const pane = document.querySelector('.st-key-pg_pane_' + i);
      if (pane && pane.textContent.includes(end)) window.__seen[i] = Date.now();
    }
    if (Object.keys(window.__seen).length < n) setTimeout(tick, 10);
  };
  tick();
}"""


def answer(tokens: int, paragraph: int) -> list[str]:
    """`tokens` one-token words in paragraphs of `paragraph` words, ending with the END marker."""
    words = []
    for i in range(tokens - 1):
        sep = "\n\n" if paragraph and (i + 1) % paragraph == 0 else " "
        words.append(f"w{i}{sep}")
    return [*words, END]


def _cpu_seconds(port: str) -> dict[str, float]:
    """CPU seconds used so far by the app (the streamlit process on `port`), Chromium, and this process (the server).

    Linux only (/proc); empty elsewhere. Six full-speed streams are bound by CPU on a small machine: this
    shows where it went.
    """
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used: dict[str, float] = {}
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        who = ("app" if "streamlit" in cmd and port in cmd else "chromium" if "chrom" in cmd
               else "server (this process)" if int(pid) == os.getpid() else None)
        if who:
            used[who] = used.get(who, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return used


def _epoch(value) -> float:
    from datetime import UTC, datetime

    when = datetime.fromisoformat(str(value)) if not isinstance(value, datetime) else value
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panes", type=int, default=6)
    ap.add_argument("--tokens", type=int, default=3000)
    ap.add_argument("--rate", type=float, default=0, help="tokens per second per pane; 0 = full speed")
    ap.add_argument("--paragraph", type=int, default=60, help="words per paragraph; 0 = one long paragraph")
    ap.add_argument("--verbose", action="store_true", help="print the raw timestamps too")
    args = ap.parse_args()

    from sqlalchemy import create_engine, text

    from tests.fake_server import FAKE_KEYS, FakeServer
    from tests.support.browser_app import chromium, running_app, settled

    tmp = Path(tempfile.mkdtemp(prefix="ui_stream_"))
    db = tmp / "bench.db"
    with FakeServer() as server, running_app(db, tmp, OPENAI_BASE_URL=server.url + "/v1",
                                             ALONCHAT_USER="bench", **FAKE_KEYS) as url, chromium() as browser:
        server.script(MODEL, chunks=answer(args.tokens, args.paragraph),
                      delay=1 / args.rate if args.rate else 0.0,
                      usage={"input": 10, "output": args.tokens})
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        query = "&".join(f"p={i}:{MODEL}" for i in range(args.panes))
        page.goto(f"{url}/?{query}")
        settled(page, timeout=120_000)
        page.evaluate(WATCH, [args.panes, END])
        box = page.locator("[data-testid='stChatInputTextArea']")
        box.fill(f"Write {args.tokens} words.")
        port = url.rsplit(":", 1)[1]
        cpu_before = _cpu_seconds(port)
        sent = time.time()
        box.press("Enter")
        page.wait_for_function(f"Object.keys(window.__seen || {{}}).length >= {args.panes}",
                               timeout=int(600_000 + args.tokens / max(args.rate, 1) * 1000), polling=200)
        seen = page.evaluate("window.__seen")
        cpu_after, cpu_wall = _cpu_seconds(port), time.time() - sent
        page.wait_for_selector("[data-testid='stChatInput'] textarea:not([disabled])", timeout=120_000)
        settled(page, timeout=120_000)
        page.screenshot(path=str(tmp / "ui_stream.png"))
        ends = sorted(t for _, t in server.last_chunks)
        engine = create_engine(f"sqlite:///{db}")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, created_at FROM usage_records ORDER BY created_at")).all()
        statuses = [r[0] for r in rows]
        # A row is written as soon as the engine has read the stream's end: when the app had the last token.
        received = sorted(_epoch(r[1]) for r in rows)
        engine.dispose()

    last_chunk = max(ends)
    shown = sorted(seen[str(i)] / 1000 for i in range(args.panes))
    # The panes share one model, so streams are paired with panes in finishing order.
    lags = [s - e for s, e in zip(shown, ends, strict=False)]
    print(f"{args.panes} panes x {args.tokens} tokens at {'full speed' if not args.rate else f'{args.rate:g} tok/s'}"
          f", paragraphs of {args.paragraph or 'all'} words")
    print(f"  provider streamed for {last_chunk - sent:.2f} s after Enter (first pane done after "
          f"{ends[0] - sent:.2f} s)")
    print("  each pane's last token on the page after its stream's last chunk: "
          + ", ".join(f"{lag * 1000:.0f} ms" for lag in lags))
    print(f"  max {max(lags) * 1000:.0f} ms, median {statistics.median(lags) * 1000:.0f} ms; every pane done "
          f"{(shown[-1] - last_chunk) * 1000:.0f} ms after the very last chunk (goal <= 250 ms)")
    behind = [s - r for s, r in zip(shown, received, strict=False)]
    print("  ... after the engine had read it (its ledger row written): "
          + ", ".join(f"{b * 1000:.0f} ms" for b in behind) + f"; max {max(behind) * 1000:.0f} ms")
    if cpu_after:
        print(f"  CPU used from Enter to the last pane shown ({cpu_wall:.2f} s on {os.cpu_count()} cores): "
              + ", ".join(f"{who} {cpu_after[who] - cpu_before.get(who, 0):.2f} s" for who in sorted(cpu_after)))
    if args.verbose:
        print(f"  epoch: chunks {ends}\n  rows {received}\n  shown {shown}")
    print(f"  ledger: {', '.join(f'{s} x{statuses.count(s)}' for s in sorted(set(statuses)))}")
    print(f"  screenshot: {tmp / 'ui_stream.png'}")


if __name__ == "__main__":
    main()
