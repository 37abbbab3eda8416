"""Live answers: only the unfinished tail is re-sent (issue 9, item 20), and a retry wait is said out loud."""

from __future__ import annotations

from ui.playground.live import TAIL_MAX, freeze_point


def test_finished_paragraphs_freeze_and_the_tail_stays_live():
    text = "First paragraph.\n\nSecond one.\n\nStill typ"
    cut = freeze_point(text, 0)
    assert text[:cut] == "First paragraph.\n\nSecond one.\n\n" and text[cut:] == "Still typ"
    assert freeze_point(text, cut) == cut  # nothing new to freeze


def test_a_code_block_is_never_split_at_a_blank_line_inside_it():
    text = "Intro.\n\n```python\nx = 1\n\ny = 2\n"
    assert text[:freeze_point(text, 0)] == "Intro.\n\n"
    done = text + "```\n\nAfter."
    assert done[:freeze_point(done, 0)].endswith("```\n\n")


def test_a_long_paragraph_without_breaks_is_still_cut_so_no_element_grows_for_ever():
    text = "word " * (TAIL_MAX // 5 + 50) + "unfinish"
    cut = freeze_point(text, 0)
    assert text[:cut].endswith("word ") and text[cut:] == "unfinish"
    assert freeze_point("word " * 10 + "unfinish", 0) == 0  # a short tail waits for its paragraph to end


def test_a_pane_waiting_to_retry_says_so_and_counts_down():
    from alonchat.calls.parallel import PaneEvent, PaneRequest, ParallelRun
    from alonchat.core.types import RetryNotice, TextDelta
    from ui.playground.live import waiting

    run = ParallelRun([PaneRequest("echo", "hi")])  # not started: events are applied by hand
    assert waiting(run.panes[0]) is None
    run.put(PaneEvent(0, RetryNotice(2, 3, 4.2, "rate limited")))
    run.poll(0)
    assert waiting(run.panes[0]) == "rate limited, retrying in 5 s (attempt 2 of 3)"
    run.panes[0].notice_at -= 2.5  # as if 2.5 s went by
    assert waiting(run.panes[0]) == "rate limited, retrying in 2 s (attempt 2 of 3)"
    run.put(PaneEvent(0, TextDelta("Hello")))
    run.poll(0)
    assert waiting(run.panes[0]) is None  # text arrived: the notice is gone


def test_imports_are_frozen_out_of_full_collections_once_per_new_module():
    """A full GC scanned every module object (150-240 ms, GIL held, streams stalled); the frame freezes them."""
    import gc
    import sys
    import types

    from ui import shell

    try:
        shell.freeze_imports()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        shell.freeze_imports()
        assert gc.get_freeze_count() == frozen  # no module came: nothing is collected or frozen again
        sys.modules["_alonchat_test_module"] = types.ModuleType("_alonchat_test_module")
        kept = [[] for _ in range(100)]  # objects that exist when the next module arrives
        shell.freeze_imports()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        sys.modules.pop("_alonchat_test_module", None)
        gc.unfreeze()
        shell._frozen_at = 0


def _live_then_stored():
    """A live answer with a table streamed to its end, then the same answer as the next run draws it stored."""
    from datetime import datetime

    import streamlit as st

    from alonchat.calls.parallel import PaneState
    from alonchat.calls.result import CallResult
    from alonchat.conversations import MessageView
    from ui.playground import live, panes

    text = "Intro.\n\n| Planet | Size |\n|---|---|\n| Mars | small |\n| Venus | medium |\n\nThe end."
    result = CallResult(model="m", content=text, latency_ms=900.0, ttft_ms=100.0, options={"temperature": 0.2})
    with st.container(key="live"):
        answer, pane = live.LiveAnswer("temp 0.2"), PaneState("m")
        for end in range(5, len(text), 6):
            pane.text = text[:end]
            answer.update(pane)
        pane.text, pane.result = text, result
        answer.update(pane)
    with st.container(key="stored"):
        panes.message(MessageView(1, 0, "m", "assistant", text, "ok", datetime.now(), result=result))


def test_a_stored_answer_takes_the_live_answers_places_so_no_table_is_left_on_screen_twice():
    """Issue 20, item 6: when the run that draws the stored answer replaces the run that streamed it, each of its
    elements replaces its live twin. An element in another place (or a live piece with no twin) stayed on screen
    beside it until that run ended: the table showed twice."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_live_then_stored, default_timeout=30).run()
    assert not at.exception, at.exception
    live, stored = (at.get("chat_message")[i] for i in (0, 1))

    def slots(message) -> list[str]:
        return [type(child).__name__ for child in message.children.values()]

    assert len(slots(live)) == len(slots(stored)), (slots(live), slots(stored))
    for message in (live, stored):
        tables = [m.value for m in message.markdown if "| Planet |" in m.value]
        assert len(tables) == 1 and tables[0].startswith("Intro.") and tables[0].endswith("The end.")

    def table_slot(message) -> list[int]:  # which of the four slots holds the table (an element or a block of them)
        return [i for i, c in message.children.items()
                if any("| Planet |" in m.value for m in (c.markdown if hasattr(c, "markdown") else [c])
                       if hasattr(m, "value") and isinstance(m.value, str))]

    assert table_slot(live) == table_slot(stored) == [2]
