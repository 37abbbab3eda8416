"""Values read from a link: anyone can craft one, so each is parsed defensively and a bad one is dropped and named.

Python's int() takes '²' and Arabic-Indic digits that str.isdigit() lets through, a database rejects ids past
64 bits, and json.loads recurses once per bracket: none of that may reach the page as a traceback. Callers
collect what they drop (`Dropped`) and show it once, so the person who opened the link knows what it lost.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ui import safe_markdown as md

MAX_ID = 2**53 - 1  # a row id: fits the database's 64 bits and the browser's doubles
ECHO_CHARS = 60  # how much of a bad value a notice quotes
NOTICE_LINES = 10  # how many of a link's dropped values a notice lists
JSON_MAX_DEPTH = 32  # a JSON schema nests a handful of levels; thousands would exhaust Python's stack
JSON_MAX_CHARS = 100_000
_DIGITS = re.compile(r"[0-9]{1,16}")  # ASCII only: int() would also take '²' or '٣'
_INT = re.compile(r"[+-]?[0-9]{1,19}")
_FLOAT = re.compile(r"[+-]?([0-9]{1,20}(\.[0-9]{0,20})?|\.[0-9]{1,20})([eE][+-]?[0-9]{1,3})?")


def quoted(value: str) -> str:
    """A bad value as a notice (markdown) shows it: quoted, cut, line breaks and invisible characters made visible,
    and as plain text (a crafted value may hold a markdown image)."""
    text = repr(str(value))[1:-1]
    return md.plain(f"'{text[:ECHO_CHARS]}…'" if len(text) > ECHO_CHARS else f"'{text}'")


@dataclass
class Dropped:
    """What a link asked for that was not taken, and why, to show once as one notice."""

    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        self.reasons.append(reason)

    def notice(self) -> str | None:
        if not self.reasons:
            return None
        more = len(self.reasons) - NOTICE_LINES
        shown = self.reasons[:NOTICE_LINES] + ([f"and {more:,} more"] if more > 0 else [])
        return "Part of this link was ignored:\n" + "\n".join(f"- {r}" for r in shown)


def row_id(raw: str | None) -> int | None:
    """A database id from the URL (ASCII digits, 1 to MAX_ID); None for anything else."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def small_int(raw: str, *, most: int) -> int | None:
    """A non-negative number from 0 to `most` written in ASCII digits; None for anything else."""
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= most else None


def number(raw: str, *, integer: bool, lo: float | None, hi: float | None) -> int | float:
    """A finite number within [lo, hi] from its ASCII text; raises ValueError saying what is wrong."""
    if not (_INT if integer else _FLOAT).fullmatch(raw):
        raise ValueError("is not a whole number" if integer else "is not a number")
    value = int(raw) if integer else float(raw)
    if not math.isfinite(value) or (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"from {lo:g} to {hi:g}" if lo is not None and hi is not None else \
            f"at least {lo:g}" if lo is not None else f"at most {hi:g}"
        raise ValueError(f"is out of range ({bounds})")
    return value


def json_value(text: str) -> Any:
    """Parse JSON of bounded size and nesting; raises ValueError saying what is wrong (never RecursionError)."""
    if len(text) > JSON_MAX_CHARS:
        raise ValueError(f"is longer than {JSON_MAX_CHARS:,} characters")
    depth = _depth(text)
    if depth > JSON_MAX_DEPTH:
        raise ValueError(f"nests {depth:,} levels deep (at most {JSON_MAX_DEPTH})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"is not JSON ({e.msg} at line {e.lineno})") from None
    except RecursionError:  # _depth bounds it; kept so no input can ever surface as a traceback
        raise ValueError(f"nests deeper than {JSON_MAX_DEPTH} levels") from None


def _depth(text: str) -> int:
    """The deepest bracket nesting in `text`, outside strings (counted before json.loads recurses)."""
    deepest = depth = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest
