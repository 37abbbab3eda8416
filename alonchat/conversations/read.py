"""Reading saved conversations: what one holds (its panes, their history, what Retry and Continue send) and
loading it for its owner, who alone may open it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select

from ..calls.result import CallResult
from ..core.errors import ValidationError
from ..core.text import redact
from ..core.types import Attachment, Usage
from ..core.types import Message as ChatMessage
from ..storage.engine import session
from ..storage.tables import AttachmentBlob, Conversation, Message, MessageAttachment, UsageRecord

# What a continuation asks after the cancelled answer it picks up from (the stored answer is the whole of it).
CONTINUE_PROMPT = "Continue exactly where your previous answer stopped, without repeating it."


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    title: str
    updated_at: datetime
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaneLayout:
    """One pane of a send as the page had it: reopening the conversation puts it back exactly."""

    pane: int  # the pane's number: its turns are the messages with this pane
    model: str
    settings: dict = field(default_factory=dict)  # the pane's settings as set (shared and its own together)
    since: int | None = None  # the first prompt of the send from which the pane was on the page

    def to_json(self) -> dict:
        return {"pane": self.pane, "model": self.model, "settings": self.settings, "since": self.since}

    @classmethod
    def from_json(cls, data: dict) -> PaneLayout:
        return cls(int(data["pane"]), str(data["model"]), dict(data.get("settings") or {}), data.get("since"))


@dataclass
class MessageView:
    """One stored turn; an answer carries the metrics of its call (rebuilt from its usage row)."""

    id: int
    pane: int
    model: str
    role: str
    content: str
    status: str
    created_at: datetime
    result: CallResult | None = None
    error: str | None = None
    attachments: list[Attachment] = field(default_factory=list)  # the files sent with a prompt
    thinking: str = ""  # an answer's thinking text or summary, never part of `content`


@dataclass(frozen=True)
class Resend:
    """A pane's last prompt sent again: as it was (Retry, Regenerate), or picking up a cancelled answer (Continue)."""

    prompt_id: int  # the stored prompt the new answer answers
    messages: list[ChatMessage]  # what the model is sent: the pane's history, the prompt, and for Continue more
    prefix: str = ""  # the cancelled text a continuation picks up from: stored in front of its answer


@dataclass
class ConversationView:
    id: int
    title: str
    user: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageView] = field(default_factory=list)
    saved: list[PaneLayout] = field(default_factory=list)  # the panes of the last send, as stored with it

    @property
    def panes(self) -> list[PaneLayout]:
        """The panes to reopen, in page order, with their settings: as the last send stored them (older
        conversations, stored before layouts were: the panes that got its prompt, without settings)."""
        return self.saved or [PaneLayout(slot, model) for slot, model in self.slots]

    @property
    def layout(self) -> list[str]:
        """The models of the last send, in pane order: what reopening the conversation shows.

        A send writes its user messages (one per pane) together, before any answer, so the last
        unbroken run of user messages is exactly the last send.
        """
        batch: list[MessageView] = []
        for m in self.messages:
            if m.role != "user":
                continue
            if batch and m.id != batch[-1].id + 1:
                batch = []
            batch.append(m)
        return [m.model for m in sorted(batch, key=lambda m: m.pane)]

    def send_of(self, message_id: int) -> list[MessageView]:
        """The prompts of the send that `message_id` belongs to (a send writes one per pane, with consecutive ids)."""
        prompts = [m for m in self.messages if m.role == "user"]
        at = next((i for i, m in enumerate(prompts) if m.id == message_id), None)
        if at is None:
            return []
        start = end = at
        while start > 0 and prompts[start - 1].id == prompts[start].id - 1:
            start -= 1
        while end + 1 < len(prompts) and prompts[end + 1].id == prompts[end].id + 1:
            end += 1
        return prompts[start:end + 1]

    def before(self, prompt_id: int) -> ConversationView:
        """The conversation as it was before the send of `prompt_id`: what a fork of it (to edit that prompt) holds."""
        batch = self.send_of(prompt_id)
        start = batch[0].id if batch else prompt_id
        return replace(self, messages=[m for m in self.messages if m.id < start], saved=[])

    @property
    def slots(self) -> list[tuple[int, str]]:
        """(pane, model) of the last send, in pane order: the playground reopens these panes."""
        last = self.layout
        batch = [m for m in self.messages if m.role == "user"][-len(last):] if last else []
        return [(m.pane, m.model) for m in sorted(batch, key=lambda m: m.pane)]

    def pane(self, model: str | None, slot: int | None = None) -> list[MessageView]:
        """Every turn this conversation had with `model` (in pane `slot` only, when given: one model may sit
        in several panes with different settings). `model` None: every turn of pane `slot`, whichever model
        answered (the playground can switch a pane's model in place; its turns stay its history)."""
        return [m for m in self.messages if (model is None or m.model == model) and (slot is None or m.pane == slot)]

    def joined_later(self, model: str | None, slot: int | None = None) -> bool:
        """Whether the pane came in after the conversation had answers: its history starts fresh then.

        A send writes its prompts before any answer, so an answer older than the send the pane was first on
        the page for (its first prompt, for conversations stored before layouts) means the pane joined later.
        A pane that was there but skipped (an image its model cannot see) did not join later.
        """
        saved = next((p for p in self.saved if p.pane == slot and model in (None, p.model)), None)
        turns = self.pane(model, slot)
        first = saved.since if saved is not None and saved.since is not None else turns[0].id if turns else None
        return any(m.role == "assistant" and (first is None or m.id < first) for m in self.messages)

    def resend(self, model: str | None, slot: int | None = None, *, continuing: bool = False) -> Resend | None:
        """The pane's last prompt to send again (None when its last turn is not an answer to one).

        `continuing`: after the answer's text so far (a cancelled answer), asking the model to go on from it.
        """
        turns = self.pane(model, slot)
        prompt = next((m for m in reversed(turns) if m.role == "user"), None)
        if prompt is None or turns[-1].role != "assistant":
            return None
        again: ChatMessage = {"role": "user", "content": prompt.content}
        if prompt.attachments:
            again["attachments"] = list(prompt.attachments)
        history = self.history(model, slot)
        if turns[-1].status == "ok" and history:
            history = history[:-2]  # regenerating: the answered prompt is sent again, not kept as context
        messages = [*history, again]
        last = turns[-1].content
        if not (continuing and last):
            return Resend(prompt.id, messages)
        return Resend(prompt.id, [*messages, {"role": "assistant", "content": last},
                                  {"role": "user", "content": CONTINUE_PROMPT}], prefix=last)

    def history(self, model: str | None, slot: int | None = None) -> list[ChatMessage]:
        """The turns to send `model` next: only answered turns, so a failed answer never becomes context.

        A failed or cancelled answer keeps its prompt pending: a retry (or a continuation) stored after it
        answers that same prompt.
        """
        out: list[ChatMessage] = []
        pending: MessageView | None = None
        for m in self.pane(model, slot):
            if m.role == "user":
                pending = m  # an unanswered earlier prompt is dropped
            elif m.role == "assistant" and pending is not None and m.status == "ok":
                prompt: ChatMessage = {"role": "user", "content": pending.content}
                if pending.attachments:  # the files stay with the turn they were sent in
                    prompt["attachments"] = list(pending.attachments)
                out += [prompt, {"role": "assistant", "content": m.content}]
                pending = None
            elif m.role == "assistant" and m.status == "ok" and out:
                out[-1] = {"role": "assistant", "content": m.content}  # regenerated: the newer answer is the context
        return out


def owned(s, conversation_id: int, user: str | None) -> Conversation:
    """The conversation if the acting user owns it: each is private to its owner, admins too.

    `user`, when a caller names one, must be the acting user (identity.own); it is never trusted as the owner.
    """
    from ..access.identity import own

    owner = own(user, "open the conversations")
    conv = s.get(Conversation, conversation_id)
    if conv is None or conv.user != owner:
        raise ValidationError({"conversation": f"No conversation #{conversation_id} for this user; "
                                               "pick one from the sidebar list."})
    return conv


def list_for(user: str | None = None, limit: int = 200) -> list[ConversationSummary]:
    """The acting user's conversations (`user`, if given, must be them), most recent first, with their models."""
    from ..access.identity import own

    user = own(user, "list the conversations")
    with session() as s:
        convs = list(s.scalars(select(Conversation).where(Conversation.user == user)
                               .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
                               .limit(limit)))
        models: dict[int, list[str]] = {}
        if convs:
            rows = s.execute(select(Message.conversation_id, Message.model_name, func.min(Message.id))
                             .where(Message.conversation_id.in_([c.id for c in convs]))
                             .group_by(Message.conversation_id, Message.model_name)
                             .order_by(func.min(Message.id)))
            for cid, model, _ in rows:
                models.setdefault(cid, []).append(model)
        return [ConversationSummary(c.id, c.title, c.updated_at, tuple(models.get(c.id, ())))
                for c in convs]


def _result(row: UsageRecord, thinking: str | None = None) -> CallResult:
    usage = Usage(row.input_tokens, row.cached_input_tokens, row.cache_write_tokens,
                  row.output_tokens, row.reasoning_tokens, row.usage_estimated)
    return CallResult(model=row.model_name, provider=row.provider, model_id=row.model_id,
                      usage=usage, cost_usd=row.cost_usd, latency_ms=row.latency_ms,
                      ttft_ms=row.ttft_ms, status=row.status, usage_id=row.id,
                      options=json.loads(row.options) if row.options else {}, thinking=thinking or "")


def _attachments(s, message_ids: list[int]) -> dict[int, list[Attachment]]:
    """Each message's files, bytes included (stored once per content in attachment_blobs)."""
    out: dict[int, list[Attachment]] = {}
    if message_ids:
        rows = s.execute(select(MessageAttachment.message_id, MessageAttachment.name, MessageAttachment.media_type,
                                AttachmentBlob.data)
                         .join(AttachmentBlob, AttachmentBlob.sha256 == MessageAttachment.sha256)
                         .where(MessageAttachment.message_id.in_(message_ids)).order_by(MessageAttachment.id))
        for mid, name, media_type, data in rows:
            out.setdefault(mid, []).append(Attachment(name, media_type, data))
    return out


def load(conversation_id: int, user: str | None = None) -> ConversationView:
    with session() as s:
        conv = owned(s, conversation_id, user)
        rows = list(s.scalars(select(Message).where(Message.conversation_id == conv.id)
                              .order_by(Message.id)))
        usage_ids = [m.usage_id for m in rows if m.usage_id is not None]
        usage = {u.id: u for u in s.scalars(select(UsageRecord).where(UsageRecord.id.in_(usage_ids)))}
        files = _attachments(s, [m.id for m in rows if m.role == "user"])
        view = ConversationView(conv.id, conv.title, conv.user, conv.created_at, conv.updated_at,
                                saved=saved_layout(conv))
        for m in rows:
            u = usage.get(m.usage_id)
            view.messages.append(MessageView(
                m.id, m.pane, m.model_name, m.role, m.content, m.status, m.created_at,
                result=_result(u, m.thinking) if u else None, error=redact(u.error_message) if u else None,
                attachments=files.get(m.id, []), thinking=m.thinking or ""))
        return view


def saved_layout(conv: Conversation) -> list[PaneLayout]:
    try:
        return [PaneLayout.from_json(p) for p in json.loads(conv.layout)] if conv.layout else []
    except (ValueError, TypeError, KeyError):  # unreadable: reopen from the messages, as before layouts
        return []
