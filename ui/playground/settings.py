"""A pane's settings: the widgets (shared, and per-pane overrides), what a pane sends, and their URL form.

Every setting comes from a `ChatOptions` field, so the form and the engine agree on names and bounds; a
field the engine does not know (yet) is simply not offered. Blank means unset everywhere: a cleared number
is None and is not sent, never a widget's minimum. A pane's blank override means "the shared value".
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass

import annotated_types
import streamlit as st

from alonchat.core.types import ChatOptions
from ui import query
from ui import safe_markdown as md
from ui.playground import cache

REASONING = ("reasoning_effort", "reasoning_budget")
JS_SAFE_INT = 2**53 - 1
MAX_PANE_ID = 9_999  # a link's pane numbers; the page counts its own from 0


@dataclass(frozen=True)
class Setting:
    name: str
    label: str
    kind: str  # "text" | "float" | "int" | "choice" | "lines" | "json"
    short: str  # how a pane header and an answer name it
    help: str = ""
    step: float | int | None = None


_ALL = (
    Setting("reasoning_effort", "Reasoning effort", "choice", "effort",
            "How hard the model thinks before answering; mapped to each provider's own setting."),
    Setting("reasoning_budget", "Thinking budget (tokens)", "int", "budget",
            "Most thinking tokens, for providers that take a budget; must be below Max tokens.", 1024),
    Setting("temperature", "Temperature", "float", "temp", "Blank uses the model's default.", 0.1),
    Setting("top_p", "Top p", "float", "top_p", "Nucleus sampling. Blank uses the model's default.", 0.05),
    Setting("max_tokens", "Max tokens", "int", "max", "Most tokens to generate; checked against each model's limit.",
            256),
    Setting("seed", "Seed", "int", "seed", "Same seed and settings: a best-effort repeatable answer.", 1),
    Setting("stop", "Stop sequences", "lines", "stop", "One per line; the answer ends where one would appear."),
    Setting("json_schema", "JSON schema (structured output)", "json", "schema",
            'The answer is JSON following this schema, e.g. {"type": "object", "properties": {...}}.'),
    Setting("system", "System prompt", "text", "system", "Optional instructions for every turn."),
    Setting("cache_prompt", "Cache this prompt", "cache", "cache", cache.HELP),
)
SETTINGS = tuple(s for s in _ALL if s.name in ChatOptions.model_fields)
BY_NAME = {s.name: s for s in SETTINGS}


def key(name: str, pane_id: int | None = None) -> str:
    """The widget key of a shared setting (pane_id None) or of one pane's override."""
    return f"pg_opt_{name}" if pane_id is None else f"pg_opt_{name}__p{pane_id}"


def bounds(name: str) -> tuple[float | None, float | None]:
    """Widget bounds straight from ChatOptions' Field(ge=, le=), so the form and the engine agree."""
    lo = hi = None
    for m in ChatOptions.model_fields[name].metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Le):
            hi = m.le
    return lo, hi


def max_length(name: str) -> int | None:
    """The longest text ChatOptions takes for this setting (Field(max_length=)), None when it sets none."""
    return next((m.max_length for m in ChatOptions.model_fields[name].metadata
                 if isinstance(m, annotated_types.MaxLen)), None)


def efforts() -> list[str]:
    """The effort levels ChatOptions accepts, in its own order."""
    for arg in typing.get_args(ChatOptions.model_fields["reasoning_effort"].annotation):
        if typing.get_origin(arg) is typing.Literal:
            return list(typing.get_args(arg))
    return []


# --- reading what is set -------------------------------------------------------------------------------
def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def overrides(pane_id: int) -> dict:
    """One pane's own settings (the ones it sets; the rest follow the shared settings)."""
    ss = st.session_state
    return {s.name: ss[key(s.name, pane_id)] for s in SETTINGS if not _blank(ss.get(key(s.name, pane_id)))}


def shared() -> dict:
    ss = st.session_state
    return {s.name: ss[key(s.name)] for s in SETTINGS if not _blank(ss.get(key(s.name)))}


def effective(pane_id: int) -> dict:
    """What a pane is set to: the shared settings, each overridden by the pane's own when it has one."""
    return {**shared(), **overrides(pane_id)}


def preset(pane_id: int, values: dict) -> None:
    """Give a new pane its settings (a duplicate's, or the URL's) before its widgets exist."""
    for name, value in values.items():
        if name in BY_NAME:
            st.session_state[key(name, pane_id)] = value


def restore(panes: dict[int, dict]) -> None:
    """Put back the settings of reopened panes (pane id -> its settings as set), so each is set exactly as before.

    What every pane had in common becomes the shared settings, the rest each pane's own; whatever is not in
    them is cleared, so nothing from the session before leaks into a reopened compare.
    """
    common = {k: v for k, v in next(iter(panes.values()), {}).items()
              if all(k in values and values[k] == v for values in panes.values())}
    for s in SETTINGS:
        _put(key(s.name), common.get(s.name))
        for pane_id, values in panes.items():
            _put(key(s.name, pane_id), None if s.name in common else values.get(s.name))


def _put(widget_key: str, value) -> None:
    if value is None:
        st.session_state.pop(widget_key, None)  # its widget starts blank
    else:
        st.session_state[widget_key] = value


def to_options(values: dict, *, reasons: bool) -> tuple[dict, dict[str, str]]:
    """(the ChatOptions keywords these widget values mean, problems by setting).

    Reasoning settings reach only models that reason (the catalog says so); the pane says they were not sent.
    """
    out, problems = {}, {}
    for name, value in values.items():
        s = BY_NAME.get(name)
        if s is None or (name in REASONING and not reasons):
            continue
        if s.kind == "lines":
            lines = [line for line in str(value).splitlines() if line]
            if lines:
                out[name] = lines
        elif s.kind == "json":
            try:
                out[name] = query.json_value(str(value))
            except ValueError as e:
                problems[name] = f"{s.label} {e}; paste a JSON object."
        elif s.kind == "text":
            out[name] = str(value).strip()
        else:
            out[name] = value
    return out, problems


def label(values: dict, *, reasons: bool = True) -> str:
    """Settings in a few words for a pane header or an answer: 'effort high · temp 0.3 · max 512'."""
    parts = []
    for s in SETTINGS:
        value = values.get(s.name)
        if _blank(value) or (s.name in REASONING and not reasons):
            continue
        if s.kind == "lines":
            value = " / ".join(repr(v) for v in (value if isinstance(value, list) else str(value).splitlines()))
        elif s.kind in ("json", "text"):
            value = "set"
        parts.append(f"{s.short} {value}")
    return " · ".join(parts) or "defaults"


# --- the URL form of a pane: "3:gpt-5|reasoning_effort=high|temperature=0.3" ----------------------------
def format_pane(pane_id: int, model: str, values: dict) -> str:
    return "|".join([f"{pane_id}:{model}", *(f"{k}={v}" for k, v in values.items())])


def parse_pane(text: str, dropped: query.Dropped) -> tuple[int | None, str, dict]:
    """(pane id or None, model, settings) from the URL form; what can't be read is dropped and noted, never fatal."""
    head, *pairs = text.split("|")
    pane_id, model = None, head
    number, sep, rest = head.partition(":")
    if sep and number.isdigit():  # '²' passes isdigit() and fails int(): query.small_int reads ASCII only
        pane_id, model = query.small_int(number, most=MAX_PANE_ID), rest
        if pane_id is None:
            dropped.add(f"pane number {query.quoted(number)} is not a number from 0 to {MAX_PANE_ID:,}; "
                        f"the pane got a new one")
    values = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        s = BY_NAME.get(name)
        if s is None:
            dropped.add(f"{query.quoted(name)} is not a setting the playground has")
            continue
        try:
            values[name] = _url_value(s, raw)
        except ValueError as e:
            dropped.add(f"{s.label} {query.quoted(raw)} {e}")
    return pane_id, model, values


def _url_value(s: Setting, raw: str):
    """One setting's value from its URL text; raises ValueError saying why it can't be used."""
    if s.kind in ("float", "int"):
        lo, hi = bounds(s.name)
        if s.kind == "int":
            lo = -JS_SAFE_INT if lo is None else max(int(lo), -JS_SAFE_INT)
            hi = JS_SAFE_INT if hi is None else min(int(hi), JS_SAFE_INT)
        return query.number(raw, integer=s.kind == "int", lo=lo, hi=hi)
    if s.kind == "choice" and raw not in efforts():
        raise ValueError(f"is not one of {', '.join(efforts())}")
    if s.kind == "cache" and raw not in cache.CHOICES:
        raise ValueError(f"is not one of {', '.join(cache.CHOICES)}")
    if s.kind == "json":
        query.json_value(raw)
    most = max_length(s.name) if s.kind == "text" else None  # a list's max_length counts its items
    if most is not None and len(raw) > most:
        raise ValueError(f"is longer than {most:,} characters")
    return raw


# --- widgets -------------------------------------------------------------------------------------------
def widgets(pane_id: int | None = None, *, reasons: bool = True, max_tokens: int | None = None,
            not_sent: Mapping[str, str] | None = None, model: str = "") -> None:
    """The settings form: shared (pane_id None) or one pane's overrides, where blank means "shared"."""
    not_sent = not_sent or {}
    per_pane = pane_id is not None
    blank_means = "shared value" if per_pane else "default"
    if per_pane:
        st.caption(f"This pane's own settings. A blank field uses the shared value (and a blank shared "
                   f"value, {md.plain(model)}'s default).")
    for s in SETTINGS:
        if (s.name in REASONING and not reasons) or (s.name == "system" and not per_pane):
            continue  # the shared system prompt is always in view (system_prompt), not in a popover
        k = key(s.name, pane_id)
        help_ = s.help
        if s.name == "max_tokens" and max_tokens:
            help_ += f" {md.plain(model)} allows up to {max_tokens:,}."
        if s.name in not_sent:
            help_ += f" Not sent to {model or 'this model'}: {not_sent[s.name]}."
        common = {"key": k, "help": help_, "persist_state": "session"}
        if s.kind == "cache":
            if not (per_pane and s.name in not_sent):  # a pane whose provider does not take it: not offered
                cache.widget(s.label, blank_means, common)
        elif s.kind == "choice":
            st.selectbox(s.label, efforts(), index=None, placeholder=blank_means, **common)
        elif s.kind in ("float", "int"):
            lo, hi = bounds(s.name)
            if s.kind == "int":  # the browser's numbers are doubles: keep the bounds to its safe integers
                lo = None if lo is None else max(int(lo), -JS_SAFE_INT)
                hi = None if hi is None else min(int(hi), JS_SAFE_INT)
            # value=None (always): a cleared field stays blank (unset), it never snaps back to the minimum.
            st.number_input(s.label, min_value=lo, max_value=hi, value=None, step=s.step,
                            placeholder=blank_means, **common)
        elif s.kind == "lines":
            st.text_area(s.label, height=68, placeholder=blank_means, **common)
        else:
            st.text_area(s.label, height=90 if s.kind == "text" else 110, placeholder=blank_means, **common)


def system_prompt() -> None:
    """The system prompt every pane shares (a pane may set its own), in view above the panes."""
    if "system" in BY_NAME:
        st.text_area("System prompt (every pane)", key=key("system"), height=68, label_visibility="collapsed",
                     placeholder="System prompt for every pane (optional; a pane's own settings may replace it)",
                     help=BY_NAME["system"].help, persist_state="session")
