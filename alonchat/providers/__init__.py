"""The provider contract and its value types, for plugin authors: one module per vendor sits beside it."""

from ..core.types import (
    ChatOptions,
    ChatRequest,
    ChatResult,
    Message,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    Usage,
)
from .base import Provider, ProviderEnv, SDKProvider, require_finish, split_system

__all__ = [
    "ChatOptions", "ChatRequest", "ChatResult", "Message", "Provider", "ProviderEnv", "SDKProvider", "StreamEnd",
    "StreamEvent", "TextDelta", "ThinkingDelta", "Usage", "require_finish", "split_system",
]
