"""Saved conversations: panes keep their own history, statuses survive reload, exports carry no secrets."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from alonchat import conversations as convs
from alonchat.access import identity
from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.providers.registry import registry
from alonchat.storage.engine import session
from alonchat.storage.tables import Message, UsageRecord
from tests.support.scripted import ScriptedProvider, add_model


def answer(conv_id, pane, model, prompt_history):
    """Call the model through the service (as the playground does) and store the answer."""
    try:
        result = list(ai_service.stream(model, prompt_history, conversation_id=conv_id))[-1]
    except errors.AlonChatError as e:
        result = e.result
    convs.add_answer(conv_id, pane, result)
    return result


def test_two_panes_keep_their_own_history_and_layout():
    cid = convs.create(convs.title_from("first question"), "tester")
    convs.add_prompt(cid, ["echo", "echo-2"], "first question")
    add_model("echo-2", provider="echo")
    for pane, model in enumerate(["echo", "echo-2"]):
        answer(cid, pane, model, "first question")
    view = convs.load(cid)
    assert view.layout == ["echo", "echo-2"]
    assert [m.role for m in view.pane("echo")] == ["user", "assistant"]
    assert view.history("echo-2") == [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": view.pane("echo-2")[1].content},
    ]
    # Continuing with one model: the layout follows the last send.
    convs.add_prompt(cid, ["echo-2"], "second")
    assert convs.load(cid).layout == ["echo-2"]


def test_answer_metrics_come_back_from_the_usage_row():
    add_model("priced", provider="echo", input_price=Decimal("1"), output_price=Decimal("2"))
    cid = convs.create("t", "tester")
    convs.add_prompt(cid, ["priced"], "hello there")
    result = answer(cid, 0, "priced", "hello there")
    [_, stored] = convs.load(cid).messages
    assert stored.result.usage == result.usage
    assert stored.result.cost_usd == result.cost_usd and result.cost_usd > 0
    assert stored.result.ttft_ms == pytest.approx(result.ttft_ms, abs=0.01)
    with session() as s:
        row = s.scalars(select(UsageRecord)).one()
    assert (row.conversation_id, row.user) == (cid, "tester")


def test_failed_answer_is_stored_with_its_status_and_left_out_of_context():
    add_model("flaky", provider="flaky")
    registry.register(ScriptedProvider([["partial ", errors.TruncatedStreamError("stream cut")]],
                                       name="flaky"))
    cid = convs.create("t", "tester")
    convs.add_prompt(cid, ["flaky"], "q1")
    answer(cid, 0, "flaky", "q1")
    view = convs.load(cid)
    failed = view.messages[-1]
    assert (failed.status, failed.content) == ("truncated", "partial ")
    assert "stream cut" in failed.error
    assert view.history("flaky") == []  # the broken turn is never sent back as if it were complete


def test_list_rename_delete_scoped_to_user():
    mine = convs.create("Mine", "tester")
    with identity.acting_as(identity.Actor("someone", is_admin=False)):
        other = convs.create("Theirs")
    convs.add_prompt(mine, ["echo"], "x")
    assert [(c.id, c.title, c.models) for c in convs.list_for("tester")] == [(mine, "Mine", ("echo",))]
    assert convs.rename(mine, "  Renamed   chat ") == "Renamed chat"
    assert convs.load(mine).title == "Renamed chat"
    with pytest.raises(errors.ValidationError) as e:
        convs.rename(mine, "   ")
    assert "cannot be empty" in str(e.value)
    with pytest.raises(errors.ValidationError):
        convs.remove(other, user="tester")
    convs.remove(mine, user="tester")
    assert convs.list_for("tester") == []
    with session() as s:
        assert s.scalars(select(Message)).all() == []
    with identity.acting_as(identity.Actor("someone", is_admin=False)):
        assert [c.title for c in convs.list_for()] == ["Theirs"]


def test_title_from_prompt():
    assert convs.title_from("\n  Explain SSE\nin detail") == "Explain SSE"
    long = convs.title_from("word " * 40)
    assert len(long) <= 60 and long.endswith("…")


def test_exports_markdown_and_json_without_secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-supersecretvalue123")
    add_model("leaky", provider="leaky")
    registry.register(ScriptedProvider(
        [[errors.AuthError("bad key sk-proj-supersecretvalue123 rejected", status_code=401)]], name="leaky"))
    cid = convs.create("Export me", "tester")
    convs.add_prompt(cid, ["echo", "leaky"], "hi there")
    answer(cid, 0, "echo", "hi there")
    answer(cid, 1, "leaky", "hi there")
    md = convs.export_markdown(cid)
    assert md.startswith("# Export me")
    assert "## echo" in md and "## leaky" in md and "**leaky (error):**" in md
    data = json.loads(convs.export_json(cid))
    assert [(m["model"], m["role"], m["status"]) for m in data["messages"]] == [
        ("echo", "user", "ok"), ("leaky", "user", "ok"), ("echo", "assistant", "ok"),
        ("leaky", "assistant", "error")]
    assert data["messages"][2]["metrics"]["output_tokens"] > 0
    for text in (md, json.dumps(data)):
        assert "supersecretvalue" not in text
