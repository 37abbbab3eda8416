"""What a pane sends again (Retry, Continue) and whether it joined later come from the conversation, not the page."""

from __future__ import annotations

from alonchat import conversations as convs
from alonchat.calls.result import CallResult


def _answer(cid: int, pane: int, model: str, content: str, status: str = "ok") -> None:
    convs.add_answer(cid, pane, CallResult(model=model, content=content, status=status))


def test_retry_sends_the_last_prompt_again_after_the_answered_turns():
    cid = convs.create("t", "tester")
    convs.add_prompt(cid, ["echo"], "first", slots=[0])
    _answer(cid, 0, "echo", "one")
    [prompt_id] = convs.add_prompt(cid, ["echo"], "second", slots=[0])
    _answer(cid, 0, "echo", "", status="error")
    again = convs.load(cid).resend("echo", 0)
    assert again.prompt_id == prompt_id and again.prefix == ""
    assert again.messages == [{"role": "user", "content": "first"}, {"role": "assistant", "content": "one"},
                              {"role": "user", "content": "second"}]


def test_continue_picks_up_the_cancelled_text_and_asks_for_the_rest():
    cid = convs.create("t", "tester")
    convs.add_prompt(cid, ["echo"], "tell me", slots=[0])
    _answer(cid, 0, "echo", "Once upon", status="cancelled")
    again = convs.load(cid).resend("echo", 0, continuing=True)
    assert again.prefix == "Once upon"
    assert again.messages[-2:] == [{"role": "assistant", "content": "Once upon"},
                                   {"role": "user", "content": convs.CONTINUE_PROMPT}]


def test_nothing_to_resend_without_an_answer_and_a_pane_that_came_later_starts_fresh():
    cid = convs.create("t", "tester")
    convs.add_prompt(cid, ["echo"], "hi", slots=[0])
    view = convs.load(cid)
    assert view.resend("echo", 0) is None  # not answered yet
    _answer(cid, 0, "echo", "hello")
    convs.add_prompt(cid, ["echo", "echo"], "again", slots=[0, 1])
    view = convs.load(cid)
    assert not view.joined_later("echo", 0) and view.joined_later("echo", 1)
    assert view.joined_later("echo", 2)  # a pane with no turns at all, in a conversation with answers


def test_regenerate_sends_the_answered_prompt_again_and_the_newer_answer_becomes_the_context():
    cid = convs.create("t", "tester")
    convs.add_prompt(cid, ["echo"], "first", slots=[0])
    _answer(cid, 0, "echo", "one")
    [prompt_id] = convs.add_prompt(cid, ["echo"], "second", slots=[0])
    _answer(cid, 0, "echo", "two")
    again = convs.load(cid).resend("echo", 0)
    assert again.prompt_id == prompt_id
    assert again.messages == [{"role": "user", "content": "first"}, {"role": "assistant", "content": "one"},
                              {"role": "user", "content": "second"}]  # not "second" twice, nor "two" as context
    _answer(cid, 0, "echo", "two, again")
    assert convs.load(cid).history("echo", 0)[-2:] == [{"role": "user", "content": "second"},
                                                       {"role": "assistant", "content": "two, again"}]
    _answer(cid, 0, "echo", "", status="error")  # a failed regeneration leaves the last good answer as context
    assert convs.load(cid).history("echo", 0)[-1] == {"role": "assistant", "content": "two, again"}


def test_a_fork_copies_every_panes_turns_before_an_edited_prompt_and_leaves_the_original():
    cid = convs.create("colours", "tester")
    convs.add_prompt(cid, ["echo", "small"], "first", slots=[0, 1])
    _answer(cid, 0, "echo", "one")
    _answer(cid, 1, "small", "uno")
    second = convs.add_prompt(cid, ["echo", "small"], "second", slots=[0, 1])
    _answer(cid, 0, "echo", "two")
    _answer(cid, 1, "small", "dos")
    original = convs.load(cid, "tester")
    assert [m.id for m in original.send_of(second[1])] == second
    fork = convs.fork(cid, second[1], "tester")  # edit "second" from the second pane: the whole send goes
    copy = convs.load(fork, "tester")
    assert copy.title == "colours (edited)"
    assert [(m.pane, m.role, m.content) for m in copy.messages] == [
        (0, "user", "first"), (1, "user", "first"), (0, "assistant", "one"), (1, "assistant", "uno")]
    assert copy.history("small", 1) == [{"role": "user", "content": "first"}, {"role": "assistant", "content": "uno"}]
    assert [m.content for m in convs.load(cid, "tester").messages] == [m.content for m in original.messages]
    import pytest

    from alonchat.core.errors import PermissionDeniedError, ValidationError
    with pytest.raises(ValidationError):
        convs.fork(cid, 10**6, "tester")
    with pytest.raises(PermissionDeniedError):
        convs.fork(cid, second[0], "someone-else")  # private to its owner
