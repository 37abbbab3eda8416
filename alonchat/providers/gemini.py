"""Gemini through the google-genai SDK (`from google import genai`), not the retired google-generativeai."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..core.errors import UnsupportedInputError
from ..core.types import ChatOptions, ChatRequest, ChatResult, Message, StreamEnd, TextDelta, ThinkingDelta, Usage
from .base import ProviderEnv, SDKProvider, require_finish, split_system
from .mapping import connection_error, malformed_error, status_error, timeout_error

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
# Gemini's finish reasons in the vocabulary every provider reports (OpenAI's).
FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter",
          "PROHIBITED_CONTENT": "content_filter", "BLOCKLIST": "content_filter", "SPII": "content_filter"}


def _map_usage(meta: Any) -> Usage | None:
    """prompt_token_count includes cached_content_token_count; billed output = candidates + thoughts.

    None when the reply has no usageMetadata (or no counts in it): the provider then estimates (final_usage).
    """
    if meta is None or meta.prompt_token_count is None and meta.candidates_token_count is None:
        return None
    thoughts = meta.thoughts_token_count or 0
    return Usage(
        # Tool-use prompt tokens are billed as input but counted apart from prompt_token_count.
        input_tokens=(meta.prompt_token_count or 0) + (meta.tool_use_prompt_token_count or 0),
        cached_input_tokens=meta.cached_content_token_count or 0,
        output_tokens=(meta.candidates_token_count or 0) + thoughts,
        reasoning_tokens=thoughts,
    )


def _finish(response: Any) -> str | None:
    cand = response.candidates[0] if response.candidates else None
    reason = getattr(cand, "finish_reason", None)
    if reason is None:
        return None
    name = getattr(reason, "value", None) or str(reason)
    return None if name == "FINISH_REASON_UNSPECIFIED" else FINISH.get(name, name.lower())


def _parts(response: Any) -> list:
    cand = response.candidates[0] if response.candidates else None
    return (cand.content.parts if cand is not None and cand.content is not None else None) or []


def _text(response: Any) -> str:
    """The answer's text parts; thought summaries (part.thought) are not the answer."""
    return "".join(p.text for p in _parts(response) if p.text and not p.thought)


def _thoughts(response: Any) -> str:
    """The thought summaries (parts marked thought=True), which include_thoughts asks for."""
    return "".join(p.text for p in _parts(response) if p.text and p.thought)


MAX_INLINE_BYTES = 20 * 2**20  # inline_data per request
# Gemini 2.5 takes a thinking budget (0 = off), Gemini 3 a thinking level (no "off": minimal is the least).
EFFORT_BUDGET = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}
EFFORT_LEVEL = {"none": "MINIMAL", "minimal": "MINIMAL", "low": "LOW", "medium": "MEDIUM", "high": "HIGH"}


def thinking_config(opts: ChatOptions, model_id: str) -> dict[str, Any] | None:
    """thinking_config for an effort or a budget, with the thoughts included so they can be shown; None when unset."""
    effort, budget = opts.reasoning_effort, opts.reasoning_budget
    if budget is None and effort is None:
        return None
    if budget is None and not model_id.startswith("gemini-2"):
        return {"thinking_level": EFFORT_LEVEL[effort], "include_thoughts": True}
    budget = EFFORT_BUDGET[effort] if budget is None else budget
    return {"thinking_budget": budget, "include_thoughts": budget != 0}


def _contents(turns: list[Message]) -> list:
    """Turns as Gemini contents: the text part, then each attachment as inline_data (bytes; the SDK encodes them)."""
    from google.genai import types

    out = []
    for m in turns:
        parts = [types.Part(text=m["content"])] if m["content"] or not m.get("attachments") else []
        parts += [types.Part.from_bytes(data=a.data, mime_type=a.media_type) for a in m.get("attachments") or ()]
        out.append(types.Content(role="model" if m["role"] == "assistant" else "user", parts=parts))
    return out


@contextmanager
def _map_errors(provider: GeminiProvider, timeout: float):
    """The one place google-genai's (and its raw httpx2) exceptions become the engine's typed errors."""
    import httpx2
    from google.genai import errors as genai_errors

    try:
        yield
    except genai_errors.APIError as e:
        response = getattr(e, "response", None)
        raise status_error(provider.name, e.code, e.message or e.status or str(e),
                           getattr(response, "headers", None), key_env=provider.env.key_names,
                           secrets=(provider._settings()[0],)) from e
    except genai_errors.UnknownApiResponseError as e:  # a broken SSE chunk or JSON body
        raise malformed_error(provider.name, str(e).split(" Raw response:")[0]) from e
    except json.JSONDecodeError as e:  # a broken JSON reply to a non-streamed call: genai does not wrap it
        raise malformed_error(provider.name, f"invalid JSON: {e}") from e
    except httpx2.TimeoutException as e:  # genai does not wrap httpx2's errors
        raise timeout_error(provider.name, timeout) from e
    except httpx2.TransportError as e:
        key, base_url, _ = provider._settings()
        raise connection_error(provider.name, base_url or DEFAULT_BASE_URL, str(e),
                               base_url_env=provider.env.base_url, secrets=(key,)) from e


class GeminiProvider(SDKProvider):
    """Gemini models; the key comes from GOOGLE_API_KEY or GEMINI_API_KEY, as google-genai reads them."""

    name = "gemini"
    # Prompt caching is automatic there: the playground's "cache this prompt" (Anthropic's) is not sent.
    ignored_options = {"cache_prompt": "Gemini caches prompts on its own"}
    display_name = "Google Gemini"
    estimate_rule = "gemini"
    # Either key configures it; in the SDK's own order, so GOOGLE_API_KEY wins when both are set.
    env = ProviderEnv(key=("GOOGLE_API_KEY", "GEMINI_API_KEY"), base_url="GOOGLE_GEMINI_BASE_URL")

    def _settings(self) -> tuple[str | None, str | None, str | None]:
        return self.api_key(), self.setting(self.env.base_url), self.setting("GOOGLE_GENAI_API_VERSION")

    def _build_client(self, settings: tuple[str | None, str | None, str | None]):
        """About 80 ms to build, hence the cache in SDKProvider."""
        from google import genai
        from google.genai import types

        api_key, base_url, version = settings
        http: dict[str, Any] = {}  # no retry_options: the engine's RetryPolicy does the retrying
        if base_url:
            http["base_url"] = base_url
        if version:
            http["api_version"] = "v1beta" if version == "beta" else version  # as the SDK maps it
        return genai.Client(vertexai=False, api_key=api_key,
                            http_options=types.HttpOptions(**http) if http else None)

    def check_request(self, request: ChatRequest) -> None:
        """Inline files may total 20 MB per request (larger ones need the Files API, which we don't use)."""
        files = [a for m in request.messages for a in m.get("attachments") or ()]
        total = sum(len(a.data) for a in files)
        if total > MAX_INLINE_BYTES:
            raise UnsupportedInputError(request.model_id, files[-1].kind, (
                f"The attachments total {total / 2**20:.1f} MB; Gemini takes at most {MAX_INLINE_BYTES // 2**20} MB "
                "of files per request. Send fewer or smaller files."))

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        from google.genai import types

        opts = request.options
        system, turns = split_system(request)
        schema = {"response_mime_type": "application/json", "response_json_schema": opts.json_schema} \
            if opts.json_schema is not None else {}
        # timeout (ms) bounds each read, so a stalled stream ends.
        config = types.GenerateContentConfig(
            system_instruction=system, temperature=opts.temperature, max_output_tokens=opts.max_tokens,
            top_p=opts.top_p, stop_sequences=opts.stop, seed=opts.seed,
            thinking_config=thinking_config(opts, request.model_id), **schema,
            http_options=types.HttpOptions(timeout=int(opts.timeout * 1000)))
        return {"model": request.model_id, "contents": _contents(turns), "config": config}

    def chat(self, request: ChatRequest) -> ChatResult:
        client = self._client()
        with _map_errors(self, request.options.timeout):
            reply = client.models.generate_content(**self._params(request))
        finish = require_finish(_finish(reply), self.name)
        text, thoughts = _text(reply), _thoughts(reply)
        return ChatResult(text, self.final_usage(_map_usage(reply.usage_metadata), request, text + thoughts), finish,
                          thoughts)

    def stream(self, request: ChatRequest) -> Iterator[TextDelta | ThinkingDelta | StreamEnd]:
        client = self._client()
        usage = finish = None
        parts: list[str] = []
        with _map_errors(self, request.options.timeout):
            events = client.models.generate_content_stream(**self._params(request))
            try:
                for chunk in events:
                    thought = _thoughts(chunk)
                    if thought:  # thought summaries are never part of the answer
                        parts.append(thought)
                        yield ThinkingDelta(thought)
                    text = _text(chunk)
                    if text:
                        parts.append(text)
                        yield TextDelta(text)
                    if chunk.usage_metadata is not None:  # running totals: the last one is the bill
                        usage = chunk.usage_metadata
                    finish = _finish(chunk) or finish
            finally:
                events.close()  # releases the connection when the caller stops early
        finish = require_finish(finish, self.name)
        yield StreamEnd(self.final_usage(_map_usage(usage), request, "".join(parts)), finish)
