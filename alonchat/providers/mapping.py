"""What every provider's `_map_errors` shares: one way to build a typed engine error from a vendor failure."""

from __future__ import annotations

from ..core import errors
from ..core.text import remember


def scrub(text: str, secrets: tuple[str | None, ...] = ()) -> str:
    """The text without the key we sent: vendors echo (parts of) keys in auth errors."""
    for secret in secrets:
        remember(secret)  # so the SDK exception chained to ours is masked too (redact.scrub_exception)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def status_error(provider: str, status_code: int, message: str | None, headers=None, *,
                 key_env: str | None = None, secrets: tuple[str | None, ...] = ()) -> errors.ProviderError:
    """The typed error for an HTTP failure, with the vendor's message, the fix and Retry-After."""
    cls = errors.for_status(status_code)
    hint = errors.HINTS.get(cls, "")
    if cls is errors.AuthError and key_env:
        hint += f" The key is read from {key_env}."
    text = scrub((message or "").strip() or "no message", secrets).rstrip(".")
    return cls(f"{provider} returned HTTP {status_code}: {text}. {hint}".strip(), provider=provider,
               status_code=status_code, retry_after=errors.parse_retry_after(headers))


def timeout_error(provider: str, timeout: float) -> errors.ProviderTimeoutError:
    return errors.ProviderTimeoutError(
        f"{provider} sent nothing for {timeout:g} s, so the call was stopped. Try again, or raise "
        "the timeout option for slow models.", provider=provider)


def connection_error(provider: str, where: str, detail: str, *, base_url_env: str | None = None,
                     secrets: tuple[str | None, ...] = ()) -> errors.ProviderConnectionError:
    fix = f" Check the network, and {base_url_env} if you set it." if base_url_env else " Check the network."
    return errors.ProviderConnectionError(
        f"Could not reach {provider} at {where}: {scrub(detail, secrets) or 'connection failed'}.{fix}",
        provider=provider)


def malformed_error(provider: str, detail: str) -> errors.TruncatedStreamError:
    """A reply we cannot parse is never a complete answer: it is recorded as truncated."""
    return errors.TruncatedStreamError(
        f"{provider} sent a malformed reply ({detail[:200]}); the answer is incomplete. Try again.",
        provider=provider)
