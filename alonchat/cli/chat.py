"""`chat`: call one model (streamed) or several at once, plain or as JSON lines."""

from __future__ import annotations

import json
import os
import sys

from ..calls.inputs import attachment_from_file
from ..calls.result import CallResult
from ..calls.service import ai_service
from ..core.errors import AlonChatError
from ..core.text import quoted, redact
from ..core.types import RetryNotice, TextDelta, ThinkingDelta
from . import CLIError, add_command


def register(sub) -> None:
    p = add_command(sub, "chat")
    p.add_argument("-m", "--model", action="append", required=True, dest="models",
                   help="catalog name of a model; repeat to run several concurrently")
    p.add_argument("--system", help="system prompt")
    p.add_argument("--temperature", type=float, help="sampling temperature, 0 to 2")
    p.add_argument("--max-tokens", type=int, help="most tokens to generate")
    p.add_argument("--reasoning-effort", choices=("none", "minimal", "low", "medium", "high"),
                   help="how hard a reasoning model thinks (only for models that reason)")
    p.add_argument("--reasoning-budget", type=int, metavar="N", help="most thinking tokens, where a provider takes one")
    p.add_argument("--image", action="append", metavar="PATH", dest="images",
                   help="attach an image (PNG, JPEG, GIF, WebP) or a PDF; repeat for several")
    p.add_argument("--top-p", type=float, help="nucleus sampling, 0 to 1")
    p.add_argument("--stop", action="append", metavar="TEXT", help="a stop sequence; repeat for up to 4")
    p.add_argument("--seed", type=int, help="a seed for repeatable answers, where the provider takes one")
    p.add_argument("--json-schema", metavar="FILE", help="structured output: a JSON-schema file the answer follows")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="longest silence accepted from the provider, per attempt (default 60); also the "
                        "longest Retry-After waited")
    p.add_argument("--json", action="store_true", help="one JSON object per line per model")
    p.add_argument("prompt", help="the prompt; '-' reads it (UTF-8) from standard input")
    p.set_defaults(func=run)


def _summary(r) -> str:
    cost = "unpriced" if r.cost_usd is None else f"${r.cost_usd:.6f}"
    u = r.usage
    head = f"[{r.model}] {r.status}"
    if not r.ok:
        return f"{head}: {r.error_message}"
    skipped = f" · not sent: {', '.join(r.skipped_options)}" if r.skipped_options else ""
    return (f"{head} · {r.latency_ms:.0f} ms (first token {r.ttft_ms or 0:.0f} ms) · in {u.input_tokens}"
            f" (cached {u.cached_input_tokens}) · out {u.output_tokens} (reasoning {u.reasoning_tokens})"
            f" · {cost}{skipped}")


def _compare_options(args) -> dict:
    """The compare settings given on the command line; a schema file that can't be used is a one-line error."""
    options = {k: getattr(args, k) for k in ("reasoning_effort", "reasoning_budget", "top_p", "stop", "seed")
               if getattr(args, k) is not None}
    if args.json_schema:
        try:
            with open(args.json_schema, encoding="utf-8") as f:
                options["json_schema"] = json.load(f)
        except OSError as e:
            raise CLIError(f"can't read the JSON schema {quoted(args.json_schema)}: {e.strerror or e}") from None
        except (ValueError, RecursionError) as e:
            raise CLIError(f"{quoted(args.json_schema)} is not JSON ({str(e)[:100]}); give a JSON-schema "
                           "file") from None
    return options


def _messages(prompt: str, images: list[str] | None) -> list[dict] | str:
    """The prompt, with its attachments read from disk (a file that can't be sent is a ValidationError: exit 2)."""
    if not images:
        return prompt
    return [{"role": "user", "content": prompt, "attachments": [attachment_from_file(p) for p in images]}]


def _thinking(text: str) -> None:
    """Thinking goes to stderr, dimmed on a terminal, so stdout carries the answer alone."""
    dim = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    print(f"\x1b[2m{text}\x1b[0m" if dim else text, end="", file=sys.stderr, flush=True)


def notice_text(n: RetryNotice) -> str:
    return f"{n.reason}, retrying in {n.wait_seconds:.0f} s (attempt {n.attempt} of {n.attempts})"


def read_prompt(arg: str) -> str:
    """The prompt argument, or standard input read as UTF-8 (a BOM is fine); other encodings are refused."""
    if arg != "-":
        return arg
    raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CLIError(f"standard input is not UTF-8 text (byte 0x{raw[e.start]:02x} at position {e.start}); "
                       "convert it first, e.g. `iconv -f WINDOWS-1252 -t UTF-8` (nothing was sent).") from None


def run(args) -> int:
    prompt = read_prompt(args.prompt)
    options = {k: v for k, v in (("system", args.system), ("temperature", args.temperature),
                                 ("max_tokens", args.max_tokens), ("timeout", args.timeout)) if v is not None}
    options.update(_compare_options(args))
    prompt = _messages(prompt, args.images)
    # Validate every model's request before calling any, so bad arguments write nothing.
    for name in args.models:
        ai_service.check(name, prompt, **options)
    if len(args.models) == 1 and not args.json:
        return _stream_one(args.models[0], prompt, options)
    return _several(args.models, prompt, options, as_json=args.json)


def _several(models: list[str], prompt, options: dict, *, as_json: bool) -> int:
    """Every model at once; Ctrl+C or SIGTERM leaves the block, which cancels (and records) what still runs."""
    from ..calls.parallel import PaneRequest, ParallelRun

    messages = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
    results: list[CallResult] = []
    with ParallelRun([PaneRequest(m, messages, options) for m in models], source="cli") as run:
        for e in run.events():
            match e.event:
                case RetryNotice() as notice:
                    print(f"[{models[e.pane]}] {notice_text(notice)}", file=sys.stderr, flush=True)
                case CallResult() as r:
                    results.append(r)
                    if as_json:
                        print(json.dumps(r.to_json(), ensure_ascii=False), flush=True)
                    else:
                        print(f"=== {r.model} ===\n{r.content}\n{_summary(r)}\n", flush=True)
    return 0 if all(r.ok for r in results) else 1


def _stream_one(name: str, prompt, options: dict) -> int:
    thinking = False
    events = ai_service.stream(name, prompt, source="cli", **options)
    try:
        for item in events:
            match item:
                case TextDelta(text=text):
                    if thinking:  # the answer starts: end the thinking's line on stderr
                        print(file=sys.stderr)
                        thinking = False
                    print(text, end="", flush=True)
                case ThinkingDelta(text=text):
                    _thinking(text)
                    thinking = True
                case RetryNotice():
                    print(notice_text(item), file=sys.stderr, flush=True)
                case CallResult():
                    print(f"\n{_summary(item)}", file=sys.stderr)
        return 0
    except AlonChatError as e:
        print(f"\n{_summary(e.result)}" if getattr(e, "result", None) else f"error: {redact(str(e))}",
              file=sys.stderr)
        return 1
    finally:
        # A closed pipe or an interrupt in our own print leaves the stream open: closing it records 'cancelled'.
        events.close()
