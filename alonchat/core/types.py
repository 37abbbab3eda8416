"""The value types every part speaks: usage, options, requests, attachments, results and stream events."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Literal


@dataclass(frozen=True)
class Usage:
    """Token counts in one convention for every provider.

    input_tokens counts every prompt token (cache reads and writes included);
    output_tokens counts every generated token (reasoning included);
    cache_write_1h_tokens is the part of cache_write_tokens written to a 1-hour cache (Anthropic bills it apart).
    reported_cost_usd is the call's cost as the endpoint itself reported it (OpenRouter's usage.cost), if any.
    response_id is the provider's id for the response (OpenRouter's generation id), so its bill can be looked up.
    """

    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False
    cache_write_1h_tokens: int = 0
    reported_cost_usd: Decimal | None = None
    response_id: str | None = None


def option(default: Any = None, **schema: Any) -> Any:
    """A ChatOptions field: its default, and its bounds and words for the schema (core/options.py builds it)."""
    return field(default=default, metadata=schema)


class _SchemaFields:
    """`ChatOptions.model_fields`: the schema's fields (bounds, titles, descriptions), for forms built from them."""

    def __get__(self, obj: Any, owner: type) -> dict:
        from .options import schema

        return schema().model_fields


@dataclass
class ChatOptions:
    """Per-call options; their schema (core/options.py) checks them and doubles as the source of the playground's
    widgets. A plain dataclass, so a call with no options set loads no pydantic (bench/startup.py).

    Build options that come from outside (a form, the CLI, a file) with `ChatOptions.of(dict)`: it checks them.
    """

    system: str | None = option(max_length=100_000, description="System prompt")
    temperature: float | None = option(ge=0.0, le=2.0, description="Sampling temperature")
    max_tokens: int | None = option(ge=1, le=1_000_000, description="Most tokens to generate")
    timeout: float = option(60.0, gt=0, le=3600, description="Seconds without data before giving up")
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = option(
        title="Reasoning effort", description=(
            "How hard a reasoning model thinks before answering (OpenAI reasoning_effort, Anthropic extended "
            "thinking, Gemini thinking_config). Only for models that reason; empty = the model's default."))
    reasoning_budget: int | None = option(
        ge=0, le=1_000_000, title="Thinking budget", description=(
            "Most thinking tokens, for providers that take a budget (Anthropic: at least 1,024; Gemini 2.5: "
            "0 turns thinking off). Must be below Max tokens. Empty = from the effort, or the model's default."))
    top_p: float | None = option(ge=0.0, le=1.0, title="Top p",
                                 description="Nucleus sampling: only the most likely tokens up to this probability.")
    stop: list[str] | None = option(max_length=4, title="Stop sequences",
                                    description="Up to 4 strings; the answer ends where one would appear.")
    seed: int | None = option(ge=-(2**63), le=2**63 - 1, title="Seed",
                              description="Same seed, same settings: a best-effort repeatable answer.")
    json_schema: dict[str, Any] | None = option(title="JSON schema", description=(
        "Structured output: the answer is JSON that follows this schema (a JSON-schema object)."))
    cache_prompt: Literal["5m", "1h"] | None = option(description=(
        "Ask the provider to cache the prompt for 5 minutes or 1 hour (Anthropic's cache_control); "
        "later calls with the same prompt read it at the cache-read price."))

    model_fields = _SchemaFields()  # not a field: the schema's, as pydantic names them

    def __post_init__(self) -> None:
        """Options built directly (`ChatOptions(temperature=5)`, `replace(...)`) are checked as `of` checks them;
        with nothing set there is nothing to check, and pydantic stays unloaded."""
        given = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != f.default}
        if given:
            from .options import schema

            checked = schema().model_validate(given)
            for name in given:
                setattr(self, name, getattr(checked, name))

    @classmethod
    def of(cls, options: dict[str, Any]) -> ChatOptions:
        """Options from outside, checked as a whole: raises pydantic.ValidationError (the schema's, with every problem).

        None set: the defaults, which need no check (and no pydantic).
        """
        if not options:
            return cls()
        from .options import schema

        checked = schema().model_validate(options)
        return cls(**{f.name: getattr(checked, f.name) for f in fields(cls)})

    def set_values(self) -> dict[str, Any]:
        """The options set (not None), by name in schema order: what a call sends and the ledger notes."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def check_json_schema(schema: Any) -> None:
    """A structured-output schema must be a JSON-schema object; raises ValueError saying what is wrong."""
    import json

    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    if not isinstance(schema, dict) or not schema:
        raise ValueError('must be a JSON-schema object, e.g. {"type": "object", "properties": {...}}.')
    try:
        json.dumps(schema)
        validator_for(schema).check_schema(schema)
    except (TypeError, ValueError) as e:
        raise ValueError(f"is not JSON: {e}.") from None
    except SchemaError as e:
        raise ValueError(f"is not a valid JSON schema: {e.message}.") from None
    if not any(k in schema for k in ("type", "properties", "$ref", "anyOf", "oneOf", "allOf", "enum")):
        raise ValueError('names no type: give at least "type" (e.g. "object") or "properties".')


# Attachments a model may take: images (vision) and PDFs, as each provider documents them.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
PDF_TYPE = "application/pdf"
MEDIA_TYPES = (*IMAGE_TYPES, PDF_TYPE)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (an image or a PDF); the bytes go to the provider, never to the ledger."""

    name: str
    media_type: str
    data: bytes = field(repr=False)

    @property
    def kind(self) -> str:
        """"image" or "pdf": the capability a model needs to take it."""
        return "pdf" if self.media_type == PDF_TYPE else "image"


# Where a call comes from, kept on its ledger row: the Costs page and the CLI break spend down by it.
SOURCES = ("playground", "cli", "api", "eval", "judge", "arena", "catalog")
SOURCE_LABELS = {"playground": "Playground", "cli": "CLI", "api": "API", "eval": "Eval run", "judge": "Judge",
                 "arena": "Arena", "catalog": "Catalog test", "": "not recorded"}


# {"role": "user" | "assistant" | "system", "content": "...", "attachments": [Attachment, ...] (optional)}
Message = dict[str, Any]


@dataclass
class ChatRequest:
    model_id: str
    messages: list[Message]
    options: ChatOptions = field(default_factory=ChatOptions)


@dataclass
class TextDelta:
    text: str


@dataclass
class StreamEnd:
    """The last event of a stream: usage and the finish reason."""

    usage: Usage
    finish_reason: str


@dataclass
class ThinkingDelta:
    """Reasoning or thinking text (or its summary) a provider streams apart from the answer; never part of it."""

    text: str


@dataclass(frozen=True)
class RetryNotice:
    """The service waits before trying again: the playground's pane and the CLI's stderr say so."""

    attempt: int  # the attempt about to start (2 = the first retry)
    attempts: int  # the most attempts this call may make
    wait_seconds: float
    reason: str  # what failed, for the user: "rate limited", "server error", "connection failed", ...


StreamEvent = TextDelta | ThinkingDelta | StreamEnd


@dataclass
class ChatResult:
    content: str
    usage: Usage
    finish_reason: str
    thinking: str = ""  # reasoning text or summary the provider returned apart from the answer
