"""Attachments stay with the conversation (stored once), go back in the history, and exports keep or name them."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import func, select

from alonchat import conversations as convs
from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.types import Attachment, ThinkingDelta
from alonchat.storage.engine import session
from alonchat.storage.tables import AttachmentBlob, MessageAttachment
from tests.support import media

PNG = media.image(30, 20)


def _count(table) -> int:
    with session() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_a_prompt_with_files_is_kept_once_and_sent_again_in_the_history():
    cid = convs.create("with files", "tester")
    files = [Attachment("red.png", "image/png", PNG), {"name": "doc.pdf", "media_type": "application/pdf",
                                                        "data": media.pdf(1)}]
    convs.add_prompt(cid, ["echo", "echo"], "look", attachments=files)
    assert (_count(AttachmentBlob), _count(MessageAttachment)) == (2, 4)  # two panes, bytes stored once
    view = convs.load(cid)
    history = view.history("echo")
    assert history == []  # nothing answered yet
    messages = [{"role": "user", "content": "look", "attachments": view.messages[0].attachments}]
    events = list(ai_service.stream("echo", messages, conversation_id=cid, reasoning_effort="low", seed=5))
    assert any(isinstance(e, ThinkingDelta) for e in events)
    convs.add_answer(cid, 0, events[-1])
    view = convs.load(cid)
    [prompt, answer] = view.history("echo")
    assert [a.name for a in prompt["attachments"]] == ["red.png", "doc.pdf"]
    assert prompt["attachments"][0].data == PNG
    assert "red.png (image/png" in answer["content"]
    assert view.messages[-1].result.options == {"reasoning_effort": "low", "seed": 5}
    thinking = events[-1].thinking
    assert "low effort" in thinking and view.messages[-1].thinking == thinking  # kept for a reopened pane
    assert view.messages[-1].result.thinking == thinking and thinking not in view.messages[-1].content

    exported = json.loads(convs.export_json(cid))
    sent = exported["messages"][0]["attachments"]
    assert [a["name"] for a in sent] == ["red.png", "doc.pdf"]
    assert base64.b64decode(sent[0]["data_base64"]) == PNG
    assert exported["messages"][-1]["metrics"]["options"] == {"reasoning_effort": "low", "seed": 5}
    assert exported["messages"][-1]["thinking"] == thinking and "thinking" not in exported["messages"][0]
    md = convs.export_markdown(cid)
    assert "> Attached: red.png (image/png" in md and "> Attached: doc.pdf" in md
    assert "_Settings: reasoning_effort low · seed 5_" in md
    assert f"<details><summary>Thinking</summary>\n\n{thinking}\n\n</details>" in md
    assert base64.b64encode(PNG).decode() not in md  # Markdown names files, it does not carry them


def test_a_bad_file_stores_nothing_and_removing_the_conversation_removes_its_files():
    cid = convs.create("files", "tester")
    with pytest.raises(errors.ValidationError, match="is empty"):
        convs.add_prompt(cid, ["echo"], "x", attachments=[{"name": "a.png", "media_type": "image/png", "data": b""}])
    assert convs.load(cid).messages == [] and _count(AttachmentBlob) == 0
    convs.add_prompt(cid, ["echo"], "x", attachments=[Attachment("red.png", "image/png", PNG)])
    other = convs.create("same file", "tester")
    convs.add_prompt(other, ["echo"], "y", attachments=[Attachment("copy.png", "image/png", PNG)])
    assert _count(AttachmentBlob) == 1
    convs.remove(cid)
    assert (_count(AttachmentBlob), _count(MessageAttachment)) == (1, 1)  # still used by the other one
    convs.remove(other)
    assert (_count(AttachmentBlob), _count(MessageAttachment)) == (0, 0)


def test_a_file_an_eval_set_also_holds_stays_when_the_conversation_goes():
    """Conversations and eval sets share one blob store: removing a conversation keeps the bytes a set names."""
    from alonchat.evals import cases_io, sets
    from alonchat.evals.sets import Case, SetDraft
    from alonchat.evals.templates import Prompt

    cid = convs.create("files", "tester")
    convs.add_prompt(cid, ["echo"], "x", attachments=[Attachment("red.png", "image/png", PNG),
                                                      Attachment("doc.pdf", "application/pdf", media.pdf(1))])
    saved = sets.save(SetDraft("pics", [Prompt(user="Describe {{photo}}")], [Case(vars={"photo": "file://cat.png"})],
                               files={"file://cat.png": cases_io.file_data("cat.png", PNG)}))
    assert _count(AttachmentBlob) == 2  # the set's image is the conversation's: stored once
    convs.remove(cid)
    assert _count(AttachmentBlob) == 1  # the PDF went with the conversation, the image stays for the set
    assert sets.file_bytes(sets.get(saved.id).files["file://cat.png"].sha256) == PNG
