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
