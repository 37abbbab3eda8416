"""Typed engine errors: every message says what went wrong and how to fix it."""

from __future__ import annotations

from .text import quoted


class AlonChatError(Exception):
    """Base of every engine error; `status` is what the usage ledger records."""

    status = "error"


class ValidationError(AlonChatError, ValueError):
    """Bad input from a form, the CLI or an import; `errors` maps field (or row) to message.

    Each message is a sentence a person can act on, naming what they typed ("Base URL must be…"), so
    the text shown never starts with an internal field name. `keyed` says the keys are themselves
    what the person needs to read (a row of a file, a model of a table edit): then each message is
    prefixed with its key.
    """

    def __init__(self, errors: dict[str, str] | str, *, keyed: bool = False):
        self.errors = {"": errors} if isinstance(errors, str) else dict(errors)
        self.keyed = keyed
        super().__init__("; ".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem, as shown to people."""
        return [f"{k}: {v}" if self.keyed and k else v for k, v in self.errors.items()]


class UnsupportedInputError(ValidationError):
    """The model cannot take this input (an image, a PDF, a reasoning setting): refused before any request."""

    def __init__(self, model: str, kind: str, message: str):
        self.model, self.kind = model, kind  # kind: "image", "pdf" or "reasoning"
        super().__init__({"attachments" if kind in ("image", "pdf") else "reasoning_effort": message})


class ContextWindowError(ValidationError):
    """The prompt (plus the output asked for) cannot fit the model's context window: refused before sending."""

    def __init__(self, model: str, prompt_tokens: int, output_tokens: int, context_window: int):
        self.model, self.prompt_tokens, self.output_tokens = model, prompt_tokens, output_tokens
        self.context_window = context_window
        total = prompt_tokens + output_tokens
        asked = f" plus {output_tokens:,} output tokens asked for (max tokens), {total:,} in all" * bool(output_tokens)
        fix = "shorten the prompt or the history" + (", lower max tokens" if output_tokens else "")
        super().__init__({"messages": (
            f"The prompt is about {prompt_tokens:,} tokens (estimated){asked}, more than {model}'s context "
            f"window of {context_window:,} tokens. Nothing was sent: {fix}, or pick a model with a larger window.")})


class UnknownModelError(AlonChatError, LookupError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"Unknown model {quoted(name, 100)}.{hint} Run `python -m alonchat models list` to see the catalog."
        )


class InactiveModelError(AlonChatError):
    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"Model '{name}' is deactivated. Reactivate it with `python -m alonchat models activate {name}`."
        )


class UnknownProviderError(AlonChatError, LookupError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        super().__init__(f"No provider named {quoted(name, 100)} is registered. Registered: {', '.join(known)}.")


class MissingKeyError(AlonChatError):
    """The provider needs a key (or host) from the environment that is not set."""

    def __init__(self, provider: str, env_vars: list[str], alternative: str = ""):
        self.provider, self.env_vars = provider, env_vars
        names = " or ".join(env_vars)
        extra = f" {alternative}" if alternative else ""
        super().__init__(
            f"Provider '{provider}' is not configured: set {names} in the environment "
            f"or in .streamlit/secrets.toml.{extra}"
        )


class EndpointDisabledError(AlonChatError):
    """An OpenAI-compatible endpoint is in the catalog but switched off."""

    def __init__(self, name: str):
        self.provider = name
        super().__init__(
            f"Endpoint '{name}' is disabled. Enable it with `python -m alonchat endpoints enable {name}` "
            "or on the Catalog page."
        )


class BudgetExceededError(AlonChatError):
    status = "refused"


class DatabaseUnavailableError(AlonChatError):
    """ALONCHAT_DATABASE_URL names no database AlonChat can use (unparsable, unsupported, unreachable, not a
    database, a missing folder): a setting to fix, so the CLI exits 2."""


class PermissionDeniedError(AlonChatError):
    """The acting user may not do this (a member changing the catalog, or nobody signed in)."""

    status = "refused"


class ProviderError(AlonChatError):
    """A failure reported by (or on the way to) a provider; `retryable` drives the backoff."""

    retryable = False

    def __init__(self, message: str, *, provider: str = "", status_code: int | None = None,
                 retry_after: float | None = None):
        self.provider, self.status_code, self.retry_after = provider, status_code, retry_after
        super().__init__(message)


class AuthError(ProviderError):
    """401/403: the key is wrong or lacks access."""


class BadRequestError(ProviderError):
    """400/422: the request itself is wrong; retrying cannot help."""


class ModelNotFoundError(ProviderError):
    """404: the provider does not serve this model id."""


class RateLimitError(ProviderError):
    retryable = True


class ServerError(ProviderError):
    """5xx or overloaded."""

    retryable = True


class ProviderConnectionError(ProviderError):
    retryable = True


class ProviderTimeoutError(ProviderError):
    """The provider stopped sending: a stalled stream or a read timeout."""

    retryable = True
    status = "truncated"


class TruncatedStreamError(ProviderError):
    """A stream ended without a finish reason or sent a malformed chunk: never a complete answer."""

    status = "truncated"


class CancelledError(AlonChatError):
    status = "cancelled"

    def __init__(self, message: str = "Cancelled by the user."):
        super().__init__(message)


def for_status(status_code: int | None) -> type[ProviderError]:
    """One mapping from HTTP status to error class, shared by every provider."""
    if status_code in (401, 403):
        return AuthError
    if status_code == 404:
        return ModelNotFoundError
    if status_code == 429:
        return RateLimitError
    if status_code in (408, 409) or (status_code or 0) >= 500:
        return ServerError
    if status_code in (400, 413, 422) or (status_code and 400 <= status_code < 500):
        return BadRequestError
    return ProviderError


def retry_reason(error: ProviderError) -> str:
    """What failed, in the words the CLI and the pane use when they announce a retry."""
    if isinstance(error, RateLimitError):
        return "rate limited"
    if isinstance(error, ProviderTimeoutError):
        return "no answer in time"
    if isinstance(error, ProviderConnectionError):
        return "connection failed"
    if error.status_code == 529:
        return "overloaded"
    return "server error"


HINTS = {
    AuthError: "Check that the API key is valid and has access to this model.",
    ModelNotFoundError: "Check the model id in the catalog; the provider does not serve it.",
    RateLimitError: "The provider is rate limiting; wait and try again, or raise your quota.",
    ServerError: "The provider is failing or overloaded; try again later.",
    BadRequestError: "The provider rejected the request; check the options and the model's limits.",
}


def parse_retry_after(headers) -> float | None:
    """Retry-After in seconds (or retry-after-ms), as providers send it; None when absent or a date."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    return None
