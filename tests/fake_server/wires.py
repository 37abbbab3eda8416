"""The three wire formats the fake server speaks, each exactly as its SDK parses it (JSON and SSE)."""

from __future__ import annotations

import base64
import json
import re
import time

# Usage dicts here are in the ENGINE's convention (see FakeServer.script); each wire converts them
# into its vendor's own convention, which is exactly what the provider modules must undo. A usage of
# None is a reply without any usage block (some servers, and cut streams, send none).
# tail(..., end=False) is a stream cut right after its finish reason: no usage, no end marker.


def sse(data, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n".encode()


def camel(value):
    """A JSON value with snake_case keys in camelCase: proto JSON (Gemini) takes a field's name in either case."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m[1].upper(), k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def _data_url(url: str, prefix: str) -> bool:
    head, _, data = url.partition(";base64,")
    return head.startswith("data:" + prefix) and _is_b64(data)


def _is_b64(data: str, urlsafe: bool = False) -> bool:
    """Base64 as the API takes it (Google's APIs take the URL-safe alphabet, which google-genai sends)."""
    try:
        if urlsafe:
            data = data.replace("-", "+").replace("_", "/")
        return bool(data) and bool(base64.b64decode(data, validate=True))
    except ValueError:
        return False


def _text(content) -> str:
    """Text of a message content that is a string or a list of blocks/parts."""
    if isinstance(content, str):
        return content
    return " ".join(str(b.get("text", "")) for b in content or [] if isinstance(b, dict))


class OpenAIWire:
    """Chat Completions: prompt_tokens includes cached (and cache writes); completion_tokens includes reasoning."""

    name = "openai"
    response_id = "chatcmpl-fake"  # the server sets each answer's own (admin.AdminAPI.served)

    @staticmethod
    def prompt(body: dict) -> str:
        return " ".join(_text(m.get("content")) for m in body.get("messages", []))

    @staticmethod
    def last_user(body: dict) -> str:
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        return _text(users[-1].get("content")) if users else ""

    @staticmethod
    def usage(u: dict) -> dict:
        out = {
            "prompt_tokens": u["input"], "completion_tokens": u["output"],
            "total_tokens": u["input"] + u["output"],
            "prompt_tokens_details": {"cached_tokens": u["cached"], "cache_write_tokens": u["cache_write"],
                                      "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": u["reasoning"], "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0},
        }
        if u.get("cost") is not None:  # OpenRouter reports the call's cost in USD
            out["cost"] = u["cost"]
        return out

    def _chunk(self, model: str, choices: list, usage=None) -> dict:
        return {"id": self.response_id, "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model, "choices": choices, "usage": usage}

    def reply(self, model: str, text: str, u: dict, finished: bool, thinking: str | None = None) -> dict:
        message = {"role": "assistant", "content": text, "refusal": None}
        if thinking:  # as OpenAI-compatible reasoning servers (vLLM, DeepSeek) send it
            message["reasoning_content"] = thinking
        return {"id": self.response_id, "object": "chat.completion", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": message,
                             "finish_reason": "stop" if finished else None, "logprobs": None}],
                **({"usage": self.usage(u)} if u is not None else {})}

    def thought(self, model: str, text: str) -> list[bytes]:
        return [sse(self._chunk(model, [{"index": 0, "delta": {"reasoning_content": text}, "finish_reason": None}]))]

    @staticmethod
    def reject(body: dict) -> str | None:
        """What Chat Completions refuses with a 400: an unknown effort, malformed content parts."""
        if body.get("reasoning_effort") not in (None, "none", "minimal", "low", "medium", "high", "xhigh", "max"):
            return f"reasoning_effort: unsupported value {body['reasoning_effort']!r}"
        for m in body.get("messages", []):
            for part in m.get("content") if isinstance(m.get("content"), list) else ():
                kind = part.get("type")
                if kind == "image_url" and not _data_url(part["image_url"].get("url", ""), "image/"):
                    return "image_url.url: expected a data:image/...;base64 URL"
                if kind == "file" and not _data_url(part["file"].get("file_data", ""), "application/pdf"):
                    return "file.file_data: expected a data:application/pdf;base64 URL"
                if kind not in ("text", "image_url", "file", "input_audio"):
                    return f"content part type {kind!r} is not supported"
        return None

    def head(self, model: str, u: dict, body: dict) -> list[bytes]:
        return [sse(self._chunk(model, [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                         "finish_reason": None}]))]

    def delta(self, model: str, text: str) -> bytes:
        return sse(self._chunk(model, [{"index": 0, "delta": {"content": text}, "finish_reason": None}]))

    def tail(self, model: str, u: dict | None, body: dict, end: bool = True) -> list[bytes]:
        out = [sse(self._chunk(model, [{"index": 0, "delta": {}, "finish_reason": "stop"}]))]
        if not end:
            return out
        if u is not None and (body.get("stream_options") or {}).get("include_usage"):
            out.append(sse(self._chunk(model, [], self.usage(u))))  # choices == [] carries usage
        return out + [sse("[DONE]")]

    @staticmethod
    def malformed() -> bytes:
        return b'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"content": \n\n'

    @staticmethod
    def error(status: int, message: str) -> dict:
        kind = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
                429: "rate_limit_exceeded"}.get(status, "server_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


class AnthropicWire:
    """Messages API: input_tokens EXCLUDES cache reads and writes; output_tokens includes thinking."""

    name = "anthropic"

    @staticmethod
    def prompt(body: dict) -> str:
        system = _text(body.get("system") or "")
        return " ".join([system] + [_text(m.get("content")) for m in body.get("messages", [])])

    @staticmethod
    def last_user(body: dict) -> str:
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        return _text(users[-1].get("content")) if users else ""

    def __init__(self):
        # One wire per request: the stream's content blocks are numbered as they open.
        self.index = 0
        self.open: str | None = None  # the kind of the block being streamed ("thinking", "text")

    @staticmethod
    def reject(body: dict) -> str | None:
        """What API version 2026-10-21 refuses with a 400 before answering."""
        if "max_tokens" not in body:
            return "max_tokens: Field required"
        for param in ("temperature", "top_p", "top_k"):
            if param in body:
                return f"{param}: Extra inputs are not permitted"
        thinking = body.get("thinking") or {}
        if thinking.get("type") not in (None, "enabled", "adaptive", "disabled"):
            return f"thinking.type: unknown {thinking.get('type')!r}"
        if thinking.get("type") == "enabled":
            budget = thinking.get("budget_tokens") or 0
            if budget < 1024:
                return "thinking.budget_tokens: Input should be greater than or equal to 1024"
            if budget >= body["max_tokens"]:
                return "`max_tokens` must be greater than `thinking.budget_tokens`"
        effort = (body.get("output_config") or {}).get("effort")
        if effort not in (None, "low", "medium", "high", "xhigh", "max"):
            return f"output_config.effort: unknown {effort!r}"
        for m in body.get("messages", []):
            for block in m.get("content") if isinstance(m.get("content"), list) else ():
                if block.get("type") in ("image", "document"):
                    src = block.get("source") or {}
                    kinds = ("application/pdf",) if block["type"] == "document" else (
                        "image/jpeg", "image/png", "image/gif", "image/webp")
                    if src.get("type") != "base64" or src.get("media_type") not in kinds or not _is_b64(
                            src.get("data", "")):
                        return f"{block['type']}.source: expected base64 data of type {' or '.join(kinds)}"
        cache = body.get("cache_control")
        if cache is not None and (cache.get("type") != "ephemeral" or cache.get("ttl", "5m") not in ("5m", "1h")):
            return "cache_control: type must be ephemeral and ttl one of 5m, 1h"
        return None

    @staticmethod
    def usage(u: dict) -> dict:
        return {"input_tokens": u["input"] - u["cached"] - u["cache_write"],
                "cache_read_input_tokens": u["cached"], "cache_creation_input_tokens": u["cache_write"],
                "cache_creation": {"ephemeral_5m_input_tokens": u["cache_write"] - u.get("cache_write_1h", 0),
                                   "ephemeral_1h_input_tokens": u.get("cache_write_1h", 0)},
                "output_tokens": u["output"],
                "output_tokens_details": {"thinking_tokens": u["reasoning"]}}

    def reply(self, model: str, text: str, u: dict, finished: bool, thinking: str | None = None) -> dict:
        blocks = [{"type": "thinking", "thinking": thinking, "signature": "sig-fake"}] if thinking else []
        return {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                "content": blocks + [{"type": "text", "text": text}],
                "stop_reason": "end_turn" if finished else None, "stop_sequence": None,
                **({"usage": self.usage(u)} if u is not None else {})}

    def head(self, model: str, u: dict | None, body: dict) -> list[bytes]:
        message = {**self.reply(model, "", u, False), "content": []}
        if u is not None:
            message["usage"] = {**self.usage(u), "output_tokens": 1, "output_tokens_details": None}
        return [sse({"type": "message_start", "message": message}, "message_start"), sse({"type": "ping"}, "ping")]

    def _switch(self, kind: str) -> list[bytes]:
        """Close the open block (a thinking block ends with its signature) and open one of `kind`."""
        if self.open == kind:
            return []
        out = []
        if self.open is not None:
            if self.open == "thinking":
                out.append(sse({"type": "content_block_delta", "index": self.index,
                                "delta": {"type": "signature_delta", "signature": "sig-fake"}}, "content_block_delta"))
            out.append(sse({"type": "content_block_stop", "index": self.index}, "content_block_stop"))
            self.index += 1
        block = {"type": "thinking", "thinking": "", "signature": ""} if kind == "thinking" else {"type": "text",
                                                                                                  "text": ""}
        out.append(sse({"type": "content_block_start", "index": self.index, "content_block": block},
                       "content_block_start"))
        self.open = kind
        return out

    def thought(self, model: str, text: str) -> list[bytes]:
        return self._switch("thinking") + [sse({"type": "content_block_delta", "index": self.index,
                                                "delta": {"type": "thinking_delta", "thinking": text}},
                                               "content_block_delta")]

    def delta(self, model: str, text: str) -> bytes:
        return b"".join(self._switch("text") + [sse({"type": "content_block_delta", "index": self.index,
                                                     "delta": {"type": "text_delta", "text": text}},
                                                    "content_block_delta")])

    def tail(self, model: str, u: dict | None, body: dict, end: bool = True) -> list[bytes]:
        # Output counts arrive in message_delta, input and cache counts came in message_start.
        delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}}
        if u is not None and end:
            delta["usage"] = {"output_tokens": u["output"],
                              "output_tokens_details": {"thinking_tokens": u["reasoning"]}}
        out = self._switch("text") + [sse({"type": "content_block_stop", "index": self.index}, "content_block_stop"),
                                      sse(delta, "message_delta")]
        return out + [sse({"type": "message_stop"}, "message_stop")] if end else out

    @staticmethod
    def malformed() -> bytes:
        return b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": \n\n'

    @staticmethod
    def error(status: int, message: str) -> dict:
        kind = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}


class GeminiWire:
    """generateContent: promptTokenCount includes cached; output = candidates + thoughts."""

    name = "gemini"

    @staticmethod
    def prompt(body: dict) -> str:
        turns = [body.get("systemInstruction") or {}] + list(body.get("contents", []))
        return " ".join(_text(t.get("parts")) for t in turns)

    @staticmethod
    def last_user(body: dict) -> str:
        users = [c for c in body.get("contents", []) if c.get("role", "user") == "user"]
        return _text(users[-1].get("parts")) if users else ""

    @staticmethod
    def usage(u: dict) -> dict:
        out = {"promptTokenCount": u["input"], "candidatesTokenCount": u["output"] - u["reasoning"],
               "totalTokenCount": u["input"] + u["output"]}
        if u["cached"]:
            out["cachedContentTokenCount"] = u["cached"]
        if u["reasoning"]:
            out["thoughtsTokenCount"] = u["reasoning"]
        return out

    def _candidate(self, model: str, text: str, finished: bool, u: dict | None, thinking: str | None = None,
                   thought: bool = False) -> dict:
        parts = [{"text": thinking, "thought": True}] if thinking else []
        parts.append({"text": text, "thought": True} if thought else {"text": text})
        cand = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finished:
            cand["finishReason"] = "STOP"
        out = {"candidates": [cand], "modelVersion": model, "responseId": "fake"}
        if u is not None:
            out["usageMetadata"] = self.usage(u)
        return out

    def reply(self, model: str, text: str, u: dict, finished: bool, thinking: str | None = None) -> dict:
        return self._candidate(model, text, finished, u, thinking)

    def thought(self, model: str, text: str) -> list[bytes]:
        return [sse(self._candidate(model, text, False, None, thought=True))]

    @staticmethod
    def reject(body: dict) -> str | None:
        """What generateContent refuses with a 400: a budget and a level together, malformed inline data."""
        body = camel(body)  # google-genai sends some nested fields (thinkingConfig, inlineData) in snake_case
        thinking = (body.get("generationConfig") or {}).get("thinkingConfig") or {}
        if "thinkingBudget" in thinking and "thinkingLevel" in thinking:
            return "thinking_budget and thinking_level cannot be set together"
        for c in body.get("contents", []):
            for part in c.get("parts", []):
                inline = part.get("inlineData")
                mime = str((inline or {}).get("mimeType") or "")
                if inline is not None and (not mime.startswith(("image/", "application/pdf"))
                                           or not _is_b64(inline.get("data", ""), urlsafe=True)):
                    return "inlineData: expected a mimeType and base64 data"
        return None

    def head(self, model: str, u: dict, body: dict) -> list[bytes]:
        return []

    def delta(self, model: str, text: str) -> bytes:
        return sse(self._candidate(model, text, False, None))

    def tail(self, model: str, u: dict | None, body: dict, end: bool = True) -> list[bytes]:
        # The last chunk carries the finish reason and the usage, with empty text, as Gemini does (it has no
        # end marker: a stream cut after its finish reason is one without usage).
        return [sse(self._candidate(model, "", True, u if end else None))]

    @staticmethod
    def malformed() -> bytes:
        return b'data: {"candidates": [{"content": \n\n'

    @staticmethod
    def error(status: int, message: str) -> dict:
        kind = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}.get(status, "INTERNAL")
        return {"error": {"code": status, "message": message, "status": kind}}
