"""Blind mode in the playground under AppTest: two hidden panes, the vote, the reveal, going on with the winner."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from alonchat.access import identity, teams
from alonchat.catalog.models import list_models
from alonchat.storage.engine import session
from alonchat.storage.tables import ArenaBattle, UsageRecord

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "alonchat", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
GPT = "Paris is the capital of France, on the Seine."
CLAUDE = "The capital of France is Paris."
NAMES = ("gpt-5", "GPT-5", "claude", "Claude", "openai", "anthropic", "temp 0.3", "0.3")


def playground(panes: str = "p=0:gpt-5|temperature=0.3&p=1:claude-sonnet-4-6", user: dict | None = None) -> AppTest:
    """The playground with these panes (its URL form), blind mode switched on."""
    at = AppTest.from_file(APP, default_timeout=90)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    for pair in panes.split("&"):
        key, _, value = pair.partition("=")
        at.query_params.setdefault(key, []).append(value)
    at.run()
    at.switch_page("pages/playground.py").run()
    at.toggle(key="arena_blind_on").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_only(at: AppTest, kind: str) -> list:
    """Every element of a kind outside the sidebar (the main area and the bottom, where the vote sits)."""
    side = {id(e) for e in getattr(at.sidebar, kind)}
    return [e for e in getattr(at, kind) if id(e) not in side]


def shown(at: AppTest) -> str:
    """Every text the page shows outside the sidebar, each widget's label, help and key, and the URL."""
    parts = [e.value for kind in ("markdown", "caption", "subheader", "title", "info", "warning", "success")
             for e in page_only(at, kind)]
    parts += [str(getattr(w, attr, "") or "") for kind in ("button", "segmented_control", "text_input", "chat_input")
              for w in page_only(at, kind) for attr in ("label", "help", "key", "placeholder")]
    parts += [f"{k}={v}" for k, v in at.query_params.items()]
    return "\n".join(parts)


def battle_rows() -> list[ArenaBattle]:
    with session() as s:
        return list(s.scalars(select(ArenaBattle).order_by(ArenaBattle.id)))


def test_a_blind_battle_hides_the_panes_until_the_vote_then_reveals_them(fake_providers):
    fake_providers.script("gpt-5", reply=GPT, usage={"input": 9, "output": 11})
    fake_providers.script("claude-sonnet-4-6", reply=CLAUDE, usage={"input": 9, "output": 7})
    at = playground()
    assert at.segmented_control(key="arena_blind_pool").value == "panes"
    at.switch_page("pages/arena.py").run()
    at.switch_page("pages/playground.py").run()
    assert at.toggle(key="arena_blind_on").value is True  # a visit to another page keeps blind mode on
    at.text_input(key="arena_blind_category").set_value("geography").run()
    at.chat_input(key="arena_blind_composer").set_value("What is the capital of France?").run()
    assert not at.exception, [e.value for e in at.exception]
    page = shown(at)
    assert GPT in page and CLAUDE in page  # both answers, as A and B
    for name in NAMES:
        assert name not in page, name
    assert [s.value for s in at.main.subheader] == ["A", "B"]
    [row] = battle_rows()
    left = GPT if row.model_a == "gpt-5" else CLAUDE
    assert page.index(left) < page.index(GPT if left == CLAUDE else CLAUDE)  # model_a is the pane shown left
    assert (row.winner, row.category, row.shown_left) == (None, "geography", "model_a")

    at.button(key="arena_blind_vote_model_b").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [row] = battle_rows()
    assert row.winner == "model_b" and row.voted_at is not None
    headers = [s.value for s in at.main.subheader]
    assert headers == [f"A · {row.model_a}", f"B · {row.model_b}"]
    captions = "\n".join(c.value for c in page_only(at, "caption"))
    assert "temp 0.3" in captions and "first token" in captions and "$" in captions  # settings, speed, cost
    with session() as s:
        calls = {(u.model_name, u.source, u.source_id) for u in s.scalars(select(UsageRecord))}
    assert calls == {("gpt-5", "arena", row.id), ("claude-sonnet-4-6", "arena", row.id)}
    assert json.loads(row.settings_a if row.model_a == "gpt-5" else row.settings_b) == {"temperature": 0.3}

    # Going on with the winner: the playground again, one pane, in the battle's conversation.
    at.button(key="arena_blind_continue_1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key="arena_blind_on").value is False
    assert [p["model"] for p in at.session_state["pg_panes"]] == [row.model_b]
    assert at.session_state["pg_conversation"] == row.conversation_id
    texts = "\n".join(m.value for cm in at.chat_message for m in cm.markdown)
    assert "What is the capital of France?" in texts and (GPT if row.model_b == "gpt-5" else CLAUDE) in texts


def test_the_url_loses_the_panes_while_blind_and_a_failed_answer_cannot_be_voted(fake_providers):
    fake_providers.script("gpt-5", reply=GPT)
    fake_providers.script("claude-sonnet-4-6", status=500, error_message="anthropic overloaded", fail_times=None)
    at = playground()
    assert "p" not in at.query_params and "c" not in at.query_params
    at.chat_input(key="arena_blind_composer").set_value("Capital of France?").run()
    assert not at.exception
    assert any("did not finish" in w.value for w in page_only(at, "warning"))
    assert not [b for b in at.button if b.key and b.key.startswith("arena_blind_vote_")]
    assert "anthropic overloaded" not in shown(at) and "claude" not in shown(at)  # no error text names it


def test_any_two_draws_from_the_configured_models_and_one_pane_is_not_a_pool(fake_providers, monkeypatch):
    for var in ("OPENAI_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(var)
    at = playground("p=0:claude-sonnet-4-6")
    assert at.segmented_control(key="arena_blind_pool").value == "any"  # one pane can't make a pair
    at.segmented_control(key="arena_blind_pool").set_value("panes").run()
    at.chat_input(key="arena_blind_composer").set_value("hi").run()
    assert any("two different panes" in w.value for w in page_only(at, "warning"))
    assert battle_rows() == []
    at.segmented_control(key="arena_blind_pool").set_value("any").run()
    at.chat_input(key="arena_blind_composer").set_value("hi").run()
    [row] = battle_rows()
    configured = {m.name for m in list_models(active_only=True) if m.provider in ("anthropic", "echo")}
    assert {row.model_a, row.model_b} <= configured  # OpenAI and Gemini have no key here: never drawn


def test_a_signed_in_members_vote_is_theirs_and_their_teams(fake_providers, monkeypatch):
    monkeypatch.setenv("ALONCHAT_ADMINS", "root@corp.example")
    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@corp.example", "corp")
    fake_providers.script("gpt-5", reply=GPT)
    fake_providers.script("claude-sonnet-4-6", reply=CLAUDE)
    at = playground(user={"is_logged_in": True, "email": "ana@corp.example"})
    at.chat_input(key="arena_blind_composer").set_value("What is the capital of France?").run()
    at.button(key="arena_blind_vote_tie").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [row] = battle_rows()
    assert (row.user, row.team, row.winner) == ("ana@corp.example", "corp", "tie")
    with session() as s:
        assert {u.user for u in s.scalars(select(UsageRecord))} == {"ana@corp.example"}
