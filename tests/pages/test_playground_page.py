"""The playground page under AppTest: echo offline, and the real SDKs against the local fake server."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from alonchat import conversations
from tests.support.playground import APP, answers, open_playground, pane_ids, pick, send, usage_rows


def metrics(at: AppTest) -> list[str]:
    return [c.value for cm in at.chat_message if cm.name == "assistant" for c in cm.caption]


def test_fresh_install_chats_with_echo_and_records_the_call():
    at = open_playground()
    assert [p["model"] for p in at.session_state["pg_panes"]] == ["echo"]
    send(at, "hello world")
    [user] = [cm for cm in at.chat_message if cm.name == "user"]
    assert user.markdown[0].value == "hello world"
    [answer] = answers(at)
    assert 'you said "hello world"' in answer
    [line] = metrics(at)
    assert "first token" in line and "tok/s" in line and "out " in line and "$0.00" in line
    [conv] = conversations.list_for("tester")
    assert conv.title == "hello world"
    [row] = usage_rows()
    assert (row.model_name, row.status, row.user, row.conversation_id, row.source) == ("echo", "ok", "tester", conv.id,
                                                                                     "playground")
    assert any(b.label == "hello world" for b in at.sidebar.button)


def test_estimate_is_shown_before_sending_and_labelled():
    from decimal import Decimal

    from alonchat.calls.service import ai_service
    from tests.support.scripted import add_model
    from ui.format import money

    add_model("pricey", provider="echo", input_price=Decimal("3"), output_price=Decimal("15"))
    add_model("mystery", provider="echo")
    at = pick(open_playground(), "pricey", "mystery")
    # The draft is unknown until Enter, so the estimate is what the pane sends anyway plus a rate per 100 words.
    before = ai_service.estimate("pricey", "·")
    per = ai_service.estimate("pricey", "word " * 100) - before
    assert per > 0
    # Shown once (issue 20): one figure over the composer; each pane's share is its settings line's tooltip.
    estimates = [c for c in at.caption if "≈" in c.value and not c.value.startswith(":material/tune:")]  # not gauges
    assert [c.value.split(" *(")[0] for c in estimates] == [f"**≈ {money(before + per, badge=False)}** for a "
                                                            "100-word prompt to 2 panes"]
    assert "1 unpriced pane not counted" in estimates[0].value
    tips = [c.help for c in at.caption if c.value.startswith(":material/tune:")]
    assert tips[0].startswith(f"Next prompt ≈ {money(before + per, badge=False)} for a 100-word prompt")
    assert tips[1].startswith("Unpriced") and "$0" not in tips[1]  # never $0
    assert usage_rows() == []  # estimating never calls a model


def test_two_models_answer_side_by_side_through_the_real_sdks(fake_providers):
    fake_providers.script("gpt-5.4-mini", reply="Answer from the OpenAI wire.",
                          usage={"input": 12, "cached": 4, "output": 6, "reasoning": 2})
    fake_providers.script("claude-haiku-4-5", reply="Answer from the Anthropic wire.",
                          usage={"input": 14, "output": 5})
    at = pick(open_playground(), "gpt-5.4-mini", "claude-haiku-4-5")
    send(at, "Compare yourselves")
    assert answers(at) == ["Answer from the OpenAI wire.", "Answer from the Anthropic wire."]
    gpt, claude = metrics(at)
    assert "in 12 · cached 4 · out 6 · reasoning 2" in gpt and "in 14 · cached 0 · out 5" in claude
    assert "$" in gpt and "unpriced" not in gpt  # seeded prices: a priced call shows dollars
    summary = at.get("markdown")
    assert any("Cheapest" in m.value for m in summary) and any("Fastest" in m.value for m in summary)
    cid = conversations.list_for("tester")[0].id
    assert sorted((r.model_name, r.status, r.conversation_id) for r in usage_rows()) == [
        ("claude-haiku-4-5", "ok", cid), ("gpt-5.4-mini", "ok", cid)]
    assert sorted(r.json["model"] for r in fake_providers.requests if r.json) == [
        "claude-haiku-4-5", "gpt-5.4-mini"]


@pytest.mark.parametrize("status,expected", [(401, "key"), (429, "rate")])
def test_a_failing_model_shows_its_error_in_its_own_pane_only(fake_providers, status, expected):
    fake_providers.script("gpt-5.4-mini", status=status, error_message="nope: provider said no",
                          retry_after=0 if status == 429 else None)
    fake_providers.script("claude-haiku-4-5", reply="I am fine.")
    at = pick(open_playground(), "gpt-5.4-mini", "claude-haiku-4-5")
    send(at, "hi")
    [error] = [e.value for e in at.error]
    assert expected in error.lower()
    assert answers(at)[1] == "I am fine."
    [failed_pane_badge] = [m.value for cm in at.chat_message if cm.name == "assistant"
                           for m in cm.markdown if "badge" in m.value]
    assert "error" in failed_pane_badge
    assert {r.model_name: r.status for r in usage_rows()} == {"gpt-5.4-mini": "error",
                                                              "claude-haiku-4-5": "ok"}
    if status == 429:  # the service retried before giving up
        assert len(fake_providers.requests_to("chat/completions")) == 3


def test_unconfigured_provider_is_marked_with_the_env_var_and_fails_in_its_pane():
    at = open_playground()
    options = at.selectbox(key="pg_add_model").options
    # Shown, not hidden, and marked with what to set; the keyless echo needs nothing.
    assert "gpt-5.5 · openai  (set OPENAI_API_KEY)" in options
    assert "claude-haiku-4-5 · anthropic  (set ANTHROPIC_API_KEY)" in options
    assert "echo · echo" in options
    pick(at, "echo", "gpt-5.5")
    assert any("OPENAI_API_KEY" in w.value for w in at.warning)
    send(at, "hi")
    assert 'you said "hi"' in answers(at)[0]
    [error] = [e.value for e in at.error]
    assert "OPENAI_API_KEY" in error
    assert sorted((r.model_name, r.status) for r in usage_rows()) == [("echo", "ok"), ("gpt-5.5", "error")]


def test_history_continues_per_pane_and_reloads_in_a_new_session():
    at = send(open_playground(), "first")
    send(at, "second")
    assert "turn 2" in answers(at)[-1]  # the pane sent its own history with the new prompt
    cid = conversations.list_for("tester")[0].id

    again = open_playground()
    assert answers(again) == []
    [button] = [b for b in again.sidebar.button if b.label == "first"]
    button.click().run()
    assert [cm.markdown[0].value for cm in again.chat_message if cm.name == "user"] == ["first", "second"]
    assert len(answers(again)) == 2 and len(metrics(again)) == 2
    send(again, "third")
    assert "turn 3" in answers(again)[-1]
    assert {r.conversation_id for r in usage_rows()} == {cid}


def test_cancelled_answer_reloads_as_cancelled_not_complete(fake_providers):
    fake_providers.script("gpt-5.4-mini", reply="partial words", truncate=True)
    at = pick(open_playground(), "gpt-5.4-mini")
    send(at, "go")
    cid = conversations.list_for("tester")[0].id
    view = conversations.load(cid)
    assert view.messages[-1].status == "truncated"
    again = open_playground()
    [b for b in again.sidebar.button if b.label == "go"][0].click().run()
    [answer] = [cm for cm in again.chat_message if cm.name == "assistant"]
    assert "truncated" in answer.markdown[0].value
    assert any("incomplete" in e.value or "finish" in e.value for e in answer.error)


def test_continue_with_this_model_turns_a_compare_into_a_chat():
    from tests.support.scripted import add_model

    add_model("echo-2", provider="echo")
    at = pick(open_playground(), "echo", "echo-2")
    send(at, "pick a winner")
    at.button(key=f"pg_continue_{pane_ids(at)[1]}").click().run()
    assert [p["model"] for p in at.session_state["pg_panes"]] == ["echo-2"]
    send(at, "go on")
    assert len(answers(at)) == 2 and "turn 2" in answers(at)[-1]
    [conv] = conversations.list_for("tester")
    assert conversations.load(conv.id).layout == ["echo-2"]


def test_options_are_validated_against_each_models_limits_per_pane():
    from tests.support.scripted import add_model

    add_model("small", provider="echo")  # max_tokens 1000
    at = pick(open_playground(), "echo", "small")
    small = pane_ids(at)[1]
    at.number_input(key=f"pg_opt_max_tokens__p{small}").set_value(2000).run()
    [error] = [e.value for e in at.error]
    assert "small generates at most 1000 tokens" in error
    # The estimate says the setting is wrong, never a false "unpriced" (issue 9, item 18).
    captions = [c.value for c in at.caption]
    assert sum("≈" in c and not c.startswith(":material/tune:") for c in captions) == 1  # (a pane's gauge aside)
    assert not any("unpriced" in c for c in captions)
    assert any("1 pane with a settings problem not counted" in c for c in captions)
    tips = [c.help for c in at.caption if c.value.startswith(":material/tune:")]
    assert "settings have a problem" in tips[1]
    send(at, "too long please")
    # The invalid pane is not sent (and says why); the valid one answers.
    assert [r.model_name for r in usage_rows()] == ["echo"]
    assert any("Not sent" in i.value and "1000 tokens" in i.value for i in at.info)
    at.number_input(key=f"pg_opt_max_tokens__p{small}").set_value(5).run()
    send(at, "now fine, with quite a few words in it")
    assert len(answers(at)) == 3
    echo_answer, small_answer = answers(at)[1:]
    assert len(small_answer) < len(echo_answer)  # the per-pane limit reached only that pane
    assert not at.error


def test_sidebar_conversations_show_their_date_and_models_look_clickable_and_rename_with_enter():
    """Issue 20: each saved conversation with its date and models, every one a button, Enter renames."""
    at = pick(open_playground(), "echo")
    send(at, "first chat")
    at.button(key="pg_new_chat").click().run()
    send(at, "second chat")
    first, second = sorted(c.id for c in conversations.list_for("tester"))
    opens = {b.key: b for b in at.sidebar.button if b.key.startswith("pg_open_")}
    assert {opens[f"pg_open_{first}"].proto.type, opens[f"pg_open_{second}"].proto.type} == {"secondary", "primary"}
    notes = [c.value for c in at.sidebar.caption if "echo" in c.value]
    assert len(notes) == 2 and all(" · echo" in n and ":" in n.split(" · ")[0] for n in notes)  # "Dec 3, 14:05 UTC"
    at.sidebar.text_input(key=f"pg_rename_{second}").set_value("Named by Enter").run()  # Enter, no button
    assert conversations.load(second).title == "Named by Enter"
    assert any(b.label == "Named by Enter" for b in at.sidebar.button)


def test_rename_export_and_delete_from_the_sidebar():
    at = send(open_playground(), "name me")
    cid = conversations.list_for("tester")[0].id
    at.sidebar.text_input(key=f"pg_rename_{cid}").set_value("Renamed chat")
    at.sidebar.button(key="pg_rename_btn").click().run()
    assert conversations.load(cid).title == "Renamed chat"
    assert any(b.label == "Renamed chat" for b in at.sidebar.button)
    exports = {e.proto.label: e.proto for e in at.sidebar.get("download_button")}
    assert set(exports) == {"Markdown", "JSON"}
    delete = at.sidebar.button(key="pg_delete")
    assert delete.disabled  # deleting needs the confirmation first
    at.sidebar.checkbox(key="pg_delete_confirm").check().run()
    at.sidebar.button(key="pg_delete").click().run()
    assert conversations.list_for("tester") == []
    assert answers(at) == []  # the page is back to a new chat
    assert [r.conversation_id for r in usage_rows()] == [cid]  # spend history is kept


def test_secrets_fill_missing_env_vars_without_showing_them(monkeypatch):
    import os

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-the-environment-1234")
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder")
    monkeypatch.delenv("OPENAI_API_KEY")  # unset now, restored (unset) after the test
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["OPENAI_API_KEY"] = "sk-proj-from-secrets-toml-5678"
    at.secrets["ANTHROPIC_API_KEY"] = "sk-ant-from-secrets-should-lose"
    at.run()
    assert not at.exception
    assert os.environ["OPENAI_API_KEY"] == "sk-proj-from-secrets-toml-5678"
    assert os.environ["ANTHROPIC_API_KEY"] == "sk-ant-from-the-environment-1234"  # the environment wins
    shown = " ".join(str(e.value) for e in at.main.children.values() if hasattr(e, "value"))
    shown += " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.caption)
    assert "from-secrets" not in shown and "from-the-environment" not in shown
    assert any("openai" in m.value and "check_circle" in m.value for m in at.sidebar.markdown)


def test_every_page_opens_from_the_navigation():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    for page in ("pages/catalog.py", "pages/costs.py", "pages/playground.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)


def test_a_temperature_anthropic_refuses_is_flagged_and_not_sent(fake_server, fake_providers):
    at = pick(open_playground(), "echo", "claude-haiku-4-5")
    at.number_input(key="pg_opt_temperature").set_value(0.3).run()
    notes = [c.value for c in at.caption if "Not sent to" in c.value]
    assert notes == [notes[0]] and "anthropic" in notes[0].lower() and "temperature" in notes[0]
    send(at, "hi")
    body = fake_server.requests_to("/v1/messages")[-1].json
    assert body["model"] == "claude-haiku-4-5" and "temperature" not in body


def test_a_send_refused_by_a_spent_budget_is_announced_once():
    from decimal import Decimal

    from alonchat.core.types import Usage
    from alonchat.usage import budgets, ledger

    ledger.record(ledger.UsageEntry(user="tester", model_name="gpt-5", provider="openai", model_id="gpt-5",
                                    usage=Usage(10, 0, 0, 10), cost_usd=Decimal("2"), latency_ms=1,
                                    ttft_ms=None, status="ok"))
    budgets.set_budget(1, user="tester")
    at = pick(open_playground(), "gpt-5")
    send(at, "one more")
    refusals = [e.value for e in at.error if "is spent" in e.value]
    assert len(refusals) == 1, refusals
    assert len(usage_rows()) == 1  # nothing was sent
    # The refused prompt is back in the composer, not lost (issue 20).
    composer = at.chat_input(key="pg_composer").proto
    assert composer.set_value and composer.value == "one more"
    # A free model is never refused by a budget: it answers, the priced pane says why it was not sent.
    at.selectbox(key="pg_add_model").set_value("echo").run()
    send(at, "free one")
    assert [r.model_name for r in usage_rows()][1:] == ["echo"]
    assert any("is spent" in i.value and i.value.startswith("Not sent") for i in at.info)
    assert len(answers(at)) == 1 and not at.chat_input(key="pg_composer").proto.set_value
