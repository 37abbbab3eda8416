"""A conversation keeps the panes of its last send (model, settings, order) and when each pane came onto the page."""

from __future__ import annotations

from alonchat import conversations as convs
from alonchat.calls.result import CallResult
from alonchat.conversations import PaneLayout


def _answer(cid: int, pane: int, model: str = "echo") -> None:
    convs.add_answer(cid, pane, CallResult(model=model, content="ok", status="ok"))


def test_the_last_send_stores_every_pane_with_its_settings_in_page_order():
    cid = convs.create("compare", "tester")
    layout = [PaneLayout(4, "echo", {"reasoning_effort": "high"}), PaneLayout(2, "echo", {"reasoning_effort": "low",
                                                                                          "temperature": 0.3})]
    convs.add_prompt(cid, ["echo", "echo"], "hi", slots=[4, 2], layout=layout)
    panes = convs.load(cid).panes
    assert [(p.pane, p.model, p.settings) for p in panes] == [(4, "echo", {"reasoning_effort": "high"}),
                                                             (2, "echo", {"reasoning_effort": "low",
                                                                          "temperature": 0.3})]
    # A send without a layout (the arena's) leaves the stored one as it was.
    convs.add_prompt(cid, ["echo"], "again", slots=[4])
    assert [p.pane for p in convs.load(cid).panes] == [4, 2]


def test_a_pane_skipped_on_the_first_send_did_not_join_later_but_a_pane_added_afterwards_did():
    cid = convs.create("with a picture", "tester")
    both = [PaneLayout(0, "echo"), PaneLayout(1, "blind")]
    convs.add_prompt(cid, ["echo"], "look", slots=[0], layout=both)  # "blind" skipped: it sees no images
    _answer(cid, 0)
    convs.add_prompt(cid, ["echo", "blind"], "now in words", slots=[0, 1], layout=both)
    _answer(cid, 0)
    view = convs.load(cid)
    assert not view.joined_later("blind", 1)
    assert not view.joined_later("echo", 0)
    convs.add_prompt(cid, ["echo", "blind", "echo"], "third", slots=[0, 1, 7], layout=[*both, PaneLayout(7, "echo")])
    view = convs.load(cid)
    assert view.joined_later("echo", 7) and not view.joined_later("blind", 1)


def test_a_conversation_stored_before_layouts_keeps_its_panes_history_when_it_gets_one():
    cid = convs.create("old", "tester")
    convs.add_prompt(cid, ["echo", "echo"], "first", slots=[0, 1])  # no layout: stored before 0015
    _answer(cid, 0)
    _answer(cid, 1)
    assert [(p.pane, p.settings) for p in convs.load(cid).panes] == [(0, {}), (1, {})]  # from the messages
    convs.add_prompt(cid, ["echo", "echo"], "second", slots=[0, 1],
                     layout=[PaneLayout(0, "echo"), PaneLayout(1, "echo", {"temperature": 1.0})])
    view = convs.load(cid)
    assert not view.joined_later("echo", 0) and not view.joined_later("echo", 1)
    assert view.panes[1].settings == {"temperature": 1.0}


def test_the_markdown_export_keeps_two_panes_of_one_model_apart_each_named_with_its_settings():
    """Issue 20, item 7."""
    cid = convs.create("efforts", "tester")
    layout = [PaneLayout(0, "echo", {"reasoning_effort": "low"}), PaneLayout(1, "echo", {"reasoning_effort": "high"}),
              PaneLayout(2, "echo"), PaneLayout(3, "echo")]
    convs.add_prompt(cid, ["echo"] * 4, "think", slots=[0, 1, 2, 3], layout=layout)
    for pane, text in enumerate(["low answer", "high answer", "plain one", "plain two"]):
        convs.add_answer(cid, pane, CallResult(model="echo", content=text, status="ok"))
    md = convs.export_markdown(cid, "tester")
    sections = [line for line in md.splitlines() if line.startswith("## ")]
    assert sections == ["## echo · reasoning effort low", "## echo · reasoning effort high",
                        "## echo · default settings · pane 2", "## echo · default settings · pane 3"]
    low, high = md.split("## echo · reasoning effort high")
    assert "low answer" in low and "high answer" not in low and "high answer" in high and "low answer" not in high
    assert md.count("**You:**") == 4  # each pane's own prompt, once
