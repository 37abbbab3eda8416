"""FakeServer: a real local HTTP server that speaks the OpenAI, Anthropic and Gemini wire formats.

Provider tests drive the REAL SDK clients against it over HTTP (the SDKs sit on httpx2, which
respx/pytest-httpx cannot intercept), so retries, SSE parsing, error bodies and timeouts are all
exercised as in production. Routes:

- OpenAI:    POST {prefix}/chat/completions (JSON or SSE), GET {prefix}/models   (prefix: /v1, or any)
- Anthropic: POST /v1/messages (JSON or SSE events message_start ... message_stop)
- Gemini:    POST /{version}/models/{model}:generateContent and :streamGenerateContent?alt=sse
- Billing:   the providers' admin usage and cost reports and OpenRouter's generation lookup (admin.py),
             answered from every call served here plus what tests book (`srv.admin`)
- Images:    GET /img/{name}?... a 1x1 PNG, recorded: what a markdown image in an answer would fetch
  (`image_markdown()` writes one), so a test can tell whether the page loaded it without a click

Use::

    with FakeServer() as srv:
        srv.script("gpt-5", reply="Hello there", usage={"input": 10, "cached": 4, "output": 7, "reasoning": 3})
        client = OpenAI(base_url=srv.url + "/v1", api_key="sk-test")
        ...
        assert srv.requests[-1].json["stream_options"] == {"include_usage": True}
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .admin import AdminAPI
from .wires import AnthropicWire, GeminiWire, OpenAIWire

__all__ = ["FAKE_KEYS", "FakeServer", "Script", "Recorded"]

# The keys the `fake_providers` fixture sets: key-shaped, so redaction is exercised; the server accepts any.
FAKE_KEYS = {
    "OPENAI_API_KEY": "sk-fake-openai-key-0123456789",
    "ANTHROPIC_API_KEY": "sk-ant-fake-anthropic-key-0123456789",
    "GEMINI_API_KEY": "AIzaFakeGeminiKey0123456789abcdefgh",
}

_GEMINI_PATH = re.compile(r"^/(?P<version>[^/]+)/models/(?P<model>[^:]+):(?P<method>\w+)$")
_USAGE_KEYS = ("input", "cached", "cache_write", "cache_write_1h", "output", "reasoning")
# A valid 1x1 transparent PNG: what GET /img/... serves.
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                        "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


@dataclass
class Script:
    """How one model id answers. See FakeServer.script for the meaning of each field."""

    reply: str = ""
    chunks: list[str] | None = None
    usage: dict | None = None
    delay: float = 0.0
    status: int | None = None
    error_message: str | None = None
    retry_after: float | str | None = None
    fail_times: int | None = None
    truncate: bool = False
    malformed: bool | bytes = False
    stall: float | None = None
    thinking: str | None = None  # reasoning text sent apart from the answer, in the wire's own form
    silent: float | None = None
    disconnect: bool = False  # the connection drops after the text: no end, no finish reason
    no_usage: bool = False  # the reply carries no usage block at all
    cut_after_finish: bool = False  # the stream ends right after its finish reason (no usage, no end marker)
    failures: int = 0  # how many failures this script has served so far

    def pieces(self, default: str) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        words = (self.reply or default).split(" ")
        return [w + " " for w in words[:-1]] + [words[-1]]


@dataclass
class Recorded:
    """One request as the server saw it: headers lower-cased, body parsed as JSON (None if not JSON)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: dict | None

    @property
    def key(self) -> str | None:
        """The API key the client sent, whichever header its vendor uses."""
        h = self.headers
        return (h.get("x-api-key") or h.get("x-goog-api-key")
                or (h.get("authorization") or "").removeprefix("Bearer ").strip() or None)


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 (free port) with scripted, deterministic replies.

    Unscripted model ids answer "Fake reply to: <last user text>" with usage counted from words.
    `expect_key`, when set, makes every request without that key (Bearer, x-api-key or
    x-goog-api-key) fail with 401 in the provider's own error format.
    """

    def __init__(self, expect_key: str | None = None, echo_key: bool = False):
        self.expect_key = expect_key
        self.echo_key = echo_key  # a 401 repeats the key it got, in its body and a header (as some servers do)
        self.scripts: dict[str, Script] = {}
        self.requests: list[Recorded] = []
        self.last_chunks: list[tuple[str, float]] = []  # (model, time.time()) of each stream's last text
        self.models: list[str] = ["fake-model-a", "fake-model-b"]
        self.admin = AdminAPI()  # the billing APIs and their books (admin.py)
        # Unscripted replies by prompt: responder(model_id, last user text) -> text, or None for the default reply
        # (tests/fake_server/answers.py is one).
        self.responder = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------
    def start(self) -> FakeServer:
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        # A short poll interval: shutdown() waits for it, and every test stops a server.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes every stalled or delayed handler at once
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting ------------------------------------------------------
    def script(self, model_id: str, reply: str = "", chunks: list[str] | None = None,
               usage: dict | None = None, delay: float = 0.0, status: int | None = None,
               error_message: str | None = None, retry_after: float | str | None = None,
               fail_times: int | None = None, truncate: bool = False, malformed: bool | bytes = False,
               stall: float | None = None, thinking: str | None = None, silent: float | None = None,
               disconnect: bool = False, no_usage: bool = False, cut_after_finish: bool = False) -> Script:
        """Set how `model_id` answers from now on.

        reply/chunks: the text, or the exact stream chunks (the JSON reply joins them).
        usage: token counts in the ENGINE's convention -- input (all prompt tokens, cache reads
          and writes included), cached (reads), cache_write, output (all generated tokens,
          reasoning included), reasoning, cache_write_1h (the part of cache_write written to a 1-hour
          cache: Anthropic's cache_creation split), cost (a float: the call's own cost in USD, sent
          as OpenRouter's usage.cost on the OpenAI wire); missing keys are 0. Each wire converts them to its
          vendor's convention (e.g. Anthropic's input_tokens excludes the cache counts).
        delay: seconds before each chunk (also applied, summed, before a JSON reply).
        status/error_message/retry_after: answer with this HTTP error in the provider's format,
          with a Retry-After header when given; fail_times=N fails N times then succeeds
          (status defaults to 500 then).
        truncate: the stream ends after the text with no finish reason and no [DONE]/message_stop
          (a JSON reply has a null finish reason). malformed: a chunk of broken JSON after the
          first text chunk, then the stream ends (a JSON reply is broken JSON); bytes instead of True
          are sent as that chunk (or as the JSON reply): valid JSON in a shape the wire never has.
        stall: seconds to go silent after the first chunk (before a JSON reply): longer than
          the client's read timeout, it must end in a timeout error.
        thinking: reasoning text sent before the answer as each vendor does: OpenAI-compatible
          `reasoning_content`, Anthropic `thinking` blocks (thinking_delta events), Gemini parts with
          `thought: true`; streamed word by word.
        silent: seconds to send nothing at all (no status line, no headers) before answering:
          a provider that takes the request and goes quiet before the first token.
        disconnect: the stream's text is sent, then the connection closes in the middle of the body
          (no end chunk): a network drop after part of the answer was shown.
        no_usage: the reply (JSON, or every event of the stream) carries no usage block at all
          (OpenAI: no usage object and no usage chunk; Anthropic: no usage in message_start,
          message_delta or the message; Gemini: no usageMetadata).
        cut_after_finish: the stream stops right after its finish reason, before its usage and its
          end marker (OpenAI's usage chunk and [DONE]; Anthropic's message_delta usage and
          message_stop; Gemini, which has no end marker, sends its last chunk without usageMetadata).
        """
        if fail_times is not None and status is None:
            status = 500
        s = Script(reply, chunks, usage, delay, status, error_message, retry_after, fail_times,
                   truncate, malformed, stall, thinking, silent, disconnect, no_usage, cut_after_finish)
        with self._lock:
            self.scripts[model_id] = s
        return s

    def image_url(self, secret: str = "SECRETDATA") -> str:
        """A local image URL carrying `secret` in its query, as a prompt-injected exfiltration link would."""
        return f"{self.url}/img/leak.png?d={secret}"

    def image_markdown(self, secret: str = "SECRETDATA", alt: str = "chart") -> str:
        """A markdown image pointing at this server (script it as a reply or a display name)."""
        return f"![{alt}]({self.image_url(secret)})"

    def requests_to(self, fragment: str) -> list[Recorded]:
        """Recorded requests whose path contains `fragment` (e.g. "chat/completions")."""
        return [r for r in self.requests if fragment in r.path]

    # --- used by the handler ------------------------------------------------
    def _should_fail(self, s: Script) -> bool:
        with self._lock:
            if s.status is None:
                return False
            if s.fail_times is not None and s.failures >= s.fail_times:
                return False
            s.failures += 1
            return True

    def _wait(self, seconds: float) -> None:
        if seconds and seconds > 0:
            self._stop.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (timeout, cancel, process exit) is normal here, not a failure."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so SDK clients reuse connections as in production
    # Headers and body go out in separate writes: with Nagle on, the body waits ~40 ms for an ACK.
    disable_nagle_algorithm = True
    server_ref: FakeServer

    def log_message(self, *args) -> None:  # quiet: pytest shows failures, not access logs
        pass

    # --- routing ----------------------------------------------------------
    def do_GET(self) -> None:
        self._record(None)
        if self.server_ref.admin.route(self):
            return
        if self._path.startswith("/img/"):
            return self._raw(200, PNG_1PX, "image/png")
        if self._path.endswith("/models"):
            models = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                      for m in self.server_ref.models]
            return self._json(200, {"object": "list", "data": models})
        self._json(404, {"error": {"message": f"no route {self._path}", "type": "not_found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        self._record(body)
        body = body or {}
        path = self._path
        if path.endswith("/chat/completions"):
            return self._answer(OpenAIWire(), body.get("model", ""), body, bool(body.get("stream")))
        if path.endswith("/v1/messages"):
            return self._answer(AnthropicWire(), body.get("model", ""), body, bool(body.get("stream")))
        m = _GEMINI_PATH.match(path)
        if m:
            return self._answer(GeminiWire(), m["model"], body, m["method"] == "streamGenerateContent")
        self._json(404, {"error": {"message": f"no route {path}", "type": "not_found"}})

    @property
    def _path(self) -> str:
        return urlsplit(self.path).path

    def _record(self, body) -> None:
        parts = urlsplit(self.path)
        rec = Recorded(self.command, parts.path, parse_qs(parts.query),
                       {k.lower(): v for k, v in self.headers.items()}, body)
        with self.server_ref._lock:
            self.server_ref.requests.append(rec)

    def _sent_key(self) -> str:
        return Recorded("", "", {}, {k.lower(): v for k, v in self.headers.items()}, None).key or ""

    def _key_ok(self) -> bool:
        key = self.server_ref.expect_key
        if key is None:
            return True
        return Recorded("", "", {}, {k.lower(): v for k, v in self.headers.items()}, None).key == key

    # --- answering --------------------------------------------------------
    def _answer(self, wire, model: str, body: dict, stream: bool) -> None:
        srv = self.server_ref
        s = srv.scripts.get(model) or Script()
        if not self._key_ok():
            if not srv.echo_key:
                return self._json(401, wire.error(401, "Invalid API key provided."))
            sent = self._sent_key()
            return self._json(401, wire.error(401, f"Invalid API key provided: {sent}"), {"x-echo-key": sent})
        if s.silent:
            srv._wait(s.silent)
        problem = wire.reject(body) if hasattr(wire, "reject") else None
        if problem:
            return self._json(400, wire.error(400, problem))
        if srv._should_fail(s):
            headers = {"Retry-After": str(s.retry_after)} if s.retry_after is not None else {}
            message = s.error_message or f"Fake error {s.status} for {model}"
            return self._json(s.status, wire.error(s.status, message), headers)
        answer = srv.responder(model, wire.last_user(body)) if srv.responder is not None else None
        pieces = s.pieces(answer or "Fake reply to: " + (wire.last_user(body) or "nothing"))
        used = self._usage(s, wire.prompt(body), pieces)  # what the vendor bills, and its books show
        wire.response_id = srv.admin.served(wire.name, self._path, model, used, self._sent_key())
        usage = None if s.no_usage else used  # what the reply says of it
        if not stream:
            srv._wait(s.delay * len(pieces) + (s.stall or 0))
            if s.malformed:
                broken = s.malformed if isinstance(s.malformed, bytes) else b'{"id": "broken", "choices": ['
                return self._raw(200, broken, "application/json")
            return self._json(200, wire.reply(model, "".join(pieces), usage, not s.truncate, thinking=s.thinking))
        self._stream(wire, model, body, s, pieces, usage)

    @staticmethod
    def _usage(s: Script, prompt: str, pieces: list[str]) -> dict:
        if s.usage is not None:
            return {**{k: int(s.usage.get(k, 0)) for k in _USAGE_KEYS}, "cost": s.usage.get("cost")}
        return {"input": len(prompt.split()), "cached": 0, "cache_write": 0, "cache_write_1h": 0,
                "output": len(pieces), "reasoning": 0, "cost": None}

    def _stream(self, wire, model: str, body: dict, s: Script, pieces: list[str], usage: dict | None) -> None:
        srv = self.server_ref
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for part in wire.head(model, usage, body):
                self._chunk(part)
            for piece in Script(s.thinking).pieces("") if s.thinking else ():
                srv._wait(s.delay)
                for part in wire.thought(model, piece):
                    self._chunk(part)
            for i, piece in enumerate(pieces):
                srv._wait(s.delay)
                self._chunk(wire.delta(model, piece))
                if i == 0 and s.malformed:
                    self._chunk(s.malformed if isinstance(s.malformed, bytes) else wire.malformed())
                    return self._chunk(b"")
                if i == 0 and s.stall:
                    srv._wait(s.stall)
            srv.last_chunks.append((model, time.time()))  # when the last text left (bench/ui_stream.py)
            if s.disconnect:  # drop the connection mid-body: the client sees the stream cut, not its end
                self.close_connection = True
                return
            if not s.truncate:
                for part in wire.tail(model, usage, body, end=not s.cut_after_finish):
                    self._chunk(part)
            self._chunk(b"")  # the end of the chunked body: a clean end, as a server that just stops
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout or cancel)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self._raw(status, json.dumps(payload).encode(), "application/json", headers)

    def _raw(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
