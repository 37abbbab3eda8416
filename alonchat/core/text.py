"""Text made safe: secrets masked on the way out, spreadsheet formulas neutralised, invisible characters refused.

Every error text passes through redact(); every CSV cell through safe_text(); every stored name through
no_control_chars() (or strip_invisible() for display text); user input a message repeats through quoted().
"""

from __future__ import annotations

import os
import re
import unicodedata

# Shapes of vendor keys, so a key echoed back in a provider's error body is masked even if unknown to us.
_KEY_SHAPES = re.compile(
    r"(sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|gsk_[A-Za-z0-9]{16,}|"
    r"(?i:bearer)\s+[A-Za-z0-9._\-]{12,})"
)
# The userinfo of a URL (http://user:pass@host/...) is a credential wherever the URL is shown or stored. People
# paste it unencoded, so it runs to the LAST '@' of the URL's first part: a password may hold '@', '#' or '?'
# (user:p@ss#1@host), or, after a ':', even '/' (user:pa/ss@host). A user alone (token@host) is one too.
# Over-masking (a later '@' in a query) only hides more; a path's '@' (host:8080/users/@me) stays shown.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)(?:[^\s/:@]*:(?!\d*/)[^\s]*|[^\s/]*)@")
# A secret in a query string (?api_key=..., &access_token=..., ;password=...): its value is masked in any text.
_QUERY_SECRET = re.compile(r"(?i)([?&;][a-z0-9_.\-]*(?:key|token|secret|password|passwd|pwd|signature|sig|auth|"
                           r"credential)[a-z0-9_.\-]*=)[^&#;\s]+?(?=[.,:)]*(?:[&#;\s]|$))")
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
    text = _QUERY_SECRET.sub(r"\1***", text)
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


# --- CSV cells a spreadsheet will not run (OWASP's advice) -------------------------------------------------
# A cell starting with =, +, -, @, tab or carriage return is a live formula in Excel, LibreOffice and
# Sheets, so a model name or an error message could run one on whoever opens an export. Such text
# gets a leading single quote; numbers (a negative cost, 1e-6) stay numbers. Imports undo the quote.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_text(text: str) -> str:
    """`text` as a spreadsheet shows it literally: quoted when it would start a formula, unless it is a number."""
    if text.startswith(TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_cell(value):
    """Any cell value: only text is ever changed."""
    return safe_text(value) if isinstance(value, str) else value


def unquote(text: str) -> str:
    """What safe_text() wrote, read back (a catalog export imported again keeps its names)."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in "=+-@\t\r" else text


# --- names and text that look like what they are -------------------------------------------------------
# Characters that show as nothing (or reorder what follows) but make a different name: "gpt-4.1-mini" plus
# U+200B looks exactly like the real one. Unicode's format (Cf: zero-width, bidi controls, BOM), separator
# and private-use categories, plus the blank fillers that are letters by category.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def invisible_chars(value: str) -> list[str]:
    """The control, invisible and direction-changing characters in `value`, named as U+XXXX."""
    return [f"U+{ord(c):04X}" for c in value
            if unicodedata.category(c) in _INVISIBLE_CATEGORIES or c in _BLANK_LETTERS]


def no_control_chars(value: str) -> str:
    """Names end up in the CLI, logs and CSV cells, and must look like what they are: no controls, no invisibles."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain line breaks, tabs or other control characters.")
    found = ", ".join(dict.fromkeys(invisible_chars(value)))
    if found:
        raise ValueError(f"must not contain invisible or text-direction characters ({found}); retype it without them.")
    return value


def query_secrets(url: str) -> list[str]:
    """The names of query parameters in `url` that look like credentials (api_key, token, ...)."""
    return [m.group(1)[1:-1] for m in _QUERY_SECRET.finditer(url)]


def strip_invisible(value: str) -> str:
    """Display text keeps its letters and spaces but loses what would hide or reorder them."""
    return "".join(c for c in value if c in "\n\t" or not (unicodedata.category(c) in _INVISIBLE_CATEGORIES
                                                            or c in _BLANK_LETTERS))


def _hidden(c: str) -> bool:
    return ord(c) < 32 or ord(c) == 127 or unicodedata.category(c) in _INVISIBLE_CATEGORIES or c in _BLANK_LETTERS


def quoted(value, limit: int = 40) -> str:
    """User input as an error message repeats it: quoted, cut to `limit` characters, and every control, invisible
    or text-direction character shown as <U+XXXX> (a raw U+202E would reorder the rest of the message)."""
    text = str(value)
    shown = "".join(f"<U+{ord(c):04X}>" if _hidden(c) else c for c in text[:limit])
    return f"'{shown}'" if len(text) <= limit else f"'{shown}…' ({len(text):,} characters)"
