"""Issue 20: what people comparing models expect under an answer: regenerate it, copy it, see its request as code."""

from __future__ import annotations

import json

from alonchat.core.tokens import estimate_tokens, text_rule
from tests.fake_server import FAKE_KEYS
from tests.support.playground import answers, open_playground, pane_ids, pick, send, usage_rows


def test_regenerate_asks_the_same_prompt_again_and_keeps_both_answers():
    at = send(pick(open_playground(), "echo"), "tell me a fact")
    [first] = answers(at)
    assert "turn 1" in first
    at.button(key=f"pg_regen_{pane_ids(at)[0]}").click().run()
    assert not at.exception, at.exception
    both = answers(at)
    # The prompt was sent again once, not appended as a second turn (the echo counts the user turns it gets).
    assert len(both) == 2 and all("turn 1" in a and "tell me a fact" in a for a in both)
    assert [r.status for r in usage_rows()] == ["ok", "ok"]


def test_the_answer_is_there_to_copy_and_the_request_as_python_and_curl(fake_providers):
    fake_providers.script("gpt-5.4-mini", reply="Amber, **warm**.")
    at = send(pick(open_playground(), "gpt-5.4-mini"), "Name a warm colour.")
    codes = [c.value for c in at.code]
    assert "Amber, **warm**." in codes  # the markdown source, in a code block with its copy button
    [python] = [c for c in codes if "client.chat.completions.create(" in c]
    [curl] = [c for c in codes if c.startswith("curl ")]
    assert '"Name a warm colour."' in python and "Name a warm colour." in curl
    assert "/chat/completions" in curl and "$OPENAI_API_KEY" in curl
    for key in FAKE_KEYS.values():
        assert key not in python and key not in curl


def test_the_offline_echo_says_it_sends_no_request():
    at = send(pick(open_playground(), "echo"), "hi")
    assert any("runs offline inside AlonChat" in c.value for c in at.caption)


def test_switching_a_panes_model_in_place_keeps_its_turns_and_its_own_settings():
    import json

    from tests.support.scripted import add_model

    add_model("small", provider="echo")  # not a reasoning model
    at = pick(open_playground(), "echo", "echo")
    pane = pane_ids(at)[1]
    at.number_input(key=f"pg_opt_temperature__p{pane}").set_value(0.4).run()
    at.selectbox(key=f"pg_opt_reasoning_effort__p{pane}").set_value("high").run()
    send(at, "first question")
    at.selectbox(key=f"pg_model_{pane}").set_value("small").run()
    assert not at.exception, at.exception
    assert [p["model"] for p in at.session_state["pg_panes"]] == ["echo", "small"]
    assert pane_ids(at)[1] == pane  # the same pane, in the same place
    # Its earlier turn stays, labelled with the model that gave it; the effort the new model can't use is not sent.
    assert any("answered by **echo**" in c.value for c in at.caption)
    assert any("Not sent to small: reasoning effort" in c.value for c in at.caption)
    send(at, "second question")
    [last] = [r for r in usage_rows() if r.model_name == "small"]  # (the two panes' rows come in either order)
    assert json.loads(last.options)["temperature"] == 0.4  # its own setting went with it
    assert "reasoning_effort" not in json.loads(last.options)
    # The new model got the pane's conversation so far (the echo counts the user turns it was sent): it did not
    # join later.
    assert "turn 2" in answers(at)[-1]
    assert not any("Joined this conversation later" in c.value for c in at.caption)


def test_switching_to_a_model_with_a_lower_output_limit_lowers_max_tokens_to_it_and_says_so():
    from tests.support.scripted import add_model

    add_model("short", provider="echo")  # generates at most 1,000 tokens
    at = pick(open_playground(), "echo", "echo")
    first, second = pane_ids(at)
    at.number_input(key="pg_opt_max_tokens").set_value(3000).run()  # shared: both echo panes (4,096 at most)
    at.number_input(key=f"pg_opt_temperature__p{second}").set_value(0.4).run()
    at.selectbox(key=f"pg_model_{second}").set_value("short").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.toast] == ["Max tokens lowered to 1,000, short's limit."]
    # Lowered for the switched pane only (its own setting now), its other settings kept; no error where it was.
    assert at.session_state[f"pg_opt_max_tokens__p{second}"] == 1000
    assert at.session_state[f"pg_opt_temperature__p{second}"] == 0.4
    assert at.session_state["pg_opt_max_tokens"] == 3000 and at.session_state[f"pg_opt_max_tokens__p{first}"] is None
    assert not at.error, [e.value for e in at.error]
    send(at, "hello")
    sent = {r.model_name: json.loads(r.options) for r in usage_rows()}
    assert sent["short"]["max_tokens"] == 1000 and sent["short"]["temperature"] == 0.4
    assert sent["echo"]["max_tokens"] == 3000
    # A max tokens within the new model's limit is left as it is, and nothing is said.
    at.selectbox(key=f"pg_model_{first}").set_value("short").run()
    at.selectbox(key=f"pg_model_{second}").set_value("echo").run()
    assert not at.toast and at.session_state[f"pg_opt_max_tokens__p{second}"] == 1000


def test_each_pane_shows_how_full_its_context_window_is_and_it_grows_with_the_conversation():
    from sqlalchemy import update

    from alonchat.storage.engine import session
    from alonchat.storage.tables import AIModel
    from tests.support.scripted import add_model

    add_model("windowed", provider="echo")
    with session() as s, s.begin():
        s.execute(update(AIModel).where(AIModel.name == "windowed").values(context_window=8000))
    at = pick(open_playground(), "windowed")

    def gauge() -> dict:
        # The pane's gauge gets its figures from the engine's quote (the browser adds the draft as it is typed).
        [g] = [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name ==
               "alonchat_context_gauge"]
        return g

    nothing = gauge()
    assert (nothing["base"], nothing["window"], nothing["reserve"], nothing["model"]) == (0, 8000, 0, "windowed")
    assert nothing["rule"] == text_rule()  # the browser counts the draft by the engine's rule
    send(at, "word " * 3000)
    # The pane's turns now count: the 3k-word prompt and the echo's answer (which quotes it), as the engine counts.
    [answer] = answers(at)
    assert gauge()["base"] == estimate_tokens("word " * 3000) + estimate_tokens(answer) > 6000


def test_an_earlier_prompt_edited_goes_to_every_pane_in_a_copy_of_the_conversation():
    from alonchat import conversations

    at = pick(open_playground(), "echo", "echo")
    send(at, "first")
    send(at, "second")
    original = at.session_state["pg_conversation"]
    # Edit "second" from the second pane's turn: the whole send is sent again, edited.
    [edit] = [t for t in at.text_area if t.key.startswith("pg_edit_") and t.value == "second"][1:]
    edit.set_value("second, edited").run()
    at.button(key=edit.key.replace("pg_edit_", "pg_edit_send_")).click().run()
    assert not at.exception, at.exception
    copy = at.session_state["pg_conversation"]
    assert copy != original
    view = conversations.load(copy, "tester")
    for pane in pane_ids(at):
        turns = [(m.role, m.content.split(" — ")[0]) for m in view.pane(None, pane)]
        assert turns == [("user", "first"), ("assistant", 'Echo (demo, turn 1): you said "first"'),
                         ("user", "second, edited"), ("assistant", 'Echo (demo, turn 2): you said "second, edited"')]
    kept = conversations.load(original, "tester")  # the original is as it was
    assert [m.content for m in kept.messages if m.role == "user"] == ["first", "first", "second", "second"]
