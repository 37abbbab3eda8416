"""AlonChat engine: providers, catalog, pricing, usage ledger and the AI service; never imports Streamlit.

What plugin authors and scripts may import is listed in __all__. Names are loaded on first use, so
`import alonchat` stays cheap and no SDK is imported before the first call.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# name -> the module that owns it
_EXPORTS = {
    "ai_service": "alonchat.service", "AIService": "alonchat.service", "CallResult": "alonchat.calls",
    "RetryPolicy": "alonchat.calls",
    "Usage": "alonchat.core", "Message": "alonchat.core", "ChatOptions": "alonchat.core",
    "ChatRequest": "alonchat.core", "ChatResult": "alonchat.core", "TextDelta": "alonchat.core",
    "StreamEnd": "alonchat.core", "StreamEvent": "alonchat.core", "ThinkingDelta": "alonchat.core",
    "RetryNotice": "alonchat.core", "Attachment": "alonchat.core",
    "Accepts": "alonchat.inputs", "check_messages": "alonchat.inputs", "attachment_from_file": "alonchat.inputs",
    "estimate_tokens": "alonchat.core", "estimate_prompt_tokens": "alonchat.core", "estimated_usage": "alonchat.core",
    "Provider": "alonchat.providers.base", "SDKProvider": "alonchat.providers.base",
    "ProviderEnv": "alonchat.providers.base",
    "registry": "alonchat.registry", "current_user": "alonchat.identity",
}
_ERRORS = (
    "AlonChatError", "ValidationError", "UnknownModelError", "InactiveModelError", "UnknownProviderError",
    "MissingKeyError", "EndpointDisabledError", "BudgetExceededError", "ProviderError", "AuthError",
    "BadRequestError", "ModelNotFoundError", "RateLimitError", "ServerError", "ProviderConnectionError",
    "ProviderTimeoutError", "TruncatedStreamError", "CancelledError", "UnsupportedInputError",
)
_EXPORTS.update(dict.fromkeys(_ERRORS, "alonchat.errors"))

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for editors and type checkers; at run time names load lazily below
    from .calls import CallResult, RetryPolicy
    from .core import (
        ChatOptions,
        ChatRequest,
        ChatResult,
        Message,
        StreamEnd,
        StreamEvent,
        TextDelta,
        Usage,
        estimate_prompt_tokens,
        estimate_tokens,
        estimated_usage,
    )
    from .errors import *  # noqa: F403
    from .identity import current_user
    from .providers.base import Provider, ProviderEnv, SDKProvider
    from .registry import registry
    from .service import AIService, ai_service


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'alonchat' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
