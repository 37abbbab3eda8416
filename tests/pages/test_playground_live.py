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
