"""Claude through the official anthropic SDK's Messages API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..core.errors import ProviderError, UnsupportedInputError, ValidationError
from ..core.types import (
    PDF_TYPE,
    ChatOptions,
    ChatRequest,
    ChatResult,
    Message,
    StreamEnd,
    TextDelta,
    ThinkingDelta,
    Usage,
)
from .base import ProviderEnv, SDKProvider, b64, require_finish, split_system
from .mapping import connection_error, malformed_error, scrub, status_error, timeout_error

DEFAULT_BASE_URL = "https://api.anthropic.com"
# The Messages API requires max_tokens; this is what we ask for when the caller sets none.
DEFAULT_MAX_TOKENS = 4096
# Anthropic's stop reasons in the vocabulary every provider reports (OpenAI's).
FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "refusal": "content_filter"}
# Extended thinking: an effort becomes adaptive thinking with output_config.effort on models that take it
# (Claude 4.6 and later), or a thinking budget on older ones; an explicit budget is always a budget.
MIN_BUDGET = 1024  # the API's smallest thinking budget
MAX_IMAGE_BYTES = 5 * 2**20  # the Messages API refuses larger images
EFFORT_BUDGET = {"minimal": MIN_BUDGET, "low": 2048, "medium": 8192, "high": 24576}
ADAPTIVE_EFFORT = {"minimal": "low", "low": "low", "medium": "medium", "high": "high"}  # it has no "minimal"
_VERSION = re.compile(r"-(\d)(?:-(\d{1,2}))?(?:-\d{8})?$")  # claude-opus-4-7, claude-sonnet-5, ...-4-20250514
# An error event inside a 200 stream carries only its type; these are the statuses it stands for.
EVENT_STATUS = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500,
                "invalid_request_error": 400, "authentication_error": 401, "permission_error": 403,
                "not_found_error": 404}


def _map_usage(usage: dict | None) -> Usage | None:
    """Anthropic's input_tokens EXCLUDES cache reads and writes: the billed input is their sum.

    `usage` is the wire's JSON object (a reply's, or a stream's message_start merged with its message_delta);
    None when it is absent or lacks the input or output count (the provider then estimates: final_usage).
    cache_creation splits the writes by duration (ephemeral_5m / ephemeral_1h), billed at different prices.
    """
    if not isinstance(usage, dict) or usage.get("input_tokens") is None or usage.get("output_tokens") is None:
        return None
    read = usage.get("cache_read_input_tokens") or 0
    write = usage.get("cache_creation_input_tokens") or 0
    write_1h = (usage.get("cache_creation") or {}).get("ephemeral_1h_input_tokens") or 0
    details = usage.get("output_tokens_details") or {}
    return Usage(
        input_tokens=usage["input_tokens"] + read + write,
        cached_input_tokens=read,
        cache_write_tokens=write,
        cache_write_1h_tokens=min(write_1h, write),
        output_tokens=usage["output_tokens"],  # thinking included, as Anthropic bills it
        reasoning_tokens=details.get("thinking_tokens") or 0,
    )


def _wire(model: Any) -> dict | None:
    """An SDK object as the JSON it came from (None stays None): usage fields may be missing on the wire."""
    return None if model is None else model.to_dict(warnings=False)


def adaptive(model_id: str) -> bool:
    """Whether the model takes adaptive thinking with an effort (Claude 4.6 and later) rather than only a budget."""
    m = _VERSION.search(model_id)
    return m is not None and (int(m[1]), int(m[2] or 0)) >= (4, 6)


def thinking_params(opts: ChatOptions, model_id: str) -> dict[str, Any]:
    """The thinking, output_config and max_tokens an effort or a budget becomes (empty when neither is set)."""
    effort, budget = opts.reasoning_effort, opts.reasoning_budget
    out: dict[str, Any] = {}
    if budget == 0 or (effort == "none" and budget is None):
        out["thinking"] = {"type": "disabled"}
    elif budget is None and effort is not None and adaptive(model_id):
        out["thinking"] = {"type": "adaptive", "display": "summarized"}
        out["output_config"] = {"effort": ADAPTIVE_EFFORT[effort]}
    elif budget is not None or effort is not None:
        if budget is None:  # an effort on a budget-only model; the budget must stay below max_tokens
            budget = EFFORT_BUDGET[effort]
            if opts.max_tokens is not None and budget >= opts.max_tokens:
                budget = max(MIN_BUDGET, opts.max_tokens // 2)
        out["thinking"] = {"type": "enabled", "budget_tokens": budget, "display": "summarized"}
        # Thinking counts toward max_tokens: without a limit from the user, leave the usual room for the answer.
        out["max_tokens"] = opts.max_tokens or budget + DEFAULT_MAX_TOKENS
    return out


def _content(message: Message) -> str | list[dict]:
    """Text alone, or attachments (base64 image and document blocks) followed by the text, as Claude prefers."""
    attachments = message.get("attachments")
    if not attachments:
        return message["content"]
    blocks: list[dict] = []
    for a in attachments:
        source = {"type": "base64", "media_type": a.media_type, "data": b64(a)}
        blocks.append({"type": "document", "source": source, "title": a.name} if a.media_type == PDF_TYPE
                      else {"type": "image", "source": source})
    if message["content"]:
        blocks.append({"type": "text", "text": message["content"]})
    return blocks


def _error_fields(e: Any) -> tuple[str | None, str]:
    """(error type, message) from Anthropic's body {"type": "error", "error": {"type", "message"}}."""
    body = getattr(e, "body", None)
    inner = body.get("error") if isinstance(body, dict) else None
    if isinstance(inner, dict):
        return inner.get("type"), str(inner.get("message") or "")
    return None, getattr(e, "message", None) or str(e)


@contextmanager
def _map_errors(provider: AnthropicProvider, timeout: float):
    """The one place the anthropic SDK's exceptions become the engine's typed errors."""
    import anthropic
    import httpx2

    try:
        yield
    except anthropic.APIStatusError as e:
        kind, message = _error_fields(e)
        status = e.status_code if e.status_code >= 400 else EVENT_STATUS.get(kind, e.status_code)
        raise status_error(provider.name, status, message, e.response.headers,
                           key_env=provider.env.key_names, secrets=(provider._settings()[0],)) from e
    except (anthropic.APITimeoutError, httpx2.TimeoutException) as e:  # a stream read raises httpx2's own
        raise timeout_error(provider.name, timeout) from e
    except (anthropic.APIConnectionError, httpx2.TransportError) as e:
        key, base_url = provider._settings()
        raise connection_error(provider.name, base_url or DEFAULT_BASE_URL, str(e.__cause__ or e),
                               base_url_env=provider.env.base_url, secrets=(key,)) from e
    except json.JSONDecodeError as e:  # a broken SSE event or JSON body: never a complete answer
        raise malformed_error(provider.name, f"invalid JSON: {e}") from e
    except anthropic.APIError as e:
        _, message = _error_fields(e)
        raise ProviderError(f"{provider.name} reported an error: {scrub(message, (provider._settings()[0],))}. "
                            "Try again.", provider=provider.name) from e


class AnthropicProvider(SDKProvider):
    """Claude models; the system prompt goes in `system=`, not in the turns."""

    name = "anthropic"
    display_name = "Anthropic"
    env = ProviderEnv(key=("ANTHROPIC_API_KEY",), base_url="ANTHROPIC_BASE_URL")
    estimate_rule = "anthropic"
    # API version 2026-10-21 (what SDK 2.x sends) answers 400 to any sampling parameter, even
    # temperature=1.0, and the SDK no longer takes one (nor a seed): these options are not sent.
    ignored_options = dict.fromkeys(("temperature", "top_p", "seed"),
                                    "Anthropic's current API refuses sampling settings")

    def _settings(self) -> tuple[str | None, str | None]:
        return self.api_key(), self.setting(self.env.base_url)

    def _build_client(self, settings: tuple[str | None, str | None]):
        import anthropic

        api_key, base_url = settings
        # max_retries=0: the engine's RetryPolicy is the one retry loop for every provider.
        return anthropic.Anthropic(api_key=api_key, base_url=base_url or None, max_retries=0)

    def check_request(self, request: ChatRequest) -> None:
        """The API refuses images over 5 MB, a budget below 1,024 tokens, and thinking with no room under max_tokens."""
        for a in (a for m in request.messages for a in m.get("attachments") or ()):
            if a.kind == "image" and len(a.data) > MAX_IMAGE_BYTES:
                raise UnsupportedInputError(request.model_id, "image", (
                    f"'{a.name}' is {len(a.data) / 2**20:.1f} MB; Claude takes images up to "
                    f"{MAX_IMAGE_BYTES // 2**20} MB. Resize it, or send it to another model."))
        opts = request.options
        if opts.reasoning_budget and opts.reasoning_budget < MIN_BUDGET:
            raise ValidationError({"reasoning_budget": f"Claude's thinking budget is at least {MIN_BUDGET:,} tokens "
                                                       "(0 turns thinking off)."})
        thinking = thinking_params(opts, request.model_id).get("thinking", {})
        if thinking.get("type") == "enabled" and opts.max_tokens is not None \
                and thinking["budget_tokens"] >= opts.max_tokens:
            raise ValidationError({"max_tokens": f"Claude thinks with at least {MIN_BUDGET:,} tokens, which count "
                                                 f"toward Max tokens: raise Max tokens above {MIN_BUDGET:,}."})

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        import httpx2

        opts = request.options
        system, turns = split_system(request)
        params: dict[str, Any] = {
            "model": request.model_id,
            "max_tokens": opts.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": [{"role": m["role"], "content": _content(m)} for m in turns],
            # The read timeout is the longest silence we accept, so a stalled stream ends.
            "timeout": httpx2.Timeout(opts.timeout, connect=min(5.0, opts.timeout)),
        }
        if system:
            params["system"] = system
        params.update(thinking_params(opts, request.model_id))
        if opts.stop:
            params["stop_sequences"] = opts.stop
        if opts.json_schema is not None:
            params.setdefault("output_config", {})["format"] = {"type": "json_schema", "schema": opts.json_schema}
        if opts.cache_prompt:
            # Top-level cache_control marks the last cacheable block: the whole prompt so far is cached.
            params["cache_control"] = {"type": "ephemeral", "ttl": opts.cache_prompt}
        return params

    def chat(self, request: ChatRequest) -> ChatResult:
        client = self._client()
        with _map_errors(self, request.options.timeout):
            reply = client.messages.create(**self._params(request))
        content = "".join(b.text for b in reply.content if getattr(b, "type", "") == "text")
        thinking = "".join(b.thinking for b in reply.content if getattr(b, "type", "") == "thinking")
        finish = require_finish(reply.stop_reason, self.name)
        usage = self.final_usage(_map_usage(_wire(getattr(reply, "usage", None))), request, content + thinking)
        return ChatResult(content, usage, FINISH.get(finish, finish), thinking)

    def stream(self, request: ChatRequest) -> Iterator[TextDelta | ThinkingDelta | StreamEnd]:
        client = self._client()
        usage: dict | None = None  # message_start's counts, updated by message_delta's (cumulative) ones
        output_counted = stopped = False
        finish = None
        parts: list[str] = []
        with _map_errors(self, request.options.timeout):
            # The raw events, not messages.stream(): its accumulator fails on an event without usage, after
            # the text was shown. Input and cache counts come in message_start, output in message_delta.
            events = client.messages.create(**self._params(request), stream=True)
            try:
                for event in events:
                    kind = getattr(event, "type", None)
                    if kind == "content_block_delta":
                        delta = event.delta
                        if delta.type == "text_delta" and delta.text:
                            parts.append(delta.text)
                            yield TextDelta(delta.text)
                        elif delta.type == "thinking_delta" and delta.thinking:  # never part of the answer
                            parts.append(delta.thinking)
                            yield ThinkingDelta(delta.thinking)
                    elif kind == "message_start":
                        usage = _wire(getattr(event.message, "usage", None))
                    elif kind == "message_delta":
                        finish = getattr(event.delta, "stop_reason", None) or finish
                        counts = _wire(getattr(event, "usage", None))
                        if counts is not None and usage is not None:
                            usage.update({k: v for k, v in counts.items() if v is not None})
                            output_counted = counts.get("output_tokens") is not None
                    elif kind == "message_stop":
                        stopped = True
            finally:
                events.close()
        finish = require_finish(finish if stopped else None, self.name)
        # message_start carries a placeholder output count: only message_delta's is the bill.
        usage = self.final_usage(_map_usage(usage) if output_counted else None, request, "".join(parts))
        yield StreamEnd(usage, FINISH.get(finish, finish))
