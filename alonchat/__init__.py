"""AlonChat engine: providers, catalog, pricing, usage ledger and the AI service; never imports Streamlit.

What plugin authors and scripts may import is listed in __all__. Names are loaded on first use, so
`import alonchat` stays cheap and no SDK is imported before the first call.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# name -> the module that owns it
_EXPORTS = {
    "ai_service": "alonchat.calls.service", "AIService": "alonchat.calls.service",
    "CallResult": "alonchat.calls.result", "CallEvent": "alonchat.calls.result",
    "RetryPolicy": "alonchat.calls.attempt",
    "Accepts": "alonchat.calls.inputs", "Quote": "alonchat.calls.inputs", "check_messages": "alonchat.calls.inputs",
    "attachment_from_file": "alonchat.calls.inputs",
    "estimate_tokens": "alonchat.core.tokens", "estimate_prompt_tokens": "alonchat.core.tokens",
    "estimated_usage": "alonchat.core.tokens",
    "Provider": "alonchat.providers.base", "SDKProvider": "alonchat.providers.base",
    "ProviderEnv": "alonchat.providers.base",
    "registry": "alonchat.providers.registry", "current_user": "alonchat.access.identity",
}
_TYPES = ("Usage", "Message", "ChatOptions", "ChatRequest", "ChatResult", "TextDelta", "StreamEnd", "StreamEvent",
          "ThinkingDelta", "RetryNotice", "Attachment")
# Every error a caller can catch: AlonChatError is the base of them all.
_ERRORS = (
    "AlonChatError", "ValidationError", "UnsupportedInputError", "ContextWindowError", "UnknownModelError",
    "InactiveModelError", "UnknownProviderError", "MissingKeyError", "EndpointDisabledError", "BudgetExceededError",
    "PermissionDeniedError", "ProviderError", "AuthError", "BadRequestError", "ModelNotFoundError", "RateLimitError",
    "ServerError", "ProviderConnectionError", "ProviderTimeoutError", "TruncatedStreamError", "CancelledError",
)
_EXPORTS.update(dict.fromkeys(_TYPES, "alonchat.core.types"))
_EXPORTS.update(dict.fromkeys(_ERRORS, "alonchat.core.errors"))

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for editors and type checkers; at run time names load lazily below
    from .access.identity import current_user
    from .calls.attempt import RetryPolicy
    from .calls.inputs import Accepts, Quote, attachment_from_file, check_messages
    from .calls.result import CallEvent, CallResult
    from .calls.service import AIService, ai_service
    from .core.errors import *  # noqa: F403
    from .core.tokens import estimate_prompt_tokens, estimate_tokens, estimated_usage
    from .core.types import (
        Attachment,
        ChatOptions,
        ChatRequest,
        ChatResult,
        Message,
        RetryNotice,
        StreamEnd,
        StreamEvent,
        TextDelta,
        ThinkingDelta,
        Usage,
    )
    from .providers.base import Provider, ProviderEnv, SDKProvider
    from .providers.registry import registry


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'alonchat' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
