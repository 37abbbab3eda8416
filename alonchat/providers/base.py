"""The provider contract every vendor module implements, and the value types it speaks."""

from __future__ import annotations

import base64
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..core.errors import MissingKeyError, TruncatedStreamError
from ..core.tokens import estimated_usage
from ..core.types import Attachment, ChatRequest, ChatResult, Message, StreamEvent, Usage


@dataclass(frozen=True)
class ProviderEnv:
    """The env vars a provider reads, named once for its settings, its errors and the docs."""

    key: tuple[str, ...] = ()  # alternatives for the key, in precedence order: the first set wins
    base_url: str | None = None  # overrides the vendor's default base URL when set

    @property
    def key_names(self) -> str | None:
        """How messages name the key: "A or B"; None for a keyless provider."""
        return " or ".join(self.key) or None


class Provider(ABC):
    """One vendor behind one small contract; prices come from the catalog, never from here."""

    name: str = ""
    display_name: str = ""
    kind: Literal["builtin", "plugin", "endpoint"] = "builtin"
    # Options the vendor's API refuses, dropped rather than sent, each with why: pages tell the user that.
    ignored_options: Mapping[str, str] = {}
    env: ProviderEnv = ProviderEnv()
    # Whose documented rule counts attachment tokens in estimates (core.estimate_attachment_tokens).
    estimate_rule: str = "openai"

    def initialize(self, config: dict[str, Any] | None = None) -> None:
        """Take settings (keys, base URL) from a dict; the environment fills what is missing."""
        self.config = dict(config or {})

    def required_env_vars(self) -> list[str]:
        """Env vars the provider needs; a list of alternatives counts as one requirement."""
        return list(self.env.key)

    def missing_env_vars(self) -> list[str]:
        needed = self.required_env_vars()
        if not needed or any(self.setting(v) for v in needed):
            return []
        return needed

    def is_configured(self) -> bool:
        return not self.missing_env_vars()

    def setting(self, env_var: str) -> str | None:
        """A setting from initialize() config first, then the environment."""
        config = getattr(self, "config", {}) or {}
        return config.get(env_var) or os.environ.get(env_var) or None

    def api_key(self) -> str | None:
        """The key as it stands now: the first of env.key that is set."""
        return next((k for k in map(self.setting, self.env.key) if k), None)

    def ensure_configured(self) -> None:
        missing = self.missing_env_vars()
        if missing:
            raise MissingKeyError(self.name, missing)

    def check_request(self, request: ChatRequest) -> None:
        """Refuse (ValidationError) what this vendor's API would refuse, before any request; the default takes all."""
        return None

    def warm(self) -> None:
        """Get ready to send (build the SDK client) before a timed call, so timings exclude start-up."""
        return None

    @abstractmethod
    def chat(self, request: ChatRequest) -> ChatResult: ...

    @abstractmethod
    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]: ...

    def final_usage(self, reported: Usage | None, request: ChatRequest, output: str) -> Usage:
        """The usage a reply reported, or, when it reported none, our estimate labelled as one.

        Every provider's chat() and stream() pass what their `_map_usage` made of the reply through here:
        an answer without a usage block (or with no counts in it) was still billed, so it is never free
        and exact. `output` is every generated text (answer and thinking).
        """
        if reported is not None and (reported.input_tokens or reported.output_tokens):
            return reported
        estimate = estimated_usage(request, output, rule=self.estimate_rule)
        if reported is not None and reported.reported_cost_usd is not None:
            return replace(estimate, reported_cost_usd=reported.reported_cost_usd)
        return estimate

    def estimate_cost(self, request: ChatRequest, prices) -> Any:
        """Estimated cost of the prompt alone, at the catalog's prices (None when unpriced)."""
        from ..core.pricing import cost_usd

        return cost_usd(estimated_usage(request, rule=self.estimate_rule), prices)


# One lock for every SDK client build: the first build imports the vendor's SDK, and Python can hand a
# partly imported shared module (httpx2, pydantic parts) to a second thread importing another SDK at once.
_BUILD_LOCK = threading.Lock()


class SDKProvider(Provider):
    """A provider behind a vendor SDK client, built once per (key, base URL, ...) and rebuilt when they change."""

    def __init__(self) -> None:
        self._cached: tuple[tuple, Any] | None = None
        self.initialize({})

    def initialize(self, config: dict[str, Any] | None = None) -> None:
        super().initialize(config)
        self._cached = None

    @abstractmethod
    def _settings(self) -> tuple:
        """What the client is built from, read fresh (config, then env) on every call; the key first."""

    @abstractmethod
    def _build_client(self, settings: tuple) -> Any:
        """A new SDK client for these settings; SDK retries off, the engine's RetryPolicy retries."""

    def request_params(self, request: ChatRequest) -> dict[str, Any]:
        """The SDK call's keyword arguments for `request`, as chat and stream send them ("view code" shows them)."""
        return self._params(request)

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        raise NotImplementedError

    def _check_settings(self) -> None:
        """Refuse to build a client without what the provider needs (the key, by default)."""
        Provider.ensure_configured(self)

    def warm(self) -> None:
        if self.is_configured():
            self._client()

    def _client(self) -> Any:
        """The cached client: building one per call would cost more than the engine's overhead goal."""
        settings = self._settings()
        cached = self._cached
        if cached is not None and cached[0] == settings:
            return cached[1]
        self._check_settings()
        with _BUILD_LOCK:
            client = self._build_client(settings)
            self._cached = (settings, client)
        return client


def split_system(request: ChatRequest) -> tuple[str | None, list[Message]]:
    """System text (from options and system messages) apart from the turns, as Anthropic and Gemini want."""
    parts = [request.options.system] if request.options.system else []
    turns = []
    for m in request.messages:
        (parts.append(m["content"]) if m["role"] == "system" else turns.append(m))
    return ("\n\n".join(parts) or None), turns


def data_url(attachment: Attachment) -> str:
    """An attachment as a base64 data URL (OpenAI's image_url and file_data take it this way)."""
    return f"data:{attachment.media_type};base64,{b64(attachment)}"


def b64(attachment: Attachment) -> str:
    return base64.b64encode(attachment.data).decode("ascii")


def require_finish(finish_reason: str | None, provider: str) -> str:
    """SDKs do not raise when a stream stops early; an absent finish reason is a truncation."""
    if not finish_reason:
        raise TruncatedStreamError(
            f"{provider} stream ended before the model finished (no finish reason); "
            "the answer is incomplete. Try again.",
            provider=provider,
        )
    return finish_reason
