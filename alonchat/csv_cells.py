"""CSV cells a spreadsheet will not run: text that starts like a formula is neutralised (OWASP's advice).

A cell starting with =, +, -, @, tab or carriage return is a live formula in Excel, LibreOffice and
Sheets, so a model name or an error message could run one on whoever opens an export. Such text
gets a leading single quote; numbers (a negative cost, 1e-6) stay numbers. Imports undo the quote.
"""

from __future__ import annotations

import re

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
