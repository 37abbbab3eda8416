"""A saved conversation exported (Markdown to read, JSON to keep), with no secrets in either."""

from __future__ import annotations

import base64
import json

from ..calls.result import CallResult
from .read import ConversationView, load


def _metrics(result: CallResult | None) -> dict | None:
    if result is None:
        return None
    data = result.to_json()
    data["tokens_per_second"] = result.tokens_per_second
    data["usage_estimated"] = result.usage.estimated
    for key in ("content", "error", "model", "status", "thinking", "skipped_options"):
        data.pop(key, None)
    return data


def export_json(conversation_id: int, user: str | None = None) -> str:
    view = load(conversation_id, user)
    return json.dumps({
        "id": view.id,
        "title": view.title,
        "user": view.user,
        "created_at": view.created_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
        "messages": [{
            "pane": m.pane, "model": m.model, "role": m.role, "content": m.content,
            "status": m.status, "created_at": m.created_at.isoformat(), "error": m.error,
            "metrics": _metrics(m.result),
            **({"thinking": m.thinking} if m.thinking else {}),
            **({"attachments": [{"name": a.name, "media_type": a.media_type, "size": len(a.data),
                                 "data_base64": base64.b64encode(a.data).decode("ascii")} for a in m.attachments]}
               if m.attachments else {}),
        } for m in view.messages],
    }, indent=2, ensure_ascii=False)


def _sections(view: ConversationView) -> list[tuple[str, tuple[int, str]]]:
    """One section per pane (the same model in two panes is two sections), in order of first turn, each named
    after its model and settings (as the layout kept them, or as its first answer was sent), then its number
    if that still leaves two alike."""
    saved = {(p.pane, p.model): p.settings for p in view.saved}
    panes = list(dict.fromkeys((m.pane, m.model) for m in view.messages))
    titles = []
    for slot, model in panes:
        values = saved.get((slot, model))
        if values is None:
            first = next((m.result for m in view.pane(model, slot) if m.result is not None), None)
            values = first.options if first is not None else {}
        settings = ", ".join(f"{k.replace('_', ' ')} {v if len(str(v)) <= 24 else 'set'}"  # a prompt or schema: "set"
                             for k, v in sorted(values.items()))
        titles.append(f"{model} · {settings or 'default settings'}")
    return [(t if titles.count(t) == 1 else f"{t} · pane {slot}", (slot, model))
            for t, (slot, model) in zip(titles, panes, strict=True)]


def _safe(text: str) -> str:
    """A turn's markdown as a file may hold it: a remote image becomes a link to it (a Markdown viewer would fetch
    it on opening the file, telling its server; the page holds it back the same way), an unsafe link its text."""
    from ..core.markdown import clean  # the parser loads only when a conversation is exported

    return clean(text).text


def export_markdown(conversation_id: int, user: str | None = None) -> str:
    view = load(conversation_id, user)
    lines = [f"# {view.title}", "",
             f"_Exported from AlonChat. Started {view.created_at:%Y-%m-%d %H:%M} UTC by {view.user}._", ""]
    for title, (slot, model) in _sections(view):
        lines += [f"## {title}", ""]
        for m in view.pane(model, slot):
            if m.role == "user":
                lines += ["**You:**", "", _safe(m.content), ""]
                lines += [f"> Attached: {a.name} ({a.media_type}, {len(a.data):,} bytes)" for a in m.attachments]
                lines += [""] if m.attachments else []
                continue
            label = f"**{model}:**" if m.status == "ok" else f"**{model} ({m.status}):**"
            lines += [label, ""]
            if m.thinking:  # collapsed, as the playground shows it
                lines += ["<details><summary>Thinking</summary>", "", _safe(m.thinking), "", "</details>", ""]
            lines += [_safe(m.content) if m.content else "_(no text)_", ""]
            if m.result is not None and m.result.options:  # the settings that produced this answer
                lines += ["_Settings: " + " · ".join(f"{k} {v}" for k, v in sorted(m.result.options.items())) + "_", ""]
            if m.error:
                lines += [f"> Error: {m.error}", ""]
    return "\n".join(lines).rstrip() + "\n"
