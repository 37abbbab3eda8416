"""Writing saved conversations: created, renamed, removed, forked, and each send's prompts, answers and layout."""

from __future__ import annotations

import json

from sqlalchemy import delete, func, select, update

from ..calls.inputs import check_attachment
from ..calls.result import CallResult
from ..core.errors import ValidationError
from ..core.text import strip_invisible
from ..core.types import Attachment
from ..storage import blobs
from ..storage.engine import session
from ..storage.tables import Conversation, Message, MessageAttachment, utcnow
from .read import PaneLayout, load, owned, saved_layout

TITLE_MAX = 200


def title_from(prompt: str) -> str:
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "New conversation")
    return first if len(first) <= 60 else first[:59].rstrip() + "…"


def check_title(title: str) -> str:
    title = " ".join(strip_invisible(title or "").split())  # no control or text-direction characters
    if not title:
        raise ValidationError({"title": "Give the conversation a name (it cannot be empty)."})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"Keep the name to {TITLE_MAX} characters or fewer."})
    return title


def create(title: str, user: str | None = None) -> int:
    """A new conversation of the acting user (`user`, if given, must be them)."""
    from ..access.identity import own

    user = own(user, "start conversations")
    with session() as s, s.begin():
        conv = Conversation(title=check_title(title), user=user)
        s.add(conv)
        s.flush()
        return conv.id


def rename(conversation_id: int, title: str, user: str | None = None) -> str:
    title = check_title(title)
    with session() as s, s.begin():
        owned(s, conversation_id, user).title = title
    return title


def remove(conversation_id: int, user: str | None = None) -> None:
    """Delete a conversation and its messages (its usage rows stay: spend history is never rewritten)."""
    with session() as s, s.begin():
        conv = owned(s, conversation_id, user)
        ids = select(Message.id).where(Message.conversation_id == conv.id)
        s.execute(delete(MessageAttachment).where(MessageAttachment.message_id.in_(ids)))
        s.execute(delete(Message).where(Message.conversation_id == conv.id))
        s.delete(conv)
        # Files no other conversation (nor an eval set) refers to go with it.
        blobs.drop_unused(s)


def fork(conversation_id: int, prompt_id: int, user: str | None = None) -> int:
    """A copy of the conversation up to the send of prompt `prompt_id` (every pane's turns before it), to edit that
    prompt and send it again: the original stays as it was. Answers keep their usage rows (costs count once)."""
    view = load(conversation_id, user)
    batch = view.send_of(prompt_id)
    if not batch:
        raise ValidationError({"prompt": f"No prompt #{prompt_id} in this conversation; pick one of its prompts."})
    with session() as s, s.begin():
        conv = owned(s, conversation_id, user)
        copy = Conversation(title=check_title(f"{conv.title[:TITLE_MAX - 9]} (edited)"), user=conv.user)
        s.add(copy)
        s.flush()
        for m in s.scalars(select(Message).where(Message.conversation_id == conversation_id,  # as view.before
                                                 Message.id < batch[0].id).order_by(Message.id)):
            s.add(Message(conversation_id=copy.id, pane=m.pane, model_name=m.model_name, role=m.role,
                          content=m.content, status=m.status, usage_id=m.usage_id, created_at=m.created_at,
                          thinking=m.thinking,
                          attachments=[MessageAttachment(name=a.name, media_type=a.media_type, sha256=a.sha256)
                                       for a in m.attachments]))
            s.flush()  # one at a time: the copy keeps the order, and a send's prompts consecutive ids
        return copy.id


def add_prompt(conversation_id: int, models: list[str], content: str, slots: list[int] | None = None, *,
               attachments: list[Attachment] | None = None, layout: list[PaneLayout] | None = None) -> list[int]:
    """Store one prompt in every pane of a send (`slots`: the panes' numbers, default 0..n-1), together.

    Its files (`attachments`) are validated first and stored once each, however many panes get them.
    `layout`: every pane on the page at this send, skipped ones too, with its settings: what reopening shows.
    """
    slots = list(range(len(models))) if slots is None else slots
    files = [check_attachment(a) for a in attachments or ()]
    with session() as s, s.begin():
        owned(s, conversation_id, None)  # only into the acting user's own conversation
        msgs = [Message(conversation_id=conversation_id, pane=slot, model_name=m, role="user",
                        content=content, status="ok") for slot, m in zip(slots, models, strict=True)]
        s.add_all(msgs)
        s.flush()
        for a in files:
            digest = blobs.put(s, a.data)
            s.add_all(MessageAttachment(message_id=m.id, name=a.name, media_type=a.media_type, sha256=digest)
                      for m in msgs)
        values: dict = {"updated_at": utcnow()}
        if layout is not None:
            values["layout"] = _next_layout(s, conversation_id, layout, min(m.id for m in msgs))
        s.execute(update(Conversation).where(Conversation.id == conversation_id).values(**values))
        s.flush()
        return [m.id for m in msgs]


def _next_layout(s, conversation_id: int, layout: list[PaneLayout], send_id: int) -> str:
    """The layout as JSON, with each pane's `since`: kept from the last layout when the pane was in it, else its
    first prompt (a conversation stored before layouts), else this send (a pane new on the page)."""
    conv = s.get(Conversation, conversation_id)
    # By pane, whatever its model: a pane switched to another model in place keeps its turns, so its start.
    before = {p.pane: p.since for p in (saved_layout(conv) if conv is not None else [])}
    first = dict(s.execute(select(Message.pane, func.min(Message.id))
                           .where(Message.conversation_id == conversation_id, Message.role == "user")
                           .group_by(Message.pane)).all())
    return json.dumps([{**p.to_json(), "since": before.get(p.pane) or first.get(p.pane, send_id)} for p in layout])


def add_answer(conversation_id: int, pane: int, result: CallResult, prefix: str = "") -> int:
    """Store a pane's answer with its status (a cancelled or failed answer is never stored as ok).

    `prefix` is the cancelled text a continuation picked up from: the stored answer is the whole of it.
    """
    with session() as s, s.begin():
        owned(s, conversation_id, None)  # only into the acting user's own conversation
        msg = Message(conversation_id=conversation_id, pane=pane, model_name=result.model,
                      role="assistant", content=prefix + (result.content or ""), status=result.status,
                      usage_id=result.usage_id, thinking=result.thinking or None)
        s.add(msg)
        s.flush()
        return msg.id
