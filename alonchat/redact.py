"""Keeps secrets out of the ledger, logs, exports and pages: every error text passes through here."""

from __future__ import annotations

import os
import re

# Shapes of vendor keys, so a key echoed back in a provider's error body is masked even if unknown to us.
_KEY_SHAPES = re.compile(
    r"(sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|gsk_[A-Za-z0-9]{16,}|"
    r"(?i:bearer)\s+[A-Za-z0-9._\-]{12,})"
)
# The userinfo of a URL (http://user:pass@host/...) is a credential wherever the URL is shown or stored.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@]+@")
_SECRET_NAMES = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)


def _secret_values() -> list[str]:
    return [v for k, v in os.environ.items() if _SECRET_NAMES.search(k) and v and len(v) >= 6]


def redact(text: str | None) -> str | None:
    """The text with every known secret value and every key-shaped token replaced by '***'."""
    if not text:
        return text
    for value in sorted(_secret_values(), key=len, reverse=True):
        text = text.replace(value, "***")
    text = _URL_USERINFO.sub(r"\1***@", text)
    return _KEY_SHAPES.sub("***", text)
