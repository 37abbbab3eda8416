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


_remembered: set[str] = set()  # keys that came from elsewhere than a *_KEY variable (config, endpoint env vars)


def remember(secret: str | None) -> None:
    """Mask this value from now on wherever redact() runs (a provider calls it with the key it sent)."""
    if secret and len(secret) >= 6:
        _remembered.add(secret)


def _secret_values() -> list[str]:
    env = [v for k, v in os.environ.items() if _SECRET_NAMES.search(k) and v and len(v) >= 6]
    return [*env, *_remembered]


def redact(text: str | None) -> str | None:
    """The text with every known secret value and every key-shaped token replaced by '***'."""
    if not text:
        return text
    for value in sorted(_secret_values(), key=len, reverse=True):
        text = text.replace(value, "***")
    text = _URL_USERINFO.sub(r"\1***@", text)
    return _KEY_SHAPES.sub("***", text)


def scrub_exception(exc: BaseException | None) -> None:
    """Redact the messages of `exc` and of every exception chained to it, in place.

    An SDK's exception keeps the provider's error body (which may echo the key) and the URL (which
    may carry user:password); it stays chained to our typed error as its cause, so anything that
    formats the traceback (logging, traceback.format_exc()) would print them.
    """
    todo, seen = [exc], set()
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        e.args = tuple(redact(a) if isinstance(a, str) else a for a in e.args)
        for attr in ("message", "body"):  # the SDKs keep the error text (and the parsed body) here too
            value = getattr(e, attr, None)
            if isinstance(value, str | dict | list):
                try:
                    setattr(e, attr, redact(value) if isinstance(value, str) else None)
                except AttributeError:  # a read-only property: its text comes from args, cleaned above
                    pass
        todo += [e.__cause__, e.__context__]
