"""OpenAI Chat Completions through the official SDK; OpenAI-compatible endpoints reuse all of it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ..core.errors import ProviderError, TruncatedStreamError
from ..core.types import PDF_TYPE, ChatRequest, ChatResult, Message, StreamEnd, TextDelta, ThinkingDelta, Usage
from .base import ProviderEnv, SDKProvider, data_url, require_finish
from .mapping import connection_error, malformed_error, scrub, status_error, timeout_error

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class _BadShape(ValueError):
    """Valid JSON in a shape the wire never has: a broken reply, recorded as truncated like broken JSON."""


def _map_usage(usage: Any) -> Usage | None:
    """OpenAI's counts (the wire's JSON object) in the engine's convention; both already include their details.

    prompt_tokens includes prompt_tokens_details.cached_tokens (and cache_write_tokens);
    completion_tokens includes completion_tokens_details.reasoning_tokens. OpenRouter adds the call's
    own cost (usage.cost, USD), kept beside ours so a disagreement shows.
    """
    if usage is None:
        return None
    if not isinstance(usage, dict):
        raise _BadShape(f"usage is {type(usage).__name__}, not an object")
    prompt = _object(usage, "prompt_tokens_details")
    completion = _object(usage, "completion_tokens_details")
    reported = usage.get("cost")
    return Usage(
        reported_cost_usd=(Decimal(str(reported)) if isinstance(reported, int | float) and not isinstance(
            reported, bool) and reported >= 0 else None),
        input_tokens=_count(usage, "prompt_tokens"),
        cached_input_tokens=_count(prompt, "cached_tokens"),
        cache_write_tokens=_count(prompt, "cache_write_tokens"),
        output_tokens=_count(usage, "completion_tokens"),
        reasoning_tokens=_count(completion, "reasoning_tokens"),
    )


def _with_id(usage: Usage, response_id: Any) -> Usage:
    """The usage with the response's id (OpenRouter's generation id, which its bill can be looked up by)."""
    return replace(usage, response_id=response_id[:200]) if isinstance(response_id, str) and response_id else usage


def _object(fields: dict, key: str) -> dict:
    value = fields.get(key)
    if value is not None and not isinstance(value, dict):
        raise _BadShape(f"{key} is {type(value).__name__}, not an object")
    return value or {}


def _count(fields: dict, key: str) -> int:
    """A token count from the wire: absent or null is 0; anything but a whole number >= 0 is a broken reply.

    Some compatible servers write counts as floats (12.0): a whole one is taken as it is meant.
    """
    value = fields.get(key)
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadShape(f"{key} is {value!r}, not a token count")
    return value


def _content(message: Message) -> str | list[dict]:
    """Text alone, or text plus attachments as content parts: images as image_url, PDFs as file (data URLs)."""
    attachments = message.get("attachments")
    if not attachments:
        return message["content"]
    parts: list[dict] = [{"type": "text", "text": message["content"]}] if message["content"] else []
    for a in attachments:
        if a.media_type == PDF_TYPE:
            parts.append({"type": "file", "file": {"filename": a.name, "file_data": data_url(a)}})
        else:
            parts.append({"type": "image_url", "image_url": {"url": data_url(a)}})
    return parts


def _schema_name(schema: dict) -> str:
    """response_format's required name: the schema's title where it fits OpenAI's pattern, else "answer"."""
    title = re.sub(r"[^a-zA-Z0-9_-]", "_", str(schema.get("title") or ""))[:64]
    return title or "answer"


def _reasoning(fields: dict) -> str:
    """Reasoning text compatible servers send beside the answer (reasoning_content or reasoning); OpenAI sends none."""
    value = fields.get("reasoning_content") or fields.get("reasoning")
    return value if isinstance(value, str) else ""


def _text(fields: dict, key: str) -> str | None:
    value = fields.get(key)
    if value is not None and not isinstance(value, str):
        raise _BadShape(f"{key} is {type(value).__name__}, not text")
    return value


def _chunks(events: Any) -> Iterator[tuple[dict, list]]:
    """Each streamed chunk (a JSON object) with its choices, checked for the shape the engine reads."""
    for chunk in events:
        if not isinstance(chunk, dict):
            raise _BadShape(f"a chunk is {type(chunk).__name__}, not an object")
        choices = chunk.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise _BadShape("choices is not a list of objects")
        yield chunk, choices


def _error_message(e: Any) -> str:
    """The vendor's own message from the error body; compatible servers shape it variously."""
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return getattr(e, "message", None) or str(e)


@contextmanager
def map_errors(provider: OpenAIProvider, timeout: float):
    """The one place the openai SDK's exceptions become the engine's typed errors."""
    import openai

    try:
        yield
    except openai.APIStatusError as e:
        raise status_error(provider.name, e.status_code, _error_message(e), e.response.headers,
                           key_env=provider.env.key_names, secrets=(provider._settings()[0],)) from e
    except openai.APITimeoutError as e:  # before APIConnectionError: it is one
        raise timeout_error(provider.name, timeout) from e
    except openai.APIConnectionError as e:
        key, base_url = provider._settings()
        raise connection_error(provider.name, base_url or DEFAULT_BASE_URL, str(e.__cause__ or e),
                               base_url_env=provider.env.base_url, secrets=(key,)) from e
    except json.JSONDecodeError as e:  # a broken SSE chunk or JSON body: never a complete answer
        raise malformed_error(provider.name, f"invalid JSON: {e}") from e
    except _BadShape as e:
        raise malformed_error(provider.name, str(e)) from e
    except openai.APIError as e:  # an error event inside an otherwise healthy stream
        key, _ = provider._settings()
        raise ProviderError(f"{provider.name} reported an error: {scrub(_error_message(e), (key,))}. "
                            "Try again.", provider=provider.name) from e


class OpenAIProvider(SDKProvider):
    """GPT models over Chat Completions, the API OpenAI-compatible servers also speak."""

    name = "openai"
    display_name = "OpenAI"
    env = ProviderEnv(key=("OPENAI_API_KEY",), base_url="OPENAI_BASE_URL")
    # Reasoning models reject max_tokens; every current OpenAI chat model takes this one.
    max_tokens_param = "max_completion_tokens"
    # Chat Completions takes an effort, never a thinking budget; prompt caching is automatic there, so the
    # playground's "cache this prompt" (Anthropic's cache_control) is not sent either.
    ignored_options = {"reasoning_budget": "Chat Completions takes a reasoning effort, not a thinking budget; set "
                                           "the effort instead",
                       "cache_prompt": "Chat Completions takes no cache_control; OpenAI caches long prompts on its own"}

    def _settings(self) -> tuple[str | None, str | None]:
        """(api key, base URL) as they stand now; a change rebuilds the client."""
        return self.api_key(), self.setting(self.env.base_url)

    def _build_client(self, settings: tuple[str | None, str | None]):
        import openai

        api_key, base_url = settings
        # max_retries=0: the engine's RetryPolicy is the one retry loop for every provider.
        return openai.OpenAI(api_key=api_key or "not-needed", base_url=base_url or None, max_retries=0)

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        import httpx2

        opts = request.options
        messages = [{"role": "system", "content": opts.system}] if opts.system else []
        messages += [{"role": m["role"], "content": _content(m)} for m in request.messages]
        params: dict[str, Any] = {
            "model": request.model_id,
            "messages": messages,
            # The read timeout is the longest silence we accept, so a stalled stream ends.
            "timeout": httpx2.Timeout(opts.timeout, connect=min(5.0, opts.timeout)),
        }
        if opts.temperature is not None:
            params["temperature"] = opts.temperature
        if opts.max_tokens is not None:
            params[self.max_tokens_param] = opts.max_tokens
        if opts.reasoning_effort is not None:
            params["reasoning_effort"] = opts.reasoning_effort
        for option in ("top_p", "stop", "seed"):
            if getattr(opts, option) is not None:
                params[option] = getattr(opts, option)
        if opts.json_schema is not None:
            params["response_format"] = {"type": "json_schema", "json_schema": {
                "name": _schema_name(opts.json_schema), "schema": opts.json_schema}}
        return params

    def chat(self, request: ChatRequest) -> ChatResult:
        client = self._client()
        with map_errors(self, request.options.timeout):
            reply = client.chat.completions.create(**self._params(request))
        choice = reply.choices[0] if reply.choices else None
        content = (choice.message.content if choice and choice.message else None) or ""
        finish = require_finish(choice.finish_reason if choice else None, self.name)
        with map_errors(self, request.options.timeout):
            usage = _map_usage(reply.usage.to_dict(warnings=False) if reply.usage else None)
            thinking = _reasoning(choice.message.to_dict(warnings=False) if choice and choice.message else {})
        return ChatResult(content, _with_id(self.final_usage(usage, request, content + thinking), reply.id), finish,
                          thinking)

    def stream(self, request: ChatRequest) -> Iterator[TextDelta | ThinkingDelta | StreamEnd]:
        client = self._client()
        parts: list[str] = []
        usage = finish = response_id = None
        with map_errors(self, request.options.timeout):
            # The SDK sends the request and decodes the event stream; each chunk stays the JSON object it
            # was (parse(to=_Chunks)). Building the SDK's typed chunk costs twice the rest of the
            # read, and six panes at full speed parse thousands of chunks a second each (bench/ui_stream.py).
            events = client.chat.completions.with_raw_response.create(
                **self._params(request), stream=True, stream_options={"include_usage": True},
            ).parse(to=_chunk_stream())
            try:
                for chunk, choices in _chunks(events):
                    response_id = response_id or chunk.get("id")
                    if chunk.get("usage") is not None:  # the last chunk, with choices == []
                        usage = _map_usage(chunk["usage"])
                    for choice in choices:
                        delta = _object(choice, "delta")
                        thought = _reasoning(delta)
                        if thought:
                            parts.append(thought)
                            yield ThinkingDelta(thought)
                        text = _text(delta, "content")
                        if text:
                            parts.append(text)
                            yield TextDelta(text)
                        finish = _text(choice, "finish_reason") or finish
            finally:
                events.close()
        finish = require_finish(finish, self.name)
        if usage is None and not events.done:
            # The finish reason came but neither the usage chunk nor [DONE]: the connection was cut before the
            # stream's end, so what it would have said (the bill) is unknown. A server that ignores
            # include_usage still ends with [DONE]; its answer is complete and its usage estimated.
            raise TruncatedStreamError(
                f"{self.name} stream was cut after the finish reason, before its usage and its end ([DONE]); "
                "the usage is estimated. Try again if the answer looks incomplete.", provider=self.name)
        yield StreamEnd(_with_id(self.final_usage(usage, request, "".join(parts)), response_id), finish)


_CHUNKS: type | None = None


def _chunk_stream() -> type:
    """openai.Stream of plain JSON chunks that notes whether the server sent [DONE] (the SDK stops there silently)."""
    global _CHUNKS
    if _CHUNKS is None:
        import openai

        class Chunks(openai.Stream[object]):
            done = False

            def _iter_events(self):
                for sse in super()._iter_events():
                    if sse.data.startswith("[DONE]"):
                        self.done = True
                    yield sse

        _CHUNKS = Chunks
    return _CHUNKS
