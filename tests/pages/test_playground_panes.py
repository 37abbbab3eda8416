"""The playground's pane model under AppTest: a pane is a model plus its settings (issue 12), blank is unset."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from alonchat import conversations
from tests.support.playground import APP, answers, open_playground, pane_ids, pick, send, usage_rows

# A 1x1 PNG: the smallest real image.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082")


def requests_for(server, model: str) -> list[dict]:
    return [r.json for r in server.requests if r.json and r.json.get("model") == model]


def test_one_model_in_two_panes_with_different_settings(fake_providers):
    fake_providers.script("gpt-5.4-mini", reply="Same model, its own settings.")
    at = pick(open_playground(), "gpt-5.4-mini", "gpt-5.4-mini")  # the picker takes a duplicate
    cold, hot = pane_ids(at)
    at.number_input(key=f"pg_opt_temperature__p{cold}").set_value(0.2).run()
    at.number_input(key=f"pg_opt_temperature__p{hot}").set_value(1.1).run()
    headers = [c.value for c in at.caption if c.value.startswith(":material/tune:")]
    assert any("temp 0.2" in h and "own settings" in h for h in headers)
    assert any("temp 1.1" in h and "own settings" in h for h in headers)
    send(at, "Say something")
    sent = sorted(body["temperature"] for body in requests_for(fake_providers, "gpt-5.4-mini"))
    assert sent == [0.2, 1.1]
    assert answers(at) == ["Same model, its own settings."] * 2
    ranking = " ".join(m.value for m in at.markdown if "Fastest" in m.value)
    assert "gpt-5.4-mini · temp 0.2" in ranking and "gpt-5.4-mini · temp 1.1" in ranking
    # Each pane keeps its own history: the next turn sends each pane's own first exchange, once.
    send(at, "Again")
    second = requests_for(fake_providers, "gpt-5.4-mini")[2:]
    assert [len(b["messages"]) for b in second] == [3, 3]
    assert sorted(b["temperature"] for b in second) == [0.2, 1.1]
    cid = conversations.list_for("tester")[0].id
    assert sorted(s for s, _ in conversations.load(cid).slots) == sorted([cold, hot])


def test_duplicate_copies_the_settings_and_shared_settings_stay_the_default():
    at = pick(open_playground(), "echo")
    [first] = pane_ids(at)
    at.number_input(key="pg_opt_max_tokens").set_value(40).run()  # shared
    at.number_input(key=f"pg_opt_temperature__p{first}").set_value(0.7).run()  # this pane only
    at.button(key=f"pg_dup_{first}").click().run()
    first, second = pane_ids(at)
    assert at.session_state[f"pg_opt_temperature__p{second}"] == 0.7
    headers = [c.value for c in at.caption if c.value.startswith(":material/tune:")]
    assert sum("temp 0.7" in h and "max 40" in h for h in headers) == 2


@pytest.mark.parametrize("name,wire_names,value", [
    ("max_tokens", ("max_completion_tokens", "max_tokens"), 300),
    ("temperature", ("temperature",), 0.4),
])
def test_clearing_a_number_means_unset_not_its_minimum(fake_providers, name, wire_names, value):
    """Issue 9, item 7: a cleared Max tokens or Temperature is not sent (never 1 or 0.00)."""
    at = pick(open_playground(), "gpt-5.4-mini")
    at.number_input(key=f"pg_opt_{name}").set_value(value).run()
    send(at, "first")
    body = requests_for(fake_providers, "gpt-5.4-mini")[-1]
    assert any(body.get(w) == value for w in wire_names)  # set: sent
    at.number_input(key=f"pg_opt_{name}").set_value(None).run()
    assert at.number_input(key=f"pg_opt_{name}").value is None
    at.run()  # and it stays blank on the next run, it does not snap back to the minimum
    assert at.number_input(key=f"pg_opt_{name}").value is None
    send(at, "second")
    body = requests_for(fake_providers, "gpt-5.4-mini")[-1]
    assert not any(w in body for w in wire_names), body


def test_the_url_holds_the_panes_and_reopens_them_elsewhere():
    at = pick(open_playground(), "echo", "echo")
    a, b = pane_ids(at)
    at.number_input(key=f"pg_opt_max_tokens__p{b}").set_value(7).run()
    at.number_input(key="pg_opt_temperature").set_value(0.5).run()
    send(at, "share this compare")
    params = dict(at.query_params)
    panes = params["p"] if isinstance(params["p"], list) else [params["p"]]
    assert len(panes) == 2 and all(p.split("|")[0].endswith(":echo") for p in panes)

    colleague = AppTest.from_file(APP, default_timeout=60)
    colleague.query_params.update(params)
    colleague.run()
    colleague.switch_page("pages/playground.py").run()
    assert not colleague.exception
    assert [p["model"] for p in colleague.session_state["pg_panes"]] == ["echo", "echo"]
    headers = [c.value for c in colleague.caption if c.value.startswith(":material/tune:")]
    assert any("max 7" in h and "temp 0.5" in h for h in headers)
    assert any("max 7" not in h and "temp 0.5" in h for h in headers)
    assert len(answers(colleague)) == 2  # the conversation came with it


def test_a_pane_whose_model_takes_no_images_is_skipped_not_failed():
    from tests.support.scripted import add_model

    add_model("blind", provider="echo")  # no vision capability in the catalog; echo itself has it
    at = pick(open_playground(), "echo", "blind")
    # What st.chat_input's on_submit queues when a file is attached (AppTest cannot attach files).
    at.session_state["pg_pending"] = {"kind": "send", "text": "what is in this picture?",
                                      "files": [{"name": "dot.png", "media_type": "image/png", "data": PNG}]}
    at.run()
    assert not at.exception, at.exception
    assert [r.model_name for r in usage_rows()] == ["echo"]  # skipped: no call, no ledger row
    assert any("Skipped" in i.value and "blind does not accept images" in i.value for i in at.info)
    assert not at.error
    assert len(answers(at)) == 1
    # It was on the page from the first send: skipped, it did not join later (issue 20, item 5).
    assert not [c.value for c in at.caption if "Joined this conversation later" in c.value]
    send(at, "and in words?")
    assert len(answers(at)) == 3
    assert not [c.value for c in at.caption if "Joined this conversation later" in c.value]


def test_retry_answers_the_same_prompt_again_after_a_failure(fake_providers):
    fake_providers.script("gpt-5.4-mini", status=400, error_message="bad luck")
    at = pick(open_playground(), "gpt-5.4-mini")
    send(at, "try me")
    [pid] = pane_ids(at)
    assert [r.status for r in usage_rows()] == ["error"]
    fake_providers.script("gpt-5.4-mini", reply="Second time lucky.")
    at.button(key=f"pg_retry_{pid}").click().run()
    assert not at.exception
    assert answers(at)[-1] == "Second time lucky."
    assert [r.status for r in usage_rows()] == ["error", "ok"]
    cid = conversations.list_for("tester")[0].id
    assert conversations.load(cid).history("gpt-5.4-mini", pid) == [
        {"role": "user", "content": "try me"}, {"role": "assistant", "content": "Second time lucky."}]


def test_a_pane_added_mid_conversation_says_it_starts_fresh():
    at = send(open_playground(), "first turn")
    at.selectbox(key="pg_add_model").set_value("echo").run()
    assert any("starts fresh" in c.value for c in at.caption)
    send(at, "second turn")
    old, new = answers(at)[1:]
    assert "turn 2" in old and "turn 1" in new  # the newcomer got no earlier turns


def test_reasoning_effort_is_offered_per_pane_only_to_models_that_reason(fake_providers):
    from tests.support.scripted import add_model

    add_model("plain", provider="echo")  # the catalog says it does not reason
    fake_providers.script("gpt-5.4-mini", reply="Thought about it.")
    at = pick(open_playground(), "gpt-5.4-mini", "gpt-5.4-mini", "plain")
    low, high, plain = pane_ids(at)
    keys = {w.key for w in at.selectbox}
    assert {f"pg_opt_reasoning_effort__p{low}", f"pg_opt_reasoning_effort__p{high}"} <= keys
    assert f"pg_opt_reasoning_effort__p{plain}" not in keys  # not offered to a model that does not reason
    at.selectbox(key=f"pg_opt_reasoning_effort__p{low}").set_value("low").run()
    at.selectbox(key=f"pg_opt_reasoning_effort__p{high}").set_value("high").run()
    at.selectbox(key="pg_opt_reasoning_effort").set_value("minimal").run()  # shared: reaches plain? never
    notes = [c.value for c in at.caption if "Not sent to plain" in c.value]
    assert notes and "reasoning effort" in notes[0] and "not a reasoning model" in notes[0]
    send(at, "Think first")
    efforts = sorted(b["reasoning_effort"] for b in requests_for(fake_providers, "gpt-5.4-mini"))
    assert efforts == ["high", "low"]
    assert [r.model_name for r in usage_rows()].count("plain") == 1  # sent, without the effort
    headers = [c.value for c in at.caption if c.value.startswith(":material/tune:")]
    assert any("effort low" in h for h in headers) and any("effort high" in h for h in headers)


def test_a_thinking_budget_for_a_provider_that_takes_an_effort_says_so_not_that_the_model_cannot_reason():
    """Issue 20, item 5: gpt-5 reasons; its API takes an effort, not a budget. The note states that cause."""
    at = pick(open_playground(), "gpt-5", "claude-sonnet-4-6")
    gpt, claude = pane_ids(at)
    at.number_input(key="pg_opt_reasoning_budget").set_value(2048).run()  # shared: Claude takes it, GPT-5 not
    at.number_input(key="pg_opt_temperature").set_value(0.5).run()
    notes = [c.value for c in at.caption if "Not sent to" in c.value]
    gpt_notes = [n for n in notes if "Not sent to gpt-5" in n]
    assert gpt_notes == [":material/info: Not sent to gpt-5: thinking budget (Chat Completions takes a "
                         "reasoning effort, not a thinking budget; set the effort instead)."]
    claude_notes = [n for n in notes if "Not sent to claude-sonnet-4-6" in n]
    assert len(claude_notes) == 1 and "temperature" in claude_notes[0] and "sampling settings" in claude_notes[0]
    assert not any("not a reasoning model" in n for n in notes)


def test_thinking_is_shown_collapsed_above_the_answer_and_never_in_it():
    at = pick(open_playground(), "echo")
    at.selectbox(key="pg_opt_reasoning_effort").set_value("high").run()
    send(at, "think hard")
    [answer] = [cm for cm in at.chat_message if cm.name == "assistant"]
    [expander] = answer.expander
    assert expander.label.startswith("Thinking")
    thought = "\n".join(m.value for m in expander.markdown)
    assert "echo thinking at high effort" in thought
    text = [m.value for m in answer.markdown if "you said" in m.value]
    assert text and "echo thinking" not in text[0]


def test_a_cancelled_answer_can_be_continued_and_is_stored_whole():
    from alonchat.calls.result import CallResult

    cid = conversations.create("half an answer", "tester")
    conversations.add_prompt(cid, ["echo"], "tell me a story", slots=[0])
    conversations.add_answer(cid, 0, CallResult(model="echo", content="Once upon a time", status="cancelled"))
    at = open_playground()
    [b for b in at.sidebar.button if b.label == "half an answer"][0].click().run()
    assert at.button(key="pg_retry_0") is not None
    at.button(key="pg_more_0").click().run()
    assert not at.exception, at.exception
    view = conversations.load(cid)
    last = view.messages[-1]
    assert last.status == "ok" and last.content.startswith("Once upon a time")
    assert "Continue exactly where" in last.content  # echo repeats the continuation prompt it was sent
    # The whole answer now pairs with the original prompt in the pane's history.
    assert view.history("echo", 0) == [{"role": "user", "content": "tell me a story"},
                                       {"role": "assistant", "content": last.content}]


def test_a_context_window_overflow_shows_in_its_pane_before_send_and_that_pane_is_not_sent():
    from alonchat.storage.engine import session
    from alonchat.storage.tables import AIModel
    from tests.support.scripted import add_model

    add_model("tiny", provider="echo")
    with session() as s, s.begin():
        s.query(AIModel).filter_by(name="tiny").one().context_window = 50
    at = pick(open_playground(), "echo", "tiny")
    at.number_input(key="pg_opt_max_tokens").set_value(100).run()  # the answer alone would not fit
    [error] = [e.value for e in at.error]
    assert "context window of 50" in error and "tiny" in error
    assert not any("unpriced" in c.value for c in at.caption)
    send(at, "hello")
    assert [r.model_name for r in usage_rows()] == ["echo"]  # refused before any request: no row
    assert any("Not sent" in i.value and "context window" in i.value for i in at.info)
