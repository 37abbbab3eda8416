"""`chat`: call one model (streamed) or several at once, plain or as JSON lines."""

from __future__ import annotations

import json
import sys
import threading

from ..errors import AlonChatError
from ..service import ai_service


def register(sub) -> None:
    p = sub.add_parser("chat", help="send a prompt to one or more models")
    p.add_argument("-m", "--model", action="append", required=True, dest="models",
                   help="catalog name of a model; repeat to run several concurrently")
    p.add_argument("--system", help="system prompt")
    p.add_argument("--temperature", type=float, help="sampling temperature, 0 to 2")
    p.add_argument("--max-tokens", type=int, help="most tokens to generate")
    p.add_argument("--json", action="store_true", help="one JSON object per line per model")
    p.add_argument("prompt", help="the prompt; '-' reads it from standard input")
    p.set_defaults(func=run)


def _summary(r) -> str:
    cost = "unpriced" if r.cost_usd is None else f"${r.cost_usd:.6f}"
    u = r.usage
    head = f"[{r.model}] {r.status}"
    if not r.ok:
        return f"{head}: {r.error_message}"
    return (f"{head} · {r.latency_ms:.0f} ms (first token {r.ttft_ms or 0:.0f} ms) · in {u.input_tokens}"
            f" (cached {u.cached_input_tokens}) · out {u.output_tokens} (reasoning {u.reasoning_tokens})"
            f" · {cost}")


def run(args) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    options = {k: v for k, v in (("system", args.system), ("temperature", args.temperature),
                                 ("max_tokens", args.max_tokens)) if v is not None}
    # Validate every model's request before calling any, so bad arguments write nothing.
    for name in args.models:
        ai_service.prepare(name, prompt, **options)
    if len(args.models) == 1 and not args.json:
        return _stream_one(args.models[0], prompt, options)
    lock = threading.Lock()

    def done(result) -> None:
        with lock:
            if args.json:
                print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
            else:
                print(f"=== {result.model} ===\n{result.content}\n{_summary(result)}\n", flush=True)

    results = ai_service.compare(args.models, prompt, **options, on_result=done)
    return 0 if all(r.ok for r in results) else 1


def _stream_one(name: str, prompt: str, options: dict) -> int:
    try:
        for item in ai_service.stream(name, prompt, **options):
            if isinstance(item, str):
                print(item, end="", flush=True)
            else:
                print(f"\n{_summary(item)}", file=sys.stderr)
        return 0
    except AlonChatError as e:
        print(f"\n{_summary(e.result)}" if getattr(e, "result", None) else f"error: {e}", file=sys.stderr)
        return 1
