"""The three wire formats the fake server speaks, each exactly as its SDK parses it (JSON and SSE)."""

from __future__ import annotations

import json
import time

# Usage dicts here are in the ENGINE's convention (see FakeServer.script); each wire converts them
# into its vendor's own convention, which is exactly what the provider modules must undo.


def sse(data, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n".encode()


def _text(content) -> str:
    """Text of a message content that is a string or a list of blocks/parts."""
    if isinstance(content, str):
        return content
    return " ".join(str(b.get("text", "")) for b in content or [] if isinstance(b, dict))


class OpenAIWire:
    """Chat Completions: prompt_tokens includes cached (and cache writes); completion_tokens includes reasoning."""

    name = "openai"

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
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model, "choices": choices, "usage": usage}

    def reply(self, model: str, text: str, u: dict, finished: bool) -> dict:
        return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                             "finish_reason": "stop" if finished else None, "logprobs": None}],
                "usage": self.usage(u)}

    def head(self, model: str, u: dict, body: dict) -> list[bytes]:
        return [sse(self._chunk(model, [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                         "finish_reason": None}]))]

    def delta(self, model: str, text: str) -> bytes:
        return sse(self._chunk(model, [{"index": 0, "delta": {"content": text}, "finish_reason": None}]))

    def tail(self, model: str, u: dict, body: dict) -> list[bytes]:
        out = [sse(self._chunk(model, [{"index": 0, "delta": {}, "finish_reason": "stop"}]))]
        if (body.get("stream_options") or {}).get("include_usage"):
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

    @staticmethod
    def reject(body: dict) -> str | None:
        """What API version 2026-10-21 refuses with a 400 before answering."""
        if "max_tokens" not in body:
            return "max_tokens: Field required"
        for param in ("temperature", "top_p", "top_k"):
            if param in body:
                return f"{param}: Extra inputs are not permitted"
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

    def reply(self, model: str, text: str, u: dict, finished: bool) -> dict:
        return {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn" if finished else None, "stop_sequence": None,
                "usage": self.usage(u)}

    def head(self, model: str, u: dict, body: dict) -> list[bytes]:
        start_usage = {**self.usage(u), "output_tokens": 1, "output_tokens_details": None}
        message = {**self.reply(model, "", u, False), "content": [], "usage": start_usage}
        return [sse({"type": "message_start", "message": message}, "message_start"),
                sse({"type": "content_block_start", "index": 0,
                     "content_block": {"type": "text", "text": ""}}, "content_block_start"),
                sse({"type": "ping"}, "ping")]

    def delta(self, model: str, text: str) -> bytes:
        return sse({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": text}}, "content_block_delta")

    def tail(self, model: str, u: dict, body: dict) -> list[bytes]:
        # Output counts arrive in message_delta, input and cache counts came in message_start.
        delta_usage = {"output_tokens": u["output"],
                       "output_tokens_details": {"thinking_tokens": u["reasoning"]}}
        return [sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                sse({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                     "usage": delta_usage}, "message_delta"),
                sse({"type": "message_stop"}, "message_stop")]

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

    def _candidate(self, model: str, text: str, finished: bool, u: dict | None) -> dict:
        cand = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
        if finished:
            cand["finishReason"] = "STOP"
        out = {"candidates": [cand], "modelVersion": model, "responseId": "fake"}
        if u is not None:
            out["usageMetadata"] = self.usage(u)
        return out

    def reply(self, model: str, text: str, u: dict, finished: bool) -> dict:
        return self._candidate(model, text, finished, u)

    def head(self, model: str, u: dict, body: dict) -> list[bytes]:
        return []

    def delta(self, model: str, text: str) -> bytes:
        return sse(self._candidate(model, text, False, None))

    def tail(self, model: str, u: dict, body: dict) -> list[bytes]:
        # The last chunk carries the finish reason and the usage, with empty text, as Gemini does.
        return [sse(self._candidate(model, "", True, u))]

    @staticmethod
    def malformed() -> bytes:
        return b'data: {"candidates": [{"content": \n\n'

    @staticmethod
    def error(status: int, message: str) -> dict:
        kind = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}.get(status, "INTERNAL")
        return {"error": {"code": status, "message": message, "status": kind}}
