"""Issue 20, item 2: a saved compare reopens exactly (model, settings, order), from the sidebar and from its URL."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from alonchat import conversations
from tests.support.playground import APP, open_playground, pane_ids, pick, send


def _efforts(server) -> list[str | None]:
    return [r.json.get("reasoning_effort") for r in server.requests if r.json and r.json.get("model") == "gpt-5"]


def _compare(fake_providers) -> tuple[AppTest, int]:
    """gpt-5 at effort low beside gpt-5 at effort high, sent once; returns the page and its conversation."""
    fake_providers.script("gpt-5", reply="Thought it over.")
    at = pick(open_playground(), "gpt-5", "gpt-5")
    low, high = pane_ids(at)
    at.selectbox(key=f"pg_opt_reasoning_effort__p{low}").set_value("low").run()
    at.selectbox(key=f"pg_opt_reasoning_effort__p{high}").set_value("high").run()
    at.number_input(key="pg_opt_max_tokens").set_value(900).run()  # shared by both
    send(at, "Which is bigger, 9.11 or 9.9?")
    assert sorted(_efforts(fake_providers)) == ["high", "low"]
    return at, conversations.list_for("tester")[0].id


def _assert_restored(at: AppTest, low: int, high: int) -> None:
    assert not at.exception, at.exception
    assert [p["model"] for p in at.session_state["pg_panes"]] == ["gpt-5", "gpt-5"]
    assert pane_ids(at) == [low, high]  # the same panes, in the same order: their histories stay their own
    assert at.session_state[f"pg_opt_reasoning_effort__p{low}"] == "low"
    assert at.session_state[f"pg_opt_reasoning_effort__p{high}"] == "high"
    assert at.session_state["pg_opt_max_tokens"] == 900
    tune = [c.value for c in at.caption if c.value.startswith(":material/tune:")]
    assert any("effort low" in t and "max 900" in t for t in tune)
    assert any("effort high" in t and "max 900" in t for t in tune)
    panes = at.query_params["p"] if isinstance(at.query_params["p"], list) else [at.query_params["p"]]
    assert [p.split("|")[0] for p in panes] == [f"{low}:gpt-5", f"{high}:gpt-5"]
    assert "reasoning_effort=low" in panes[0] and "reasoning_effort=high" in panes[1]  # the URL keeps them


def test_reopened_from_the_sidebar_every_pane_keeps_its_settings_and_the_next_turn_sends_them(fake_providers):
    at, cid = _compare(fake_providers)
    low, high = pane_ids(at)
    at.button(key="pg_new_chat").click().run()
    # A new chat with other settings: nothing of them may leak into the reopened compare.
    at.selectbox(key=f"pg_opt_reasoning_effort__p{low}").set_value("minimal").run()
    at.number_input(key="pg_opt_temperature").set_value(0.3).run()
    at.button(key=f"pg_open_{cid}").click().run()
    _assert_restored(at, low, high)
    assert "pg_opt_temperature" not in at.session_state or at.session_state["pg_opt_temperature"] is None
    send(at, "And 9.90 or 9.9?")
    assert not at.exception, at.exception
    second = [r.json for r in fake_providers.requests if r.json and r.json.get("model") == "gpt-5"][2:]
    assert sorted(b["reasoning_effort"] for b in second) == ["high", "low"]
    assert all("temperature" not in b and len(b["messages"]) == 3 for b in second)


def test_reopened_from_its_url_in_a_new_session_every_pane_keeps_its_settings(fake_providers):
    at, cid = _compare(fake_providers)
    low, high = pane_ids(at)
    fresh = AppTest.from_file(APP, default_timeout=60)
    fresh.query_params["c"] = str(cid)  # only the conversation: its panes come from what it stored
    fresh.run()
    fresh.switch_page("pages/playground.py").run()
    _assert_restored(fresh, low, high)
    send(fresh, "And 9.90 or 9.9?")
    assert sorted(_efforts(fake_providers)[2:]) == ["high", "low"]


def test_a_conversation_stored_before_layouts_reopens_its_last_panes_as_before():
    cid = conversations.create("old compare", "tester")
    conversations.add_prompt(cid, ["echo", "echo"], "hi", slots=[3, 5])  # no layout, as before 0015
    at = open_playground()
    at.number_input(key="pg_opt_temperature").set_value(0.4).run()
    at.button(key=f"pg_open_{cid}").click().run()
    assert not at.exception, at.exception
    assert pane_ids(at) == [3, 5]
    assert at.session_state["pg_opt_temperature"] == 0.4  # no settings were kept, so the page's stay
